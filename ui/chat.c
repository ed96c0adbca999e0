/* The thread view.  The thread is laid out once per width and change
 * into screen rows (chat_row), so scrolling is moving an index and a
 * frame draws only the rows on screen, whatever the thread's length. */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "actions.h"
#include "app.h"
#include "cmd.h"
#include "chat.h"
#include "conv.h"
#include "draw.h"
#include "drafts.h"
#include "money.h"
#include "sync.h"
#include "text.h"
#include "theme.h"
#include "timefmt.h"
#include "util.h"
#include "wrap.h"

#define SIDE_W		34	/* the side panel, when there is room */
#define SIDE_MIN_W	90	/* below this the thread takes it all */

enum row_kind { ROW_OLDER, ROW_HEADER, ROW_BODY, ROW_ATTACH, ROW_SYSTEM,
    ROW_GAP };

struct chat_row {
	int		 msg;
	enum row_kind	 kind;
	size_t		 off, len;	/* ROW_BODY, ROW_SYSTEM: the bytes */
};

/* ---- layout ------------------------------------------------------------- */

static void
push_row(struct chat *c, int msg, enum row_kind kind, size_t off,
    size_t len)
{
	if (c->nrows == c->rowsize) {
		c->rowsize = c->rowsize != 0 ? c->rowsize * 2 : 256;
		c->rows = xreallocarray(c->rows, (size_t)c->rowsize,
		    sizeof *c->rows);
	}
	c->rows[c->nrows++] = (struct chat_row){ msg, kind, off, len };
}

/* A message bubble takes three quarters of the width: inbound on the
 * left, outbound on the right, as every chat client draws them.  One
 * column on the left is the current-message marker; the bar and its
 * space take two more. */
static int
bubble_width(int w)
{
	int bw = (w - 1) * 3 / 4;

	return bw < 24 ? w - 1 : bw;
}

static void
push_wrapped(struct chat *c, int msg, enum row_kind kind, const char *s,
    int cols)
{
	size_t off = 0;
	struct wrap_line line;

	do {
		size_t next = wrap_line_at(s, off, cols, &line);

		push_row(c, msg, kind, line.off, line.len);
		off = next;
	} while (s[off] != '\0');
}

static void
layout(struct chat *c, int w)
{
	int body_cols = bubble_width(w) - 2;

	c->nrows = 0;
	c->layout_w = w;
	push_row(c, -1, ROW_OLDER, 0, 0);
	for (int i = 0; i < c->thread.nmsgs; i++) {
		const struct thread_msg *m = &c->thread.msgs[i];

		push_row(c, i, ROW_GAP, 0, 0);
		if (strcmp(m->kind, "system") == 0) {
			push_wrapped(c, i, ROW_SYSTEM, m->body, w - 8);
			continue;
		}
		push_row(c, i, ROW_HEADER, 0, 0);
		push_wrapped(c, i, ROW_BODY, m->body, body_cols);
		if (m->attachment_url != NULL || m->attachment_type != NULL)
			push_row(c, i, ROW_ATTACH, 0, 0);
	}
}

static int
max_top(const struct chat *c)
{
	return c->nrows > c->height ? c->nrows - c->height : 0;
}

static void
clamp(struct chat *c)
{
	if (c->follow || c->top > max_top(c))
		c->top = max_top(c);
	if (c->top < 0)
		c->top = 0;
	c->follow = c->top >= max_top(c);
}

/* ---- opening and reading ------------------------------------------------ */

/* Returns whether an action was queued (the lists then need a
 * reload for the unread count and the pending mark). */
static bool
mark_read(struct app *app, struct chat *c)
{
	char err[256];

	if (!c->have_info || c->info.unread == 0)
		return false;
	c->info.unread = 0;
	if (conversation_mark_read(app->ap, c->id, err, sizeof err) != 0) {
		app_error(app, "%s", err);
		return false;
	}
	if (app->sync != NULL)
		sync_poke(app->sync);
	return true;
}

static int
load(struct app *app, struct chat *c)
{
	char err[256];

	thread_free(&c->thread);
	if (c->have_info)
		thread_info_free(&c->info);
	c->have_info = false;
	if (thread_load(app->db, c->id, &c->thread, err, sizeof err) != 0 ||
	    thread_info_load(app->db, c->id, app->now, &c->info, err,
	    sizeof err) != 0) {
		app_error(app, "%s", err);
		return -1;
	}
	c->have_info = true;
	c->layout_w = 0;	/* lay out again at the next draw */
	return 0;
}

int
chat_open(struct app *app, struct chat *c, int64_t id)
{
	if (c->open && c->id != id)
		chat_close(app, c);
	c->open = true;
	c->id = id;
	c->top = 0;
	c->follow = true;
	c->asked_older = false;
	c->current = -1;
	if (load(app, c) != 0) {
		c->open = false;
		return -1;
	}
	if (mark_read(app, c))
		app_reload_kinds(app, KIND_CONVERSATIONS | KIND_OUTBOX);
	return 0;
}

static void
keep_draft(struct app *app, struct chat *c)
{
	if (!c->composer.active)
		return;
	if (draft_save(app->db, c->id, c->composer.kind,
	    composer_text(&c->composer)) != 0)
		app_error(app, "the draft could not be saved: %s",
		    sqlite3_errmsg(app->db));
	composer_close(&c->composer);
}

void
chat_close(struct app *app, struct chat *c)
{
	keep_draft(app, c);
	thread_free(&c->thread);
	if (c->have_info)
		thread_info_free(&c->info);
	c->have_info = false;
	free(c->rows);
	c->rows = NULL;
	c->nrows = c->rowsize = 0;
	c->open = false;
}

void
chat_reload(struct app *app, struct chat *c)
{
	int nmsgs = c->thread.nmsgs;

	if (!c->open || load(app, c) != 0)
		return;
	/* New messages while the thread is open are read: the user is
	 * looking at them. */
	if (c->thread.nmsgs != nmsgs && mark_read(app, c))
		app_recount(app);
}

void
chat_scroll(struct chat *c, enum chat_move how, long long delta)
{
	long long top = c->top, page = c->height > 1 ? c->height - 1 : 1;

	switch (how) {
	case CHAT_ROWS:
		top += delta;
		break;
	case CHAT_PAGES:
		top += delta * page;
		break;
	case CHAT_HALF:
		top += delta * (page / 2 > 0 ? page / 2 : 1);
		break;
	case CHAT_TOP:
		top = 0;
		break;
	case CHAT_BOTTOM:
		top = max_top(c);
		break;
	}
	if (top < 0)
		top = 0;
	if (top > max_top(c))
		top = max_top(c);
	c->top = (int)top;
	c->follow = c->top >= max_top(c);
}

void
chat_want_older(struct app *app, struct chat *c)
{
	if (c->top > 0 || c->asked_older || app->sync == NULL)
		return;
	c->asked_older = true;
	sync_backfill(app->sync, c->id);
}

/* ---- drawing ------------------------------------------------------------ */

static const char *
delivery_mark(const struct thread_msg *m, int *role)
{
	if (m->pending || strcmp(m->delivery, "sending") == 0)
		return *role = ROLE_PENDING, "sending…";
	if (strcmp(m->delivery, "failed") == 0)
		return *role = ROLE_ERROR, "failed !";
	if (strcmp(m->delivery, "read") == 0)
		return *role = ROLE_GOOD, "read ✓✓";
	if (strcmp(m->delivery, "delivered") == 0)
		return *role = ROLE_GOOD, "✓✓";
	if (strcmp(m->delivery, "sent") == 0)
		return *role = ROLE_DIM, "✓";
	return *role = ROLE_DIM, "";
}

static void
human_size(char *buf, size_t len, int64_t bytes)
{
	if (bytes < 0)
		snprintf(buf, len, "size unknown");
	else if (bytes < 1024)
		snprintf(buf, len, "%lld B", (long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, len, "%lld KB", (long long)(bytes + 512) / 1024);
	else
		snprintf(buf, len, "%lld.%lld MB", (long long)bytes >> 20,
		    (long long)((bytes & 0xfffff) * 10) >> 20);
}

static enum role
bar_role(const struct thread_msg *m)
{
	if (strcmp(m->kind, "note") == 0)
		return ROLE_PENDING;
	return m->inbound ? ROLE_DIM : ROLE_GOOD;
}

/* One piece of a body: tabs become spaces, because curses would expand
 * them past the bubble. */
static void
draw_piece(int y, int x, const char *s, size_t len, int cols, attr_t a)
{
	char buf[1024];

	/* A row is at most a line of columns, but marks take no column:
	 * past the buffer, cut at a character's first byte. */
	if (len >= sizeof buf) {
		len = sizeof buf - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	draw_cell(y, x, buf, cols, 0, a);
}

static void
draw_header(struct app *app, const struct thread_msg *m, int y, int x0,
    int bw, bool current)
{
	char ago[32], line[256];
	const char *who = m->author != NULL ? m->author : "";
	int role = ROLE_DIM;
	const char *mark = m->inbound ? "" : delivery_mark(m, &role);
	bool note = strcmp(m->kind, "note") == 0;
	attr_t a = theme_attr(note ? ROLE_PENDING : ROLE_NORMAL) | A_BOLD;
	int mw, lw;

	time_ago(ago, sizeof ago, app->now, m->created_at);
	if (current)
		draw_cell(y, x0 - 1, "▸", 1, 0, theme_attr(ROLE_WARN));
	snprintf(line, sizeof line, "%s%s · %s", note ? "private note · " :
	    "", who[0] != '\0' ? who : m->inbound ? "customer" : "staff",
	    ago);
	mw = mark[0] != '\0' ? text_width(mark) + 1 : 0;
	lw = text_width(line);
	if (lw > bw - mw)
		lw = bw - mw;
	if (m->inbound) {
		draw_cell(y, x0, line, lw, 0, a);
		return;
	}
	/* Outbound: flush right in the bubble, the delivery mark last. */
	draw_cell(y, x0 + bw - mw - lw, line, lw, 0, a);
	if (mw > 0)
		draw_cell(y, x0 + bw - mw + 1, mark, mw - 1, 0,
		    theme_attr((enum role)role));
}

static void
draw_row(struct app *app, struct chat *c, const struct chat_row *r, int y,
    int x, int w)
{
	const struct thread_msg *m = r->msg >= 0 ? &c->thread.msgs[r->msg] :
	    NULL;
	int bw = bubble_width(w), x0 = x + 1;
	char line[256], size[32];

	draw_fill(y, x, w, theme_attr(ROLE_NORMAL));
	if (m != NULL && !m->inbound && strcmp(m->kind, "system") != 0)
		x0 = x + w - bw;
	switch (r->kind) {
	case ROW_OLDER:
		if (c->thread.older > 0)
			snprintf(line, sizeof line, "── %lld older messages "
			    "in the cache are not shown ──", c->thread.older);
		else if (c->asked_older)
			snprintf(line, sizeof line, "── asked the server for "
			    "older messages ──");
		else
			snprintf(line, sizeof line, "── start of the cached "
			    "history; scroll up for older ──");
		draw_text(y, x + 1, line, w - 1, theme_attr(ROLE_DIM));
		break;
	case ROW_GAP:
		break;
	case ROW_SYSTEM: {
		int tw = wrap_width(m->body, r->off, r->off + r->len);
		int sx = x + (w - tw) / 2;

		draw_piece(y, sx > x ? sx : x, m->body + r->off, r->len,
		    tw < w ? tw : w, theme_attr(ROLE_DIM));
		break;
	}
	case ROW_HEADER:
		draw_header(app, m, y, x0, bw - 1, r->msg == c->current);
		break;
	case ROW_BODY:
		draw_cell(y, x0, "│", 1, 0, theme_attr(bar_role(m)));
		draw_piece(y, x0 + 2, m->body + r->off, r->len, bw - 3,
		    theme_attr(strcmp(m->kind, "note") == 0 ? ROLE_PENDING :
		    ROLE_NORMAL));
		break;
	case ROW_ATTACH:
		human_size(size, sizeof size, m->attachment_size);
		snprintf(line, sizeof line, "▣ %s · %s  (o opens)",
		    m->attachment_type != NULL ? m->attachment_type :
		    "attachment", size);
		draw_cell(y, x0, "│", 1, 0, theme_attr(bar_role(m)));
		draw_cell(y, x0 + 2, line, bw - 3, 0, theme_attr(ROLE_WARN));
		break;
	}
}

/* The message the side panel and "o" are about: the last one whose
 * header is on screen (at the bottom, the newest). */
static int
find_current(const struct chat *c)
{
	int cur = -1;

	for (int i = c->top; i < c->nrows && i < c->top + c->height; i++)
		if (c->rows[i].msg >= 0)
			cur = c->rows[i].msg;
	return cur;
}

static void
draw_title(struct app *app, struct chat *c, int y, int x, int w)
{
	const struct thread_info *in = &c->info;
	char line[512], wait[32] = "";

	if (in->waiting_since != 0)
		conv_waiting_label(wait, sizeof wait, app->now,
		    in->waiting_since);
	snprintf(line, sizeof line, " %s · %s · %s · %s%s%s%s%s",
	    in->contact != NULL ? in->contact : "?",
	    in->platform != NULL ? in->platform : "?",
	    in->company_code != NULL ? in->company_code : "?", in->status,
	    wait[0] != '\0' ? " · waiting " : "", wait,
	    in->assignee != NULL ? " · → " : " · unassigned",
	    in->assignee != NULL ? in->assignee : "");
	draw_text(y, x, line, w, theme_attr(ROLE_HEADER));
}

struct side {
	int	 y, x, w, end;
};

static void side_line(struct side *, enum role, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
side_line(struct side *s, enum role role, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (s->y >= s->end)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	draw_text(s->y++, s->x, line, s->w, theme_attr(role));
}

static const char *
or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "—";
}

static void
draw_side(struct app *app, struct chat *c, int y, int x, int h, int w)
{
	const struct thread_info *in = &c->info;
	struct side s = { y, x + 2, w - 2, y + h };
	char money[64], when[32], ago[32];

	for (int i = 0; i < h; i++) {
		draw_fill(y + i, x, w, theme_attr(ROLE_NORMAL));
		mvaddstr(y + i, x, "│");
	}
	side_line(&s, ROLE_HEADER, "Contact");
	side_line(&s, ROLE_NORMAL, "%s", or_dash(in->contact));
	side_line(&s, ROLE_NORMAL, "phone  %s", or_dash(in->phone));
	side_line(&s, ROLE_NORMAL, "email  %s", or_dash(in->email));
	side_line(&s, ROLE_NORMAL, "handle %s", or_dash(in->handle));
	side_line(&s, ROLE_NORMAL, "lang   %s", or_dash(in->language));
	side_line(&s, ROLE_NORMAL, "lead   %s", or_dash(in->lead_source));
	s.y++;
	side_line(&s, ROLE_HEADER, "Channel");
	side_line(&s, ROLE_NORMAL, "%s %s", or_dash(in->company_code),
	    or_dash(in->company));
	side_line(&s, ROLE_NORMAL, "%s %s", or_dash(in->platform),
	    or_dash(in->channel));
	side_line(&s, in->channel_status != NULL &&
	    strcmp(in->channel_status, "connected") == 0 ? ROLE_GOOD :
	    ROLE_WARN, "● %s", or_dash(in->channel_status));
	s.y++;
	if (in->order_id != 0) {
		side_line(&s, ROLE_HEADER, "Order");
		money_format(money, sizeof money, in->order_total_minor,
		    in->order_currency != NULL ? in->order_currency : "");
		side_line(&s, ROLE_NORMAL, "%s · %s", or_dash(in->order_number),
		    or_dash(in->order_status));
		side_line(&s, ROLE_NORMAL, "%s", or_dash(in->order_title));
		side_line(&s, ROLE_NORMAL, "total %s", money);
		s.y++;
	}
	side_line(&s, ROLE_HEADER, "Payment");
	side_line(&s, strcmp(or_dash(in->payment_status),
	    "payment_link_sent") == 0 ? ROLE_WARN : ROLE_NORMAL, "%s",
	    strcmp(or_dash(in->payment_status), "payment_link_sent") == 0 ?
	    "link sent, unpaid" : strcmp(or_dash(in->payment_status),
	    "paid") == 0 ? "paid" : "no payment link");
	side_line(&s, ROLE_NORMAL, "reminder %s (R)", in->payment_reminder ?
	    "on" : "off");
	s.y++;
	side_line(&s, ROLE_HEADER, "Conversation");
	side_line(&s, ROLE_NORMAL, "%s · %s", in->status, or_dash(in->priority));
	if (in->snoozed_until != 0 && strcmp(in->status, "snoozed") == 0) {
		time_local(when, sizeof when, in->snoozed_until);
		side_line(&s, ROLE_NORMAL, "until %s", when);
	}
	side_line(&s, ROLE_NORMAL, "→ %s", in->assignee != NULL ?
	    in->assignee : "unassigned");
	side_line(&s, in->handoff_requested ? ROLE_WARN : ROLE_NORMAL,
	    "handler %s%s", or_dash(in->handler), in->handoff_requested ?
	    " · wants a person" : "");
	side_line(&s, ROLE_NORMAL, "labels %s", or_dash(in->labels));
	if (c->current >= 0) {
		const struct thread_msg *m = &c->thread.msgs[c->current];

		s.y++;
		side_line(&s, ROLE_HEADER, "Message");
		time_local(when, sizeof when, m->created_at);
		time_ago(ago, sizeof ago, app->now, m->created_at);
		side_line(&s, ROLE_NORMAL, "%s (%s)", when, ago);
		side_line(&s, ROLE_NORMAL, "%s %s%s%s", m->inbound ? "in" :
		    "out", m->kind, m->delivery[0] != '\0' ? " · " : "",
		    m->delivery);
	}
}

void
chat_draw(struct app *app, struct chat *c, int y, int x, int h, int w)
{
	int side = w >= SIDE_MIN_W ? SIDE_W : 0, tw = w - side, ch = 0;

	if (!c->have_info || h < 2)
		return;
	draw_title(app, c, y, x, w);
	y++;
	h--;
	if (c->composer.active) {
		ch = composer_height(&c->composer, tw, h / 2);
		if (ch > h - 1)
			ch = h - 1 > 0 ? h - 1 : 0;
	}
	if (c->layout_w != tw)
		layout(c, tw);
	c->height = h - ch;
	clamp(c);
	for (int i = 0; i < c->height; i++) {
		int r = c->top + i;

		if (r < c->nrows)
			draw_row(app, c, &c->rows[r], y + i, x, tw);
		else
			draw_fill(y + i, x, tw, theme_attr(ROLE_NORMAL));
	}
	c->current = find_current(c);
	/* Rows were drawn before current was known: the marker goes on
	 * now. */
	for (int i = 0; i < c->height && c->current >= 0; i++) {
		const struct chat_row *r = c->top + i < c->nrows ?
		    &c->rows[c->top + i] : NULL;

		if (r != NULL && r->kind == ROW_HEADER &&
		    r->msg == c->current)
			draw_row(app, c, r, y + i, x, tw);
	}
	if (side > 0)
		draw_side(app, c, y, x + tw, h, side);
	if (ch > 0)
		composer_draw(&c->composer, y + h - ch, x, ch, tw);
}

/* ---- composing ---------------------------------------------------------- */

bool
chat_composing(const struct chat *c)
{
	return c->open && c->composer.active;
}

void
chat_compose(struct app *app, struct chat *c, const char *kind)
{
	char title[192], *draft;
	bool note = strcmp(kind, "note") == 0;

	if (!c->open || !c->have_info)
		return;
	keep_draft(app, c);
	snprintf(title, sizeof title, "%s %s on %s", note ? "Private note on" :
	    "Reply to", or_dash(c->info.contact), or_dash(c->info.platform));
	draft = draft_load(app->db, c->id, kind);
	composer_open(&c->composer, kind, title, conv_message_cap(
	    c->info.platform != NULL ? c->info.platform : "", kind), draft);
	free(draft);
	c->follow = true;
}

void
chat_composer_insert(struct chat *c, const char *text)
{
	if (c->composer.active)
		composer_insert(&c->composer, text);
}

/* What came back from $EDITOR is drawn as it is typed: cleaned first,
 * line breaks kept. */
void
chat_composer_set(struct chat *c, const char *text)
{
	char *clean = text_sanitize_dup(text, strlen(text), 0);

	if (clean != NULL && c->composer.active)
		composer_set(&c->composer, clean);
	free(clean);
}

static void
send_composed(struct app *app, struct chat *c)
{
	char err[256], kind[8];

	snprintf(kind, sizeof kind, "%s", c->composer.kind);
	if (conversation_reply(app->ap, c->id, kind,
	    composer_text(&c->composer), err, sizeof err) != 0) {
		/* Kept open with the text: nothing typed is lost. */
		app_error(app, "%s", err);
		return;
	}
	draft_save(app->db, c->id, kind, "");
	composer_close(&c->composer);
	c->follow = true;
	act_queued(app, KIND_CONVERSATIONS, "%s in conversation %lld",
	    strcmp(kind, "note") == 0 ? "note" : "reply", (long long)c->id);
	chat_reload(app, c);
}

void
chat_composer_key(struct app *app, struct chat *c, int key)
{
	char *text;

	switch (composer_key(&c->composer, key)) {
	case COMPOSER_EDITING:
		break;
	case COMPOSER_SEND:
		send_composed(app, c);
		break;
	case COMPOSER_CLOSE:
		keep_draft(app, c);
		app_message(app, "draft kept; r or N opens it again");
		break;
	case COMPOSER_CANNED:
		cmd_run(app, "canned");
		break;
	case COMPOSER_EDITOR:
		if (act_edit_text(app, composer_text(&c->composer), ".txt",
		    &text) == 0) {
			chat_composer_set(c, text);
			free(text);
		}
		break;
	}
}

const struct thread_msg *
chat_attachment(const struct chat *c)
{
	const struct thread_msg *m;

	if (c->current >= 0) {
		m = &c->thread.msgs[c->current];
		if (m->attachment_url != NULL)
			return m;
	}
	for (int i = c->top + c->height - 1; i >= c->top; i--) {
		if (i >= c->nrows || c->rows[i].msg < 0)
			continue;
		m = &c->thread.msgs[c->rows[i].msg];
		if (m->attachment_url != NULL)
			return m;
	}
	return NULL;
}

