/* The one list widget every pane composes: a listwin (src/listwin.h) drawn
 * as a header and rows of columns.  With a column cursor (cur_col >= 0) it
 * is the grid: columns scroll sideways to keep the cursor in view.
 * Without one, columns that do not fit are dropped by priority. */
#ifndef MKT_VLIST_H
#define MKT_VLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "listwin.h"

struct vcolumn;

/* Drawn before a row that has actions the server has not acknowledged.
 * mkt always runs with a UTF-8 locale (text_init_locale), as the rest
 * of its frame (│, …) already assumes. */
#define PENDING_MARK	"↻"
/* Drawn before a tagged row, as in mutt. */
#define TAG_MARK	"*"

/* Renders one cell into buf and may set *role (enum role) for it. */
typedef const char *(*vcolumn_format)(const struct list_row *row,
    const struct vcolumn *col, char *buf, size_t len, time_t now, int *role);

struct vcolumn {
	const char	*title;
	int		 cell;		/* index into row->cells */
	int		 aux;		/* a second cell: an amount's currency */
	int		 min, max;	/* width; max 0 takes what is left */
	int		 priority;	/* dropped first when high; 0 never */
	bool		 right;		/* right-aligned (numbers, money) */
	vcolumn_format	 format;	/* NULL: the cell as it is */
	const void	*arg;		/* for format */
};

struct vlist {
	struct listwin		 win;
	const struct vcolumn	*cols;
	int			 ncols;
	int			 first_col;	/* grid: leftmost shown */
	int			 cur_col;	/* grid cursor, or -1 */
	/* Attribute for a whole row (bold when unread…), or 0. */
	int			 (*row_attr)(const struct list_row *row);
	const char		*empty;		/* shown when there are no rows */
	/* The cell holding the row's count of unacknowledged actions, or
	 * -1 for a list of rows the user cannot change.  When set, a
	 * narrow leading column shows PENDING_MARK on those rows. */
	int			 pending_cell;
	bool			 loaded;	/* window read at least once */
	/* Tagged row ids, sorted; actions that take tags act on all of
	 * them.  Only lists with taggable set draw the tag column. */
	bool			 taggable;
	int64_t			*tags;
	int			 ntags, tagsize;
};

int	vlist_init(struct vlist *vl, sqlite3 *db, const struct list_source *src,
	    const struct vcolumn *cols, int ncols, char *err, size_t errlen);
void	vlist_free(struct vlist *vl);

/* Draws into the rectangle: one header line, then h - 1 rows.  Resizes
 * the window to fit first, so a terminal resize needs nothing else. */
void	vlist_draw(struct vlist *vl, int y, int x, int h, int w, bool focused,
	    time_t now);

/* Tags: whether a row is tagged, toggling one (returns its new state),
 * and untagging all. */
bool	vlist_tagged(const struct vlist *vl, int64_t id);
bool	vlist_tag_toggle(struct vlist *vl, int64_t id);
void	vlist_tags_clear(struct vlist *vl);

/* Moves the grid's column cursor, clamped to the columns. */
void	vlist_column(struct vlist *vl, int delta);

#endif
