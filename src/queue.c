/* The conversation queue as SQL.  A view, a filter and a search each add
 * a condition on conversations c; the sort picks the key.  Conditions
 * name only c and subqueries, so the count walks conversations alone.
 * Every value people type is bound (queue_bind), never spliced: the SQL
 * text is built from constant fragments and parameter names. */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "queue.h"
#include "store.h"
#include "util.h"

/* Sort keys.  Each must match its index expression (db/004_triage.sql,
 * conversations_by_waiting and conversations_by_priority; 001's
 * conversations_by_activity) or every window query scans and sorts. */
#define KEY_WAITING	"ifnull(c.waiting_since, 8000000000 - c.last_activity_at)"
#define KEY_PRIORITY	"(CASE c.priority WHEN 'urgent' THEN 4 WHEN 'high' " \
			"THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 " \
			"ELSE 0 END) * 10000000000 + c.last_activity_at"
#define KEY_ACTIVITY	"c.last_activity_at"

#define PRIORITY_RANK	"(CASE c.priority WHEN 'urgent' THEN 4 WHEN 'high' " \
			"THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 " \
			"ELSE 0 END)"
/* A snooze whose time has passed reads open, before the server says so. */
#define EFFECTIVE_STATUS "(CASE WHEN c.status = 'snoozed' AND " \
			"c.snoozed_until <= :now THEN 'open' ELSE c.status END)"

#define HITS		"temp.queue_hits"
/* Up to this many search results are sorted for every page; beyond,
 * walking the sort's index finds a page of them sooner. */
#define SEARCH_SORT_MAX	2000
/* Words of a search beyond these are ignored. */
#define QUEUE_SEARCH_WORDS 16

static void	job_stop(struct queue *q);

static const char queue_from[] = "conversations c"
    " JOIN contacts k ON k.id = c.contact_id"
    " JOIN channels ch ON ch.id = c.channel_id"
    " JOIN companies co ON co.id = c.company_id"
    " LEFT JOIN users u ON u.id = c.assignee_id";

/* In the order of the C_* cells. */
static const char queue_cols[] = "c.priority, ch.platform, co.code, k.name,"
    " c.last_message_preview, c.last_activity_at, " EFFECTIVE_STATUS ","
    " u.name, c.unread_count, c.payment_status, c.waiting_since,"
    " (SELECT group_concat(label, ' ') FROM conversation_labels l"
    "   WHERE l.conversation_id = c.id), c.pending, c.handoff_requested";

/* Only a snooze turns into open, so "not resolved" needs no :now.  The
 * unary + keeps SQLite off conversations_assignee: every view walks its
 * sort's index and filters, rather than fetch all of a person's
 * conversations and sort them again for each page. */
static const struct {
	const char	*name, *title, *where;
} views[QV_COUNT] = {
	[QV_MINE] = { "mine", "Mine",
	    "+c.assignee_id = :me AND c.status <> 'resolved'" },
	[QV_UNASSIGNED] = { "unassigned", "Unassigned",
	    "+c.assignee_id IS NULL AND c.status <> 'resolved'" },
	[QV_WAITING] = { "waiting", "Waiting",
	    "c.handoff_requested <> 0 AND c.status <> 'resolved'" },
	[QV_UNPAID] = { "unpaid", "Unpaid",
	    "c.payment_status = 'payment_link_sent'" },
	[QV_ALL] = { "all", "All", "1" },
	[QV_RESOLVED] = { "resolved", "Resolved", "c.status = 'resolved'" },
};

static const struct {
	const char	*name, *key;
	bool		 desc;
} sorts[QS_COUNT] = {
	[QS_WAITING] = { "waiting", KEY_WAITING, false },
	[QS_ACTIVITY] = { "activity", KEY_ACTIVITY, true },
	[QS_PRIORITY] = { "priority", KEY_PRIORITY, true },
};

/* ---- names -------------------------------------------------------------- */

const char *
queue_view_name(enum queue_view v)
{
	return v >= 0 && v < QV_COUNT ? views[v].name : "";
}

const char *
queue_view_title(enum queue_view v)
{
	return v >= 0 && v < QV_COUNT ? views[v].title : "";
}

/* The index of the name, or of the one name it is a prefix of, or -1. */
static int
find_name(const char *name, const char *(*name_of)(int), int n)
{
	size_t len = strlen(name);
	int found = -1;

	if (len == 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (strcasecmp(name, name_of(i)) == 0)
			return i;
		if (strncasecmp(name, name_of(i), len) == 0) {
			if (found >= 0)
				return -1;
			found = i;
		}
	}
	return found;
}

static const char *
view_name(int i)
{
	return views[i].name;
}

static const char *
sort_name(int i)
{
	return sorts[i].name;
}

int
queue_view_find(const char *name)
{
	return find_name(name, view_name, QV_COUNT);
}

const char *
queue_sort_name(enum queue_sort s)
{
	return s >= 0 && s < QS_COUNT ? sorts[s].name : "";
}

int
queue_sort_find(const char *name)
{
	return find_name(name, sort_name, QS_COUNT);
}

enum queue_sort
queue_default_sort(enum queue_view v)
{
	return v == QV_MINE || v == QV_UNASSIGNED || v == QV_WAITING ?
	    QS_WAITING : QS_ACTIVITY;
}

/* ---- filters ------------------------------------------------------------ */

enum field {
	F_STATUS, F_CHANNEL, F_COMPANY, F_LABEL, F_PRIORITY, F_ASSIGNEE,
	F_LANGUAGE, F_COUNT
};

enum op { OP_EQ, OP_LT, OP_LE, OP_GT, OP_GE };

static const char *const statuses[] = { "open", "pending", "snoozed",
    "resolved", NULL };
static const char *const platforms[] = { "whatsapp", "telegram",
    "instagram", "facebook", "email", "tiktok", "order_chat", NULL };
/* By rank: none 0 … urgent 4, as PRIORITY_RANK. */
static const char *const priorities[] = { "none", "low", "medium", "high",
    "urgent", NULL };

static const struct {
	const char		*name;
	char			 letter;	/* ~c */
	const char *const	*values;	/* the only ones, or NULL */
} fields[F_COUNT] = {
	[F_STATUS] = { "status", 's', statuses },
	[F_CHANNEL] = { "channel", 'c', platforms },
	[F_COMPANY] = { "company", 'C', NULL },
	[F_LABEL] = { "label", 'l', NULL },
	[F_PRIORITY] = { "priority", 'p', priorities },
	[F_ASSIGNEE] = { "assignee", 'a', NULL },
	[F_LANGUAGE] = { "language", 'L', NULL },
};

static void
term_free(struct queue_term *t)
{
	for (int i = 0; i < t->nvalues; i++)
		free(t->values[i]);
	memset(t, 0, sizeof *t);
}

void
queue_filter_free(struct queue_filter *f)
{
	for (int i = 0; i < f->nterms; i++)
		term_free(&f->terms[i]);
	f->nterms = 0;
}

/* "a, b, c" of a NULL-terminated list, for messages. */
static void
list_words(char *buf, size_t len, const char *const *words)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; words[i] != NULL && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i > 0 ? ", " :
		    "", words[i]);
}

/* The next blank-separated token, where a double-quoted part may hold
 * blanks.  Sets *start and *end; 0 at the end of the text, -1 for an
 * unterminated quote. */
static int
next_token(const char **p, const char **start, const char **end)
{
	const char *s = *p;
	bool quoted = false;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return 0;
	*start = s;
	for (; *s != '\0' && (quoted || (*s != ' ' && *s != '\t')); s++)
		if (*s == '"')
			quoted = !quoted;
	*end = *p = s;
	return quoted ? -1 : 1;
}

/* Reads an operator at *s: "!=" negates, as does a lone "!". */
static enum op
read_op(const char **s, bool *negate, bool *found)
{
	static const struct { const char *text; enum op op; bool neg; } ops[] = {
		{ "!=", OP_EQ, true }, { "<=", OP_LE, false },
		{ ">=", OP_GE, false }, { "=", OP_EQ, false },
		{ "<", OP_LT, false }, { ">", OP_GT, false },
		{ "!", OP_EQ, true },
	};

	for (size_t i = 0; i < nitems(ops); i++)
		if (strncmp(*s, ops[i].text, strlen(ops[i].text)) == 0) {
			*s += strlen(ops[i].text);
			*negate ^= ops[i].neg;
			*found = true;
			return ops[i].op;
		}
	*found = false;
	return OP_EQ;
}

/* Splits s[0..len) on commas outside quotes into t->values, quotes
 * removed.  0, or -1 with a message about term. */
static int
read_values(struct queue_term *t, const char *s, size_t len,
    const char *term, char *err, size_t errlen)
{
	const char *end = s + len;
	char *v = xmalloc(len + 1);
	size_t n = 0;
	bool quoted = false;

	for (;; s++) {
		if (s == end || (*s == ',' && !quoted)) {
			v[n] = '\0';
			if (n == 0) {
				snprintf(err, errlen, "'%s' needs a value after "
				    "the field: channel=whatsapp", term);
				goto fail;
			}
			if (t->nvalues == (int)nitems(t->values)) {
				snprintf(err, errlen, "'%s' has more than %zu "
				    "values", term, nitems(t->values));
				goto fail;
			}
			t->values[t->nvalues++] = xstrdup(v);
			n = 0;
			if (s == end)
				break;
		} else if (*s == '"')
			quoted = !quoted;
		else
			v[n++] = *s;
	}
	free(v);
	return 0;
fail:
	free(v);
	return -1;
}

/* Checks the values of a field with a fixed set, lower-casing them. */
static int
check_values(struct queue_term *t, const char *term, char *err,
    size_t errlen)
{
	const char *const *allowed = fields[t->field].values;
	char known[128];

	if (allowed == NULL)
		return 0;
	for (int i = 0; i < t->nvalues; i++) {
		bool ok = false;

		for (char *c = t->values[i]; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
		for (int j = 0; allowed[j] != NULL; j++)
			ok |= strcmp(t->values[i], allowed[j]) == 0;
		if (!ok) {
			list_words(known, sizeof known, allowed);
			snprintf(err, errlen, "unknown %s '%s' in '%s' (%s)",
			    fields[t->field].name, t->values[i], term, known);
			return -1;
		}
	}
	return 0;
}

static int
field_by_name(const char *s, size_t len)
{
	for (int i = 0; i < F_COUNT; i++)
		if (strlen(fields[i].name) == len &&
		    strncasecmp(s, fields[i].name, len) == 0)
			return i;
	return -1;
}

static int
field_by_letter(char c)
{
	for (int i = 0; i < F_COUNT; i++)
		if (fields[i].letter == c)
			return i;
	return -1;
}

/* One term from the token at [s, e); the short form may take its value
 * from the next token.  0, or -1 with a message. */
static int
read_term(struct queue_term *t, const char *s, const char *e,
    const char **p, char *err, size_t errlen)
{
	char term[160], names[128] = "";
	const char *v;
	bool found, letter = false;

	snprintf(term, sizeof term, "%.*s", (int)(e - s), s);
	memset(t, 0, sizeof *t);
	while (s < e && *s == '!') {
		t->negate = !t->negate;
		s++;
	}
	if (s < e && *s == '~') {
		letter = true;
		if (s + 1 == e || (t->field = field_by_letter(s[1])) < 0) {
			snprintf(err, errlen, "unknown field '%.*s' (~s status, "
			    "~c channel, ~C company, ~l label, ~p priority, "
			    "~a assignee, ~L language)", (int)(e - s), s);
			return -1;
		}
		s += 2;
		if (s == e) {
			/* "~c whatsapp": the value is the next token. */
			int rc = next_token(p, &s, &e);

			if (rc <= 0) {
				snprintf(err, errlen, rc < 0 ? "unterminated "
				    "quote after '%s'" : "'%s' needs a value: "
				    "~c whatsapp", term);
				return -1;
			}
			snprintf(term + strlen(term), sizeof term -
			    strlen(term), " %.*s", (int)(e - s), s);
		}
	} else {
		for (v = s; v < e && (isalpha((unsigned char)*v) || *v == '_');
		    v++)
			;
		if ((t->field = field_by_name(s, (size_t)(v - s))) < 0) {
			for (int i = 0; i < F_COUNT; i++)
				snprintf(names + strlen(names), sizeof names -
				    strlen(names), "%s%s", i > 0 ? ", " : "",
				    fields[i].name);
			snprintf(err, errlen, "unknown field '%.*s' (%s)",
			    (int)(v - s), s, names);
			return -1;
		}
		s = v;
	}
	t->op = read_op(&s, &t->negate, &found);
	if (!found && !letter) {
		snprintf(err, errlen, "'%s' needs an operator and a value: "
		    "%s=…", term, fields[t->field].name);
		return -1;
	}
	if (t->op != OP_EQ && t->field != F_PRIORITY) {
		snprintf(err, errlen, "'%s': only priority compares with <, "
		    "<=, > or >=", term);
		return -1;
	}
	if (read_values(t, s, (size_t)(e - s), term, err, errlen) != 0 ||
	    check_values(t, term, err, errlen) != 0) {
		term_free(t);
		return -1;
	}
	if (t->op != OP_EQ && t->nvalues > 1) {
		snprintf(err, errlen, "'%s': a comparison takes one value",
		    term);
		term_free(t);
		return -1;
	}
	return 0;
}

int
queue_filter_parse(const char *text, struct queue_filter *f, char *err,
    size_t errlen)
{
	struct queue_filter nf;
	const char *p = text, *s, *e;
	int rc;

	memset(&nf, 0, sizeof nf);
	while ((rc = next_token(&p, &s, &e)) != 0) {
		if (rc < 0) {
			snprintf(err, errlen, "unterminated quote in '%s'", s);
			goto fail;
		}
		if (nf.nterms == QUEUE_TERMS) {
			snprintf(err, errlen, "a filter has at most %d terms",
			    QUEUE_TERMS);
			goto fail;
		}
		if (read_term(&nf.terms[nf.nterms], s, e, &p, err, errlen) != 0)
			goto fail;
		nf.nterms++;
	}
	queue_filter_free(f);
	*f = nf;
	return 0;
fail:
	queue_filter_free(&nf);
	return -1;
}

/* ---- SQL ---------------------------------------------------------------- */

static int
priority_rank(const char *p)
{
	for (int i = 0; priorities[i] != NULL; i++)
		if (strcmp(p, priorities[i]) == 0)
			return i;
	return 0;
}

/* "(:f2_0, :f2_1)" for term ti. */
static void
param_list(sqlite3_str *q, int ti, const struct queue_term *t)
{
	sqlite3_str_appendall(q, "(");
	for (int i = 0; i < t->nvalues; i++)
		sqlite3_str_appendf(q, "%s:f%d_%d", i > 0 ? ", " : "", ti, i);
	sqlite3_str_appendall(q, ")");
}

static void
assignee_sql(sqlite3_str *q, int ti, const struct queue_term *t)
{
	for (int i = 0; i < t->nvalues; i++) {
		const char *v = t->values[i];

		sqlite3_str_appendall(q, i > 0 ? " OR " : "");
		if (strcasecmp(v, "me") == 0)
			sqlite3_str_appendall(q, "+c.assignee_id = :me");
		else if (strcasecmp(v, "none") == 0)
			sqlite3_str_appendall(q, "+c.assignee_id IS NULL");
		else
			/* The whole name, the e-mail, or the first name. */
			sqlite3_str_appendf(q, "+c.assignee_id IN (SELECT id "
			    "FROM users WHERE name = :f%d_%d COLLATE NOCASE OR "
			    "email = :f%d_%d COLLATE NOCASE OR substr(name, 1, "
			    "length(:f%d_%d) + 1) COLLATE NOCASE = "
			    ":f%d_%d || ' ')", ti, i, ti, i, ti, i, ti, i);
	}
}

/* The contact's language: "ru" is also "ru-RU". */
static void
language_sql(sqlite3_str *q, int ti, const struct queue_term *t)
{
	sqlite3_str_appendall(q, "EXISTS (SELECT 1 FROM contacts x WHERE "
	    "x.id = c.contact_id AND (");
	for (int i = 0; i < t->nvalues; i++)
		sqlite3_str_appendf(q, "%sx.language = :f%d_%d COLLATE NOCASE "
		    "OR substr(x.language, 1, length(:f%d_%d) + 1) COLLATE "
		    "NOCASE = :f%d_%d || '-'", i > 0 ? " OR " : "", ti, i, ti, i,
		    ti, i);
	sqlite3_str_appendall(q, "))");
}

/* As in the views, a unary + on a column keeps SQLite off its index
 * (conversations_company, conversations_assignee), so the list still
 * walks the sort's index instead of sorting every match per page. */
static void
term_sql(sqlite3_str *q, int ti, const struct queue_term *t)
{
	static const char *const cmp[] = { [OP_LT] = "<", [OP_LE] = "<=",
	    [OP_GT] = ">", [OP_GE] = ">=" };

	/* NULL (nobody assigned, no language) must not pass a negation
	 * by accident, nor fail it. */
	sqlite3_str_appendall(q, t->negate ? "NOT ifnull((" : "(");
	switch (t->field) {
	case F_STATUS:
		sqlite3_str_appendall(q, EFFECTIVE_STATUS " IN ");
		param_list(q, ti, t);
		break;
	/* Asked of each conversation the list walks: "IN (SELECT …)"
	 * would gather all 26,000 channels (8,000 companies) of the large
	 * demo first, on every query of the list, each move included. */
	case F_CHANNEL:
		sqlite3_str_appendall(q, "EXISTS (SELECT 1 FROM channels x "
		    "WHERE x.id = c.channel_id AND x.platform IN ");
		param_list(q, ti, t);
		sqlite3_str_appendall(q, ")");
		break;
	case F_COMPANY:
		sqlite3_str_appendall(q, "EXISTS (SELECT 1 FROM companies x "
		    "WHERE x.id = c.company_id AND x.code COLLATE NOCASE IN ");
		param_list(q, ti, t);
		sqlite3_str_appendall(q, ")");
		break;
	case F_LABEL:
		sqlite3_str_appendall(q, "EXISTS (SELECT 1 FROM "
		    "conversation_labels l WHERE l.conversation_id = c.id AND "
		    "l.label COLLATE NOCASE IN ");
		param_list(q, ti, t);
		sqlite3_str_appendall(q, ")");
		break;
	case F_PRIORITY:
		if (t->op == OP_EQ) {
			sqlite3_str_appendall(q, "c.priority IN ");
			param_list(q, ti, t);
		} else
			sqlite3_str_appendf(q, PRIORITY_RANK " %s :f%d_0",
			    cmp[t->op], ti);
		break;
	case F_ASSIGNEE:
		assignee_sql(q, ti, t);
		break;
	case F_LANGUAGE:
		language_sql(q, ti, t);
		break;
	}
	sqlite3_str_appendall(q, t->negate ? "), 0)" : ")");
}

/* The filter's conditions, and the search's unless the query starts
 * from its results; "1" for none. */
static void
filter_sql(sqlite3_str *q, const struct queue *qu, bool search)
{
	sqlite3_str_appendall(q, "1");
	for (int i = 0; i < qu->filter.nterms; i++) {
		sqlite3_str_appendall(q, " AND ");
		term_sql(q, i, &qu->filter.terms[i]);
	}
	/* The unary + stops SQLite looking the results up by id. */
	if (search && qu->search[0] != '\0')
		sqlite3_str_appendf(q, " AND %sc.id IN (SELECT id FROM " HITS
		    ")", qu->found > SEARCH_SORT_MAX ? "+" : "");
}

static char *
str_finish(sqlite3_str *q)
{
	char *s = sqlite3_str_finish(q), *out;

	if (s == NULL) {
		fprintf(stderr, "mkt: out of memory\n");
		abort();
	}
	out = xstrdup(s);
	sqlite3_free(s);
	return out;
}

void
queue_init(struct queue *q, enum queue_view view, int64_t me)
{
	memset(q, 0, sizeof *q);
	q->view = view;
	q->sort = queue_default_sort(view);
	q->me = me;
	q->now = (int64_t)time(NULL);
	queue_build(q);
}

void
queue_free(struct queue *q)
{
	job_stop(q);
	sqlite3_close(q->reader);
	q->reader = NULL;
	queue_filter_free(&q->filter);
	for (size_t i = 0; i < nitems(q->sql); i++) {
		free(q->sql[i]);
		q->sql[i] = NULL;
	}
}

void
queue_build(struct queue *q)
{
	sqlite3_str *w = sqlite3_str_new(NULL);
	enum queue_view v = q->view >= 0 && q->view < QV_COUNT ? q->view :
	    QV_ALL;
	enum queue_sort s = q->sort >= 0 && q->sort < QS_COUNT ? q->sort :
	    QS_ACTIVITY;

	sqlite3_str_appendf(w, "(%s) AND ", views[v].where);
	filter_sql(w, q, true);
	free(q->sql[0]);
	q->sql[0] = str_finish(w);
	q->src = (struct list_source){
		.name = views[v].name,
		.from = queue_from,
		.count_from = "conversations c",
		.where = q->sql[0],
		.key = sorts[s].key,
		.id = "c.id",
		.cols = queue_cols,
		.ncols = C_NCOLS,
		.desc = sorts[s].desc,
	};
}

static void
bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(st, name)) > 0)
		sqlite3_bind_int64(st, i, v);
}

void
queue_bind(void *queue, sqlite3_stmt *st)
{
	const struct queue *q = queue;
	char name[32];
	int i;

	bind_named_int(st, ":me", q->me);
	bind_named_int(st, ":now", q->now != 0 ? q->now :
	    (int64_t)time(NULL));
	for (int ti = 0; ti < q->filter.nterms; ti++) {
		const struct queue_term *t = &q->filter.terms[ti];

		for (int vi = 0; vi < t->nvalues; vi++) {
			snprintf(name, sizeof name, ":f%d_%d", ti, vi);
			if ((i = sqlite3_bind_parameter_index(st, name)) <= 0)
				continue;
			if (t->field == F_PRIORITY && t->op != OP_EQ)
				sqlite3_bind_int(st, i,
				    priority_rank(t->values[vi]));
			else
				sqlite3_bind_text(st, i, t->values[vi], -1,
				    SQLITE_TRANSIENT);
		}
	}
}

/* ---- search ------------------------------------------------------------- */

/* Counting the views walks every conversation (70 ms at 200,000) and a
 * search merges every term its prefix matches before the first row ("w*"
 * in 2,000,000 messages is half a second): both are jobs for a thread of
 * their own, on a connection of their own, while keys are served.  A
 * read left open on the UI's connection would also hold it to an old
 * snapshot and fail its next write.  The UI takes the results between
 * keys (queue_poll).  A cache in memory (the tests') has no file to open
 * again: its jobs run on the spot. */
struct queue_job {
	pthread_t	 thread;
	bool		 threaded;
	/* Stops the thread: sqlite3_interrupt() alone misses a statement
	 * the thread has not begun to step. */
	atomic_bool	 cancel;
	sqlite3		*db;		/* the job's: q->reader, or the UI's */
	sqlite3_stmt	*names;		/* a search's, or NULL */
	sqlite3_stmt	*hits;
	sqlite3_stmt	*keep;		/* into the job's own queue_hits */
	sqlite3_stmt	*count;
	sqlite3_stmt	*rank;		/* the list's selection, or NULL */
	int64_t		 rank_id;
	pthread_mutex_t	 lock;		/* guards the rest */
	int64_t		*ids;		/* found, not yet taken */
	size_t		 nids, cap;
	long long	 found;
	struct queue_counted counted_as;
	bool		 done, counted;
	char		 err[200];	/* why it stopped short, "" if not */
};

static int
run(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "search: %s", msg != NULL ? msg :
		    sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* The user's words as an FTS5 query: each a quoted string (quotes
 * doubled), so no word is read as an operator or a column; the last a
 * prefix, so results follow the typing, or every word one for names,
 * where "ан пет" should find "Анна Петрова". */
static char *
fts_query(char **words, int n, bool all_prefixes)
{
	sqlite3_str *q = sqlite3_str_new(NULL);

	for (int i = 0; i < n; i++) {
		sqlite3_str_appendall(q, i > 0 ? " \"" : "\"");
		for (const char *c = words[i]; *c != '\0'; c++)
			sqlite3_str_append(q, *c == '"' ? "\"\"" : c,
			    *c == '"' ? 2 : 1);
		sqlite3_str_appendall(q, all_prefixes || i == n - 1 ?
		    "\"*" : "\"");
	}
	return str_finish(q);
}

static void
job_publish(struct queue_job *j, const int64_t *ids, int n)
{
	pthread_mutex_lock(&j->lock);
	if (j->nids + (size_t)n > j->cap) {
		j->cap = (j->nids + (size_t)n) * 2;
		j->ids = xreallocarray(j->ids, j->cap, sizeof *j->ids);
	}
	memcpy(j->ids + j->nids, ids, (size_t)n * sizeof *ids);
	j->nids += (size_t)n;
	j->found += n;
	pthread_mutex_unlock(&j->lock);
}

/* Keeps each conversation st yields once, in the job's own results
 * (which its count reads) and for the UI.  Message hits come grouped by
 * conversation (the rowid starts with it), so most repeats are dropped
 * without asking the table. */
static int
job_collect(struct queue_job *j, sqlite3_stmt *st)
{
	int64_t batch[512], last = 0;
	int n = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if (id == last)
			continue;
		last = id;
		sqlite3_bind_int64(j->keep, 1, id);
		if (sqlite3_step(j->keep) != SQLITE_DONE) {
			sqlite3_reset(j->keep);
			return -1;
		}
		sqlite3_reset(j->keep);
		if (sqlite3_changes(j->db) == 0)
			continue;
		batch[n++] = id;
		if (n == (int)nitems(batch)) {
			job_publish(j, batch, n);
			n = 0;
		}
	}
	if (n > 0)
		job_publish(j, batch, n);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
job_cancelled(void *arg)
{
	struct queue_job *j = arg;

	return atomic_load(&j->cancel);
}

static void *
job_run(void *arg)
{
	struct queue_job *j = arg;
	struct queue_counted c = { .rank_id = j->rank_id, .rank = -1 };
	int rc = 0;

	if (j->names != NULL)
		rc = job_collect(j, j->names);
	if (rc == 0 && j->hits != NULL)
		rc = job_collect(j, j->hits);
	if (rc == 0 && (rc = sqlite3_step(j->count)) == SQLITE_ROW) {
		for (int v = 0; v < QV_COUNT; v++)
			c.views[v] = sqlite3_column_int64(j->count, v);
		rc = 0;
	}
	if (rc == 0 && j->rank != NULL) {
		if ((rc = sqlite3_step(j->rank)) == SQLITE_ROW) {
			c.rank = sqlite3_column_int64(j->rank, 0);
			rc = 0;
		}
	}
	pthread_mutex_lock(&j->lock);
	if (rc == 0) {
		j->counted_as = c;
		j->counted = true;
	} else
		snprintf(j->err, sizeof j->err, "search: %s",
		    sqlite3_errmsg(j->db));
	j->done = true;
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* Stops a job (a search replaced or cleared stops at once) and forgets
 * what it found. */
static void
job_stop(struct queue *q)
{
	struct queue_job *j = q->job;

	if (j == NULL)
		return;
	if (j->threaded) {
		atomic_store(&j->cancel, true);
		pthread_join(j->thread, NULL);
		sqlite3_progress_handler(j->db, 0, NULL, NULL);
	}
	sqlite3_finalize(j->names);
	sqlite3_finalize(j->hits);
	sqlite3_finalize(j->keep);
	sqlite3_finalize(j->count);
	sqlite3_finalize(j->rank);
	pthread_mutex_destroy(&j->lock);
	free(j->ids);
	free(j);
	q->job = NULL;
}

/* The connection jobs run on: the queue's reader, opened once. */
static sqlite3 *
job_db(sqlite3 *db, struct queue *q)
{
	const char *file = sqlite3_db_filename(db, "main");

	if (file == NULL || file[0] == '\0')
		return db;
	if (q->reader == NULL) {
		if (sqlite3_open_v2(file, &q->reader, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
			sqlite3_close(q->reader);
			q->reader = NULL;
			return NULL;
		}
		sqlite3_busy_timeout(q->reader, 1000);
	}
	return q->reader;
}

static char *
counts_sql(const struct queue *q)
{
	sqlite3_str *sql = sqlite3_str_new(NULL);

	sqlite3_str_appendall(sql, "SELECT ");
	for (int v = 0; v < QV_COUNT; v++)
		sqlite3_str_appendf(sql, "%stotal(%s)", v > 0 ? ", " : "",
		    views[v].where);
	/* A search's results are fewer than the conversations: start from
	 * them. */
	sqlite3_str_appendall(sql, q->search[0] != '\0' ? " FROM " HITS
	    " h JOIN conversations c ON c.id = h.id WHERE " :
	    " FROM conversations c WHERE ");
	filter_sql(sql, q, false);
	return str_finish(sql);
}

static int
prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *match)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return -1;
	if (match != NULL)
		sqlite3_bind_text(*st, 1, match, -1, SQLITE_TRANSIENT);
	return 0;
}

/* Starts counting the views, after searching when words are given (the
 * FTS5 queries for names and for messages).  Replaces any job. */
static int
job_start(sqlite3 *db, struct queue *q, const char *names,
    const char *messages, char *err, size_t errlen)
{
	const char *what = messages != NULL ? "search" : "count";
	struct queue_job *j;
	char *count;
	int rc = 0;

	job_stop(q);
	j = q->job = xcalloc(1, sizeof *j);
	pthread_mutex_init(&j->lock, NULL);
	if ((j->db = job_db(db, q)) == NULL) {
		snprintf(err, errlen, "%s: cannot open the cache again",
		    what);
		job_stop(q);
		return -1;
	}
	count = counts_sql(q);
	if (run(j->db, "CREATE TEMP TABLE IF NOT EXISTS queue_hits "
	    "(id INTEGER PRIMARY KEY)", err, errlen) != 0 ||
	    (messages != NULL && run(j->db, "DELETE FROM " HITS, err,
	    errlen) != 0))
		rc = -1;
	else if ((messages != NULL && (prepare(j->db, "SELECT id FROM "
	    "conversations WHERE contact_id IN (SELECT rowid FROM "
	    "contacts_fts WHERE contacts_fts MATCH ?) ORDER BY id DESC",
	    &j->names, names) != 0 || prepare(j->db, "SELECT rowid >> 32 "
	    "FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid "
	    "DESC", &j->hits, messages) != 0)) || prepare(j->db,
	    "INSERT OR IGNORE INTO " HITS "(id) VALUES (?)", &j->keep,
	    NULL) != 0 || prepare(j->db, count, &j->count, NULL) != 0) {
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(j->db));
		rc = -1;
	}
	free(count);
	/* The list's selection, where it stands in the list now. */
	if (rc == 0 && q->ranked != NULL && !q->ranked->rank_known &&
	    listwin_selected(q->ranked) != NULL) {
		if (prepare(j->db, listwin_rank_sql(q->ranked), &j->rank,
		    NULL) != 0) {
			snprintf(err, errlen, "%s: %s", what,
			    sqlite3_errmsg(j->db));
			rc = -1;
		} else {
			listwin_bind_rank(q->ranked, j->rank);
			j->rank_id = listwin_selected(q->ranked)->id;
		}
	}
	if (rc == 0) {
		/* queue_bind only reads the queue. */
		queue_bind(q, j->count);
		if (j->db == db)
			job_run(j);
		else {
			sqlite3_progress_handler(j->db, 1000, job_cancelled, j);
			if (pthread_create(&j->thread, NULL, job_run, j) == 0)
				j->threaded = true;
			else {
				sqlite3_progress_handler(j->db, 0, NULL, NULL);
				snprintf(err, errlen, "%s: cannot start a "
				    "thread", what);
				rc = -1;
			}
		}
	}
	if (rc != 0)
		job_stop(q);
	return rc;
}

int
queue_poll(sqlite3 *db, struct queue *q, struct queue_counted *out,
    char *err, size_t errlen)
{
	struct queue_job *j = q->job;
	sqlite3_stmt *ins = NULL;
	int64_t *ids;
	size_t n;
	bool done, counted;
	int rc = 0;

	if (j == NULL)
		return 0;
	pthread_mutex_lock(&j->lock);
	ids = j->ids;
	n = j->nids;
	done = j->done;
	counted = j->counted;
	if (counted)
		*out = j->counted_as;
	if (j->hits != NULL)
		q->found = j->found;
	j->ids = NULL;
	j->nids = j->cap = 0;
	if (done && j->err[0] != '\0') {
		snprintf(err, errlen, "%s", j->err);
		rc = -1;
	}
	pthread_mutex_unlock(&j->lock);
	/* A job run on the UI's own connection filled this very table. */
	if (rc == 0 && n > 0 && j->db != db) {
		if (prepare(db, "INSERT OR IGNORE INTO " HITS "(id) VALUES (?)",
		    &ins, NULL) != 0 || run(db, "SAVEPOINT queue_poll", err,
		    errlen) != 0)
			rc = -1;
		for (size_t i = 0; i < n && rc == 0; i++) {
			sqlite3_bind_int64(ins, 1, ids[i]);
			if (sqlite3_step(ins) != SQLITE_DONE)
				rc = -1;
			sqlite3_reset(ins);
		}
		if (rc == 0)
			rc = run(db, "RELEASE queue_poll", err, errlen);
		else {
			snprintf(err, errlen, "search: %s", sqlite3_errmsg(db));
			sqlite3_exec(db, "ROLLBACK TO queue_poll; RELEASE "
			    "queue_poll", NULL, NULL, NULL);
		}
		sqlite3_finalize(ins);
	}
	free(ids);
	if (rc != 0 || done)
		job_stop(q);
	if (rc != 0)
		return -1;
	/* Counts asked for while the search ran were for what it found. */
	if (done && q->recount) {
		q->recount = false;
		if (job_start(db, q, NULL, NULL, err, errlen) != 0)
			return -1;
		done = q->job == NULL;
	}
	return (done ? 0 : QUEUE_MORE) | (counted ? QUEUE_COUNTED : 0) |
	    (n > 0 ? QUEUE_FOUND : 0);
}

bool
queue_busy(const struct queue *q)
{
	return q->job != NULL;
}

int
queue_count(sqlite3 *db, struct queue *q, struct listwin *lw, char *err,
    size_t errlen)
{
	q->ranked = lw;
	/* A search under way counts again when it has found everything. */
	if (q->job != NULL && q->job->hits != NULL) {
		q->recount = true;
		return 0;
	}
	return job_start(db, q, NULL, NULL, err, errlen);
}

/* Splits text on blanks into at most max malloc'd words. */
static int
split_words(const char *text, char **words, int max)
{
	int n = 0;

	while (*text != '\0' && n < max) {
		size_t len;

		text += strspn(text, " \t\r\n");
		if ((len = strcspn(text, " \t\r\n")) == 0)
			break;
		words[n++] = xstrndup(text, len);
		text += len;
	}
	return n;
}

int
queue_search(sqlite3 *db, struct queue *q, const char *text, char *err,
    size_t errlen)
{
	char *words[QUEUE_SEARCH_WORDS], *names, *messages;
	int n, rc;

	job_stop(q);
	q->found = 0;
	q->recount = false;
	if (text != q->search)
		snprintf(q->search, sizeof q->search, "%s", text);
	if (run(db, "CREATE TEMP TABLE IF NOT EXISTS queue_hits "
	    "(id INTEGER PRIMARY KEY)", err, errlen) != 0 ||
	    run(db, "DELETE FROM " HITS, err, errlen) != 0)
		return -1;
	if ((n = split_words(text, words, QUEUE_SEARCH_WORDS)) == 0) {
		q->search[0] = '\0';
		return queue_count(db, q, q->ranked, err, errlen);
	}
	names = fts_query(words, n, true);
	messages = fts_query(words, n, false);
	rc = job_start(db, q, names, messages, err, errlen);
	for (int i = 0; i < n; i++)
		free(words[i]);
	free(names);
	free(messages);
	return rc;
}

/* ---- counts ------------------------------------------------------------- */

long long
queue_total_now(sqlite3 *db, const struct queue *q)
{
	/* With no condition SQLite counts the table's b-tree pages instead
	 * of reading its rows: a few milliseconds at 200,000. */
	if (q->view != QV_ALL || q->filter.nterms > 0 || q->search[0] != '\0')
		return -1;
	return store_scalar(db, "SELECT count(*) FROM conversations");
}
