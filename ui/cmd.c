#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "app.h"
#include "cmd.h"
#include "invoices.h"
#include "triage.h"
#include "util.h"

#define MAX_ARGS	8

static const char *const pane_words[] = {
	"conversations", "orders", "kb", "invoices", NULL
};

/* A movement key: the focused list moves, or a pane without one (an
 * open thread) scrolls. */
static int
move_focus(struct app *app, enum chat_move how, long long delta)
{
	const struct pane_ops *p = app->panes[app->active];
	struct vlist *vl = app_focus(app);
	int rc = 0;

	if (vl == NULL)
		return p->scroll_by != NULL ? p->scroll_by(app, app->active, how,
		    delta) : 0;
	switch (how) {
	case CHAT_ROWS:
		rc = listwin_move(&vl->win, delta, false);
		break;
	case CHAT_PAGES:
		rc = listwin_move(&vl->win, delta * (vl->win.height > 1 ?
		    vl->win.height : 1), true);
		break;
	case CHAT_HALF:
		rc = listwin_move(&vl->win, delta * (vl->win.height > 1 ?
		    vl->win.height / 2 : 1), true);
		break;
	case CHAT_TOP:
		rc = listwin_top(&vl->win);
		break;
	case CHAT_BOTTOM:
		rc = listwin_bottom(&vl->win);
		break;
	}
	if (rc != 0)
		app_error(app, "%s", vl->win.err);
	return rc;
}

static int
cmd_down(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_focus(app, CHAT_ROWS, 1);
}

static int
cmd_up(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_focus(app, CHAT_ROWS, -1);
}

static int
cmd_page_down(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_focus(app, CHAT_PAGES, 1);
}

static int
cmd_page_up(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_focus(app, CHAT_PAGES, -1);
}

static int
cmd_half_down(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_focus(app, CHAT_HALF, 1);
}

static int
cmd_half_up(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_focus(app, CHAT_HALF, -1);
}

static int
cmd_top(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_focus(app, CHAT_TOP, 0);
}

static int
cmd_bottom(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return move_focus(app, CHAT_BOTTOM, 0);
}

static int
cmd_pane(struct app *app, int argc, char **argv)
{
	(void)argc;
	for (int i = 0; i < PANE_COUNT; i++)
		if (strcmp(argv[1], app->panes[i]->name) == 0 ||
		    (argv[1][0] == '1' + i && argv[1][1] == '\0')) {
			app->active = (enum pane_id)i;
			app->problems = app->notifications = false;
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
	app->problems = app->notifications = false;
	return 0;
}

static int
cmd_previous_pane(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	app->active = (enum pane_id)((app->active + PANE_COUNT - 1) %
	    PANE_COUNT);
	app->problems = app->notifications = false;
	return 0;
}

static int
cmd_open(struct app *app, int argc, char **argv)
{
	const struct pane_ops *p = app->panes[app->active];

	(void)argc; (void)argv;
	if (app->notifications)
		return notices_open(app);
	if (app->problems)
		return 0;
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
	{ "notifications", "", "list your notifications: new messages, new "
	  "chats, assignments", PANE_ANY, 0, 0, cmd_notifications, NULL },
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

	{ "view", "NAME", "show a view of the queue: mine, unassigned, "
	  "waiting, unpaid, all, resolved (next, previous)", PANE_CONVERSATIONS,
	  1, 1, cmd_view, view_words },
	{ "sort", "[ORDER]", "sort by waiting, activity or priority (none: "
	  "the next one)", PANE_CONVERSATIONS, 0, 1, cmd_sort, sort_words },
	{ "filter", "[PATTERN…]", "narrow the queue: channel=whatsapp "
	  "priority>=high label=refund … (none clears; no PATTERN: edit it)",
	  PANE_CONVERSATIONS, 0, 1, cmd_filter, filter_words },
	{ "search", "[WORDS…]", "find conversations by message text or "
	  "contact name (Esc clears)", PANE_CONVERSATIONS, 0, 1, cmd_search,
	  NULL },
	{ "tag", "", "tag or untag the conversation: actions then apply to "
	  "every tagged one", PANE_CONVERSATIONS, 0, 0, cmd_tag, NULL },
	{ "untag", "", "untag every conversation", PANE_CONVERSATIONS, 0, 0,
	  cmd_untag, NULL },
	{ "reply", "[TEXT…]", "reply to the customer (no TEXT: the composer)",
	  PANE_CONVERSATIONS, 0, 1, cmd_reply, NULL },
	{ "note", "[TEXT…]", "add a private note for staff (no TEXT: the "
	  "composer)", PANE_CONVERSATIONS, 0, 1, cmd_note, NULL },
	{ "reply-editor", "", "write the reply in $EDITOR", PANE_CONVERSATIONS,
	  0, 0, cmd_reply_editor, NULL },
	{ "canned", "", "insert a canned response, chosen by name",
	  PANE_CONVERSATIONS, 0, 0, cmd_canned, NULL },
	{ "resolve", "", "mark resolved", PANE_CONVERSATIONS, 0, 0,
	  cmd_resolve, NULL },
	{ "reopen", "", "open again", PANE_CONVERSATIONS, 0, 0, cmd_reopen,
	  NULL },
	{ "pending", "", "mark pending: waiting on something other than the "
	  "customer", PANE_CONVERSATIONS, 0, 0, cmd_pending, NULL },
	{ "snooze", "WHEN", "snooze until 1h, 3d, tomorrow, monday, "
	  "next-week, 18:00, 2026-12-01 09:00", PANE_CONVERSATIONS, 0, 1,
	  cmd_snooze, snooze_words },
	{ "priority", "LEVEL", "set the priority: urgent, high, medium, low, "
	  "none, or up or down a step", PANE_CONVERSATIONS, 0, 1,
	  cmd_priority, priority_words },
	{ "assign", "[me|none|USER…]", "assign to a user (id, e-mail or "
	  "name), to you, or to nobody (none: choose from a list)",
	  PANE_CONVERSATIONS, 0, 1, cmd_assign, assign_words },
	{ "label", "[+L|-L]", "add or remove a label (none: choose from a "
	  "list)", PANE_CONVERSATIONS, 0, 1, cmd_label, NULL },
	{ "handoff", "[human|ai]", "take the chat over from the AI, or hand "
	  "it back", PANE_CONVERSATIONS, 0, 1, cmd_handoff, handoff_words },
	{ "reminder", "[on|off]", "the customer's payment reminder (none: "
	  "toggle)", PANE_CONVERSATIONS, 0, 1, cmd_reminder, toggle_words },
	{ "load-history", "", "fetch older messages from the server",
	  PANE_CONVERSATIONS, 0, 0, cmd_load_history, NULL },
	{ "next-conversation", "", "open the next conversation of the list",
	  PANE_THREAD, 0, 0, cmd_next_conversation, NULL },
	{ "previous-conversation", "", "open the previous conversation",
	  PANE_THREAD, 0, 0, cmd_previous_conversation, NULL },
	{ "open-attachment", "", "open the attachment's link (xdg-open), or "
	  "copy it", PANE_THREAD, 0, 0, cmd_open_attachment, NULL },

	{ "open", "", "open the selected row: a conversation's thread, an "
	  "invoice, a table's rows, a grid cell's editor; in an invoice, the "
	  "line's whole text", PANE_ANY, 0, 0, cmd_open, NULL },
	{ "edit-cell", "[VALUE…]", "change the cell (no VALUE: edit its text "
	  "on the command line)", PANE_KB, 0, 1, cmd_edit_cell, NULL },
	{ "back", "", "go back: from a thread, an invoice or a table's rows "
	  "to the list; clear a search", PANE_ANY, 0, 0, cmd_back, NULL },
	{ "left", "", "previous column, or back to the tables", PANE_KB, 0, 0,
	  cmd_left, NULL },
	{ "right", "", "next column, or open the selected table", PANE_KB, 0,
	  0, cmd_right, NULL },

	{ "pay", "AMOUNT [METHOD] [REF…]", "record a payment: AMOUNT in the "
	  "invoice's currency, or due for all", PANE_INVOICES, 0, 3, cmd_pay,
	  method_words },
	{ "next-invoice", "", "open the next invoice of the list",
	  PANE_INVOICE, 0, 0, cmd_next_invoice, NULL },
	{ "previous-invoice", "", "open the previous invoice of the list",
	  PANE_INVOICE, 0, 0, cmd_previous_invoice, NULL },

	{ "retry", "", "send the refused action again as it is",
	  PANE_PROBLEMS, 0, 0, cmd_retry, NULL },
	{ "edit-request", "", "edit the refused request's JSON in $EDITOR, "
	  "then send it", PANE_PROBLEMS, 0, 0, cmd_edit_request, NULL },
	{ "discard", "", "drop the refused action for good (asks first)",
	  PANE_PROBLEMS, 0, 0, cmd_discard, NULL },
	{ "close", "", "close the sync problems or the notifications",
	  PANE_ANY, 0, 0, cmd_close, NULL },
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
	else if (!app_view_in(app, c->pane))
		app_error(app, "%s works in the %s %s", c->name,
		    app_view_title(app, c->pane), c->pane == PANE_PROBLEMS ?
		    "view (:problems)" : "pane");
	else
		rc = c->fn(app, argc, argv);
	free(copy);
	return rc;
}
