/* The Invoices pane: the list of invoices and the invoice opened from it
 * (invoice_view.h).  The commands that act on an invoice reach it
 * through here, from the list or from the view alike. */
#ifndef MKT_INVOICES_H
#define MKT_INVOICES_H

#include <stdbool.h>
#include <stdint.h>

#include "invoice_view.h"
#include "vlist.h"

struct app;

struct invoices_pane {
	struct vlist		 list;
	struct invoice_view	 view;
};

struct invoices_pane *invoices_pane(struct app *app);

/* Whether an invoice is open (the view is PANE_INVOICE). */
bool	 invoices_viewing(struct app *app);

/* The invoice an action acts on: the open one, else the selected row. */
struct invoice_target {
	int64_t		 id;
	char		 number[64];
	char		 currency[8];
	int64_t		 due_minor;	/* as the cache has it now */
};

/* 0, or -1 after app_error() said there is none. */
int	 invoices_target(struct app *app, struct invoice_target *t);

/* J and K in the view: the next or previous invoice of the list, opened
 * in place. */
int	 cmd_next_invoice(struct app *, int, char **);
int	 cmd_previous_invoice(struct app *, int, char **);

#endif
