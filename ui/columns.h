/* Cell formats the panes share.  Each is a vcolumn_format (vlist.h). */
#ifndef MKT_COLUMNS_H
#define MKT_COLUMNS_H

#include "vlist.h"

/* Unix seconds in `cell` as an age: "12m", "3h", "2d". */
const char *fmt_ago(const struct list_row *, const struct vcolumn *,
	    char *, size_t, time_t, int *);

/* Like fmt_ago, but warns as the wait grows: an hour, then a day. */
const char *fmt_waiting(const struct list_row *, const struct vcolumn *,
	    char *, size_t, time_t, int *);

/* Minor units in `cell`, currency code in `aux`: "1,234.50 EUR". */
const char *fmt_money(const struct list_row *, const struct vcolumn *,
	    char *, size_t, time_t, int *);

/* A status word, coloured by what it means (overdue, paid, open…). */
const char *fmt_status(const struct list_row *, const struct vcolumn *,
	    char *, size_t, time_t, int *);

/* The role (enum role) fmt_status colours a status word with, or -1
 * for none: the same colours wherever a status is shown. */
int	 status_role(const char *status);

/* A count that shows blank when zero. */
const char *fmt_count(const struct list_row *, const struct vcolumn *,
	    char *, size_t, time_t, int *);

/* The cell's text, or "" when out of range. */
const char *row_cell(const struct list_row *row, int cell);

#endif
