/* The conversation queue as SQL.  A view, a filter and a search each add
 * a condition on conversations c; the sort picks the key.  Conditions
 * name only c and subqueries, so the count walks conversations alone.
 * Every value people type is bound (queue_bind), never spliced: the SQL
 * text is built from constant fragments and parameter names. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fuzzy.h"
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
	case F_CHANNEL:
		sqlite3_str_appendall(q, "+c.channel_id IN (SELECT id FROM "
		    "channels WHERE platform IN ");
		param_list(q, ti, t);
		sqlite3_str_appendall(q, ")");
		break;
	case F_COMPANY:
		sqlite3_str_appendall(q, "+c.company_id IN (SELECT id FROM "
		    "companies WHERE code COLLATE NOCASE IN ");
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

/* The filter's and the search's conditions, "1" for none. */
static void
filter_sql(sqlite3_str *q, const struct queue *qu)
{
	sqlite3_str_appendall(q, "1");
	for (int i = 0; i < qu->filter.nterms; i++) {
		sqlite3_str_appendall(q, " AND ");
		term_sql(q, i, &qu->filter.terms[i]);
	}
	/* The unary + stops SQLite looking the results up by id. */
	if (qu->search[0] != '\0')
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
	filter_sql(w, q);
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

/* mkt_fold(text): text case-folded as the pickers fold it, so Cyrillic
 * and Greek names match whatever the case typed. */
static void
sql_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	char *f;

	(void)argc;
	if (s == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	f = fuzzy_fold(s);
	sqlite3_result_text(ctx, f, -1, free);
}

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

/* Runs sql with the strings words[0..n) bound as ?1..?n. */
static int
run_words(sqlite3 *db, const char *sql, char **words, int n, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "search: %s", sqlite3_errmsg(db));
		return -1;
	}
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, words[i], -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "search: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The user's words as an FTS5 query: each a quoted string (quotes
 * doubled), so no word is read as an operator or a column; the last a
 * prefix, so results follow the typing. */
static char *
fts_query(char **words, int n)
{
	sqlite3_str *q = sqlite3_str_new(NULL);

	for (int i = 0; i < n; i++) {
		sqlite3_str_appendall(q, i > 0 ? " \"" : "\"");
		for (const char *c = words[i]; *c != '\0'; c++)
			sqlite3_str_append(q, *c == '"' ? "\"\"" : c,
			    *c == '"' ? 2 : 1);
		sqlite3_str_appendall(q, i == n - 1 ? "\"*" : "\"");
	}
	return str_finish(q);
}

/* Conversations whose contact's name holds every word ?1..?n, folded. */
static char *
names_sql(int n)
{
	sqlite3_str *q = sqlite3_str_new(NULL);

	sqlite3_str_appendall(q, "INSERT OR IGNORE INTO " HITS "(id) "
	    "SELECT c.id FROM conversations c WHERE c.contact_id IN (SELECT "
	    "id FROM contacts WHERE 1");
	for (int i = 0; i < n; i++)
		sqlite3_str_appendf(q, " AND instr(mkt_fold(name), ?%d) > 0",
		    i + 1);
	sqlite3_str_appendall(q, ")");
	return str_finish(q);
}

static int
fill_hits(sqlite3 *db, char **words, int n, char *err, size_t errlen)
{
	char *folded[QUEUE_SEARCH_WORDS], *match = fts_query(words, n);
	char *names = names_sql(n);
	int rc;

	for (int i = 0; i < n; i++)
		folded[i] = fuzzy_fold(words[i]);
	rc = run_words(db, "INSERT OR IGNORE INTO " HITS "(id) SELECT "
	    "m.conversation_id FROM messages_fts JOIN messages m ON m.id = "
	    "messages_fts.rowid WHERE messages_fts MATCH ?1", &match, 1, err,
	    errlen);
	if (rc == 0)
		rc = run_words(db, names, folded, n, err, errlen);
	for (int i = 0; i < n; i++)
		free(folded[i]);
	free(match);
	free(names);
	return rc;
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

long long
queue_search(sqlite3 *db, const char *text, char *err, size_t errlen)
{
	char *words[QUEUE_SEARCH_WORDS];
	long long found = -1;
	int n, rc = -1;

	if (run(db, "CREATE TEMP TABLE IF NOT EXISTS queue_hits "
	    "(id INTEGER PRIMARY KEY)", err, errlen) != 0 ||
	    run(db, "DELETE FROM " HITS, err, errlen) != 0)
		return -1;
	if ((n = split_words(text, words, QUEUE_SEARCH_WORDS)) == 0)
		return 0;
	/* Busy means it is there already, in use by a list. */
	if ((rc = sqlite3_create_function_v2(db, "mkt_fold", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, sql_fold, NULL, NULL, NULL)) !=
	    SQLITE_OK && rc != SQLITE_BUSY)
		snprintf(err, errlen, "search: %s", sqlite3_errmsg(db));
	else if ((rc = run(db, "SAVEPOINT queue_search", err, errlen)) == 0) {
		if ((rc = fill_hits(db, words, n, err, errlen)) == 0)
			rc = run(db, "RELEASE queue_search", err, errlen);
		else
			sqlite3_exec(db, "ROLLBACK TO queue_search; "
			    "RELEASE queue_search", NULL, NULL, NULL);
	}
	if (rc == 0 && (found = store_scalar(db, "SELECT count(*) FROM "
	    HITS)) < 0)
		snprintf(err, errlen, "search: %s", sqlite3_errmsg(db));
	for (int i = 0; i < n; i++)
		free(words[i]);
	return found;
}

/* ---- counts ------------------------------------------------------------- */

int
queue_counts(sqlite3 *db, const struct queue *q, long long counts[QV_COUNT])
{
	sqlite3_str *sql = sqlite3_str_new(NULL);
	sqlite3_stmt *st;
	char *text;
	int rc;

	sqlite3_str_appendall(sql, "SELECT ");
	for (int v = 0; v < QV_COUNT; v++)
		sqlite3_str_appendf(sql, "%stotal(%s)", v > 0 ? ", " : "",
		    views[v].where);
	sqlite3_str_appendall(sql, " FROM conversations c WHERE ");
	filter_sql(sql, q);
	text = str_finish(sql);
	rc = sqlite3_prepare_v2(db, text, -1, &st, NULL);
	free(text);
	if (rc != SQLITE_OK)
		return -1;
	/* queue_bind only reads the queue. */
	queue_bind((void *)(uintptr_t)q, st);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int v = 0; v < QV_COUNT; v++)
			counts[v] = sqlite3_column_int64(st, v);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}
