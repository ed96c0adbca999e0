/* Invoices by due date, latest first; drafts, which have none yet, lead.
 * Enter opens the selected one full-pane (invoice_view.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "columns.h"
#include "invoices.h"
#include "lists.h"
#include "theme.h"
#include "util.h"

static const char *
fmt_due(const struct list_row *row, const struct vcolumn *col, char *buf,
    size_t len, time_t now, int *role)
{
	const char *status = row_cell(row, I_STATUS);

	/* Nothing is due on a paid or cancelled invoice. */
	if (strcmp(status, "paid") == 0 || strcmp(status, "cancelled") == 0)
		return "";
	return fmt_money(row, col, buf, len, now, role);
}

static const struct vcolumn columns[] = {
	{ "number", I_NUMBER, 0, 15, 15, 0, false, NULL, NULL },
	{ "company", I_COMPANY, 0, 7, 7, 0, false, NULL, NULL },
	{ "name", I_NAME, 0, 10, 0, 3, false, NULL, NULL },
	{ "kind", I_KIND, 0, 10, 12, 2, false, NULL, NULL },
	{ "status", I_STATUS, 0, 9, 9, 0, false, fmt_status, NULL },
	{ "period", I_PERIOD, 0, 7, 7, 4, false, NULL, NULL },
	{ "total", I_TOTAL, I_CURRENCY, 12, 18, 1, true, fmt_money, NULL },
	{ "due", I_DUE, I_CURRENCY, 12, 18, 1, true, fmt_due, NULL },
	{ "due date", I_DUE_DATE, 0, 10, 10, 0, false, NULL, NULL },
};

struct invoices_pane *
invoices_pane(struct app *app)
{
	return app->pane_data[PANE_INVOICES];
}

bool
invoices_viewing(struct app *app)
{
	struct invoices_pane *ip = invoices_pane(app);

	return ip != NULL && ip->view.open;
}

static int
init(struct app *app, enum pane_id self, char *err, size_t errlen)
{
	struct invoices_pane *ip = xcalloc(1, sizeof *ip);

	app->pane_data[self] = ip;
	if (vlist_init(&ip->list, app->db, &list_invoices, columns,
	    nitems(columns), err, errlen) != 0)
		return -1;
	ip->list.empty = "No invoices in the cache yet.";
	ip->list.pending_cell = I_PENDING;
	return invoice_view_init(app, &ip->view, err, errlen);
}

static void
pane_free(struct app *app, enum pane_id self)
{
	struct invoices_pane *ip = app->pane_data[self];

	invoice_view_free(&ip->view);
	vlist_free(&ip->list);
	free(ip);
	app->pane_data[self] = NULL;
}

static void
draw(struct app *app, enum pane_id self, int y, int x, int h, int w)
{
	struct invoices_pane *ip = app->pane_data[self];
	char place[48] = "";

	if (!ip->view.open) {
		vlist_draw(&ip->list, y, x, h, w, true, app->now);
		return;
	}
	if (ip->list.win.total > 0)
		snprintf(place, sizeof place, "%lld/%lld",
		    ip->list.win.pos + 1, ip->list.win.total);
	invoice_view_draw(app, &ip->view, place, y, x, h, w);
}

/* In the view, movement keys move through its lines. */
static struct vlist *
focus(struct app *app, enum pane_id self)
{
	struct invoices_pane *ip = app->pane_data[self];

	return ip->view.open ? &ip->view.lines : &ip->list;
}

static void
reload(struct app *app, enum pane_id self)
{
	struct invoices_pane *ip = app->pane_data[self];

	if (ip->list.loaded)
		listwin_reload(&ip->list.win);
	if (ip->view.open)
		invoice_view_reload(app, &ip->view);
}

static int
open(struct app *app, enum pane_id self)
{
	struct invoices_pane *ip = app->pane_data[self];
	const struct list_row *r;

	if (ip->view.open)
		return invoice_view_show_line(app, &ip->view);
	if ((r = listwin_selected(&ip->list.win)) == NULL) {
		app_error(app, "no invoice selected");
		return -1;
	}
	return invoice_view_open(app, &ip->view, r->id);
}

/* Puts the list's selection on invoice id.  J and K move it along and
 * a reload keeps it on its row, so it is there already but for an
 * invoice gone from the list; only then is the list re-anchored, which
 * recounts it: a count on every key would cost 10 ms at 200,000. */
static void
select_invoice(struct invoices_pane *ip, int64_t id)
{
	const struct list_row *r = listwin_selected(&ip->list.win);

	if (ip->list.loaded && (r == NULL || r->id != id))
		listwin_select_id(&ip->list.win, id);
}

/* Back to the list, on the row of the invoice just read. */
static int
back(struct app *app, enum pane_id self)
{
	struct invoices_pane *ip = app->pane_data[self];
	int64_t id = ip->view.doc.id;

	if (!ip->view.open)
		return 0;
	invoice_view_close(&ip->view);
	select_invoice(ip, id);
	return 0;
}

int
invoices_target(struct app *app, struct invoice_target *t)
{
	struct invoices_pane *ip = invoices_pane(app);
	const struct list_row *r;

	memset(t, 0, sizeof *t);
	if (ip->view.open) {
		t->id = ip->view.doc.id;
		snprintf(t->number, sizeof t->number, "%s",
		    ip->view.doc.number != NULL ? ip->view.doc.number : "");
		snprintf(t->currency, sizeof t->currency, "%s",
		    ip->view.doc.currency);
		t->due_minor = ip->view.doc.due_minor;
		return 0;
	}
	if ((r = listwin_selected(&ip->list.win)) == NULL) {
		app_error(app, "no invoice selected");
		return -1;
	}
	t->id = r->id;
	snprintf(t->number, sizeof t->number, "%s", row_cell(r, I_NUMBER));
	snprintf(t->currency, sizeof t->currency, "%s",
	    row_cell(r, I_CURRENCY));
	t->due_minor = strtoll(row_cell(r, I_DUE), NULL, 10);
	return 0;
}

/* The list's row after (or before) the open invoice, opened in its
 * place. */
static int
step_invoice(struct app *app, int delta)
{
	struct invoices_pane *ip = invoices_pane(app);
	int64_t id = ip->view.doc.id;
	const struct list_row *r;

	if (!ip->view.open)
		return 0;
	select_invoice(ip, id);
	r = listwin_selected(&ip->list.win);
	if (r != NULL && r->id == id &&
	    listwin_move(&ip->list.win, delta, false) != 0) {
		app_error(app, "%s", ip->list.win.err);
		return -1;
	}
	if ((r = listwin_selected(&ip->list.win)) == NULL)
		return 0;
	if (r->id == id) {
		app_message(app, "no %s invoice in the list", delta > 0 ?
		    "next" : "previous");
		return 0;
	}
	return invoice_view_open(app, &ip->view, r->id);
}

int
cmd_next_invoice(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return step_invoice(app, 1);
}

int
cmd_previous_invoice(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return step_invoice(app, -1);
}

const struct pane_ops pane_invoices = {
	.name = "invoices",
	.title = "Invoices",
	.init = init,
	.free = pane_free,
	.draw = draw,
	.focus = focus,
	.reload = reload,
	.open = open,
	.back = back,
};
