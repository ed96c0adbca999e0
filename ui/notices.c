/* The notifications view (:notifications): what the server told the
 * signed-in user, newest first, unread in bold.  Enter opens what a
 * notification is about and marks it read.  Like :problems it opens over
 * the panes and is a list like any other. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "actions.h"
#include "app.h"
#include "columns.h"
#include "conversations.h"
#include "draw.h"
#include "keys.h"
#include "notices.h"
#include "store.h"
#include "theme.h"
#include "util.h"

static const char *
fmt_kind(const struct list_row *row, const struct vcolumn *col, char *buf,
    size_t len, time_t now, int *role)
{
	const char *k = row_cell(row, col->cell);

	(void)buf; (void)len; (void)now;
	if (strcmp(k, "new_message") == 0)
		return *role = ROLE_WARN, "message";
	if (strcmp(k, "new_conversation") == 0)
		return *role = ROLE_WARN, "new chat";
	if (strcmp(k, "assigned") == 0)
		return *role = ROLE_GOOD, "assigned";
	return k;
}

static const struct vcolumn columns[] = {
	{ "when", N_CREATED, 0, 4, 5, 1, true, fmt_ago, NULL },
	{ "kind", N_KIND, 0, 8, 12, 2, false, fmt_kind, NULL },
	{ "", N_TITLE, 0, 20, 0, 0, false, NULL, NULL },
};

static int
unread_bold(const struct list_row *row)
{
	return strcmp(row_cell(row, N_READ), "0") == 0 ? A_BOLD : 0;
}

int
notices_init(struct app *app, char *err, size_t errlen)
{
	struct vlist *vl = &app->notification_list;

	if (vlist_init(vl, app->db, &list_notices, columns, nitems(columns),
	    err, errlen) != 0)
		return -1;
	vl->empty = "No notifications.";
	vl->row_attr = unread_bold;
	listwin_set_scope(&vl->win, store_user_id(app->db));
	app->last_notice = notices_newest_ringing(app->db,
	    store_user_id(app->db));
	return 0;
}

void
notices_free(struct app *app)
{
	vlist_free(&app->notification_list);
}

void
notices_reload(struct app *app)
{
	int64_t me = store_user_id(app->db), newest;

	if (me != app->notification_list.win.scope)
		listwin_set_scope(&app->notification_list.win, me);
	else if (app->notification_list.loaded)
		listwin_reload(&app->notification_list.win);
	app->unread_notices = notices_unread(app->db, me);
	if (app->unread_notices < 0)
		app->unread_notices = 0;
	/* Ring once per newer notification, never for ones that were
	 * already there when mkt started or the first sync brought. */
	newest = notices_newest_ringing(app->db, me);
	if (newest > app->last_notice) {
		if (!app->filling &&
		    app->cfg->bell && app->cfg->notify_bell)
			beep();
		app->last_notice = newest;
	}
}

void
notices_draw(struct app *app, int y, int h, int w)
{
	char title[256], keys[2][48];

	keys_for("open", PANE_NOTIFICATIONS, keys[0], sizeof keys[0]);
	keys_for("close", PANE_NOTIFICATIONS, keys[1], sizeof keys[1]);
	snprintf(title, sizeof title, " Notifications — %lld unread (%s "
	    "opens and marks read, %s close)", app->unread_notices, keys[0],
	    keys[1]);
	draw_cell(y, 0, title, w, 0, theme_attr(ROLE_HEADER));
	vlist_draw(&app->notification_list, y + 1, 0, h - 1, w, true,
	    app->now);
}

/* Enter: what the notification is about, opened, and it is read. */
int
notices_open(struct app *app)
{
	const struct list_row *r = listwin_selected(
	    &app->notification_list.win);
	struct conv_pane *cp = conv_pane(app);
	char err[256];
	int64_t id, ref = 0;
	bool unread;

	if (r == NULL)
		return 0;
	/* Read the row now: queuing reloads the list under it. */
	id = r->id;
	unread = strcmp(row_cell(r, N_READ), "0") == 0;
	if (strcmp(row_cell(r, N_REF_TYPE), "conversation") == 0)
		ref = strtoll(row_cell(r, N_REF_ID), NULL, 10);
	if (unread) {
		if (notification_mark_read(app->ap, id, err, sizeof err) != 0)
			app_error(app, "%s", err);
		else
			act_queued(app, KIND_OTHER, "notification read");
	}
	if (ref <= 0)
		return 0;
	app->notifications = false;
	app->active = PANE_CONVERSATIONS;
	listwin_select_id(&cp->list.win, ref);
	return chat_open(app, &cp->chat, ref);
}
