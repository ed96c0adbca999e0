/* Invoices by due date, latest first; drafts, which have none yet, lead. */
#include <string.h>

#include "app.h"
#include "columns.h"
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

static int
init(struct app *app, enum pane_id self, char *err, size_t errlen)
{
	return list_pane_init(app, self, &list_invoices, columns,
	    nitems(columns), I_PENDING, "No invoices in the cache yet.", err,
	    errlen);
}

const struct pane_ops pane_invoices = {
	.name = "invoices",
	.title = "Invoices",
	.init = init,
	.free = list_pane_free,
	.draw = list_pane_draw,
	.focus = list_pane_focus,
	.reload = list_pane_reload,
};
