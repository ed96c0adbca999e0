#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "act.h"
#include "app.h"
#include "apply.h"
#include "bars.h"
#include "cmd.h"
#include "conversations.h"
#include "draw.h"
#include "help.h"
#include "invoices.h"
#include "keys.h"
#include "outbox.h"
#include "sync.h"
#include "theme.h"
#include "trace.h"
#include "triage.h"
#include "ui.h"

/* Below this the panes cannot show a header, a row and both bars. */
#define MIN_COLS	40
#define MIN_LINES	8
/* A message (not an error) gives the status line back after this. */
#define MESSAGE_SECS	6

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
set_message(struct app *app, bool is_error, const char *fmt, va_list ap)
{
	vsnprintf(app->message, sizeof app->message, fmt, ap);
	app->message_is_error = is_error;
	app->message_at = time(NULL);
}

void
app_message(struct app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(app, false, fmt, ap);
	va_end(ap);
}

void
app_error(struct app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(app, true, fmt, ap);
	va_end(ap);
	if (app->cfg->bell)
		beep();
}

/* Counted on the UI's own connection, when the outbox changed: as fresh
 * as the last commit, its own actions included, and one index lookup. */
void
app_recount(struct app *app)
{
	app->outbox_pending = outbox_pending(app->db);
	if (app->outbox_pending < 0)
		app->outbox_pending = 0;
	app->outbox_problems = outbox_problems(app->db);
	if (app->outbox_problems < 0)
		app->outbox_problems = 0;
}

void
app_reload(struct app *app)
{
	app_reload_kinds(app, ~0u);
}

/* Re-reads the panes of the given kinds.  With sticky_top, a list
 * still at its start stays there: while the first sync fills the cache
 * it then ends on the newest rows rather than on whichever came first.
 * Otherwise the selection follows its row, so a key never acts on
 * another one. */
static void
reload_panes(struct app *app, unsigned kinds, bool sticky_top)
{
	static const unsigned pane_kind[PANE_COUNT] = {
		[PANE_CONVERSATIONS] = KIND_CONVERSATIONS,
		[PANE_ORDERS] = KIND_ORDERS,
		[PANE_KB] = KIND_KB,
		[PANE_INVOICES] = KIND_INVOICES,
	};

	if (kinds & KIND_OUTBOX) {
		app_recount(app);
		problems_reload(app);
	}
	if (kinds & KIND_OTHER)
		notices_reload(app);
	/* Users and companies are joined into every list's names. */
	if (kinds & KIND_OTHER)
		kinds |= KIND_CONVERSATIONS | KIND_ORDERS | KIND_KB |
		    KIND_INVOICES;
	for (int i = 0; i < PANE_COUNT; i++) {
		struct vlist *vl;
		bool at_top;

		if (!(kinds & pane_kind[i]) || app->panes[i]->reload == NULL)
			continue;
		vl = app->panes[i]->focus(app, (enum pane_id)i);
		at_top = sticky_top && vl != NULL && vl->loaded &&
		    vl->win.rank_known && vl->win.pos == 0;
		app->panes[i]->reload(app, (enum pane_id)i);
		if (at_top && (vl->win.pos != 0 || !vl->win.rank_known))
			listwin_top(&vl->win);
	}
}

void
app_reload_kinds(struct app *app, unsigned kinds)
{
	reload_panes(app, kinds, false);
}

int
app_view(const struct app *app)
{
	if (app->problems)
		return PANE_PROBLEMS;
	if (app->notifications)
		return PANE_NOTIFICATIONS;
	if (app->active == PANE_CONVERSATIONS && conv_pane(
	    (struct app *)app)->chat.open)
		return PANE_THREAD;
	if (app->active == PANE_INVOICES && invoices_viewing((struct app *)app))
		return PANE_INVOICE;
	return (int)app->active;
}

int
app_view_parent(int view)
{
	if (view == PANE_INVOICE)
		return PANE_INVOICES;
	return view == PANE_THREAD ? PANE_CONVERSATIONS : PANE_ANY;
}

bool
app_view_in(const struct app *app, int pane)
{
	int view = app_view(app);

	return pane == PANE_ANY || pane == view ||
	    pane == app_view_parent(view);
}

const char *
app_view_title(const struct app *app, int view)
{
	if (view == PANE_PROBLEMS)
		return "Sync problems";
	if (view == PANE_NOTIFICATIONS)
		return "Notifications";
	if (view == PANE_THREAD)
		return "Conversation thread";
	if (view == PANE_INVOICE)
		return "Invoice";
	if (view >= 0 && view < PANE_COUNT)
		return app->panes[view]->title;
	return "Everywhere";
}

struct vlist *
app_focus(struct app *app)
{
	if (app->problems)
		return &app->problem_list;
	if (app->notifications)
		return &app->notification_list;
	return app->panes[app->active]->focus(app, app->active);
}

void
app_ask(struct app *app, enum prompt_purpose purpose, const char *label,
    const char *initial)
{
	static const enum prompt_mode modes[] = {
		[ASK_COMMAND] = PROMPT_COMMAND,
		[ASK_PASSWORD] = PROMPT_SECRET,
		[ASK_CELL] = PROMPT_TEXT,
	};

	app->prompt_for = purpose;
	prompt_open_mode(&app->prompt, modes[purpose], label, initial, NULL);
}

void
app_confirm(struct app *app, int (*fn)(struct app *, int64_t), int64_t id,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(app->confirm.question, sizeof app->confirm.question, fmt,
	    ap);
	va_end(ap);
	app->confirm.fn = fn;
	app->confirm.id = id;
	app->confirm.active = true;
}

int
ui_check_config(const struct mkt_config *cfg, char *err, size_t errlen)
{
	int rc = keys_configure(cfg, err, errlen);

	keys_free();
	if (rc == 0 && queue_view_find(cfg->conversations_view) < 0) {
		snprintf(err, errlen, "%s: [ui] view: no view '%s' (mine, "
		    "unassigned, waiting, unpaid, all, resolved)",
		    cfg->path != NULL ? cfg->path : "mkt.conf",
		    cfg->conversations_view);
		return -1;
	}
	return rc;
}

static void
draw_too_small(int h, int w)
{
	char msg[96];
	int n;

	erase();
	n = snprintf(msg, sizeof msg, "terminal too small: %dx%d, mkt needs "
	    "%dx%d", w, h, MIN_COLS, MIN_LINES);
	if (n > w)
		n = w;
	draw_cell(h / 2, (w - n) / 2 > 0 ? (w - n) / 2 : 0, msg, n, 0,
	    theme_attr(ROLE_WARN));
}

static void
draw_frame(struct app *app)
{
	int h = LINES, w = COLS;

	app->now = time(NULL);
	if (app->message[0] != '\0' && !app->message_is_error &&
	    app->now - app->message_at >= MESSAGE_SECS)
		app->message[0] = '\0';
	curs_set(0);
	if (h < MIN_LINES || w < MIN_COLS) {
		draw_too_small(h, w);
		return;
	}
	tabbar_draw(app, 0, w);
	/* The status line first: the pane after it may place the cursor
	 * (the composer's), and nothing may move it afterwards. */
	if (!app->prompt.active)
		statusbar_draw(app, h - 1, w);
	if (app->help)
		help_draw(app, 1, h - 2, w);
	else if (app->problems)
		problems_draw(app, 1, h - 2, w);
	else if (app->notifications)
		notices_draw(app, 1, h - 2, w);
	else
		app->panes[app->active]->draw(app, app->active, 1, 0,
		    h - 2, w);
	if (app->picker.active)
		picker_draw(&app->picker, h, w);
	if (app->prompt.active) {
		draw_fill(h - 1, 0, w, theme_attr(ROLE_NORMAL));
		prompt_draw(&app->prompt, h - 1, w);
		curs_set(1);
	}
}

/* Reads one key as a keys.h code: wide characters as themselves,
 * function keys tagged with KEYF_FUNCTION, Enter '\n'.  C-j (a bare line
 * feed: the terminal is in nonl mode, so Enter is a carriage return) and
 * Alt-Enter (Esc then Enter, arriving together) are KEY_NEWLINE, the
 * composer's line break.  Returns -1 when no key is waiting (input is
 * non-blocking: poll waits). */
static int
read_key(void)
{
	wint_t wc, next;
	int rc;

	switch (get_wch(&wc)) {
	case KEY_CODE_YES:
		if (wc == KEY_ENTER)
			return '\n';
		return KEYF_FUNCTION | (int)wc;
	case OK:
		if (wc == '\r')
			return '\n';
		if (wc == '\n')
			return KEY_NEWLINE;
		if (wc == 127 || wc == 8)
			return KEYF_FUNCTION | KEY_BACKSPACE;
		if (wc == 27 && (rc = get_wch(&next)) != ERR) {
			if (rc == OK && (next == '\r' || next == '\n'))
				return KEY_NEWLINE;
			if (rc == KEY_CODE_YES)
				ungetch((int)next);
			else
				unget_wch((wchar_t)next);
		}
		return (int)wc;
	default:
		return -1;
	}
}

/* Enter on the command line: what the line was opened for. */
static void
prompt_done(struct app *app, char *line, size_t len)
{
	switch (app->prompt_for) {
	case ASK_COMMAND:
		if (line[0] != '\0')
			cmd_run(app, line);
		break;
	case ASK_PASSWORD:
		if (app->sync != NULL)
			act_password_entered(app, line);
		break;
	case ASK_CELL:
		act_cell_entered(app, line);
		break;
	}
	explicit_bzero(line, len);
}

static void
dispatch(struct app *app, int key)
{
	const char *command;
	char line[PROMPT_MAX * 4 + 1], name[32];

	app->message[0] = '\0';
	if (app->confirm.active) {
		app->confirm.active = false;
		if (key == 'y' || key == 'Y')
			app->confirm.fn(app, app->confirm.id);
		else if (key != (KEYF_FUNCTION | KEY_RESIZE))
			app_message(app, "cancelled");
		else
			app->confirm.active = true;
		return;
	}
	if (app->prompt.active) {
		enum prompt_purpose was = app->prompt_for;

		switch (prompt_key(&app->prompt, key, line, sizeof line)) {
		case PROMPT_DONE:
			prompt_done(app, line, sizeof line);
			break;
		case PROMPT_CANCEL:
			if (was == ASK_PASSWORD) {
				app->login_dismissed = true;
				app_message(app, "not logged in; :login when "
				    "you are ready");
			}
			break;
		case PROMPT_EDITING:
			break;
		}
		return;
	}
	if (app->help) {
		if (help_key(app, key, LINES - 2))
			return;
		app->help = false;
	}
	if (app->picker.active) {
		enum picker_result how = picker_key(&app->picker, key);

		if (how == PICKER_CHOSEN || how == PICKER_NEW)
			triage_picked(app, how);
		if (how != PICKER_OPEN)
			picker_close(&app->picker);
		return;
	}
	if (app_view(app) == PANE_THREAD &&
	    chat_composing(&conv_pane(app)->chat)) {
		if (key != (KEYF_FUNCTION | KEY_RESIZE))
			chat_composer_key(app, &conv_pane(app)->chat, key);
		return;
	}
	/* Outside the composer a line break is just Enter. */
	if (key == KEY_NEWLINE)
		key = '\n';
	command = keys_lookup(key, app_view(app));
	trace_command(command);
	if (command != NULL)
		cmd_run(app, command);
	else if (key != (KEYF_FUNCTION | KEY_RESIZE))
		app_message(app, "%s is not bound; ? lists the keys",
		    key_describe(key, name, sizeof name));
}

/* The sync thread wrote to the pipe: re-read only what changed. */
static void
on_wake(struct app *app)
{
	unsigned kinds = sync_read_wake(app->sync);

	sync_get_status(app->sync, &app->status);
	/* The page that completes the first sync counts as part of it. */
	app->filling |= app->status.first_sync;
	if (kinds & ~(unsigned)KIND_STATUS)
		reload_panes(app, kinds, app->filling);
	app->filling = app->status.first_sync;
}

/* Opens the password prompt when the engine needs one, unless the user
 * said not now, or is busy on the command line. */
static void
watch_login(struct app *app)
{
	if (app->sync == NULL)
		return;
	sync_get_status(app->sync, &app->status);
	app->filling |= app->status.first_sync;
	if (app->status.conn == SYNC_AUTH_NEEDED && !app->login_dismissed &&
	    !app->prompt.active && !app->confirm.active)
		act_ask_password(app);
	/* Once online, a later expiry asks again even after an Esc, and
	 * "logging in…" has said all it had to. */
	if (app->status.conn == SYNC_ONLINE) {
		app->login_dismissed = false;
		if (app->login_tried && strncmp(app->message, "logging in",
		    10) == 0)
			app->message[0] = '\0';
		app->login_tried = false;
	}
}

/* Waits for a key, the sync thread's pipe, a signal, or the next second
 * of the clock, whichever comes first; only a moment when there is work
 * left between keys.  Returns false when the terminal is gone. */
static bool
wait_events(struct app *app, bool busy)
{
	struct pollfd fds[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = app->wake_fd, .events = POLLIN },
	};
	nfds_t n = app->sync != NULL && app->wake_fd >= 0 ? 2 : 1;
	struct timespec ts;
	int ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = busy ? 10 : 1000 - (int)(ts.tv_nsec / 1000000);
	if (poll(fds, n, ms) < 0)
		return errno == EINTR;	/* a resize or a stop signal */
	/* A key's latency counts from here, the sync's reload included. */
	trace_input(fds[0].revents & POLLIN);
	if (n > 1 && (fds[1].revents & POLLIN))
		on_wake(app);
	else if (n > 1 && fds[1].revents != 0)
		app->wake_fd = -1;	/* closed: polling it would spin */
	if ((fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) &&
	    !(fds[0].revents & POLLIN))
		return false;
	return true;
}

/* A step of what commands left to do between keys (pane_ops.work).
 * True while some is left. */
static bool
panes_work(struct app *app)
{
	bool more = false;

	for (int i = 0; i < PANE_COUNT; i++)
		if (app->panes[i]->work != NULL &&
		    app->panes[i]->work(app, (enum pane_id)i) > 0)
			more = true;
	return more;
}

static int
panes_init(struct app *app, char *err, size_t errlen)
{
	app->panes[PANE_CONVERSATIONS] = &pane_conversations;
	app->panes[PANE_ORDERS] = &pane_orders;
	app->panes[PANE_KB] = &pane_kb;
	app->panes[PANE_INVOICES] = &pane_invoices;
	for (int i = 0; i < PANE_COUNT; i++)
		if (app->panes[i]->init(app, (enum pane_id)i, err,
		    errlen) != 0)
			return -1;
	if (notices_init(app, err, errlen) != 0)
		return -1;
	return problems_init(app, err, errlen);
}

static void
panes_free(struct app *app)
{
	for (int i = 0; i < PANE_COUNT; i++)
		if (app->panes[i] != NULL && app->pane_data[i] != NULL)
			app->panes[i]->free(app, (enum pane_id)i);
	problems_free(app);
	notices_free(app);
	picker_close(&app->picker);
}

static void
catch_stop_signals(void)
{
	struct sigaction sa;

	/* No SA_RESTART: the signal must interrupt the wait for a key. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int
ui_run(const struct ui_options *opt, char *err, size_t errlen)
{
	struct app app;
	SCREEN *scr;
	int rc = 0;

	memset(&app, 0, sizeof app);
	app.db = opt->db;
	app.cfg = opt->cfg;
	app.user = opt->user;
	app.sync = opt->sync;
	app.wake_fd = opt->sync != NULL ? opt->wake_fd : -1;
	app.no_sync_reason = opt->no_sync_reason;
	app.now = time(NULL);
	if (app.sync != NULL)
		sync_get_status(app.sync, &app.status);

	if (trace_open(err, errlen) != 0)
		return -1;
	if (keys_configure(opt->cfg, err, errlen) != 0) {
		trace_close();
		return -1;
	}
	/* newterm, unlike initscr, reports a bad TERM instead of exiting. */
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		snprintf(err, errlen, "cannot use terminal type '%s'",
		    getenv("TERM") != NULL ? getenv("TERM") : "(unset)");
		keys_free();
		trace_close();
		return -1;
	}
	catch_stop_signals();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	/* Never block in curses: poll(2) waits for keys, the sync thread's
	 * pipe and the clock together. */
	timeout(0);
	theme_init(opt->cfg);

	prompt_load_history(&app.prompt);
	app.ap = applier_new(app.db);
	if (panes_init(&app, err, errlen) != 0)
		rc = -1;
	else {
		bool busy = false;

		app_reload(&app);
		while (!app.quit && !stop_requested) {
			int key, nkeys = 0;

			watch_login(&app);
			draw_frame(&app);
			refresh();
			trace_frame();
			if (!wait_events(&app, busy))
				break;
			/* Everything typed so far, then one frame: a paste
			 * or a held key is not redrawn per character. */
			while (!app.quit && !stop_requested &&
			    (key = read_key()) >= 0) {
				trace_key(key);
				dispatch(&app, key);
				nkeys++;
			}
			/* Work waits for the keys' frame; a key may have
			 * left some, so look again a moment after it. */
			busy = nkeys > 0 || panes_work(&app);
		}
	}
	panes_free(&app);
	applier_free(app.ap);
	prompt_close(&app.prompt);
	prompt_free(&app.prompt);
	endwin();
	/* The batch that quit ends with the terminal given back. */
	trace_close();
	delscreen(scr);
	keys_free();
	return rc;
}
