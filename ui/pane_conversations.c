/* Conversations: every customer chat, most recent activity first. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "columns.h"
#include "lists.h"
#include "theme.h"
#include "util.h"

static const char *
fmt_priority(const struct list_row *row, const struct vcolumn *col,
    char *buf, size_t len, time_t now, int *role)
{
	const char *p = row_cell(row, col->cell);

	(void)buf; (void)len; (void)now;
	if (strcmp(p, "urgent") == 0)
		return *role = ROLE_URGENT, "!!";
	if (strcmp(p, "high") == 0)
		return *role = ROLE_WARN, "!";
	if (strcmp(p, "medium") == 0)
		return "·";
	return "";
}

static const char *
fmt_platform(const struct list_row *row, const struct vcolumn *col,
    char *buf, size_t len, time_t now, int *role)
{
	static const char *const tags[][2] = {
		{ "whatsapp", "WA" }, { "telegram", "TG" },
		{ "instagram", "IG" }, { "facebook", "FB" },
		{ "email", "EM" }, { "tiktok", "TT" }, { "order_chat", "OR" },
	};
	const char *p = row_cell(row, col->cell);

	(void)buf; (void)len; (void)now; (void)role;
	for (size_t i = 0; i < nitems(tags); i++)
		if (strcmp(p, tags[i][0]) == 0)
			return tags[i][1];
	return "??";
}

static const char *
fmt_payment(const struct list_row *row, const struct vcolumn *col,
    char *buf, size_t len, time_t now, int *role)
{
	const char *p = row_cell(row, col->cell);

	(void)buf; (void)len; (void)now;
	if (strcmp(p, "payment_link_sent") == 0)
		return *role = ROLE_WARN, "unpaid";
	if (strcmp(p, "paid") == 0)
		return *role = ROLE_GOOD, "paid";
	return "";
}

static const struct vcolumn columns[] = {
	{ "", C_PRIORITY, 0, 2, 2, 0, false, fmt_priority, NULL },
	{ "ch", C_PLATFORM, 0, 2, 2, 0, false, fmt_platform, NULL },
	{ "company", C_COMPANY, 0, 7, 7, 2, false, NULL, NULL },
	{ "contact", C_CONTACT, 0, 12, 20, 0, false, NULL, NULL },
	{ "last message", C_PREVIEW, 0, 16, 0, 0, false, NULL, NULL },
	{ "wait", C_WAITING, 0, 4, 5, 1, true, fmt_waiting, NULL },
	{ "seen", C_ACTIVITY, 0, 4, 5, 3, true, fmt_ago, NULL },
	{ "status", C_STATUS, 0, 8, 8, 2, false, fmt_status, NULL },
	{ "assignee", C_ASSIGNEE, 0, 8, 14, 3, false, NULL, NULL },
	{ "new", C_UNREAD, 0, 3, 3, 1, true, fmt_count, NULL },
	{ "labels", C_LABELS, 0, 8, 16, 4, false, NULL, NULL },
	{ "pay", C_PAYMENT, 0, 6, 6, 3, false, fmt_payment, NULL },
};

static int
unread_bold(const struct list_row *row)
{
	const char *n = row_cell(row, C_UNREAD);

	return n[0] != '\0' && strcmp(n, "0") != 0 ? A_BOLD : 0;
}

static int
init(struct app *app, enum pane_id self, char *err, size_t errlen)
{
	if (list_pane_init(app, self, &list_conversations, columns,
	    nitems(columns), C_PENDING, "No conversations in the cache yet.",
	    err, errlen) != 0)
		return -1;
	list_pane_focus(app, self)->row_attr = unread_bold;
	return 0;
}

const struct pane_ops pane_conversations = {
	.name = "conversations",
	.title = "Conversations",
	.init = init,
	.free = list_pane_free,
	.draw = list_pane_draw,
	.focus = list_pane_focus,
	.reload = list_pane_reload,
};
