/* Every list the panes show, as keyset sources over the cache (see
 * listwin.h), with the index of each cell a row carries.  The UI names a
 * list and a cell; the SQL lives here.  Conversations are the queue's
 * (queue.h): views, filters and sorts build their source there.
 *
 * Each list of rows the user can change carries a *_PENDING cell: how
 * many of the row's actions the server has not acknowledged yet.  The
 * list widget draws the pending mark from it (ui/vlist.c). */
#ifndef MKT_LISTS_H
#define MKT_LISTS_H

#include "listwin.h"

/* Orders by date, newest first. */
enum {
	O_NUMBER, O_COMPANY, O_KIND, O_TITLE, O_CITY, O_AMOUNT, O_CURRENCY,
	O_STATUS, O_OFFERS, O_CREATED, O_PAYMENT, O_EXECUTOR, O_PENDING,
	O_NCOLS
};

/* Invoices by due date, latest first; drafts (no due date yet) lead. */
enum {
	I_NUMBER, I_COMPANY, I_NAME, I_KIND, I_STATUS, I_TOTAL, I_DUE,
	I_CURRENCY, I_DUE_DATE, I_PERIOD, I_PENDING, I_NCOLS
};

/* The lines of invoice :scope, in their order on the invoice.  Amounts
 * are in the invoice's currency (L_CURRENCY); L_REF is "order 123" when
 * the line bills a booking or an order, L_BREAKDOWN how its amount was
 * reached ("agency fee 23 % = base 20 + expert 5"). */
enum {
	L_POSITION, L_DESCRIPTION, L_QUANTITY, L_UNIT_PRICE, L_AMOUNT,
	L_CURRENCY, L_REF, L_BREAKDOWN, L_NCOLS
};

/* Knowledge-base tables by name.  A table counts as pending while any
 * of its rows is: that is where the user looks for an unsent edit. */
enum { T_NAME, T_COMPANY, T_KIND, T_ROWS, T_PENDING, T_NCOLS };

/* Knowledge-base rows: the row's JSON (kb_expand_row splits it into one
 * cell per column) and its pending count. */
enum { R_CELLS, R_PENDING, R_NCOLS };

/* Sync problems: outbox entries the server refused, newest first. */
enum {
	P_CREATED, P_SUMMARY, P_STATUS, P_ERROR, P_METHOD, P_PATH, P_NCOLS
};

extern const struct list_source list_orders;
extern const struct list_source list_invoices;
extern const struct list_source list_invoice_lines;
extern const struct list_source list_kb_tables;
/* The rows of the knowledge-base table :scope, in table order. */
extern const struct list_source list_kb_rows;
extern const struct list_source list_problems;

#endif
