/* The conversation queue: every view, sort, filter and search is walked
 * end to end through the list window and compared with a model computed
 * in C from the raw rows, so the queue's SQL is checked against rules
 * written a second, different way.  The window queries must seek the
 * sort's index.  A larger synthetic cache checks the same at a size
 * where a scan would show (timings are printed, not asserted). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <time.h>

#include "demo.h"
#include "queue.h"
#include "store.h"

#define DEMO_NOW	1795000000
/* Late enough that some of the demo's snoozes (1h..3d) are over. */
#define QUEUE_NOW	(DEMO_NOW + 36 * 3600)

/* A conversation as the model sees it. */
struct cm {
	int64_t		 id, snoozed, assignee, activity, waiting;
	int		 handoff, pending;
	char		 status[16], payment[24], priority[8], platform[16];
	char		 code[16], language[16], assignee_name[64];
	char		 labels[256], contact[128];
};

struct model {
	struct cm	*rows;
	int		 n;
	int64_t		 me;
};

typedef bool (*pred_fn)(const struct model *, const struct cm *);

static sqlite3 *db;
static struct model demo;

static void
exec(sqlite3 *d, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(d, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

static void
copy_col(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", s != NULL ? s : "");
}

static void
load_model(sqlite3 *d, struct model *m)
{
	sqlite3_stmt *st;
	int cap = 1024;

	m->rows = calloc((size_t)cap, sizeof *m->rows);
	m->n = 0;
	assert_int_equal(sqlite3_prepare_v2(d, "SELECT c.id, c.status, "
	    "ifnull(c.snoozed_until, 0), ifnull(c.assignee_id, 0), "
	    "c.handoff_requested, c.payment_status, c.priority, "
	    "c.last_activity_at, ifnull(c.waiting_since, 0), ch.platform, "
	    "co.code, ifnull(k.language, ''), ifnull(u.name, ''), "
	    "ifnull((SELECT group_concat(label, ' ') FROM (SELECT label FROM "
	    "conversation_labels WHERE conversation_id = c.id ORDER BY "
	    "label)), ''), c.pending, k.name FROM conversations c "
	    "JOIN channels ch ON ch.id = c.channel_id "
	    "JOIN companies co ON co.id = c.company_id "
	    "JOIN contacts k ON k.id = c.contact_id "
	    "LEFT JOIN users u ON u.id = c.assignee_id", -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cm *c;

		if (m->n == cap)
			m->rows = realloc(m->rows, (size_t)(cap *= 2) *
			    sizeof *m->rows);
		c = &m->rows[m->n++];
		memset(c, 0, sizeof *c);
		c->id = sqlite3_column_int64(st, 0);
		copy_col(c->status, sizeof c->status, st, 1);
		c->snoozed = sqlite3_column_int64(st, 2);
		c->assignee = sqlite3_column_int64(st, 3);
		c->handoff = sqlite3_column_int(st, 4);
		copy_col(c->payment, sizeof c->payment, st, 5);
		copy_col(c->priority, sizeof c->priority, st, 6);
		c->activity = sqlite3_column_int64(st, 7);
		c->waiting = sqlite3_column_int64(st, 8);
		copy_col(c->platform, sizeof c->platform, st, 9);
		copy_col(c->code, sizeof c->code, st, 10);
		copy_col(c->language, sizeof c->language, st, 11);
		copy_col(c->assignee_name, sizeof c->assignee_name, st, 12);
		copy_col(c->labels, sizeof c->labels, st, 13);
		c->pending = sqlite3_column_int(st, 14);
		copy_col(c->contact, sizeof c->contact, st, 15);
	}
	sqlite3_finalize(st);
}

/* ---- the model's rules -------------------------------------------------- */

static const char *
effective(const struct cm *c)
{
	if (strcmp(c->status, "snoozed") == 0 && c->snoozed > 0 &&
	    c->snoozed <= QUEUE_NOW)
		return "open";
	return c->status;
}

static bool
in_view(const struct model *m, const struct cm *c, enum queue_view v)
{
	bool resolved = strcmp(effective(c), "resolved") == 0;

	switch (v) {
	case QV_MINE:
		return c->assignee == m->me && !resolved;
	case QV_UNASSIGNED:
		return c->assignee == 0 && !resolved;
	case QV_WAITING:
		return c->handoff && !resolved;
	case QV_UNPAID:
		return strcmp(c->payment, "payment_link_sent") == 0;
	case QV_ALL:
		return true;
	case QV_RESOLVED:
		return resolved;
	default:
		return false;
	}
}

static int
rank(const char *p)
{
	static const char *const r[] = { "none", "low", "medium", "high",
	    "urgent" };

	for (int i = 0; i < 5; i++)
		if (strcmp(p, r[i]) == 0)
			return i;
	return 0;
}

static int64_t
key(const struct cm *c, enum queue_sort s)
{
	switch (s) {
	case QS_WAITING:
		return c->waiting != 0 ? c->waiting :
		    INT64_C(8000000000) - c->activity;
	case QS_PRIORITY:
		return rank(c->priority) * INT64_C(10000000000) + c->activity;
	default:
		return c->activity;
	}
}

static enum queue_sort sort_by;

static int
compare(const void *a, const void *b)
{
	const struct cm *x = *(const struct cm *const *)a;
	const struct cm *y = *(const struct cm *const *)b;
	int64_t kx = key(x, sort_by), ky = key(y, sort_by);
	int c = kx < ky ? -1 : kx > ky ? 1 : x->id < y->id ? -1 :
	    x->id > y->id;

	return sort_by == QS_WAITING ? c : -c;
}

/* The ids the queue should list, in order. */
static int
expect(const struct model *m, enum queue_view v, enum queue_sort s,
    pred_fn pred, const struct cm ***out)
{
	const struct cm **rows = calloc((size_t)m->n + 1, sizeof *rows);
	int n = 0;

	for (int i = 0; i < m->n; i++)
		if (in_view(m, &m->rows[i], v) && (pred == NULL ||
		    pred(m, &m->rows[i])))
			rows[n++] = &m->rows[i];
	sort_by = s;
	qsort(rows, (size_t)n, sizeof *rows, compare);
	*out = rows;
	return n;
}

/* ---- walking the queue -------------------------------------------------- */

/* Walks the whole list a page at a time and checks every row against the
 * model, cells included.  Returns the number of rows. */
static int
walk(sqlite3 *d, const struct model *m, struct queue *q, pred_fn pred,
    int height)
{
	const struct cm **want;
	struct listwin lw;
	char err[256];
	int n = expect(m, q->view, q->sort, pred, &want), seen = 0;

	queue_build(q);
	assert_int_equal(listwin_init(&lw, d, &q->src, err, sizeof err), 0);
	listwin_set_binder(&lw, queue_bind, q);
	if (listwin_set_source(&lw, &q->src, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(listwin_resize(&lw, height), 0);
	assert_int_equal(lw.total, n);
	for (;;) {
		long long first = lw.pos - lw.sel;

		if (lw.nrows == 0)
			break;
		/* Pages may overlap at the end, never leave a gap. */
		assert_true(first <= seen);
		assert_true(first + lw.nrows <= n);
		for (int i = 0; i < lw.nrows; i++) {
			const struct list_row *r = &lw.rows[i];
			const struct cm *c = want[first + i];
			char buf[32];

			if (r->id != c->id)
				fail_msg("%s/%s row %lld: id %lld, want %lld",
				    queue_view_name(q->view),
				    queue_sort_name(q->sort), first + i,
				    (long long)r->id, (long long)c->id);
			assert_int_equal(r->ncells, C_NCOLS);
			assert_string_equal(r->cells[C_STATUS], effective(c));
			assert_string_equal(r->cells[C_PRIORITY], c->priority);
			assert_string_equal(r->cells[C_PLATFORM], c->platform);
			assert_string_equal(r->cells[C_COMPANY], c->code);
			assert_string_equal(r->cells[C_CONTACT], c->contact);
			assert_string_equal(r->cells[C_ASSIGNEE],
			    c->assignee_name);
			assert_string_equal(r->cells[C_LABELS], c->labels);
			assert_string_equal(r->cells[C_PAYMENT], c->payment);
			snprintf(buf, sizeof buf, "%d", c->handoff);
			assert_string_equal(r->cells[C_HANDOFF], buf);
			snprintf(buf, sizeof buf, "%d", c->pending);
			assert_string_equal(r->cells[C_PENDING], buf);
			if (c->waiting == 0)
				assert_string_equal(r->cells[C_WAITING], "");
			else {
				snprintf(buf, sizeof buf, "%lld",
				    (long long)c->waiting);
				assert_string_equal(r->cells[C_WAITING], buf);
			}
		}
		seen = (int)first + lw.nrows;
		if (seen >= n)
			break;
		assert_int_equal(listwin_move(&lw, height, true), 0);
		if (lw.pos - lw.sel <= first)
			fail_msg("the window did not move");
	}
	assert_int_equal(seen, n);
	listwin_free(&lw);
	free(want);
	return n;
}

static int
setup(void **state)
{
	char err[256];

	(void)state;
	if (store_open(":memory:", &db, err, sizeof err) != 0 ||
	    demo_generate(db, 7, &demo_size_default, DEMO_NOW, err,
	    sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	load_model(db, &demo);
	/* The busiest assignee plays "me". */
	demo.me = store_scalar(db, "SELECT assignee_id FROM conversations "
	    "WHERE assignee_id IS NOT NULL GROUP BY assignee_id "
	    "ORDER BY count(*) DESC LIMIT 1");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(demo.rows);
	sqlite3_close(db);
	return 0;
}

static void
queue_at(struct queue *q, enum queue_view v, enum queue_sort s)
{
	queue_init(q, v, demo.me);
	q->sort = s;
	q->now = QUEUE_NOW;
	queue_build(q);
}

/* ---- names -------------------------------------------------------------- */

static void
test_names_and_defaults(void **state)
{
	(void)state;
	assert_string_equal(queue_view_name(QV_MINE), "mine");
	assert_string_equal(queue_view_title(QV_UNASSIGNED), "Unassigned");
	assert_int_equal(queue_view_find("waiting"), QV_WAITING);
	assert_int_equal(queue_view_find("Res"), QV_RESOLVED);
	assert_int_equal(queue_view_find("m"), QV_MINE);
	assert_int_equal(queue_view_find("u"), -1);	/* unassigned, unpaid */
	assert_int_equal(queue_view_find("x"), -1);
	assert_int_equal(queue_view_find(""), -1);
	assert_string_equal(queue_sort_name(QS_PRIORITY), "priority");
	assert_int_equal(queue_sort_find("act"), QS_ACTIVITY);
	assert_int_equal(queue_sort_find("w"), QS_WAITING);
	assert_int_equal(queue_sort_find("zzz"), -1);
	assert_int_equal(queue_default_sort(QV_MINE), QS_WAITING);
	assert_int_equal(queue_default_sort(QV_UNASSIGNED), QS_WAITING);
	assert_int_equal(queue_default_sort(QV_WAITING), QS_WAITING);
	assert_int_equal(queue_default_sort(QV_UNPAID), QS_ACTIVITY);
	assert_int_equal(queue_default_sort(QV_ALL), QS_ACTIVITY);
	assert_int_equal(queue_default_sort(QV_RESOLVED), QS_ACTIVITY);
}

/* ---- views and sorts ---------------------------------------------------- */

static void
test_every_view_and_sort_matches_the_model(void **state)
{
	struct queue q;
	int total[QV_COUNT] = { 0 };

	(void)state;
	/* The demo must exercise what is being checked. */
	assert_true(store_scalar(db, "SELECT count(*) FROM conversations "
	    "WHERE status = 'snoozed' AND snoozed_until <= " "1795129600") >
	    0);
	for (int v = 0; v < QV_COUNT; v++)
		for (int s = 0; s < QS_COUNT; s++) {
			queue_at(&q, (enum queue_view)v, (enum queue_sort)s);
			total[v] = walk(db, &demo, &q, NULL, 13);
			queue_free(&q);
		}
	for (int v = 0; v < QV_COUNT; v++)
		if (total[v] == 0)
			fail_msg("view %s is empty in the demo",
			    queue_view_name((enum queue_view)v));
	assert_int_equal(total[QV_ALL], demo.n);
}

static void
assert_plan_uses(sqlite3 *d, sqlite3_stmt *stmt, const char *index)
{
	char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sqlite3_sql(stmt));
	sqlite3_stmt *st;
	bool used = false;

	assert_int_equal(sqlite3_prepare_v2(d, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(st, 3);

		if (strstr(row, "TEMP B-TREE") != NULL)
			fail_msg("sorts: %s\n%s", row, sqlite3_sql(stmt));
		if (strstr(row, "c USING") != NULL &&
		    strstr(row, index) != NULL)
			used = true;
	}
	sqlite3_finalize(st);
	sqlite3_free(sql);
	if (!used)
		fail_msg("%s not used by %s", index, sqlite3_sql(stmt));
}

static void
check_plans_filtered(sqlite3 *d, enum queue_view v, const char *filter)
{
	static const char *const index[QS_COUNT] = {
		[QS_WAITING] = "conversations_by_waiting",
		[QS_ACTIVITY] = "conversations_by_activity",
		[QS_PRIORITY] = "conversations_by_priority",
	};
	struct queue q;
	struct listwin lw;
	char err[256];

	for (int s = 0; s < QS_COUNT; s++) {
		queue_at(&q, v, (enum queue_sort)s);
		if (queue_filter_parse(filter, &q.filter, err, sizeof err) != 0)
			fail_msg("%s: %s", filter, err);
		queue_build(&q);
		assert_int_equal(listwin_init(&lw, d, &q.src, err, sizeof err),
		    0);
		assert_plan_uses(d, lw.st_first, index[s]);
		assert_plan_uses(d, lw.st_last, index[s]);
		assert_plan_uses(d, lw.st_after, index[s]);
		assert_plan_uses(d, lw.st_before, index[s]);
		assert_plan_uses(d, lw.st_from, index[s]);
		listwin_free(&lw);
		queue_free(&q);
	}
}

static void
check_plans(sqlite3 *d, enum queue_view v)
{
	check_plans_filtered(d, v, "");
}

static void
test_each_sort_seeks_its_index(void **state)
{
	(void)state;
	for (int v = 0; v < QV_COUNT; v++)
		check_plans(db, (enum queue_view)v);
	/* Filters on indexed columns must not take the plan over. */
	check_plans_filtered(db, QV_ALL, "company=COMP001 ~a me");
	check_plans_filtered(db, QV_MINE, "~a none,anna ~c whatsapp "
	    "~p>=high label=vip ~L ru status=open");
	check_plans_filtered(db, QV_UNASSIGNED, "!company=COMP001,COMP002 "
	    "!~a me");
}

/* ---- filters ------------------------------------------------------------ */

static void
parse_ok(const char *text, struct queue_filter *f)
{
	char err[256] = "";

	if (queue_filter_parse(text, f, err, sizeof err) != 0)
		fail_msg("\"%s\": %s", text, err);
}

static void
parse_fails(const char *text, const char *want)
{
	struct queue_filter f;
	char err[256] = "";

	memset(&f, 0, sizeof f);
	parse_ok("channel=email", &f);
	assert_int_equal(queue_filter_parse(text, &f, err, sizeof err), -1);
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\": got \"%s\", want \"%s\"", text, err, want);
	/* The filter that was there stays. */
	assert_int_equal(f.nterms, 1);
	assert_string_equal(f.terms[0].values[0], "email");
	queue_filter_free(&f);
}

static void
test_filter_syntax(void **state)
{
	struct queue_filter f;

	(void)state;
	memset(&f, 0, sizeof f);
	parse_ok("channel=whatsapp,telegram priority>=high label=refund "
	    "!status=resolved", &f);
	assert_int_equal(f.nterms, 4);
	assert_int_equal(f.terms[0].nvalues, 2);
	assert_string_equal(f.terms[0].values[1], "telegram");
	assert_false(f.terms[0].negate);
	assert_true(f.terms[3].negate);
	parse_ok("~c whatsapp ~p>=high ~l refund ~a me ~L ru", &f);
	assert_int_equal(f.nterms, 5);
	assert_string_equal(f.terms[0].values[0], "whatsapp");
	assert_string_equal(f.terms[4].values[0], "ru");
	parse_ok("  assignee=\"Anna Petrova\",none  status!=open ", &f);
	assert_int_equal(f.nterms, 2);
	assert_string_equal(f.terms[0].values[0], "Anna Petrova");
	assert_string_equal(f.terms[0].values[1], "none");
	assert_true(f.terms[1].negate);
	parse_ok("!~c email Channel=WhatsApp ~C comp001 ~s open", &f);
	assert_int_equal(f.nterms, 4);
	assert_true(f.terms[0].negate);
	assert_string_equal(f.terms[1].values[0], "whatsapp");
	parse_ok("", &f);
	assert_int_equal(f.nterms, 0);
	queue_filter_free(&f);

	parse_fails("chanel=whatsapp", "unknown field 'chanel' (status, "
	    "channel, company, label, priority, assignee, language)");
	parse_fails("~x foo", "unknown field '~x'");
	parse_fails("~c", "'~c' needs a value");
	parse_fails("~a \"Anna", "unterminated quote");
	parse_fails("channel", "'channel' needs an operator and a value");
	parse_fails("channel=", "needs a value");
	parse_fails("channel=whatsapp,,email", "needs a value");
	parse_fails("channel=whatsap", "unknown channel 'whatsap' in "
	    "'channel=whatsap' (whatsapp, telegram, instagram, facebook, "
	    "email, tiktok, order_chat)");
	parse_fails("priority>=hgh", "unknown priority 'hgh'");
	parse_fails("status=closed", "unknown status 'closed'");
	parse_fails("label>refund", "only priority compares");
	parse_fails("priority>=high,low", "a comparison takes one value");
	parse_fails("assignee=\"Anna", "unterminated quote");
	parse_fails("label=a,b,c,d,e,f,g,h,i", "more than 8 values");
	parse_fails("label=a label=a label=a label=a label=a label=a "
	    "label=a label=a label=a label=a label=a label=a label=a label=a "
	    "label=a label=a label=a", "at most 16 terms");
}

/* Filters checked against the model: each a text and the same rule in C. */
static bool
p_whatsapp_high(const struct model *m, const struct cm *c)
{
	(void)m;
	return (strcmp(c->platform, "whatsapp") == 0 ||
	    strcmp(c->platform, "telegram") == 0) && rank(c->priority) >= 3;
}

static bool
p_not_resolved(const struct model *m, const struct cm *c)
{
	(void)m;
	return strcmp(effective(c), "resolved") != 0;
}

static bool
p_open(const struct model *m, const struct cm *c)
{
	(void)m;
	return strcmp(effective(c), "open") == 0;
}

static bool
p_me_or_none(const struct model *m, const struct cm *c)
{
	return c->assignee == m->me || c->assignee == 0;
}

static bool
p_not_me(const struct model *m, const struct cm *c)
{
	return c->assignee != m->me;
}

static bool
has_label(const struct cm *c, const char *label)
{
	size_t n = strlen(label);

	for (const char *p = c->labels; (p = strstr(p, label)) != NULL; p++)
		if ((p == c->labels || p[-1] == ' ') && (p[n] == '\0' ||
		    p[n] == ' '))
			return true;
	return false;
}

static bool
p_refund_not_vip(const struct model *m, const struct cm *c)
{
	(void)m;
	return has_label(c, "refund") && !has_label(c, "vip");
}

static bool
p_russian(const struct model *m, const struct cm *c)
{
	(void)m;
	return strcasecmp(c->language, "ru") == 0 ||
	    strncasecmp(c->language, "ru-", 3) == 0;
}

static bool
p_low_or_less(const struct model *m, const struct cm *c)
{
	(void)m;
	return rank(c->priority) < 2 && strcasecmp(c->code, "COMP001") != 0;
}

static char first_assignee[64];

static bool
p_named(const struct model *m, const struct cm *c)
{
	(void)m;
	return strcmp(c->assignee_name, first_assignee) == 0;
}

static bool
p_nothing(const struct model *m, const struct cm *c)
{
	(void)m;
	(void)c;
	return false;
}

static void
check_filter(const char *text, pred_fn pred, bool nonempty)
{
	char err[256];
	struct queue q;
	int n = 0;

	for (int v = 0; v < QV_COUNT; v++) {
		queue_at(&q, (enum queue_view)v, QS_PRIORITY);
		if (queue_filter_parse(text, &q.filter, err, sizeof err) != 0)
			fail_msg("%s: %s", text, err);
		snprintf(q.filter_text, sizeof q.filter_text, "%s", text);
		n += walk(db, &demo, &q, pred, 9);
		queue_free(&q);
	}
	if (nonempty && n == 0)
		fail_msg("\"%s\" matches nothing in the demo", text);
}

static void
test_filters_match_the_model(void **state)
{
	char quoted[128];
	const char *space;

	(void)state;
	check_filter("channel=whatsapp,telegram priority>=high",
	    p_whatsapp_high, true);
	check_filter("~c whatsapp,telegram ~p >=high", p_whatsapp_high, true);
	check_filter("!status=resolved", p_not_resolved, true);
	check_filter("status!=resolved", p_not_resolved, true);
	/* Over snoozes read open. */
	check_filter("status=open", p_open, true);
	check_filter("~a me,none", p_me_or_none, true);
	check_filter("!assignee=me", p_not_me, true);
	check_filter("label=refund !label=VIP", p_refund_not_vip, true);
	check_filter("~L ru", p_russian, true);
	check_filter("priority<medium company!=comp001", p_low_or_less, true);

	/* By name, whole or first, quoted when it has a blank. */
	snprintf(first_assignee, sizeof first_assignee, "%s",
	    demo.rows[0].assignee_name);
	for (int i = 0; first_assignee[0] == '\0' && i < demo.n; i++)
		snprintf(first_assignee, sizeof first_assignee, "%s",
		    demo.rows[i].assignee_name);
	snprintf(quoted, sizeof quoted, "assignee=\"%s\"", first_assignee);
	check_filter(quoted, p_named, true);
	if ((space = strchr(first_assignee, ' ')) != NULL) {
		snprintf(quoted, sizeof quoted, "~a %.*s",
		    (int)(space - first_assignee), first_assignee);
		check_filter(quoted, p_named, true);
	}

	/* Values are bound, never SQL. */
	check_filter("label=\"x') OR 1=1 --\"", p_nothing, false);
	check_filter("assignee=\"' OR ''='\"", p_nothing, false);
	check_filter("company=\"x' OR '1'='1\"", p_nothing, false);
	assert_int_equal(store_scalar(db, "SELECT count(*) FROM "
	    "conversations"), demo.n);
}

/* ---- search ------------------------------------------------------------- */

/* Polls a search until it is complete, as mkt does between keys; the
 * counts come last.  Returns what it found. */
static long long
finish_search(sqlite3 *d, struct queue *q)
{
	struct queue_counted counted;
	char err[256];
	int rc;

	/* Bounded: the thread reads a finite index. */
	for (int tries = 0; (rc = queue_poll(d, q, &counted, err,
	    sizeof err)) & QUEUE_MORE && tries < 60000; tries++)
		usleep(1000);
	if (rc < 0)
		fail_msg("search: %s", err);
	assert_false(queue_busy(q));
	return q->found;
}

static long long
search(struct queue *q, const char *text)
{
	char err[256];
	long long n;

	if (queue_search(db, q, text, err, sizeof err) != 0)
		fail_msg("search \"%s\": %s", text, err);
	n = finish_search(db, q);
	if (n == 0)
		q->search[0] = '\0';
	queue_build(q);
	return n;
}

/* The ids of a one-off query, in list order, as a model of a search. */
static int64_t search_ids[1 << 17];
static int nsearch;

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static bool
p_in_search(const struct model *m, const struct cm *c)
{
	(void)m;
	return bsearch(&c->id, search_ids, (size_t)nsearch,
	    sizeof *search_ids, cmp_id) != NULL;
}

static void
expect_ids_in(sqlite3 *d, const char *sql)
{
	sqlite3_stmt *st;

	nsearch = 0;
	assert_int_equal(sqlite3_prepare_v2(d, sql, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && nsearch < (1 << 17))
		search_ids[nsearch++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	qsort(search_ids, (size_t)nsearch, sizeof *search_ids, cmp_id);
}

static void
expect_ids(const char *sql)
{
	expect_ids_in(db, sql);
}

static void
test_search_words_and_names(void **state)
{
	struct queue q;
	char word[64], name[128], prefix[64], err[256];
	long long n;

	(void)state;
	/* A word of some message, and a prefix of it. */
	exec(db, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, "
	    "messages_fts, row)");
	/* The model: an index of messages that keeps its own copy. */
	exec(db, "CREATE VIRTUAL TABLE temp.model_fts USING fts5(body, conv "
	    "UNINDEXED, tokenize='unicode61 remove_diacritics 2')");
	exec(db, "INSERT INTO temp.model_fts(body, conv) SELECT body, "
	    "conversation_id FROM main.messages");
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db, "SELECT term FROM "
		    "temp.v WHERE length(term) >= 6 AND term GLOB '[a-z]*' "
		    "AND doc BETWEEN 3 AND 40 ORDER BY doc DESC, term LIMIT 1",
		    -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		snprintf(word, sizeof word, "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	snprintf(prefix, sizeof prefix, "%.4s", word);

	queue_at(&q, QV_ALL, QS_ACTIVITY);
	n = search(&q, word);
	{
		char *sql = sqlite3_mprintf("SELECT conv FROM temp.model_fts "
		    "WHERE model_fts MATCH '\"%q\"' UNION "
		    "SELECT c.id FROM conversations c JOIN contacts k ON k.id = "
		    "c.contact_id WHERE ' ' || k.name LIKE '%% %q%%'", word,
		    word);
		expect_ids(sql);
		sqlite3_free(sql);
	}
	assert_true(n > 0);
	assert_int_equal(n, nsearch);
	walk(db, &demo, &q, p_in_search, 7);

	/* The last word is a prefix. */
	n = search(&q, prefix);
	{
		char *sql = sqlite3_mprintf("SELECT conv FROM temp.model_fts "
		    "WHERE model_fts MATCH '\"%q\"*' UNION "
		    "SELECT c.id FROM conversations c JOIN contacts k ON k.id = "
		    "c.contact_id WHERE ' ' || k.name LIKE '%% %q%%'", prefix,
		    prefix);
		expect_ids(sql);
		sqlite3_free(sql);
	}
	assert_int_equal(n, nsearch);
	walk(db, &demo, &q, p_in_search, 7);

	/* Every word must match: with a word nobody wrote, nothing does. */
	snprintf(name, sizeof name, "%s qqqzzzxxy", word);
	assert_int_equal(search(&q, name), 0);

	/* Contact names, in any case, Cyrillic included. */
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
		    "contacts WHERE name GLOB '*[А-Я]*' ORDER BY id LIMIT 1",
		    -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		snprintf(name, sizeof name, "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	{
		/* Its first word, lower-cased by hand for two letters. */
		char lower[128];
		size_t len = strcspn(name, " ");
		int hit = 0;

		snprintf(lower, sizeof lower, "%.*s", (int)len, name);
		/* А..Я are D0 90..D0 AF; а..п D0 B0..BF, р..я D1 80..8F. */
		if ((unsigned char)lower[0] == 0xd0 &&
		    (unsigned char)lower[1] >= 0x90 &&
		    (unsigned char)lower[1] <= 0x9f)
			lower[1] = (char)((unsigned char)lower[1] + 0x20);
		else if ((unsigned char)lower[0] == 0xd0 &&
		    (unsigned char)lower[1] >= 0xa0 &&
		    (unsigned char)lower[1] <= 0xaf) {
			lower[0] = (char)0xd1;
			lower[1] = (char)((unsigned char)lower[1] - 0x20);
		}
		assert_true(search(&q, lower) > 0);
		queue_build(&q);
		{
			struct listwin lw;

			assert_int_equal(listwin_init(&lw, db, &q.src, err,
			    sizeof err), 0);
			listwin_set_binder(&lw, queue_bind, &q);
			assert_int_equal(listwin_set_source(&lw, &q.src, err,
			    sizeof err), 0);
			assert_int_equal(listwin_resize(&lw, 1000), 0);
			for (int i = 0; i < lw.nrows; i++)
				hit |= strcmp(lw.rows[i].cells[C_CONTACT],
				    name) == 0;
			listwin_free(&lw);
		}
		assert_true(hit);
	}

	/* Quotes and FTS5 syntax in the words are only text. */
	assert_true(search(&q, "\"") >= 0);
	assert_true(search(&q, "AND OR NOT") >= 0);
	assert_true(search(&q, "body: x* ^y (z") >= 0);
	assert_true(search(&q, "NEAR(a b)") >= 0);
	assert_true(search(&q, "!!! ---") >= 0);

	/* Blank clears. */
	assert_int_equal(search(&q, "   "), 0);
	assert_string_equal(q.search, "");
	assert_int_equal(store_scalar(db, "SELECT count(*) FROM "
	    "temp.queue_hits"), 0);
	walk(db, &demo, &q, NULL, 11);
	exec(db, "DROP TABLE temp.v");
	exec(db, "DROP TABLE temp.model_fts");
	queue_free(&q);
}

/* ---- counts ------------------------------------------------------------- */

/* Counts the views as mkt does: a job on the queue's thread (on the spot
 * for a cache in memory), polled until it has counted. */
static void
count_views(sqlite3 *d, struct queue *q, long long counts[QV_COUNT])
{
	struct queue_counted c;
	char err[256];
	int rc, got = 0;

	assert_int_equal(queue_count(d, q, NULL, err, sizeof err), 0);
	/* Bounded: the thread walks a finite table. */
	for (int tries = 0; tries < 60000; tries++) {
		if ((rc = queue_poll(d, q, &c, err, sizeof err)) < 0)
			fail_msg("count: %s", err);
		got |= rc & QUEUE_COUNTED;
		if (!(rc & QUEUE_MORE))
			break;
		usleep(1000);
	}
	assert_true(got);
	assert_int_equal(c.rank_id, 0);
	memcpy(counts, c.views, sizeof c.views);
}

static void
check_counts(sqlite3 *d, const struct model *m, struct queue *q,
    pred_fn pred)
{
	long long counts[QV_COUNT];

	count_views(d, q, counts);
	for (int v = 0; v < QV_COUNT; v++) {
		long long want = 0;

		for (int i = 0; i < m->n; i++)
			want += in_view(m, &m->rows[i], (enum queue_view)v) &&
			    (pred == NULL || pred(m, &m->rows[i]));
		if (counts[v] != want)
			fail_msg("%s: %lld, want %lld",
			    queue_view_name((enum queue_view)v), counts[v],
			    want);
	}
}

static void
test_counts_per_view(void **state)
{
	struct queue q;
	char err[256];

	(void)state;
	queue_at(&q, QV_MINE, QS_WAITING);
	check_counts(db, &demo, &q, NULL);
	assert_int_equal(queue_filter_parse("~c whatsapp,telegram ~p>=high",
	    &q.filter, err, sizeof err), 0);
	check_counts(db, &demo, &q, p_whatsapp_high);
	assert_int_equal(queue_filter_parse("status=open", &q.filter, err,
	    sizeof err), 0);
	check_counts(db, &demo, &q, p_open);
	queue_free(&q);
}

/* ---- a larger cache ----------------------------------------------------- */

#ifndef BIG_CONVS
#define BIG_CONVS	20000
#endif
#define BIG_MSGS	10	/* per conversation */

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Everything by INSERT … SELECT over a counter, in one transaction. */
static void
build_big(sqlite3 *d)
{
	char sql[4096];

	exec(d, "BEGIN");
	exec(d, "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	    "FROM s WHERE i < 20) INSERT INTO users(id, email, name, role, "
	    "created_at) SELECT i, 'u' || i || '@example.com', "
	    "CASE WHEN i % 2 THEN 'Агент ' ELSE 'Agent ' END || i, 'support', "
	    "0 FROM s");
	exec(d, "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	    "FROM s WHERE i < 10) INSERT INTO companies(id, code, name, kind, "
	    "created_at, updated_at) SELECT i, printf('COMP%03d', i), "
	    "'Company ' || i, 'product', 0, 0 FROM s");
	exec(d, "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	    "FROM s WHERE i < 50) INSERT INTO channels(id, company_id, "
	    "platform, name, updated_at) SELECT i, 1 + i % 10, CASE i % 5 "
	    "WHEN 0 THEN 'whatsapp' WHEN 1 THEN 'telegram' WHEN 2 THEN "
	    "'instagram' WHEN 3 THEN 'facebook' ELSE 'email' END, 'ch' || i, "
	    "0 FROM s");
	snprintf(sql, sizeof sql, "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL "
	    "SELECT i + 1 FROM s WHERE i < %d) INSERT INTO contacts(id, "
	    "company_id, name, language, created_at) SELECT i, 1 + i %% 10, "
	    "CASE i %% 3 WHEN 0 THEN 'Иван Петров ' WHEN 1 THEN 'María "
	    "García ' ELSE 'John Smith ' END || i, CASE i %% 4 WHEN 0 THEN "
	    "'ru' WHEN 1 THEN 'ru-RU' WHEN 2 THEN 'es' ELSE NULL END, 0 "
	    "FROM s", BIG_CONVS);
	exec(d, sql);
	/* Channel i % 50 + 1 belongs to company (i % 50 + 1) % 10 + 1. */
	snprintf(sql, sizeof sql, "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL "
	    "SELECT i + 1 FROM s WHERE i < %d) INSERT INTO conversations(id, "
	    "company_id, channel_id, contact_id, status, snoozed_until, "
	    "priority, assignee_id, handoff_requested, unread_count, "
	    "last_activity_at, waiting_since, last_message_preview, "
	    "payment_status, created_at) SELECT i, 1 + (i %% 50 + 1) %% 10, "
	    "i %% 50 + 1, i, CASE i %% 7 WHEN 0 THEN 'open' WHEN 1 THEN "
	    "'pending' WHEN 2 THEN 'snoozed' ELSE 'resolved' END, CASE i %% 7 "
	    "WHEN 2 THEN %d + (i %% 5 - 2) * 3600 END, CASE i %% 5 WHEN 0 "
	    "THEN 'urgent' WHEN 1 THEN 'high' WHEN 2 THEN 'medium' WHEN 3 "
	    "THEN 'low' ELSE 'none' END, CASE WHEN i %% 23 < 20 THEN "
	    "1 + i %% 23 END, i %% 13 = 0, i %% 4, %d - (i * 7919) %% 5000000, "
	    "CASE WHEN i %% 3 = 0 THEN %d - (i * 7919) %% 5000000 - 600 END, "
	    "'preview ' || i, CASE i %% 11 WHEN 0 THEN 'payment_link_sent' "
	    "WHEN 1 THEN 'paid' ELSE 'no_payment_link' END, 0 FROM s",
	    BIG_CONVS, QUEUE_NOW, QUEUE_NOW, QUEUE_NOW);
	exec(d, sql);
	snprintf(sql, sizeof sql, "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL "
	    "SELECT i + 1 FROM s WHERE i < %d) INSERT INTO "
	    "conversation_labels(conversation_id, label) SELECT i, 'refund' "
	    "FROM s WHERE i %% 4 = 0 UNION ALL SELECT i, 'vip' FROM s "
	    "WHERE i %% 6 = 0", BIG_CONVS);
	exec(d, sql);
	snprintf(sql, sizeof sql, "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL "
	    "SELECT i + 1 FROM s WHERE i < %d) INSERT INTO messages("
	    "conversation_id, direction, kind, author_kind, body, created_at) "
	    "SELECT 1 + i %% %d, CASE i %% 2 WHEN 0 THEN 'in' ELSE 'out' END, "
	    "'text', CASE i %% 2 WHEN 0 THEN 'contact' ELSE 'ai' END, "
	    "CASE i %% 4 WHEN 0 THEN 'Здравствуйте, где мой заказ номер ' "
	    "WHEN 1 THEN 'Hola, quiero reservar una cita para el ' WHEN 2 "
	    "THEN 'Your delivery is scheduled, tracking ' ELSE 'Thanks, "
	    "the refund for order ' END || (i %% 9973) || ' code w' || "
	    "(i * 31 %% 100000), %d - i FROM s", BIG_CONVS * BIG_MSGS,
	    BIG_CONVS, QUEUE_NOW);
	exec(d, sql);
	exec(d, "COMMIT");
}

/* Pages through a view the way people do and prints what it cost. */
static void
time_view(sqlite3 *d, struct queue *q)
{
	struct listwin lw;
	char err[256];
	double t0, t_open, t_page, t_end, t_back;
	int pages = 0;

	queue_build(q);
	assert_int_equal(listwin_init(&lw, d, &q->src, err, sizeof err), 0);
	listwin_set_binder(&lw, queue_bind, q);
	assert_int_equal(listwin_resize(&lw, 50), 0);
	t0 = now_ms();
	assert_int_equal(listwin_set_source(&lw, &q->src, err, sizeof err), 0);
	t_open = now_ms() - t0;
	t0 = now_ms();
	for (; pages < 20 && lw.pos + 1 < lw.total; pages++)
		listwin_move(&lw, 50, true);
	t_page = (now_ms() - t0) / (pages > 0 ? pages : 1);
	t0 = now_ms();
	listwin_bottom(&lw);
	t_end = now_ms() - t0;
	t0 = now_ms();
	listwin_move(&lw, -50, true);
	t_back = now_ms() - t0;
	printf("    %-10s %-8s %6lld rows: open %6.2f ms, page %5.2f ms, "
	    "end %5.2f ms, page up %5.2f ms\n", queue_view_name(q->view),
	    queue_sort_name(q->sort), lw.total, t_open, t_page, t_end, t_back);
	listwin_free(&lw);
}

static void
remove_db(const char *path)
{
	char side[600];

	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

/* A search left half read holds no snapshot on the cache's connection:
 * the sync thread's write and then mkt's own both go through. */
static void
write_while_searching(sqlite3 *d, const char *path)
{
	sqlite3 *other;
	char err[256];

	assert_int_equal(store_open(path, &other, err, sizeof err), 0);
	assert_int_equal(sqlite3_exec(other, "UPDATE conversations SET "
	    "unread_count = unread_count + 1 WHERE id = 1", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(sqlite3_exec(d, "UPDATE conversations SET "
	    "unread_count = unread_count - 1 WHERE id = 1", NULL, NULL, NULL),
	    SQLITE_OK);
}

static void
test_large_cache(void **state)
{
	struct model big;
	struct queue q;
	sqlite3 *d;
	char err[256];
	long long counts[QV_COUNT], n;
	char path[512];
	double t0;

	(void)state;
	/* A file, so a search reads its hits on a connection of its own as
	 * it does in mkt. */
	snprintf(path, sizeof path, "%s/mkt-test-queue-%d.db",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", (int)getpid());
	remove_db(path);
	assert_int_equal(store_open(path, &d, err, sizeof err), 0);
	t0 = now_ms();
	build_big(d);
	printf("    built %d conversations, %d messages in %.0f ms\n",
	    BIG_CONVS, BIG_CONVS * BIG_MSGS, now_ms() - t0);
	load_model(d, &big);
	big.me = 7;
	assert_int_equal(big.n, BIG_CONVS);

	/* Correctness: a view of each kind under each sort, and a filter. */
	for (int v = 0; v < QV_COUNT; v++) {
		queue_init(&q, (enum queue_view)v, big.me);
		q.now = QUEUE_NOW;
		for (int s = 0; s < QS_COUNT; s++) {
			q.sort = (enum queue_sort)s;
			if (v == QV_MINE || v == QV_WAITING || s == QS_PRIORITY)
				walk(d, &big, &q, NULL, 100);
			time_view(d, &q);
		}
		queue_free(&q);
	}
	check_plans(d, QV_ALL);

	queue_init(&q, QV_ALL, big.me);
	q.now = QUEUE_NOW;
	assert_int_equal(queue_filter_parse("~c whatsapp,telegram ~p>=high",
	    &q.filter, err, sizeof err), 0);
	walk(d, &big, &q, p_whatsapp_high, 100);
	t0 = now_ms();
	count_views(d, &q, counts);
	printf("    counts with a filter: %.2f ms\n", now_ms() - t0);
	check_counts(d, &big, &q, p_whatsapp_high);
	time_view(d, &q);
	assert_int_equal(queue_filter_parse("~L ru label=refund", &q.filter,
	    err, sizeof err), 0);
	time_view(d, &q);
	assert_int_equal(queue_filter_parse("", &q.filter, err, sizeof err),
	    0);
	t0 = now_ms();
	count_views(d, &q, counts);
	printf("    counts: %.2f ms\n", now_ms() - t0);
	check_counts(d, &big, &q, NULL);

	/* Search: a rare word, a common one, and a name. */
	{
		const char *words[] = { "w31", "w3100", "tracking", "заказ",
		    "иван 1234", "hola cita" };

		for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
			double first, all;

			t0 = now_ms();
			assert_int_equal(queue_search(d, &q, words[i], err,
			    sizeof err), 0);
			first = now_ms() - t0;
			if (queue_busy(&q))
				write_while_searching(d, path);
			n = finish_search(d, &q);
			all = now_ms() - t0;
			printf("    search \"%s\": %lld conversations, %.1f ms "
			    "before the first key, all in %.1f ms\n", words[i],
			    n, first, all);
			assert_true(n > 0);
			assert_int_equal(n, store_scalar(d, "SELECT count(*) "
			    "FROM temp.queue_hits"));
			/* Only messages hold it: every one of them, however
			 * many steps it took. */
			if (strcmp(words[i], "tracking") == 0)
				assert_int_equal(n, store_scalar(d, "SELECT "
				    "count(DISTINCT conversation_id) FROM "
				    "messages WHERE instr(body, 'tracking')"));
			/* Both plans, the same list. */
			q.found = 0;
			time_view(d, &q);
			q.found = n;
			time_view(d, &q);
			nsearch = 0;
			expect_ids_in(d, "SELECT id FROM temp.queue_hits");
			walk(d, &big, &q, p_in_search, 100);
		}
		t0 = now_ms();
		count_views(d, &q, counts);
		printf("    counts with a search: %.2f ms\n", now_ms() - t0);
		assert_int_equal(counts[QV_ALL], n);
		check_counts(d, &big, &q, p_in_search);
		/* A list the thread counts ends where one counting itself
		 * does: the same total, the same rank for the same row. */
		{
			struct listwin sync, deferred;
			struct queue_counted c;
			int64_t id;
			int rc = 0;

			assert_int_equal(listwin_init(&sync, d, &q.src, err,
			    sizeof err), 0);
			assert_int_equal(listwin_init(&deferred, d, &q.src,
			    err, sizeof err), 0);
			listwin_set_binder(&sync, queue_bind, &q);
			listwin_set_binder(&deferred, queue_bind, &q);
			listwin_defer_counts(&deferred, NULL, NULL);
			assert_int_equal(listwin_resize(&sync, 40), 0);
			assert_int_equal(listwin_resize(&deferred, 40), 0);
			listwin_move(&sync, 40, true);
			listwin_move(&sync, 40, true);
			listwin_move(&sync, 17, false);
			id = listwin_selected(&sync)->id;
			assert_int_equal(listwin_select_id(&deferred, id), 0);
			assert_int_equal(deferred.total, -1);
			assert_false(deferred.rank_known);
			/* Moves made while it counts are kept. */
			listwin_move(&deferred, 3, false);
			listwin_move(&deferred, -3, false);
			assert_int_equal(queue_count(d, &q, &deferred, err,
			    sizeof err), 0);
			for (int tries = 0; tries < 60000; tries++) {
				rc = queue_poll(d, &q, &c, err, sizeof err);
				assert_true(rc >= 0);
				if (rc & QUEUE_COUNTED)
					listwin_counted(&deferred,
					    c.views[q.view], c.rank_id, c.rank);
				if (!(rc & QUEUE_MORE))
					break;
				usleep(1000);
			}
			assert_true(deferred.rank_known);
			assert_int_equal(deferred.total, sync.total);
			assert_int_equal(deferred.pos, sync.pos);
			assert_int_equal(deferred.pos, 97);
			listwin_free(&sync);
			listwin_free(&deferred);
		}
	}
	queue_free(&q);
	free(big.rows);
	sqlite3_close(d);
	remove_db(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_defaults),
		cmocka_unit_test(test_every_view_and_sort_matches_the_model),
		cmocka_unit_test(test_each_sort_seeks_its_index),
		cmocka_unit_test(test_filter_syntax),
		cmocka_unit_test(test_filters_match_the_model),
		cmocka_unit_test(test_search_words_and_names),
		cmocka_unit_test(test_counts_per_view),
		cmocka_unit_test(test_large_cache),
	};

	return cmocka_run_group_tests_name("queue", tests, setup, teardown);
}
