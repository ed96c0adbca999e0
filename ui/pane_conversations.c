/* Conversations: the triage queue (one view at a time, with its count
 * in the tab line above the list) and the thread opened from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "columns.h"
#include "conversations.h"
#include "draw.h"
#include "store.h"
#include "text.h"
#include "theme.h"
#include "triage.h"
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

/* A customer who asked for a person outranks the status word. */
static const char *
fmt_conv_status(const struct list_row *row, const struct vcolumn *col,
    char *buf, size_t len, time_t now, int *role)
{
	if (strcmp(row_cell(row, C_HANDOFF), "1") == 0 &&
	    strcmp(row_cell(row, C_STATUS), "resolved") != 0)
		return *role = ROLE_URGENT, "handoff";
	return fmt_status(row, col, buf, len, now, role);
}

static const struct vcolumn columns[] = {
	{ "", C_PRIORITY, 0, 2, 2, 0, false, fmt_priority, NULL },
	{ "ch", C_PLATFORM, 0, 2, 2, 0, false, fmt_platform, NULL },
	{ "company", C_COMPANY, 0, 7, 7, 2, false, NULL, NULL },
	{ "contact", C_CONTACT, 0, 12, 20, 0, false, NULL, NULL },
	{ "last message", C_PREVIEW, 0, 16, 0, 0, false, NULL, NULL },
	{ "wait", C_WAITING, 0, 4, 5, 1, true, fmt_waiting, NULL },
	{ "seen", C_ACTIVITY, 0, 4, 5, 3, true, fmt_ago, NULL },
	{ "status", C_STATUS, 0, 8, 8, 2, false, fmt_conv_status, NULL },
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

struct conv_pane *
conv_pane(struct app *app)
{
	return app->pane_data[PANE_CONVERSATIONS];
}

/* The views are counted, and the list's selection ranked, on a thread
 * (take_results shows them): each time the list recounts, and when the
 * data changes.  A new filter or search blanks the old counts; new data
 * leaves them until then. */
/* What the counts depend on besides the data: the filter and search. */
static void
narrowed_by(const struct conv_pane *cp, char *buf, size_t len)
{
	snprintf(buf, len, "%s\037%s", cp->queue.filter_text,
	    cp->queue.search);
}

static void
count_views(struct app *app, struct conv_pane *cp, bool data_changed)
{
	char narrowed[sizeof cp->counted_for];

	narrowed_by(cp, narrowed, sizeof narrowed);
	if (strcmp(narrowed, cp->counted_for) != 0) {
		for (int i = 0; i < QV_COUNT; i++)
			cp->counts[i] = -1;
		memcpy(cp->counted_for, narrowed, sizeof narrowed);
		data_changed = true;
	}
	(void)app;
	if (data_changed && !queue_busy(&cp->queue))
		cp->count_wanted = true;
}

/* The list's counts went out of date: its n/N at once when that costs
 * nothing (the whole table) or the tab line knows it, and a count on
 * the thread for the rest. */
static void
list_recounted(void *arg, struct listwin *lw)
{
	struct conv_pane *cp = arg;
	long long total = queue_total_now(lw->db, &cp->queue);
	char narrowed[sizeof cp->counted_for];

	narrowed_by(cp, narrowed, sizeof narrowed);
	if (total < 0 && strcmp(narrowed, cp->counted_for) == 0)
		total = cp->counts[cp->queue.view];
	if (total >= 0)
		listwin_counted(lw, total, 0, -1);
	cp->count_wanted = true;
}

static int
init(struct app *app, enum pane_id self, char *err, size_t errlen)
{
	struct conv_pane *cp = xcalloc(1, sizeof *cp);
	int view = queue_view_find(app->cfg->conversations_view);

	app->pane_data[self] = cp;
	queue_init(&cp->queue, view >= 0 ? (enum queue_view)view : QV_ALL,
	    store_user_id(app->db));
	cp->queue.now = time(NULL);
	queue_build(&cp->queue);
	cp->queue.found = -1;
	if (vlist_init(&cp->list, app->db, &cp->queue.src, columns,
	    nitems(columns), err, errlen) != 0)
		return -1;
	listwin_set_binder(&cp->list.win, queue_bind, &cp->queue);
	listwin_defer_counts(&cp->list.win, list_recounted, cp);
	cp->list.empty = "No conversations in this view.";
	cp->list.pending_cell = C_PENDING;
	cp->list.row_attr = unread_bold;
	cp->list.taggable = true;
	return 0;
}

static void
pane_free(struct app *app, enum pane_id self)
{
	struct conv_pane *cp = app->pane_data[self];

	chat_close(app, &cp->chat);
	vlist_free(&cp->list);
	queue_free(&cp->queue);
	free(cp);
	app->pane_data[self] = NULL;
}

int
conv_requery(struct app *app)
{
	struct conv_pane *cp = conv_pane(app);
	const struct list_row *r = listwin_selected(&cp->list.win);
	int64_t keep = r != NULL ? r->id : 0;
	char err[256];

	cp->queue.me = store_user_id(app->db);
	cp->queue.now = app->now;
	queue_build(&cp->queue);
	if (listwin_set_source_at(&cp->list.win, &cp->queue.src, keep, err,
	    sizeof err) != 0) {
		app_error(app, "%s", err);
		return -1;
	}
	count_views(app, cp, false);
	return 0;
}

static void
reload(struct app *app, enum pane_id self)
{
	struct conv_pane *cp = app->pane_data[self];
	char err[256];

	cp->queue.me = store_user_id(app->db);
	cp->queue.now = app->now;
	/* A search reads a table filled when it ran: new messages must be
	 * searched again to show up in it. */
	if (cp->queue.search[0] != '\0' && queue_search(app->db, &cp->queue,
	    cp->queue.search, err, sizeof err) != 0)
		app_error(app, "%s", err);
	/* The thread first: it may mark new messages read, which the list
	 * should then show. */
	if (cp->chat.open)
		chat_reload(app, &cp->chat);
	if (cp->list.loaded) {
		struct listwin *lw = &cp->list.win;
		const struct list_row *r = listwin_selected(lw);
		bool at_top = lw->rank_known && lw->pos == 0;
		int64_t id = r != NULL ? r->id : 0;

		/* A queue grows at the top: what arrives above the row being
		 * read must come into view, not hide above the window. */
		if (!at_top)
			listwin_reload(lw);
		else if (!listwin_start_at(lw, id) && id != 0)
			listwin_select_id(lw, id);
	}
	count_views(app, cp, true);
}

/* The tab line: each view with its count, then what narrows the list. */
static void
draw_views(struct app *app, struct conv_pane *cp, int y, int x, int w)
{
	char label[96], info[1024];
	int cx = x;

	(void)app;
	draw_fill(y, x, w, theme_attr(ROLE_TAB));
	for (int v = 0; v < QV_COUNT && cx < x + w; v++) {
		bool active = v == (int)cp->queue.view;
		int n;

		if (cp->counts[v] >= 0)
			snprintf(label, sizeof label, " %s %lld ",
			    queue_view_title((enum queue_view)v), cp->counts[v]);
		else
			snprintf(label, sizeof label, " %s ",
			    queue_view_title((enum queue_view)v));
		n = text_width(label);
		if (n > x + w - cx)
			n = x + w - cx;
		draw_cell(y, cx, label, n, 0, theme_attr(active ?
		    ROLE_TAB_ACTIVE : ROLE_TAB));
		cx += n;
	}
	snprintf(info, sizeof info, " sort %s%s%s%s%s%s", queue_sort_name(
	    cp->queue.sort), cp->queue.filter_text[0] != '\0' ? " · filter " :
	    "", cp->queue.filter_text, cp->queue.search[0] != '\0' ?
	    " · search " : "", cp->queue.search, cp->queue.search[0] != '\0' &&
	    queue_busy(&cp->queue) ?
	    " (searching…)" : cp->list.ntags > 0 ? " · tagged" : "");
	if (cp->list.ntags > 0) {
		size_t n = strlen(info);

		snprintf(info + n, sizeof info - n, " %d", cp->list.ntags);
	}
	if (cx < x + w)
		draw_text(y, cx, info, x + w - cx, theme_attr(ROLE_TAB));
}

static void
draw(struct app *app, enum pane_id self, int y, int x, int h, int w)
{
	struct conv_pane *cp = app->pane_data[self];

	if (cp->chat.open) {
		chat_draw(app, &cp->chat, y, x, h, w);
		return;
	}
	draw_views(app, cp, y, x, w);
	vlist_draw(&cp->list, y + 1, x, h - 1, w, true, app->now);
}

static struct vlist *
focus(struct app *app, enum pane_id self)
{
	struct conv_pane *cp = app->pane_data[self];

	return cp->chat.open ? NULL : &cp->list;
}

static int
open(struct app *app, enum pane_id self)
{
	struct conv_pane *cp = app->pane_data[self];
	const struct list_row *r = listwin_selected(&cp->list.win);

	if (r == NULL) {
		app_error(app, "no conversation selected");
		return -1;
	}
	return chat_open(app, &cp->chat, r->id);
}

static int
back(struct app *app, enum pane_id self)
{
	struct conv_pane *cp = app->pane_data[self];

	if (cp->chat.open) {
		chat_close(app, &cp->chat);
		/* Keep the list on the conversation just read. */
		listwin_reload(&cp->list.win);
		return 0;
	}
	if (cp->queue.search[0] != '\0') {
		char err[256];

		cp->announce = false;
		if (queue_search(app->db, &cp->queue, "", err, sizeof err) != 0)
			app_error(app, "%s", err);
		app_message(app, "search cleared");
		return conv_requery(app);
	}
	if (cp->list.ntags > 0) {
		vlist_tags_clear(&cp->list);
		app_message(app, "tags cleared");
	}
	return 0;
}

static int
thread_scroll(struct app *app, enum pane_id self, enum chat_move how,
    long long delta)
{
	struct conv_pane *cp = app->pane_data[self];

	if (!cp->chat.open)
		return 0;
	chat_scroll(&cp->chat, how, delta);
	if ((how == CHAT_TOP || delta < 0) && cp->chat.top == 0)
		chat_want_older(app, &cp->chat);
	return 0;
}

int
conv_targets(struct app *app, int64_t **ids)
{
	struct conv_pane *cp = conv_pane(app);
	const struct list_row *r;

	*ids = NULL;
	if (cp->chat.open) {
		*ids = xcalloc(1, sizeof **ids);
		(*ids)[0] = cp->chat.id;
		return 1;
	}
	if (cp->list.ntags > 0) {
		*ids = xreallocarray(NULL, (size_t)cp->list.ntags,
		    sizeof **ids);
		memcpy(*ids, cp->list.tags, (size_t)cp->list.ntags *
		    sizeof **ids);
		return cp->list.ntags;
	}
	if ((r = listwin_selected(&cp->list.win)) == NULL) {
		app_error(app, "no conversation selected");
		return 0;
	}
	*ids = xcalloc(1, sizeof **ids);
	(*ids)[0] = r->id;
	return 1;
}

void
conv_untag_all(struct app *app)
{
	struct conv_pane *cp = conv_pane(app);

	if (!cp->chat.open)
		vlist_tags_clear(&cp->list);
}

static long long
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000LL +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* A search's hits and the views' counts come from a thread while keys
 * are served; the list takes new hits in a few times a second, not on
 * every poll. */
static int
take_results(struct app *app, enum pane_id self)
{
	struct conv_pane *cp = app->pane_data[self];
	struct queue_counted counted;
	char err[256];
	bool at_top;
	int rc;

	/* Started only now, after the frame of the key that wanted it:
	 * the thread would take the core that frame is drawn on. */
	if (cp->count_wanted) {
		cp->count_wanted = false;
		if (queue_count(app->db, &cp->queue, &cp->list.win, err,
		    sizeof err) != 0)
			app_error(app, "%s", err);
	}
	if (!queue_busy(&cp->queue))
		return 0;
	if ((rc = queue_poll(app->db, &cp->queue, &counted, err,
	    sizeof err)) < 0) {
		app_error(app, "%s", err);
		return 0;
	}
	if (rc & QUEUE_COUNTED) {
		struct listwin *lw = &cp->list.win;

		memcpy(cp->counts, counted.views, sizeof cp->counts);
		listwin_counted(lw, counted.views[cp->queue.view],
		    counted.rank_id, counted.rank);
		/* The selection moved to another row while it was ranked. */
		if (!(rc & QUEUE_MORE) && !lw->rank_known &&
		    listwin_selected(lw) != NULL) {
			if (queue_count(app->db, &cp->queue, lw, err,
			    sizeof err) != 0)
				app_error(app, "%s", err);
			else
				rc |= QUEUE_MORE;
		}
	}
	cp->unshown |= (rc & QUEUE_FOUND) != 0;
	if (cp->unshown && (!(rc & QUEUE_MORE) ||
	    ms_since(&cp->search_shown) >= 250)) {
		clock_gettime(CLOCK_MONOTONIC, &cp->search_shown);
		cp->unshown = false;
		at_top = cp->list.win.pos == 0;
		if (conv_requery(app) != 0)
			return 0;
		/* Results sort in above the first: someone who has not
		 * moved yet is still reading from the top. */
		if (at_top)
			listwin_top(&cp->list.win);
	}
	if (!(rc & QUEUE_MORE) && cp->announce) {
		cp->announce = false;
		triage_search_done(app);
	}
	return (rc & QUEUE_MORE) != 0;
}

const struct pane_ops pane_conversations = {
	.name = "conversations",
	.title = "Conversations",
	.init = init,
	.free = pane_free,
	.draw = draw,
	.focus = focus,
	.reload = reload,
	.open = open,
	.back = back,
	.scroll_by = thread_scroll,
	.work = take_results,
};
