#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "app.h"
#include "cmd.h"
#include "util.h"

#define MAX_ARGS	8

static const char *const pane_words[] = {
	"conversations", "orders", "kb", "invoices", NULL
};

static struct vlist *
focus(struct app *app)
{
	return app_focus(app);
}

static int
move_selection(struct app *app, long long delta, bool page)
{
	struct vlist *vl = focus(app);

	if (vl == NULL)
		return 0;
	if (listwin_move(&vl->win, delta, page) != 0) {
		app_error(app, "%s", vl->win.err);
		return -1;
	}
	return 0;
}

static int
page_rows(struct app *app)
{
	struct vlist *vl = focus(app);

	return vl != NULL && vl->win.height > 1 ? vl->win.height : 1;
}

static int
cmd_down(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_selection(app, 1, false);
}

static int
cmd_up(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_selection(app, -1, false);
}

static int
cmd_page_down(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_selection(app, page_rows(app), true);
}

static int
cmd_page_up(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_selection(app, -page_rows(app), true);
}

static int
cmd_half_down(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_selection(app, page_rows(app) / 2, true);
}

static int
cmd_half_up(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_selection(app, -page_rows(app) / 2, true);
}

static int
cmd_top(struct app *app, int argc, char **argv)
{
	struct vlist *vl = focus(app);

	(void)argc; (void)argv;
	return vl != NULL ? listwin_top(&vl->win) : 0;
}

static int
cmd_bottom(struct app *app, int argc, char **argv)
{
	struct vlist *vl = focus(app);

	(void)argc; (void)argv;
	return vl != NULL ? listwin_bottom(&vl->win) : 0;
}

static int
cmd_pane(struct app *app, int argc, char **argv)
{
	(void)argc;
	for (int i = 0; i < PANE_COUNT; i++)
		if (strcmp(argv[1], app->panes[i]->name) == 0 ||
		    (argv[1][0] == '1' + i && argv[1][1] == '\0')) {
			app->active = (enum pane_id)i;
			app->problems = false;
			return 0;
		}
	app_error(app, "no pane '%s' (conversations, orders, kb, invoices)",
	    argv[1]);
	return -1;
}

static int
cmd_next_pane(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	app->active = (enum pane_id)((app->active + 1) % PANE_COUNT);
	app->problems = false;
	return 0;
}

static int
cmd_previous_pane(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	app->active = (enum pane_id)((app->active + PANE_COUNT - 1) %
	    PANE_COUNT);
	app->problems = false;
	return 0;
}

static int
cmd_open(struct app *app, int argc, char **argv)
{
	const struct pane_ops *p = app->panes[app->active];

	(void)argc; (void)argv;
	return p->open != NULL ? p->open(app, app->active) : 0;
}

static int
cmd_back(struct app *app, int argc, char **argv)
{
	const struct pane_ops *p = app->panes[app->active];

	(void)argc; (void)argv;
	return p->back != NULL ? p->back(app, app->active) : 0;
}

static int
cmd_left(struct app *app, int argc, char **argv)
{
	const struct pane_ops *p = app->panes[app->active];

	(void)argc; (void)argv;
	return p->column != NULL ? p->column(app, app->active, -1) : 0;
}

static int
cmd_right(struct app *app, int argc, char **argv)
{
	const struct pane_ops *p = app->panes[app->active];

	(void)argc; (void)argv;
	return p->column != NULL ? p->column(app, app->active, 1) : 0;
}

static int
cmd_help(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	app->help = true;
	app->help_top = 0;
	return 0;
}

static int
cmd_command_prompt(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	app_ask(app, ASK_COMMAND, NULL, NULL);
	return 0;
}

static int
cmd_redraw(struct app *app, int argc, char **argv)
{
	(void)app; (void)argc; (void)argv;
	clearok(curscr, TRUE);
	return 0;
}

static int
cmd_reload(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	app_reload(app);
	return 0;
}

static int
cmd_quit(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	app->quit = true;
	return 0;
}

const struct cmd_entry cmd_table[] = {
	{ "down", "", "move down one row", PANE_ANY, 0, 0, cmd_down, NULL },
	{ "up", "", "move up one row", PANE_ANY, 0, 0, cmd_up, NULL },
	{ "page-down", "", "move down one screen", PANE_ANY, 0, 0,
	  cmd_page_down, NULL },
	{ "page-up", "", "move up one screen", PANE_ANY, 0, 0, cmd_page_up,
	  NULL },
	{ "half-page-down", "", "move down half a screen", PANE_ANY, 0, 0,
	  cmd_half_down, NULL },
	{ "half-page-up", "", "move up half a screen", PANE_ANY, 0, 0,
	  cmd_half_up, NULL },
	{ "top", "", "go to the first row", PANE_ANY, 0, 0, cmd_top, NULL },
	{ "bottom", "", "go to the last row", PANE_ANY, 0, 0, cmd_bottom,
	  NULL },
	{ "pane", "NAME|N", "show a pane: conversations, orders, kb, invoices",
	  PANE_ANY, 1, 1, cmd_pane, pane_words },
	{ "next-pane", "", "show the next pane", PANE_ANY, 0, 0,
	  cmd_next_pane, NULL },
	{ "previous-pane", "", "show the previous pane", PANE_ANY, 0, 0,
	  cmd_previous_pane, NULL },
	{ "problems", "", "list the actions the server refused (sync "
	  "problems)", PANE_ANY, 0, 0, cmd_problems, NULL },
	{ "sync", "", "sync now: send queued actions, fetch changes, retry "
	  "at once if offline", PANE_ANY, 0, 0, cmd_sync, NULL },
	{ "login", "", "enter the password when the server asks for one",
	  PANE_ANY, 0, 0, cmd_login, NULL },
	{ "command-prompt", "", "type a command (Tab completes, Up recalls)",
	  PANE_ANY, 0, 0, cmd_command_prompt, NULL },
	{ "help", "", "show this help", PANE_ANY, 0, 0, cmd_help, NULL },
	{ "redraw", "", "redraw the whole screen", PANE_ANY, 0, 0, cmd_redraw,
	  NULL },
	{ "reload", "", "re-read every list from the cache", PANE_ANY, 0, 0,
	  cmd_reload, NULL },
	{ "quit", "", "quit mkt", PANE_ANY, 0, 0, cmd_quit, NULL },

	{ "load-history", "", "fetch the conversation's older messages from "
	  "the server", PANE_CONVERSATIONS, 0, 0, cmd_load_history, NULL },
	{ "reply", "[TEXT…]", "reply to the customer (no TEXT: write it in "
	  "$EDITOR)", PANE_CONVERSATIONS, 0, 1, cmd_reply, NULL },
	{ "note", "[TEXT…]", "add a private note for staff (no TEXT: $EDITOR)",
	  PANE_CONVERSATIONS, 0, 1, cmd_note, NULL },
	{ "resolve", "", "mark the conversation resolved",
	  PANE_CONVERSATIONS, 0, 0, cmd_resolve, NULL },
	{ "reopen", "", "open the conversation again", PANE_CONVERSATIONS, 0,
	  0, cmd_reopen, NULL },
	{ "snooze", "DURATION", "snooze it: 30m, 2h, 3d, 1w, tomorrow, "
	  "next-week", PANE_CONVERSATIONS, 0, 1, cmd_snooze, snooze_words },
	{ "priority", "LEVEL", "set the priority: urgent, high, medium, low, "
	  "none", PANE_CONVERSATIONS, 0, 1, cmd_priority, priority_words },
	{ "assign", "me|none|USER…", "assign to a user (id, e-mail or name), "
	  "to you, or to nobody", PANE_CONVERSATIONS, 0, 1, cmd_assign,
	  assign_words },

	{ "open", "", "open the selected table's rows; in the grid, edit the "
	  "cell", PANE_KB, 0, 0, cmd_open, NULL },
	{ "edit-cell", "[VALUE…]", "change the cell (no VALUE: edit its text "
	  "on the command line)", PANE_KB, 0, 1, cmd_edit_cell, NULL },
	{ "back", "", "return to the list of tables", PANE_KB, 0, 0,
	  cmd_back, NULL },
	{ "left", "", "previous column, or back to the tables", PANE_KB, 0, 0,
	  cmd_left, NULL },
	{ "right", "", "next column, or open the selected table", PANE_KB, 0,
	  0, cmd_right, NULL },

	{ "pay", "AMOUNT [METHOD] [REF…]", "record a payment: AMOUNT in the "
	  "invoice's currency, or due for all", PANE_INVOICES, 0, 3, cmd_pay,
	  method_words },

	{ "retry", "", "send the refused action again as it is",
	  PANE_PROBLEMS, 0, 0, cmd_retry, NULL },
	{ "edit-request", "", "edit the refused request's JSON in $EDITOR, "
	  "then send it", PANE_PROBLEMS, 0, 0, cmd_edit_request, NULL },
	{ "discard", "", "drop the refused action for good (asks first)",
	  PANE_PROBLEMS, 0, 0, cmd_discard, NULL },
	{ "close", "", "close the sync problems", PANE_PROBLEMS, 0, 0,
	  cmd_close, NULL },
};
const size_t cmd_count = nitems(cmd_table);

const struct cmd_entry *
cmd_find(const char *name)
{
	for (size_t i = 0; i < cmd_count; i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

/* Splits on blanks into at most MAX_ARGS words; returns the count, or -1
 * if there are too many.  With rest_at > 0, word rest_at is the rest of
 * the line as typed (less trailing blanks).  line is modified. */
static int
split(char *line, char **argv, int rest_at)
{
	int argc = 0;

	for (char *p = line; *p != '\0';) {
		while (isspace((unsigned char)*p))
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (argc == MAX_ARGS)
			return -1;
		argv[argc++] = p;
		if (rest_at > 0 && argc - 1 == rest_at) {
			char *end = p + strlen(p);

			while (end > p && isspace((unsigned char)end[-1]))
				*--end = '\0';
			break;
		}
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
	}
	return argc;
}

/* See cmd.h: the last argument is the rest of the line. */
static bool
takes_rest(const struct cmd_entry *c)
{
	size_t n = strlen(c->usage), e = strlen("…");

	if (n > 0 && c->usage[n - 1] == ']')
		n--;
	return n >= e && memcmp(c->usage + n - e, "…", e) == 0;
}

static const struct cmd_entry *
resolve(char *line, int *argc, char **argv, char *err, size_t errlen)
{
	const struct cmd_entry *c;
	char name[64];
	int n = 0;

	/* The command decides how the rest splits: find it first. */
	while (isspace((unsigned char)line[n]))
		n++;
	snprintf(name, sizeof name, "%.*s", (int)strcspn(line + n, " \t\n"),
	    line + n);
	c = cmd_find(name);
	if ((*argc = split(line, argv, c != NULL && takes_rest(c) ? c->max_args :
	    -1)) < 0) {
		snprintf(err, errlen, "too many arguments");
		return NULL;
	}
	if (*argc == 0) {
		snprintf(err, errlen, "empty command");
		return NULL;
	}
	if (c == NULL) {
		snprintf(err, errlen, "unknown command '%s' (see ? for the "
		    "list)", argv[0]);
		return NULL;
	}
	if (*argc - 1 < c->min_args || *argc - 1 > c->max_args) {
		snprintf(err, errlen, "usage: %s %s", c->name, c->usage);
		return NULL;
	}
	return c;
}

int
cmd_check(const char *line, char *err, size_t errlen)
{
	char *copy = xstrdup(line), *argv[MAX_ARGS];
	int argc, rc;

	rc = resolve(copy, &argc, argv, err, errlen) != NULL ? 0 : -1;
	free(copy);
	return rc;
}

int
cmd_run(struct app *app, const char *line)
{
	char *copy = xstrdup(line), *argv[MAX_ARGS], err[256];
	const struct cmd_entry *c;
	int argc, rc = -1;

	if ((c = resolve(copy, &argc, argv, err, sizeof err)) == NULL)
		app_error(app, "%s", err);
	else if (c->pane != PANE_ANY && c->pane != app_view(app))
		app_error(app, "%s works in the %s %s", c->name,
		    app_view_title(app, c->pane), c->pane == PANE_PROBLEMS ?
		    "view (:problems)" : "pane");
	else
		rc = c->fn(app, argc, argv);
	free(copy);
	return rc;
}
