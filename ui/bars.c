#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "bars.h"
#include "conversations.h"
#include "draw.h"
#include "text.h"
#include "theme.h"
#include "timefmt.h"

void
tabbar_draw(struct app *app, int y, int w)
{
	char label[64];
	int x = 0;

	draw_fill(y, 0, w, theme_attr(ROLE_TAB));
	for (int i = 0; i < PANE_COUNT && x < w; i++) {
		int n = snprintf(label, sizeof label, " %d %s ", i + 1,
		    app->panes[i]->title);
		if (n > w - x)
			n = w - x;
		draw_cell(y, x, label, n, 0, theme_attr(i == (int)app->active ?
		    ROLE_TAB_ACTIVE : ROLE_TAB));
		x += n + 1;
	}
	if (w - x > 12)
		draw_cell(y, x, "mkt " MKT_VERSION, w - x - 1, 1,
		    theme_attr(ROLE_TAB));
}

static void
clock_text(struct app *app, char *buf, size_t len)
{
	struct tm tm;

	if (localtime_r(&app->now, &tm) == NULL ||
	    strftime(buf, len, app->cfg->clock_format, &tm) == 0)
		snprintf(buf, len, "--:--");
}

/* ---- the sync state, in parts dropped by priority ----------------------- */

#define MAX_PARTS	10
/* The width of the first-sync progress bar, in cells. */
#define BAR_CELLS	10

struct part {
	char		 text[160];
	const char	*sep;		/* drawn before it, unless first */
	enum role	 role;
	int		 prio;		/* 0 stays; higher goes first */
};

struct parts {
	struct part	 p[MAX_PARTS];
	int		 n;
};

static void
add(struct parts *ps, const char *sep, enum role role, int prio,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
add(struct parts *ps, const char *sep, enum role role, int prio,
    const char *fmt, ...)
{
	char raw[sizeof ps->p[0].text];
	struct part *p;
	va_list ap;

	if (ps->n == MAX_PARTS)
		return;
	p = &ps->p[ps->n++];
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	/* A server's error text is not to be trusted with the terminal. */
	text_sanitize(p->text, sizeof p->text, raw, strlen(raw),
	    TEXT_ONELINE);
	p->sep = sep;
	p->role = role;
	p->prio = prio;
}

/* 5591 as "5,591". */
static const char *
grouped(char *buf, size_t len, long long n)
{
	char digits[32];
	int nd, o = 0;

	nd = snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n);
	if (n < 0 && len > 1)
		buf[o++] = '-';
	for (int i = 0; i < nd && (size_t)o + 2 < len; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* "40s ago", "3m ago", "2h ago", or "never". */
static const char *
ago(char *buf, size_t len, time_t now, time_t t)
{
	char a[32];

	if (t == 0)
		snprintf(buf, len, "never");
	else if (now - t < 60)
		snprintf(buf, len, "%llds ago", (long long)(now > t ?
		    now - t : 0));
	else {
		time_ago(a, sizeof a, (int64_t)now, (int64_t)t);
		snprintf(buf, len, "%s ago", a);
	}
	return buf;
}

/* "synced 12:03", or with the date when it was not today. */
static void
add_synced(struct parts *ps, time_t now, time_t t)
{
	struct tm tm, today;
	char buf[32];

	if (t == 0 || localtime_r(&t, &tm) == NULL ||
	    localtime_r(&now, &today) == NULL)
		return;
	strftime(buf, sizeof buf, tm.tm_yday == today.tm_yday &&
	    tm.tm_year == today.tm_year ? "%H:%M" : "%b %d %H:%M", &tm);
	add(ps, "│", ROLE_STATUS, 2, "synced %s", buf);
}

/* "syncing ▕██████░░░░▏ 1,234/5,591" while the first sync catches up. */
static void
add_progress(struct parts *ps, const struct sync_status *st)
{
	long long total = st->progress_done + st->progress_left;
	char bar[BAR_CELLS * 3 + 1], done[32], all[32];
	int filled, o = 0;

	if (total <= 0) {
		add(ps, "│", ROLE_STATUS, 0, "syncing…");
		return;
	}
	filled = (int)(st->progress_done * BAR_CELLS / total);
	for (int i = 0; i < BAR_CELLS; i++)
		o += snprintf(bar + o, sizeof bar - (size_t)o, "%s",
		    i < filled ? "█" : "░");
	add(ps, "│", ROLE_STATUS, 0, "syncing ▕%s▏ %s/%s", bar,
	    grouped(done, sizeof done, st->progress_done),
	    grouped(all, sizeof all, total));
}

static void
sync_parts(struct app *app, struct parts *ps)
{
	const struct sync_status *st = &app->status;
	long long pending = app->outbox_pending;
	char when[48];

	add(ps, "", ROLE_STATUS, 3, "%s", app->user);
	if (app->sync == NULL) {
		add(ps, "│", ROLE_STATUS, 0, "%s", app->no_sync_reason != NULL ?
		    app->no_sync_reason : "no server");
		add(ps, "│", ROLE_STATUS, 1, "%lld pending", pending);
	} else if (st->first_sync && (st->conn == SYNC_ONLINE ||
	    st->conn == SYNC_CONNECTING) && st->progress_done +
	    st->progress_left > 0) {
		add_progress(ps, st);
		add(ps, "│", ROLE_STATUS, 1, "%lld pending", pending);
	} else switch (st->conn) {
	case SYNC_ONLINE:
		add(ps, "│", ROLE_STATUS, 0, "online");
		add(ps, "│", ROLE_STATUS, 1, "%lld pending", pending);
		add_synced(ps, app->now, st->last_sync);
		break;
	case SYNC_CONNECTING:
		add(ps, "│", ROLE_STATUS, 0, "connecting…");
		add(ps, "│", ROLE_STATUS, 1, "%lld pending", pending);
		add_synced(ps, app->now, st->last_sync);
		break;
	case SYNC_OFFLINE:
		add(ps, "│", ROLE_STATUS, 0, "offline");
		add(ps, "—", ROLE_STATUS, 1, "%lld pending", pending);
		add(ps, "—", ROLE_STATUS, 2, "last sync %s", ago(when,
		    sizeof when, app->now, st->last_sync));
		if (st->retry_at > app->now) {
			long long in = (long long)(st->retry_at - app->now);
			if (in < 60)
				add(ps, "—", ROLE_STATUS, 4, "retry in %llds",
				    in);
			else {
				time_ago(when, sizeof when, (int64_t)app->now,
				    (int64_t)st->retry_at);
				add(ps, "—", ROLE_STATUS, 4, "retry %s", when);
			}
		}
		break;
	case SYNC_AUTH_NEEDED:
		add(ps, "│", ROLE_WARN, 0, "login needed");
		add(ps, "—", ROLE_STATUS, 1, "%lld pending", pending);
		break;
	case SYNC_FAILED:
		add(ps, "│", ROLE_ERROR, 0, "sync stopped");
		add(ps, "—", ROLE_STATUS, 1, "%lld pending", pending);
		add(ps, "—", ROLE_STATUS, 4, "%s", st->error);
		break;
	}
	if (app->unread_notices > 0)
		add(ps, "│", ROLE_WARN, 1, "✉ %lld new (@)", app->unread_notices);
	if (app->outbox_problems > 0)
		add(ps, "│", ROLE_WARN, 1, "⚠ %lld sync problem%s (:problems)",
		    app->outbox_problems, app->outbox_problems == 1 ? "" : "s");
	if (app->sync != NULL && st->insecure)
		add(ps, "│", ROLE_ERROR, 0, "TLS NOT VERIFIED");
}

/* The width the parts take, separators included (" x │ y"). */
static int
parts_width(const struct parts *ps, const bool *shown)
{
	int w = 0, k = 0;

	for (int i = 0; i < ps->n; i++)
		if (shown[i])
			w += (k++ > 0 ? text_width(ps->p[i].sep) + 2 : 1) +
			    text_width(ps->p[i].text);
	return w;
}

/* Chooses the parts that fit in w columns, dropping the least important
 * (highest prio, then the rightmost) first.  Returns their width; what
 * is left and still too wide is cut with "…" when drawn. */
static int
parts_fit(const struct parts *ps, int w, bool *shown)
{
	int width;

	for (int i = 0; i < ps->n; i++)
		shown[i] = true;
	while ((width = parts_width(ps, shown)) > w) {
		int drop = -1;
		for (int i = 0; i < ps->n; i++)
			if (shown[i] && ps->p[i].prio > 0 && (drop < 0 ||
			    ps->p[i].prio >= ps->p[drop].prio))
				drop = i;
		if (drop < 0)
			break;
		shown[drop] = false;
	}
	return width;
}

/* The width of the parts that are never dropped, and the pending count:
 * what a message must leave room for. */
static int
parts_essential(const struct parts *ps)
{
	bool shown[MAX_PARTS];

	for (int i = 0; i < ps->n; i++)
		shown[i] = ps->p[i].prio <= 1;
	return parts_width(ps, shown);
}

/* Draws the parts that fit from x across w columns; with right_align
 * they end at x + w. */
static void
parts_draw(const struct parts *ps, int y, int x, int w, bool right_align)
{
	bool shown[MAX_PARTS];
	int k = 0, end = x + w, width = parts_fit(ps, w, shown);

	if (right_align && width < w)
		x += w - width;
	for (int i = 0; i < ps->n && x < end; i++) {
		char sep[16];
		int tw;

		if (!shown[i])
			continue;
		if (k++ > 0)
			snprintf(sep, sizeof sep, " %s ", ps->p[i].sep);
		else
			snprintf(sep, sizeof sep, " ");
		tw = text_width(sep);
		x += draw_cell(y, x, sep, tw < end - x ? tw : end - x, 0,
		    theme_attr(ROLE_STATUS));
		tw = text_width(ps->p[i].text);
		if (tw > end - x)
			tw = end - x;
		x += draw_cell(y, x, ps->p[i].text, tw, 0,
		    theme_attr(ps->p[i].role));
	}
}

/* The status bar: the user and the sync state on the left, the
 * position and the clock on the right.  A message or a question takes
 * the left; the sync state then moves right, keeping at least whether
 * mkt is online and what is pending: the bar always says both. */
void
statusbar_draw(struct app *app, int y, int w)
{
	struct vlist *vl = app_focus(app);
	struct parts ps = { .n = 0 };
	const char *msg = NULL;
	char right[128], clock[64];
	enum role msg_role = ROLE_STATUS;
	int rw, avail;

	clock_text(app, clock, sizeof clock);
	/* In a thread: where its conversation is in the queue. */
	if (vl == NULL && app_view(app) == PANE_THREAD)
		vl = &conv_pane(app)->list;
	if (vl != NULL && (vl->win.total > 0 || (vl->win.total < 0 &&
	    vl->win.nrows > 0))) {
		char pos[24] = "…", total[24] = "…";

		/* A list counted off the UI's thread shows what is known. */
		if (vl->win.rank_known)
			snprintf(pos, sizeof pos, "%lld", vl->win.pos + 1);
		if (vl->win.total >= 0)
			snprintf(total, sizeof total, "%lld", vl->win.total);
		snprintf(right, sizeof right, " %s/%s │ %s ", pos, total,
		    clock);
	} else
		snprintf(right, sizeof right, " 0/0 │ %s ", clock);
	rw = text_width(right);
	if (rw > w)
		rw = w;
	avail = w - rw;

	if (app->confirm.active) {
		msg = app->confirm.question;
		msg_role = ROLE_WARN;
	} else if (app->message[0] != '\0') {
		msg = app->message;
		msg_role = app->message_is_error ? ROLE_ERROR : ROLE_STATUS;
	}
	sync_parts(app, &ps);
	draw_fill(y, 0, w, theme_attr(ROLE_STATUS));
	if (msg == NULL)
		parts_draw(&ps, y, 0, avail, false);
	else {
		char clean[512];
		int mw, room;

		text_sanitize(clean, sizeof clean, msg, strlen(msg),
		    TEXT_ONELINE);
		/* A message is cut before the essentials are; a question,
		 * which waits for an answer, never is. */
		mw = text_width(clean) + 1;
		room = avail - parts_essential(&ps) - 1;
		if (mw > room && !app->confirm.active)
			mw = room > avail / 2 ? room : avail / 2;
		if (mw > avail)
			mw = avail;
		draw_cell(y, 0, clean, mw, 0, theme_attr(msg_role));
		parts_draw(&ps, y, mw + 1, avail - mw - 1, true);
	}
	draw_cell(y, w - rw, right, rw, 1, theme_attr(ROLE_STATUS));
}
