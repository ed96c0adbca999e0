/* The Conversations pane's commands: moving between views, sorting,
 * filtering and searching the queue, tagging, the thread, and every
 * action on conversations.  An action applies to the open thread's
 * conversation, else to every tagged one, else to the selected one
 * (conv_targets), each as its own local transaction and outbox entry. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "act.h"
#include "actions.h"
#include "app.h"
#include "choices.h"
#include "cmd.h"
#include "conv.h"
#include "conversations.h"
#include "store.h"
#include "text.h"
#include "thread.h"
#include "timefmt.h"
#include "triage.h"
#include "util.h"

const char *const view_words[] = {
	"mine", "unassigned", "waiting", "unpaid", "all", "resolved", "next",
	"previous", NULL
};
const char *const sort_words[] = {
	"waiting", "activity", "priority", "next", NULL
};
const char *const filter_words[] = {
	"status=", "channel=", "company=", "label=", "priority>=",
	"assignee=", "language=", "none", NULL
};
const char *const snooze_words[] = {
	"1h", "3h", "tomorrow", "monday", "next-week", "18:00", "3d", "1w",
	NULL
};
const char *const priority_words[] = {
	"urgent", "high", "medium", "low", "none", "up", "down", NULL
};
const char *const assign_words[] = { "me", "none", NULL };
const char *const handoff_words[] = { "human", "ai", NULL };
const char *const toggle_words[] = { "on", "off", NULL };

/* ---- acting on the targets ---------------------------------------------- */

typedef int (*conv_fn)(struct app *, int64_t id, const void *arg, char *err,
    size_t errlen);

/* Runs fn on every target; says how many were queued and, if any were
 * refused, why the first one was.  Tags are spent once used. */
static int
on_targets(struct app *app, conv_fn fn, const void *arg, const char *what)
{
	int64_t *ids, first;
	int n = conv_targets(app, &ids), ok = 0, refused = 0;
	char err[256] = "", why[256];

	first = n > 0 ? ids[0] : 0;
	for (int i = 0; i < n; i++) {
		if (fn(app, ids[i], arg, why, sizeof why) == 0)
			ok++;
		else if (refused++ == 0)
			snprintf(err, sizeof err, "%s", why);
	}
	free(ids);
	if (n == 0)
		return -1;
	if (n > 1)
		conv_untag_all(app);
	if (ok == 0) {
		app_error(app, "%s", err);
		return -1;
	}
	if (refused > 0) {
		act_queued(app, KIND_CONVERSATIONS, "%s: %d of %d conversations; "
		    "%d refused: %s", what, ok, n, refused, err);
		return 0;
	}
	if (n == 1)
		return act_queued(app, KIND_CONVERSATIONS, "%s (conversation "
		    "%lld)", what, (long long)first);
	return act_queued(app, KIND_CONVERSATIONS, "%s: %d conversations",
	    what, n);
}

struct status_arg {
	const char	*status;
	int64_t		 until;
};

static int
do_status(struct app *app, int64_t id, const void *arg, char *err,
    size_t errlen)
{
	const struct status_arg *s = arg;

	return conversation_set_status(app->ap, id, s->status, s->until, err,
	    errlen);
}

static int
set_status(struct app *app, const char *status, int64_t until,
    const char *what)
{
	struct status_arg s = { status, until };

	return on_targets(app, do_status, &s, what);
}

int
cmd_resolve(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return set_status(app, "resolved", 0, "resolve");
}

int
cmd_reopen(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return set_status(app, "open", 0, "reopen");
}

int
cmd_pending(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return set_status(app, "pending", 0, "mark pending");
}

int
cmd_snooze(struct app *app, int argc, char **argv)
{
	char err[256], what[96], when[32];
	int64_t until;

	if (argc < 2)
		return act_ask_args(app, "snooze");
	if (conv_snooze_parse(argv[1], time(NULL), &until, err,
	    sizeof err) != 0) {
		app_error(app, "%s", err);
		return -1;
	}
	time_local(when, sizeof when, until);
	snprintf(what, sizeof what, "snooze until %s", when);
	return set_status(app, "snoozed", until, what);
}

static int
do_priority(struct app *app, int64_t id, const void *arg, char *err,
    size_t errlen)
{
	return conversation_set_priority(app->ap, id, arg, err, errlen);
}

int
cmd_priority(struct app *app, int argc, char **argv)
{
	char what[64];

	if (argc < 2)
		return act_ask_args(app, "priority");
	snprintf(what, sizeof what, "priority %s", argv[1]);
	return on_targets(app, do_priority, argv[1], what);
}

static int
do_assign(struct app *app, int64_t id, const void *arg, char *err,
    size_t errlen)
{
	return conversation_assign(app->ap, id, *(const int64_t *)arg, err,
	    errlen);
}

static void
add_choice(void *arg, int64_t id, const char *label, const char *detail,
    bool marked)
{
	picker_add(arg, id, label != NULL ? label : "", detail, marked);
}

/* The conversation a picker's choices describe: the open or selected
 * one (with tags, the choices are still offered for all). */
static int64_t
first_target(struct app *app)
{
	int64_t *ids, id;

	if (conv_targets(app, &ids) == 0)
		return 0;
	id = ids[0];
	free(ids);
	return id;
}

static int
open_picker(struct app *app, enum pick_purpose purpose, const char *title,
    bool allow_new, int (*fill)(sqlite3 *, int64_t, choice_fn, void *))
{
	int64_t id = first_target(app);

	if (id == 0)
		return -1;
	picker_open(&app->picker, title, allow_new);
	app->picker.purpose = purpose;
	app->picker.target = id;
	if (fill(app->db, id, add_choice, &app->picker) != 0) {
		picker_close(&app->picker);
		app_error(app, "%s", sqlite3_errmsg(app->db));
		return -1;
	}
	return 0;
}

static int
assign_to(struct app *app, int64_t who, const char *name)
{
	char what[160];

	if (who == 0)
		snprintf(what, sizeof what, "unassign");
	else
		snprintf(what, sizeof what, "assign to %s", name);
	return on_targets(app, do_assign, &who, what);
}

int
cmd_assign(struct app *app, int argc, char **argv)
{
	int64_t who;

	if (argc < 2)
		return open_picker(app, PICK_ASSIGNEE, "Assign to", false,
		    choices_assignees);
	if ((who = act_parse_user(app, argv[1])) < 0) {
		app_error(app, strcmp(argv[1], "me") == 0 ? "who you are is "
		    "not known until the first login" : "no user '%s' in the "
		    "cache (an id, e-mail, name, me or none)", argv[1]);
		return -1;
	}
	return assign_to(app, who, argv[1]);
}

struct label_arg {
	const char	*add, *remove;
};

static int
do_label(struct app *app, int64_t id, const void *arg, char *err,
    size_t errlen)
{
	const struct label_arg *l = arg;

	return conversation_set_labels(app->ap, id, l->add != NULL ? &l->add :
	    NULL, l->add != NULL, l->remove != NULL ? &l->remove : NULL,
	    l->remove != NULL, err, errlen);
}

/* "label refund" or "label +refund" adds, "label -refund" removes. */
int
cmd_label(struct app *app, int argc, char **argv)
{
	struct label_arg l = { NULL, NULL };
	char what[96];

	if (argc < 2)
		return open_picker(app, PICK_LABEL, "Labels (Enter adds or "
		    "removes; type a new one)", true, choices_labels);
	if (argv[1][0] == '-')
		l.remove = argv[1] + 1;
	else
		l.add = argv[1] + (argv[1][0] == '+');
	snprintf(what, sizeof what, "%s label %s", l.add != NULL ? "add" :
	    "remove", l.add != NULL ? l.add : l.remove);
	return on_targets(app, do_label, &l, what);
}

static int
do_handoff(struct app *app, int64_t id, const void *arg, char *err,
    size_t errlen)
{
	return conversation_handoff(app->ap, id, arg, err, errlen);
}

int
cmd_handoff(struct app *app, int argc, char **argv)
{
	const char *to = argc > 1 ? argv[1] : "human";

	return on_targets(app, do_handoff, to, strcmp(to, "human") == 0 ?
	    "take over from the AI" : "hand back to the AI");
}

static int
do_reminder(struct app *app, int64_t id, const void *arg, char *err,
    size_t errlen)
{
	const char *want = arg;

	if (want == NULL)
		return conversation_toggle_reminder(app->ap, id, err, errlen);
	return conversation_set_reminder(app->ap, id, strcmp(want, "on") == 0,
	    err, errlen);
}

int
cmd_reminder(struct app *app, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "on") != 0 &&
	    strcmp(argv[1], "off") != 0) {
		app_error(app, "reminder on, off, or nothing to toggle");
		return -1;
	}
	return on_targets(app, do_reminder, argc > 1 ? argv[1] : NULL,
	    argc > 1 ? (strcmp(argv[1], "on") == 0 ? "payment reminder on" :
	    "payment reminder off") : "toggle the payment reminder");
}

/* ---- writing ------------------------------------------------------------ */

/* The thread of the selected conversation, opening it if needed. */
static struct chat *
thread_for_writing(struct app *app)
{
	struct conv_pane *cp = conv_pane(app);
	const struct list_row *r;

	if (cp->chat.open)
		return &cp->chat;
	if ((r = listwin_selected(&cp->list.win)) == NULL) {
		app_error(app, "no conversation selected");
		return NULL;
	}
	if (chat_open(app, &cp->chat, r->id) != 0)
		return NULL;
	return &cp->chat;
}

/* With text, sends it at once; without, opens the composer. */
static int
write_message(struct app *app, int argc, char **argv, const char *kind)
{
	struct chat *c;
	char err[256];
	int64_t id;

	if (argc < 2) {
		if ((c = thread_for_writing(app)) == NULL)
			return -1;
		chat_compose(app, c, kind);
		return 0;
	}
	if ((id = first_target(app)) == 0)
		return -1;
	if (conversation_reply(app->ap, id, kind, argv[1], err,
	    sizeof err) != 0) {
		app_error(app, "%s", err);
		return -1;
	}
	return act_queued(app, KIND_CONVERSATIONS, "%s in conversation %lld",
	    strcmp(kind, "text") == 0 ? "reply" : "note", (long long)id);
}

int
cmd_reply(struct app *app, int argc, char **argv)
{
	return write_message(app, argc, argv, "text");
}

int
cmd_note(struct app *app, int argc, char **argv)
{
	return write_message(app, argc, argv, "note");
}

/* The reply written in $EDITOR, starting from the draft; what comes
 * back goes into the composer, to be read over and sent with Enter. */
int
cmd_reply_editor(struct app *app, int argc, char **argv)
{
	struct chat *c;
	char *text;

	(void)argc; (void)argv;
	if ((c = thread_for_writing(app)) == NULL)
		return -1;
	if (!chat_composing(c))
		chat_compose(app, c, "text");
	if (!chat_composing(c))
		return -1;
	if (act_edit_text(app, composer_text(&c->composer), ".txt",
	    &text) != 0)
		return -1;
	chat_composer_set(c, text);
	free(text);
	return 0;
}

int
cmd_canned(struct app *app, int argc, char **argv)
{
	struct chat *c;

	(void)argc; (void)argv;
	if ((c = thread_for_writing(app)) == NULL)
		return -1;
	if (!chat_composing(c))
		chat_compose(app, c, "text");
	return open_picker(app, PICK_CANNED, "Canned responses", false,
	    choices_canned);
}

int
cmd_load_history(struct app *app, int argc, char **argv)
{
	int64_t id;

	(void)argc; (void)argv;
	if ((id = first_target(app)) == 0)
		return -1;
	if (app->sync == NULL) {
		app_message(app, "no server: the cache holds all there is");
		return 0;
	}
	sync_backfill(app->sync, id);
	app_message(app, "loading older messages…");
	return 0;
}

/* What the picker hands back. */
void
triage_picked(struct app *app, enum picker_result how)
{
	const struct picker_item *it = picker_chosen(&app->picker);
	char line[320], *text, *clean;

	switch (app->picker.purpose) {
	case PICK_ASSIGNEE:
		if (how == PICKER_CHOSEN && it != NULL)
			assign_to(app, it->id, it->label);
		break;
	case PICK_LABEL:
		if (how == PICKER_NEW) {
			const char *q = picker_query(&app->picker);
			size_t n;

			q += strspn(q, " \t");
			n = strlen(q);
			while (n > 0 && (q[n - 1] == ' ' || q[n - 1] == '\t'))
				n--;
			snprintf(line, sizeof line, "label +%.*s", (int)n, q);
		}
		else if (it != NULL)
			snprintf(line, sizeof line, "label %s%s", it->marked ?
			    "-" : "+", it->label);
		else
			break;
		cmd_run(app, line);
		break;
	case PICK_CANNED:
		if (how != PICKER_CHOSEN || it == NULL)
			break;
		if ((text = choices_canned_text(app->db, it->id)) == NULL)
			break;
		/* From the server: it is drawn, so it is cleaned first. */
		clean = text_sanitize_dup(text, strlen(text), 0);
		chat_composer_insert(&conv_pane(app)->chat, clean);
		free(clean);
		free(text);
		break;
	}
}

/* ---- the queue ---------------------------------------------------------- */

int
cmd_view(struct app *app, int argc, char **argv)
{
	struct conv_pane *cp = conv_pane(app);
	int v, cur = (int)cp->queue.view;

	(void)argc;
	if (strcmp(argv[1], "next") == 0)
		v = (cur + 1) % QV_COUNT;
	else if (strcmp(argv[1], "previous") == 0)
		v = (cur + QV_COUNT - 1) % QV_COUNT;
	else if ((v = queue_view_find(argv[1])) < 0) {
		app_error(app, "no view '%s' (mine, unassigned, waiting, "
		    "unpaid, all, resolved)", argv[1]);
		return -1;
	}
	if (cp->chat.open)
		chat_close(app, &cp->chat);
	cp->queue.view = (enum queue_view)v;
	cp->queue.sort = queue_default_sort(cp->queue.view);
	vlist_tags_clear(&cp->list);
	if (conv_requery(app) != 0)
		return -1;
	return listwin_top(&cp->list.win);
}

int
cmd_sort(struct app *app, int argc, char **argv)
{
	struct conv_pane *cp = conv_pane(app);
	int s;

	if (argc < 2 || strcmp(argv[1], "next") == 0)
		s = ((int)cp->queue.sort + 1) % QS_COUNT;
	else if ((s = queue_sort_find(argv[1])) < 0) {
		app_error(app, "no sort '%s' (waiting, activity, priority)",
		    argv[1]);
		return -1;
	}
	cp->queue.sort = (enum queue_sort)s;
	app_message(app, "sorted by %s", queue_sort_name(cp->queue.sort));
	return conv_requery(app);
}

int
cmd_filter(struct app *app, int argc, char **argv)
{
	struct conv_pane *cp = conv_pane(app);
	struct queue_filter f = { 0 };
	char err[256], line[600];
	const char *text = argc > 1 ? argv[1] : NULL;

	if (text == NULL) {
		/* The small form: the current filter, ready to edit. */
		snprintf(line, sizeof line, "filter %s", cp->queue.filter_text);
		app_ask(app, ASK_COMMAND, NULL, line);
		return 0;
	}
	if (strcmp(text, "none") == 0)
		text = "";
	if (queue_filter_parse(text, &f, err, sizeof err) != 0) {
		app_error(app, "%s", err);
		return -1;
	}
	queue_filter_free(&cp->queue.filter);
	cp->queue.filter = f;
	snprintf(cp->queue.filter_text, sizeof cp->queue.filter_text, "%s",
	    text);
	if (conv_requery(app) != 0)
		return -1;
	return listwin_top(&cp->list.win);
}

int
cmd_search(struct app *app, int argc, char **argv)
{
	struct conv_pane *cp = conv_pane(app);
	char err[256];

	if (argc < 2) {
		app_ask(app, ASK_COMMAND, NULL, "search ");
		return 0;
	}
	if (cp->chat.open)
		chat_close(app, &cp->chat);
	if (queue_search(app->db, &cp->queue, argv[1], err, sizeof err) != 0) {
		app_error(app, "%s", err);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &cp->search_shown);
	if (conv_requery(app) != 0)
		return -1;
	/* The results come between keys; the pane says how many. */
	if ((cp->announce = cp->queue.search[0] != '\0'))
		app_message(app, "searching \"%s\"… (Esc clears)", argv[1]);
	else
		app_message(app, "search cleared");
	return listwin_top(&cp->list.win);
}

void
triage_search_done(struct app *app)
{
	struct conv_pane *cp = conv_pane(app);

	app_message(app, "%lld conversation%s match \"%s\" (Esc clears)",
	    cp->queue.found, cp->queue.found == 1 ? "" : "s",
	    cp->queue.search);
}

int
cmd_tag(struct app *app, int argc, char **argv)
{
	struct conv_pane *cp = conv_pane(app);
	const struct list_row *r = listwin_selected(&cp->list.win);

	(void)argc; (void)argv;
	if (r == NULL) {
		app_error(app, "no conversation selected");
		return -1;
	}
	vlist_tag_toggle(&cp->list, r->id);
	app_message(app, "%d tagged: actions apply to all of them",
	    cp->list.ntags);
	return listwin_move(&cp->list.win, 1, false);
}

int
cmd_untag(struct app *app, int argc, char **argv)
{
	struct conv_pane *cp = conv_pane(app);

	(void)argc; (void)argv;
	vlist_tags_clear(&cp->list);
	app_message(app, "tags cleared");
	return 0;
}

/* ---- the thread --------------------------------------------------------- */

/* J and K: the next or previous conversation of the list, opened. */
static int
step_conversation(struct app *app, int delta)
{
	struct conv_pane *cp = conv_pane(app);
	const struct list_row *r;

	listwin_select_id(&cp->list.win, cp->chat.id);
	r = listwin_selected(&cp->list.win);
	if (r != NULL && r->id == cp->chat.id &&
	    listwin_move(&cp->list.win, delta, false) != 0)
		return -1;
	if ((r = listwin_selected(&cp->list.win)) == NULL)
		return -1;
	if (r->id == cp->chat.id) {
		app_message(app, "no %s conversation in this view",
		    delta > 0 ? "next" : "previous");
		return 0;
	}
	return chat_open(app, &cp->chat, r->id);
}

int
cmd_next_conversation(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return step_conversation(app, 1);
}

int
cmd_previous_conversation(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	return step_conversation(app, -1);
}

/* xdg-open in the background, with nothing of ours on its terminal;
 * without it the URL goes to the clipboard by OSC 52, which tmux and
 * most terminals take. */
int
cmd_open_attachment(struct app *app, int argc, char **argv)
{
	const struct thread_msg *m = chat_attachment(&conv_pane(app)->chat);
	pid_t pid;

	(void)argc; (void)argv;
	if (m == NULL) {
		app_error(app, "no attachment on screen");
		return -1;
	}
	if (!thread_url_openable(m->attachment_url)) {
		app_error(app, "the attachment's address is not http(s); not "
		    "opened");
		return -1;
	}
	if (access("/usr/bin/xdg-open", X_OK) == 0 &&
	    (getenv("DISPLAY") != NULL || getenv("WAYLAND_DISPLAY") != NULL)) {
		/* Forked twice, so the opener is init's to reap and mkt
		 * waits only for the short-lived middle child. */
		if ((pid = fork()) == 0) {
			int fd = open("/dev/null", O_RDWR);

			if (fd >= 0) {
				dup2(fd, 0);
				dup2(fd, 1);
				dup2(fd, 2);
			}
			setsid();
			if (fork() == 0)
				execl("/usr/bin/xdg-open", "xdg-open",
				    m->attachment_url, (char *)NULL);
			_exit(0);
		}
		if (pid > 0) {
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				continue;
			app_message(app, "opening %s", m->attachment_type !=
			    NULL ? m->attachment_type : "the attachment");
			return 0;
		}
	}
	act_copy(app, m->attachment_url);
	app_message(app, "no browser here: the link is on the clipboard");
	return 0;
}
