#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "act.h"
#include "actions.h"
#include "app.h"
#include "apply.h"
#include "invoices.h"
#include "money.h"
#include "outbox.h"
#include "store.h"
#include "sync.h"
#include "util.h"

/* What $EDITOR may hand back: far above any reply the server takes. */
#define EDIT_MAX	(1024 * 1024)

const char *const method_words[] = {
	"bank_transfer", "cash", "card", "mobile_wallet", "installments", NULL
};

/* ---- helpers ------------------------------------------------------------ */

/* After an action was queued: the lists it touched show it (with the
 * pending mark) at once, and the sync thread is told. */
int
act_queued(struct app *app, unsigned kinds, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	app_reload_kinds(app, kinds | KIND_OUTBOX);
	if (app->sync != NULL) {
		sync_poke(app->sync);
		app_message(app, "queued: %s", what);
	} else
		app_message(app, "queued: %s (no server: it waits in the "
		    "outbox)", what);
	return 0;
}

static int
refused(struct app *app, const char *err)
{
	app_error(app, "%s", err);
	return -1;
}

/* A command whose argument is missing opens the command line with the
 * command typed, so Tab can offer the words it takes. */
int
act_ask_args(struct app *app, const char *name)
{
	char line[64];

	snprintf(line, sizeof line, "%s ", name);
	app_ask(app, ASK_COMMAND, NULL, line);
	return 0;
}

/* Runs $VISUAL, else $EDITOR, else vi, on a private temporary file that
 * holds initial; *out receives the file afterwards (malloc'd).  The
 * editor gets the terminal: curses steps aside and comes back with a
 * full repaint.  0, or -1 after app_error() said why. */
int
act_edit_text(struct app *app, const char *initial, const char *suffix,
    char **out)
{
	const char *editor = getenv("VISUAL"), *tmp = getenv("TMPDIR");
	struct sigaction ign, old_int, old_quit;
	char *path, *cmdline, *buf = NULL, *argv[6];
	size_t len = strlen(initial), used = 0;
	int fd, status = -1, rc = -1, fork_errno;
	ssize_t n;
	pid_t pid;

	*out = NULL;
	if (editor == NULL || editor[0] == '\0')
		editor = getenv("EDITOR");
	if (editor == NULL || editor[0] == '\0')
		editor = "vi";
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	path = xasprintf("%s/mkt-XXXXXX%s", tmp, suffix);
	/* mkstemps makes it 0600: a draft is nobody else's business. */
	if ((fd = mkstemps(path, (int)strlen(suffix))) < 0) {
		app_error(app, "cannot make a file for the editor in %s: %s",
		    tmp, strerror(errno));
		free(path);
		return -1;
	}
	while (used < len && (n = write(fd, initial + used, len - used)) > 0)
		used += (size_t)n;
	close(fd);
	if (used < len) {
		app_error(app, "cannot write %s", path);
		goto out;
	}

	/* As git does: $EDITOR is shell words ("emacs -nw"), the file its
	 * last argument. */
	cmdline = xasprintf("%s \"$@\"", editor);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = cmdline;
	argv[3] = "sh";		/* $0 */
	argv[4] = path;		/* $1 */
	argv[5] = NULL;
	def_prog_mode();
	endwin();
	/* While the editor has the terminal, ^C and ^\ are for it. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	if ((pid = fork()) == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		/* Only async-signal-safe calls in a threaded program's
		 * child: everything was built before the fork. */
		execv("/bin/sh", argv);
		_exit(127);
	}
	fork_errno = errno;
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			continue;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	reset_prog_mode();
	clearok(curscr, TRUE);
	free(cmdline);
	if (pid < 0) {
		app_error(app, "cannot start the editor: %s",
		    strerror(fork_errno));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		app_error(app, "the editor (%s) failed; nothing was sent",
		    editor);
		goto out;
	}

	if ((fd = open(path, O_RDONLY)) < 0) {
		app_error(app, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	buf = xmalloc(EDIT_MAX + 1);
	used = 0;
	while (used < EDIT_MAX && (n = read(fd, buf + used,
	    EDIT_MAX - used)) > 0)
		used += (size_t)n;
	close(fd);
	if (used == EDIT_MAX) {
		app_error(app, "the text is over %d KiB", EDIT_MAX / 1024);
		free(buf);
		goto out;
	}
	while (used > 0 && (buf[used - 1] == '\n' || buf[used - 1] == '\r'))
		used--;
	buf[used] = '\0';
	*out = buf;
	rc = 0;
out:
	unlink(path);
	free(path);
	return rc;
}

/* The editor's text as a message: trailing newlines go (every editor
 * adds one); only blanks counts as empty. */
static bool
trim_message(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s[strspn(s, " \t\r\n")] != '\0';
}

void
act_copy(struct app *app, const char *text)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text);

	(void)app;
	/* Written around curses, which would not pass the sequence. */
	fputs("\033]52;c;", stdout);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 |
		    (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
		    (i + 2 < n ? p[i + 2] : 0);

		putchar(b64[v >> 18 & 63]);
		putchar(b64[v >> 12 & 63]);
		putchar(i + 1 < n ? b64[v >> 6 & 63] : '=');
		putchar(i + 2 < n ? b64[v & 63] : '=');
	}
	fputs("\a", stdout);
	fflush(stdout);
}

/* ---- people ------------------------------------------------------------- */

/* One integer from a query with one text parameter, or 0. */
static int64_t
lookup_id(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (arg != NULL)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* USER as typed: "me" (who the server says we are), "none", an id, or
 * an e-mail or name from the cache.  0 for none; -1 when unknown. */
int64_t
act_parse_user(struct app *app, const char *s)
{
	char *end;
	long long id;

	if (strcmp(s, "none") == 0)
		return 0;
	if (strcmp(s, "me") == 0) {
		id = store_user_id(app->db);
		return id > 0 ? id : -1;
	}
	id = strtoll(s, &end, 10);
	if (end != s && *end == '\0')
		return id > 0 ? id : -1;
	id = lookup_id(app->db, "SELECT id FROM users WHERE email = ?1 OR "
	    "name = ?1 ORDER BY email = ?1 DESC LIMIT 1", s);
	return id > 0 ? id : -1;
}

/* ---- invoices ----------------------------------------------------------- */

/* On the open invoice, else the selected one. */
int
cmd_pay(struct app *app, int argc, char **argv)
{
	const char *method = argc > 2 ? argv[2] : "bank_transfer";
	struct invoice_target t;
	char err[256], amount[64];
	int64_t minor;

	if (argc < 2)
		return act_ask_args(app, "pay");
	if (invoices_target(app, &t) != 0)
		return -1;
	/* "due" pays what is left, as the due column shows it. */
	if (strcmp(argv[1], "due") == 0)
		minor = t.due_minor;
	else if (money_parse(argv[1], t.currency, &minor) != 0) {
		app_error(app, "'%s' is not an amount in %s (e.g. 120.50, or "
		    "due for all of it)", argv[1], t.currency);
		return -1;
	}
	if (invoice_record_payment(app->ap, t.id, minor, method,
	    argc > 3 ? argv[3] : NULL, err, sizeof err) != 0)
		return refused(app, err);
	money_format(amount, sizeof amount, minor, t.currency);
	return act_queued(app, KIND_INVOICES, "payment of %s on %s", amount,
	    t.number);
}

/* ---- knowledge base ----------------------------------------------------- */

static int
set_cell(struct app *app, int64_t row, const char *column, const char *text)
{
	char err[256];

	if (kb_row_set_cell(app->ap, row, column, text, err, sizeof err) != 0)
		return refused(app, err);
	return act_queued(app, KIND_KB, "set %s of row %lld", column,
	    (long long)row);
}

int
cmd_edit_cell(struct app *app, int argc, char **argv)
{
	const char *column, *text;
	char label[160];
	int64_t row;

	if (kb_pane_cell(app, &row, &column, &text) != 0) {
		app_error(app, "open a table (Enter) and pick a cell first");
		return -1;
	}
	if (argc > 1)
		/* "" is how an empty value is typed on the command line. */
		return set_cell(app, row, column, strcmp(argv[1], "\"\"") ==
		    0 ? "" : argv[1]);

	app->edit_row = row;
	snprintf(app->edit_column, sizeof app->edit_column, "%s", column);
	if (mbstowcs(NULL, text, 0) >= PROMPT_MAX) {
		/* Too long for the line editor: the whole text in $EDITOR. */
		char *edited;
		int rc;

		if (act_edit_text(app, text, ".txt", &edited) != 0)
			return -1;
		trim_message(edited);
		rc = strcmp(edited, text) == 0 ? 0 : set_cell(app, row,
		    app->edit_column, edited);
		free(edited);
		return rc;
	}
	snprintf(label, sizeof label, "%s: ", column);
	app_ask(app, ASK_CELL, label, text);
	return 0;
}

void
act_cell_entered(struct app *app, const char *text)
{
	set_cell(app, app->edit_row, app->edit_column, text);
}

/* ---- login -------------------------------------------------------------- */

void
act_ask_password(struct app *app)
{
	char label[160];

	snprintf(label, sizeof label, "Password for %s: ", app->user);
	/* After a refusal, the server's reason; the typing stays unseen. */
	app_ask(app, ASK_PASSWORD, label, NULL);
	snprintf(app->prompt.hint, sizeof app->prompt.hint, "%.200s",
	    app->login_tried && app->status.error[0] != '\0' ?
	    app->status.error : "(hidden; Enter logs in, Esc skips)");
}

void
act_password_entered(struct app *app, char *password)
{
	if (password[0] == '\0') {
		app_message(app, "no password given; :login to try again");
		app->login_dismissed = true;
		return;
	}
	sync_password(app->sync, password);
	explicit_bzero(password, strlen(password));
	app->login_tried = true;
	/* The engine says "connecting" at once; no frame shows a stale
	 * "login needed" that would reopen the prompt. */
	sync_get_status(app->sync, &app->status);
	app_message(app, "logging in as %s…", app->user);
}

int
cmd_login(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	if (app->sync == NULL) {
		app_error(app, "no server to log in to (%s)",
		    app->no_sync_reason != NULL ? app->no_sync_reason :
		    "none configured");
		return -1;
	}
	sync_get_status(app->sync, &app->status);
	/* A password nobody asked for would sit in the engine unused. */
	if (app->status.conn != SYNC_AUTH_NEEDED) {
		app_message(app, "no login needed: the session is valid");
		return 0;
	}
	app->login_dismissed = false;
	act_ask_password(app);
	return 0;
}

int
cmd_sync(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	if (app->sync == NULL) {
		app_error(app, "no server to sync with");
		return -1;
	}
	sync_poke(app->sync);
	app_message(app, "syncing now…");
	return 0;
}

/* ---- sync problems ------------------------------------------------------ */

int
cmd_problems(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	app->help = false;
	app->notifications = false;
	app->problems = true;
	problems_reload(app);
	return 0;
}

int
cmd_notifications(struct app *app, int argc, char **argv)
{
	(void)argc; (void)argv;
	app->help = false;
	app->problems = false;
	app->notifications = true;
	notices_reload(app);
	return 0;
}

/* Closes the view over the panes; in a thread, goes back to the list. */
int
cmd_close(struct app *app, int argc, char **argv)
{
	const struct pane_ops *p = app->panes[app->active];

	(void)argc; (void)argv;
	if (app->problems || app->notifications) {
		app->problems = app->notifications = false;
		return 0;
	}
	return p->back != NULL ? p->back(app, app->active) : 0;
}

/* A problem read whole from the outbox.  0, or -1 after saying why. */
static int
load_problem(struct app *app, int64_t id, struct outbox_entry *e)
{
	if (outbox_get(app->db, id, e) == 1)
		return 0;
	app_error(app, "sync problem %lld is gone", (long long)id);
	problems_reload(app);
	return -1;
}

static int
selected_problem(struct app *app, struct outbox_entry *e)
{
	const struct list_row *r = listwin_selected(&app->problem_list.win);

	if (r == NULL) {
		app_error(app, "no sync problem selected");
		return -1;
	}
	return load_problem(app, r->id, e);
}

static const char *
problem_name(const struct outbox_entry *e)
{
	return e->summary != NULL ? e->summary : e->path;
}

/* After outbox_retry, _edit or _discard on e: rc and err say how it
 * went.  Returns rc. */
static int
problem_settled(struct app *app, const struct outbox_entry *e, int rc,
    const char *err, const char *done)
{
	if (rc != 0) {
		app_error(app, "%s", err);
		return rc;
	}
	app_reload_kinds(app, KIND_OUTBOX | apply_type_kind(e->ref_type));
	if (app->sync != NULL)
		sync_poke(app->sync);
	app_message(app, "%s: %s", done, problem_name(e));
	return 0;
}

int
cmd_retry(struct app *app, int argc, char **argv)
{
	struct outbox_entry e;
	char err[256];
	int rc;

	(void)argc; (void)argv;
	if (selected_problem(app, &e) != 0)
		return -1;
	rc = problem_settled(app, &e, outbox_retry(app->ap, e.id, err,
	    sizeof err), err, "queued again");
	outbox_entry_free(&e);
	return rc;
}

int
cmd_edit_request(struct app *app, int argc, char **argv)
{
	struct outbox_entry e;
	char err[256], *before, *after = NULL;
	cJSON *j;
	int rc = -1;

	(void)argc; (void)argv;
	if (selected_problem(app, &e) != 0)
		return -1;
	/* Pretty-printed, so a person can find the field to change. */
	j = e.body != NULL ? cJSON_Parse(e.body) : NULL;
	if (j != NULL) {
		char *pretty = cJSON_Print(j);

		before = xstrdup(pretty);
		cJSON_free(pretty);
	} else
		before = xstrdup(e.body != NULL ? e.body : "{}");
	cJSON_Delete(j);
	if (act_edit_text(app, before, ".json", &after) != 0)
		goto out;
	trim_message(after);
	/* Sent compact, as the actions write their bodies. */
	if ((j = cJSON_Parse(after)) != NULL && cJSON_IsObject(j)) {
		char *compact = cJSON_PrintUnformatted(j);

		free(after);
		after = xstrdup(compact);
		cJSON_free(compact);
	}
	cJSON_Delete(j);
	if (strcmp(after, before) == 0 || (e.body != NULL &&
	    strcmp(after, e.body) == 0)) {
		app_message(app, "request unchanged; r sends it again as it "
		    "was");
		rc = 0;
	} else
		rc = problem_settled(app, &e, outbox_edit(app->ap, e.id, after,
		    err, sizeof err), err, "edited and queued again");
out:
	free(before);
	free(after);
	outbox_entry_free(&e);
	return rc;
}

static int
discard_now(struct app *app, int64_t id)
{
	struct outbox_entry e;
	char err[256];
	int rc;

	if (load_problem(app, id, &e) != 0)
		return -1;
	rc = problem_settled(app, &e, outbox_discard(app->db, id, err,
	    sizeof err), err, "discarded");
	outbox_entry_free(&e);
	return rc;
}

int
cmd_discard(struct app *app, int argc, char **argv)
{
	struct outbox_entry e;

	(void)argc; (void)argv;
	if (selected_problem(app, &e) != 0)
		return -1;
	app_confirm(app, discard_now, e.id, "Discard \"%s\"? The change is "
	    "lost. (y/n)", problem_name(&e));
	outbox_entry_free(&e);
	return 0;
}
