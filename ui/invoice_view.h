/* The invoice view: one invoice full-pane, opened with Enter from the
 * Invoices list.  A header block (what it bills, to whom, when, the
 * totals), its lines as a list of their own (the one list widget, over
 * list_invoice_lines), and its payments: under the lines, or in a side
 * panel on a wide terminal.  While it is open, keys go to the
 * PANE_INVOICE bindings, then to the Invoices pane's. */
#ifndef MKT_INVOICE_VIEW_H
#define MKT_INVOICE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "invoice_doc.h"
#include "vlist.h"

struct app;

struct invoice_view {
	bool			 open;
	struct invoice_doc	 doc;		/* valid while open */
	struct vlist		 lines;		/* scoped to doc.id */
};

/* Prepares the lines' list, once for the life of the pane. */
int	 invoice_view_init(struct app *app, struct invoice_view *v, char *err,
	    size_t errlen);
void	 invoice_view_free(struct invoice_view *v);

/* Opens invoice id (or another one in place of the open one) on its
 * first line.  0, or -1 after app_error(); what was open stays so. */
int	 invoice_view_open(struct app *app, struct invoice_view *v, int64_t id);
void	 invoice_view_close(struct invoice_view *v);
/* Re-reads after the cache changed, keeping the line selected; closes
 * the view, saying so, when the invoice has gone. */
void	 invoice_view_reload(struct app *app, struct invoice_view *v);

/* Draws into the rectangle.  place is the invoice's place in the list
 * it was opened from ("3/210"), or "". */
void	 invoice_view_draw(struct app *app, struct invoice_view *v,
	    const char *place, int y, int x, int h, int w);

/* Enter on a line: its whole text (description, what it bills, the fee
 * breakdown) in the status line, for a line cut to fit its column. */
int	 invoice_view_show_line(struct app *app, struct invoice_view *v);

#endif
