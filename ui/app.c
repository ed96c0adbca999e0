#include <curses.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "bars.h"
#include "cmd.h"
#include "draw.h"
#include "help.h"
#include "keys.h"
#include "outbox.h"
#include "theme.h"
#include "ui.h"

/* Below this the panes cannot show a header, a row and both bars. */
#define MIN_COLS	40
#define MIN_LINES	8

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

void
app_reload(struct app *app)
{
	app->outbox_pending = outbox_pending(app->db);
	if (app->outbox_pending < 0)
		app->outbox_pending = 0;
	for (int i = 0; i < PANE_COUNT; i++)
		if (app->panes[i]->reload != NULL)
			app->panes[i]->reload(app, (enum pane_id)i);
}

int
ui_check_keys(const struct mkt_config *cfg, char *err, size_t errlen)
{
	int rc = keys_configure(cfg, err, errlen);

	keys_free();
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
	curs_set(0);
	if (h < MIN_LINES || w < MIN_COLS) {
		draw_too_small(h, w);
		return;
	}
	tabbar_draw(app, 0, w);
	if (app->help)
		help_draw(app, 1, h - 2, w);
	else
		app->panes[app->active]->draw(app, app->active, 1, 0,
		    h - 2, w);
	if (app->prompt.active) {
		draw_fill(h - 1, 0, w, theme_attr(ROLE_NORMAL));
		prompt_draw(&app->prompt, h - 1, w);
		curs_set(1);
	} else
		statusbar_draw(app, h - 1, w);
}

/* Reads one key as a keys.h code: wide characters as themselves,
 * function keys tagged with KEYF_FUNCTION, Enter always '\n'.  Returns
 * -1 when the timeout passed with no key. */
static int
read_key(void)
{
	wint_t wc;

	switch (get_wch(&wc)) {
	case KEY_CODE_YES:
		if (wc == KEY_ENTER)
			return '\n';
		return KEYF_FUNCTION | (int)wc;
	case OK:
		if (wc == '\r')
			return '\n';
		if (wc == 127 || wc == 8)
			return KEYF_FUNCTION | KEY_BACKSPACE;
		return (int)wc;
	default:
		return -1;
	}
}

static void
dispatch(struct app *app, int key)
{
	const char *command;
	char line[1024], name[32];

	app->message[0] = '\0';
	if (app->prompt.active) {
		if (prompt_key(&app->prompt, key, line, sizeof line) ==
		    PROMPT_DONE && line[0] != '\0')
			cmd_run(app, line);
		return;
	}
	if (app->help) {
		if (help_key(app, key, LINES - 2))
			return;
		app->help = false;
	}
	if ((command = keys_lookup(key, (int)app->active)) != NULL)
		cmd_run(app, command);
	else if (key != (KEYF_FUNCTION | KEY_RESIZE))
		app_message(app, "%s is not bound; ? lists the keys",
		    key_describe(key, name, sizeof name));
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
	return 0;
}

static void
panes_free(struct app *app)
{
	for (int i = 0; i < PANE_COUNT; i++)
		if (app->panes[i] != NULL && app->pane_data[i] != NULL)
			app->panes[i]->free(app, (enum pane_id)i);
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
	app.sync_state = opt->sync_state;
	app.now = time(NULL);

	if (keys_configure(opt->cfg, err, errlen) != 0)
		return -1;
	/* newterm, unlike initscr, reports a bad TERM instead of exiting. */
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		snprintf(err, errlen, "cannot use terminal type '%s'",
		    getenv("TERM") != NULL ? getenv("TERM") : "(unset)");
		keys_free();
		return -1;
	}
	catch_stop_signals();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	timeout(1000);		/* the clock ticks even when idle */
	theme_init(opt->cfg->color);

	prompt_load_history(&app.prompt);
	if (panes_init(&app, err, errlen) != 0)
		rc = -1;
	else {
		app_reload(&app);
		while (!app.quit && !stop_requested) {
			int key;

			draw_frame(&app);
			refresh();
			if ((key = read_key()) >= 0)
				dispatch(&app, key);
		}
	}
	panes_free(&app);
	prompt_free(&app.prompt);
	endwin();
	delscreen(scr);
	keys_free();
	return rc;
}
