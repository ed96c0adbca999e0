/* Orders: marketplace orders with their offers, and checkout orders,
 * newest first. */
#include <string.h>

#include "app.h"
#include "columns.h"
#include "lists.h"
#include "theme.h"
#include "util.h"

static const char *
fmt_kind(const struct list_row *row, const struct vcolumn *col, char *buf,
    size_t len, time_t now, int *role)
{
	(void)buf; (void)len; (void)now; (void)role;
	return strcmp(row_cell(row, col->cell), "checkout") == 0 ?
	    "checkout" : "market";
}

static const struct vcolumn columns[] = {
	{ "number", O_NUMBER, 0, 9, 10, 0, false, NULL, NULL },
	{ "age", O_CREATED, 0, 4, 5, 1, true, fmt_ago, NULL },
	{ "company", O_COMPANY, 0, 7, 7, 2, false, NULL, NULL },
	{ "kind", O_KIND, 0, 8, 8, 3, false, fmt_kind, NULL },
	{ "title", O_TITLE, 0, 16, 0, 0, false, NULL, NULL },
	{ "city", O_CITY, 0, 8, 14, 2, false, NULL, NULL },
	{ "amount", O_AMOUNT, O_CURRENCY, 12, 16, 1, true, fmt_money, NULL },
	{ "status", O_STATUS, 0, 11, 11, 0, false, fmt_status, NULL },
	{ "offers", O_OFFERS, 0, 6, 6, 2, true, fmt_count, NULL },
	{ "executor", O_EXECUTOR, 0, 10, 18, 4, false, NULL, NULL },
};

static int
init(struct app *app, enum pane_id self, char *err, size_t errlen)
{
	return list_pane_init(app, self, &list_orders, columns,
	    nitems(columns), O_PENDING, "No orders in the cache yet.", err,
	    errlen);
}

const struct pane_ops pane_orders = {
	.name = "orders",
	.title = "Orders",
	.init = init,
	.free = list_pane_free,
	.draw = list_pane_draw,
	.focus = list_pane_focus,
	.reload = list_pane_reload,
};
