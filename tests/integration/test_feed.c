/* The change feed: a fresh client pages through everything it may see in
 * bounded pages and one global order; tombstones and compaction; the
 * long-poll (timeout, early wake-up on another client's write, no wake-up
 * for changes the viewer cannot see, an end when its client goes); scope
 * per role, contact redaction; the message backfill and the history
 * window.  One mktd --demo serves the file; expectations are read from
 * its database, opened read-only. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <sqlite3.h>

#include "harness.h"

#define MAX_PAGES	1000

static struct mktd	*m;
static sqlite3		*db;
static char		*tok[NROLES];
static int64_t		 uid[NROLES];

/* The first column of the first row (0 when none or NULL) of SQL
 * formatted with %lld arguments, which reads shorter than binding here. */
static long long
scalar(const char *fmt, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return db_int(db, 0, sql, 0);
}

static struct api_reply
get(int who, const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	return api_call(m, tok[who], "GET", path, NULL, NULL);
}

static long long
head(void)
{
	return scalar("SELECT coalesce(max(seq), 0) FROM changes");
}

/* Every change after since, page by page, checking what each page
 * promises: at most limit entries, seq strictly increasing across pages,
 * next = the last seq of a full page.  Returns the entries (owned). */
static cJSON *
pull_all(int who, long long since, int limit, const char *extra,
    long long *next)
{
	cJSON *all = cJSON_CreateArray();
	long long last = since;
	int pages = 0;

	for (;;) {
		struct api_reply r = get(who, "/api/v1/changes?since=%lld&"
		    "limit=%d%s", since, limit, extra != NULL ? extra : "");
		cJSON *page, *c;
		bool more;

		expect_status(r, 200);
		page = cJSON_GetObjectItem(r.json, "changes");
		assert_true(cJSON_IsArray(page));
		assert_true(cJSON_GetArraySize(page) <= limit);
		cJSON_ArrayForEach(c, page) {
			long long seq = (long long)json_num(c, "seq", -1);

			assert_true(seq > last);
			last = seq;
			cJSON_AddItemToArray(all, cJSON_Duplicate(c, 1));
		}
		more = cJSON_IsTrue(cJSON_GetObjectItem(r.json, "more"));
		since = (long long)json_num(r.json, "next", -1);
		assert_true(since >= last);
		if (more) {
			assert_int_equal(cJSON_GetArraySize(page), limit);
			assert_int_equal(since, last);
		}
		api_reply_free(&r);
		if (!more)
			break;
		assert_true(++pages < MAX_PAGES);
	}
	if (next != NULL)
		*next = since;
	return all;
}

static int
count_type(const cJSON *all, const char *type, const char *op)
{
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, all)
		if (strcmp(json_str(c, "type"), type) == 0 &&
		    (op == NULL || strcmp(json_str(c, "op"), op) == 0))
			n++;
	return n;
}

static const cJSON *
find(const cJSON *all, const char *type, long long id)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, all)
		if (strcmp(json_str(c, "type"), type) == 0 &&
		    (long long)json_num(c, "id", 0) == id)
			return c;
	return NULL;
}

static long long
notify_user(int64_t user, const char *title)
{
	char body[256];
	struct api_reply r;
	long long id;

	snprintf(body, sizeof body, "{\"user_id\":%lld,\"kind\":\"test\","
	    "\"title\":\"%s\"}", (long long)user, title);
	r = api_call(m, tok[ADMIN], "POST", "/api/v1/notifications", body,
	    NULL);
	expect_status(r, 201);
	id = (long long)json_num(r.json, "id", 0);
	api_reply_free(&r);
	return id;
}

static int
setup(void **state)
{
	(void)state;
	if ((m = mktd_start(true)) == NULL)
		return -1;
	db = mktd_db(m);
	return demo_login(m, NROLES, role_email, tok, uid);
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NROLES; i++)
		free(tok[i]);
	return mktd_stop(m) == 0 ? 0 : -1;
}

/* ---- paging ---------------------------------------------------------------- */

static const struct {
	const char *type, *count_sql;
} admin_sees[] = {
	{ "user", "SELECT count(*) FROM users" },
	{ "company", "SELECT count(*) FROM companies" },
	{ "commission_terms", "SELECT count(*) FROM commission_terms" },
	{ "channel", "SELECT count(*) FROM channels" },
	{ "contact", "SELECT count(*) FROM contacts" },
	{ "order", "SELECT count(*) FROM orders" },
	{ "offer", "SELECT count(*) FROM offers" },
	{ "contact_purchase", "SELECT count(*) FROM contact_purchases" },
	{ "review", "SELECT count(*) FROM reviews" },
	{ "conversation", "SELECT count(*) FROM conversations" },
	{ "message", "SELECT count(*) FROM messages" },
	{ "canned_response", "SELECT count(*) FROM canned_responses" },
	{ "kb_table", "SELECT count(*) FROM kb_tables" },
	{ "kb_row", "SELECT count(*) FROM kb_rows" },
	{ "project", "SELECT count(*) FROM projects" },
	{ "invoice", "SELECT count(*) FROM invoices" },
	{ "payment", "SELECT count(*) FROM payments" },
	{ "notification", "SELECT count(*) FROM notifications WHERE "
	  "user_id = 1" },
};

static void
fresh_client_pages_through_every_visible_row_once(void **state)
{
	cJSON *all = pull_all(ADMIN, 0, 500, NULL, NULL), *c;
	long long total = 0;

	(void)state;
	for (size_t i = 0; i < sizeof admin_sees / sizeof *admin_sees; i++) {
		long long want = scalar("%s", admin_sees[i].count_sql);

		if (count_type(all, admin_sees[i].type, "upsert") != want)
			fail_msg("%s: %d in the feed, %lld rows",
			    admin_sees[i].type, count_type(all,
			    admin_sees[i].type, "upsert"), want);
		total += want;
	}
	assert_int_equal(cJSON_GetArraySize(all), total);
	assert_true(total > 5000);
	/* Nothing was deleted yet: every entry has its row. */
	cJSON_ArrayForEach(c, all) {
		assert_string_equal(json_str(c, "op"), "upsert");
		assert_true(cJSON_IsObject(cJSON_GetObjectItem(c, "data")));
		assert_int_equal(json_num(c, "data.id", -1) ==
		    json_num(c, "id", -2) || strcmp(json_str(c, "type"),
		    "commission_terms") == 0, 1);
	}
	cJSON_Delete(all);
}

static void
rows_embed_their_children(void **state)
{
	long long order = scalar("SELECT min(order_id) FROM order_lines");
	long long inv = scalar("SELECT min(invoice_id) FROM invoice_lines");
	long long conv = scalar("SELECT min(conversation_id) FROM "
	    "conversation_labels");
	long long table = scalar("SELECT min(table_id) FROM kb_columns");
	cJSON *all = pull_all(ADMIN, 0, 5000, NULL, NULL);
	const cJSON *c;

	(void)state;
	c = find(all, "order", order);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c, "data"), "lines")),
	    scalar("SELECT count(*) FROM order_lines WHERE order_id = %lld",
	    order));
	c = find(all, "invoice", inv);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c, "data"), "lines")),
	    scalar("SELECT count(*) FROM invoice_lines WHERE invoice_id = "
	    "%lld", inv));
	c = find(all, "conversation", conv);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c, "data"), "labels")),
	    scalar("SELECT count(*) FROM conversation_labels WHERE "
	    "conversation_id = %lld", conv));
	c = find(all, "kb_table", table);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c, "data"), "columns")),
	    scalar("SELECT count(*) FROM kb_columns WHERE table_id = %lld",
	    table));
	/* JSON cells are JSON, not strings; no password hash anywhere */
	c = find(all, "kb_row", scalar("SELECT min(id) FROM kb_rows"));
	assert_true(cJSON_IsObject(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c, "data"), "cells")));
	c = find(all, "user", 1);
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "data"),
	    "password_hash"));
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "data"),
	    "pending"));
	cJSON_Delete(all);
}

static void
page_size_is_bounded_and_parameters_checked(void **state)
{
	static const char *const bad[] = {
		"wait=1h", "wait=-1", "since=-1", "limit=0", "limit=abc",
		"since=1x", "history_days=x",
	};
	struct api_reply r = get(ADMIN, "/api/v1/changes?since=0&limit=999999");

	(void)state;
	expect_status(r, 200);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json,
	    "changes")), 5000);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "more")));
	api_reply_free(&r);
	r = get(ADMIN, "/api/v1/changes");
	expect_status(r, 200);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json,
	    "changes")), 500);
	api_reply_free(&r);
	/* A wait over the hour is taken as the hour, like a limit over
	 * 5000; with changes to send it does not wait at all. */
	r = get(ADMIN, "/api/v1/changes?since=0&limit=1&wait=999999");
	expect_status(r, 200);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json,
	    "changes")), 1);
	api_reply_free(&r);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		r = get(ADMIN, "/api/v1/changes?%s", bad[i]);
		expect_error(r, 400, "invalid_query");
		api_reply_free(&r);
	}
}

/* Entries of the whole feed after seq that the admin does not see: other
 * users' notifications (the only thing outside an admin's scope). */
static long long
hidden_from_admin_after(long long seq)
{
	return scalar("SELECT count(*) FROM changes WHERE seq > %lld AND "
	    "type = 'notification' AND coalesce(user_id, 0) <> %lld", seq,
	    (long long)uid[ADMIN]);
}

struct progress {
	long long	 entries;	/* in this page */
	long long	 next, remaining;
	bool		 more;
};

/* Pages through the admin's feed, keeping each page's numbers; false
 * when a write (the overdue timer) moved the feed meanwhile. */
static bool
walk_with_remaining(int limit, struct progress *pg, int *npages)
{
	long long since = 0, h = head();

	*npages = 0;
	for (;;) {
		struct api_reply r = get(ADMIN, "/api/v1/changes?since=%lld&"
		    "limit=%d", since, limit);
		struct progress *p = &pg[*npages];
		cJSON *rem;

		expect_status(r, 200);
		rem = cJSON_GetObjectItem(r.json, "remaining");
		assert_true(cJSON_IsNumber(rem));
		p->entries = cJSON_GetArraySize(cJSON_GetObjectItem(r.json,
		    "changes"));
		p->next = since = (long long)json_num(r.json, "next", -1);
		p->remaining = (long long)rem->valuedouble;
		p->more = cJSON_IsTrue(cJSON_GetObjectItem(r.json, "more"));
		api_reply_free(&r);
		assert_true(++*npages < MAX_PAGES);
		if (!p->more)
			break;
	}
	return head() == h;
}

static void
remaining_bounds_the_pages_still_to_come(void **state)
{
	static struct progress pg[MAX_PAGES];
	const int limit = 700;
	long long total = 0, seen = 0, all;
	int n = 0, tries = 0;

	(void)state;
	while (!walk_with_remaining(limit, pg, &n))
		assert_true(++tries < 3);
	for (int i = 0; i < n; i++)
		total += pg[i].entries;
	/* an admin sees the whole feed but others' notifications */
	all = scalar("SELECT count(*) FROM changes");
	assert_int_equal(total, all - hidden_from_admin_after(0));

	assert_true(n > 2);
	assert_true(pg[0].more);
	assert_true(pg[0].remaining > 0);
	/* the first page and what remains after it are the whole feed but
	 * others' notifications the first page skipped over */
	assert_int_equal(pg[0].entries + pg[0].remaining, all -
	    (hidden_from_admin_after(0) -
	    hidden_from_admin_after(pg[0].next)));
	for (int i = 0; i < n; i++) {
		long long to_come;

		seen += pg[i].entries;
		to_come = total - seen;
		if (!pg[i].more) {
			assert_int_equal(pg[i].remaining, 0);
			assert_int_equal(to_come, 0);
			continue;
		}
		/* an upper bound: exactly what is to come plus what the
		 * admin cannot see, counting down page by page */
		assert_true(pg[i].remaining >= to_come);
		assert_int_equal(pg[i].remaining, to_come +
		    hidden_from_admin_after(pg[i].next));
		if (i > 0)
			assert_true(pg[i].remaining < pg[i - 1].remaining);
	}
	assert_false(pg[n - 1].more);
}

/* ---- tombstones ------------------------------------------------------------ */

static void
a_deleted_row_becomes_one_tombstone(void **state)
{
	long long before = head(), after_create, id;
	struct api_reply r;
	cJSON *all;
	const cJSON *c;
	char path[64];

	(void)state;
	id = notify_user(uid[ADMIN], "to be deleted");
	all = pull_all(ADMIN, before, 100, NULL, &after_create);
	c = find(all, "notification", id);
	assert_non_null(c);
	assert_string_equal(json_str(c, "op"), "upsert");
	assert_string_equal(json_str(c, "data.title"), "to be deleted");
	cJSON_Delete(all);

	snprintf(path, sizeof path, "/api/v1/notifications/%lld", id);
	r = api_call(m, tok[ADMIN], "DELETE", path, NULL, NULL);
	expect_status(r, 204);
	api_reply_free(&r);
	r = api_call(m, tok[ADMIN], "DELETE", path, NULL, NULL);
	expect_error(r, 404, "not_found");
	api_reply_free(&r);

	all = pull_all(ADMIN, after_create, 100, NULL, NULL);
	assert_int_equal(cJSON_GetArraySize(all), 1);
	c = find(all, "notification", id);
	assert_non_null(c);
	assert_string_equal(json_str(c, "op"), "delete");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "data")));
	cJSON_Delete(all);

	/* Compaction: from before the create, the row is one entry. */
	all = pull_all(ADMIN, before, 100, NULL, NULL);
	assert_int_equal(count_type(all, "notification", NULL), 1);
	assert_string_equal(json_str(find(all, "notification", id), "op"),
	    "delete");
	cJSON_Delete(all);
	assert_int_equal(scalar("SELECT count(*) FROM changes WHERE type = "
	    "'notification' AND row_id = %lld", id), 1);

	/* A fresh client gets the tombstone alone, never the row. */
	all = pull_all(ADMIN, 0, 5000, NULL, NULL);
	assert_int_equal(count_type(all, "notification", "upsert"),
	    scalar("SELECT count(*) FROM notifications WHERE user_id = %lld",
	    (long long)uid[ADMIN]));
	assert_string_equal(json_str(find(all, "notification", id), "op"),
	    "delete");
	cJSON_Delete(all);

	/* The owner alone sees the tombstone. */
	all = pull_all(MANAGER, before, 100, NULL, NULL);
	assert_null(find(all, "notification", id));
	cJSON_Delete(all);
}

/* ---- long-poll ----------------------------------------------------------- */

static void
long_poll_returns_empty_at_the_timeout(void **state)
{
	long long cursor = head();
	struct api_reply r;
	double t0 = now_ms() / 1e3, dt;

	(void)state;
	r = get(MANAGER, "/api/v1/changes?since=%lld&wait=1", cursor);
	dt = now_ms() / 1e3 - t0;
	expect_status(r, 200);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json,
	    "changes")), 0);
	assert_int_equal((long long)json_num(r.json, "next", -1), cursor);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "more")));
	assert_true(dt >= 0.9 && dt < 3.0);
	api_reply_free(&r);
}

struct poll_job {
	int		 who;
	long long	 since;
	int		 wait;
	struct api_reply r;
	double		 seconds;
};

static void *
poll_thread(void *arg)
{
	struct poll_job *j = arg;
	double t0 = now_ms() / 1e3;

	j->r = get(j->who, "/api/v1/changes?since=%lld&wait=%d", j->since,
	    j->wait);
	j->seconds = now_ms() / 1e3 - t0;
	return NULL;
}

static void
long_poll_wakes_early_on_another_clients_write(void **state)
{
	struct poll_job j = { MANAGER, head(), 20, { 0 }, 0 };
	pthread_t t;
	long long id;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, poll_thread, &j), 0);
	usleep(300000);
	id = notify_user(uid[MANAGER], "wake up");
	pthread_join(t, NULL);
	expect_status(j.r, 200);
	assert_true(j.seconds < 5.0);
	assert_non_null(find(cJSON_GetObjectItem(j.r.json, "changes"),
	    "notification", id));
	api_reply_free(&j.r);
	printf("long-poll woke %.0f ms after it started (write at 300 ms)\n",
	    j.seconds * 1000);
}

static void
long_poll_sleeps_through_changes_it_cannot_see(void **state)
{
	struct poll_job j = { MANAGER, head(), 2, { 0 }, 0 };
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, poll_thread, &j), 0);
	usleep(300000);
	notify_user(scalar("SELECT id FROM users WHERE email = "
	    "'billing@demo.mkt'"), "not for the manager");
	pthread_join(t, NULL);
	expect_status(j.r, 200);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j.r.json,
	    "changes")), 0);
	assert_true(j.seconds >= 1.9);
	/* the cursor moves past what the manager cannot see */
	assert_int_equal((long long)json_num(j.r.json, "next", -1), head());
	api_reply_free(&j.r);
}

/* Sends a long-poll on a raw socket and half-closes it, as a client that
 * gave up on the poll (to push an action) closes its end; the seconds
 * until the server ends the exchange. */
static double
abandoned_poll_seconds(int wait)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char req[1024], buf[4096];
	double t0;
	int fd, n;

	sa.sin_port = htons((uint16_t)mktd_port(m));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	n = snprintf(req, sizeof req, "GET /api/v1/changes?since=%lld&wait=%d "
	    "HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n",
	    head(), wait, tok[MANAGER]);
	assert_int_equal(write(fd, req, (size_t)n), n);
	usleep(300000);
	t0 = now_ms() / 1e3;
	shutdown(fd, SHUT_WR);
	/* Whatever the server does then (answer, close), it does it soon;
	 * the read is bounded by the wait itself. */
	while ((n = (int)read(fd, buf, sizeof buf)) > 0)
		continue;
	close(fd);
	return now_ms() / 1e3 - t0;
}

static void
long_poll_ends_when_its_client_goes(void **state)
{
	double dt;

	(void)state;
	dt = abandoned_poll_seconds(30);
	printf("abandoned long-poll ended %.1f s after its client left\n",
	    dt);
	assert_true(dt < 6.0);
}

/* ---- scope ----------------------------------------------------------------- */

/* Every row of the feed with a company_id has one from the list. */
static void
assert_companies(const cJSON *all, const char *in_sql)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, all) {
		double co = json_num(c, "data.company_id", -1);

		if (strcmp(json_str(c, "type"), "company") == 0)
			co = json_num(c, "id", -1);
		if (co < 0)
			continue;
		if (scalar("SELECT %lld IN (%s)", (long long)co, in_sql) != 1)
			fail_msg("%s %lld of company %lld is out of scope",
			    json_str(c, "type"),
			    (long long)json_num(c, "id", 0), (long long)co);
	}
}

static void
manager_sees_only_assigned_companies(void **state)
{
	cJSON *all = pull_all(MANAGER, 0, 1000, NULL, NULL);
	char in[128];
	const cJSON *c;

	(void)state;
	snprintf(in, sizeof in, "SELECT id FROM companies WHERE manager_id = "
	    "%lld", (long long)uid[MANAGER]);
	assert_companies(all, in);
	assert_true(count_type(all, "conversation", NULL) > 0);
	assert_int_equal(count_type(all, "conversation", NULL),
	    scalar("SELECT count(*) FROM conversations WHERE company_id IN "
	    "(%s)", in));
	assert_true(count_type(all, "conversation", NULL) <
	    scalar("SELECT count(*) FROM conversations"));
	assert_int_equal(count_type(all, "message", NULL),
	    scalar("SELECT count(*) FROM messages WHERE conversation_id IN "
	    "(SELECT id FROM conversations WHERE company_id IN (%s))", in));
	assert_true(count_type(all, "canned_response", NULL) > 0);
	assert_int_equal(count_type(all, "canned_response", NULL),
	    scalar("SELECT count(*) FROM canned_responses WHERE company_id IN "
	    "(%s)", in));
	assert_int_equal(count_type(all, "invoice", NULL),
	    scalar("SELECT count(*) FROM invoices WHERE company_id IN (%s)",
	    in));
	cJSON_ArrayForEach(c, all) {
		if (strcmp(json_str(c, "type"), "notification") == 0)
			assert_int_equal(json_num(c, "data.user_id", 0),
			    uid[MANAGER]);
		if (strcmp(json_str(c, "type"), "user") == 0 &&
		    json_num(c, "id", 0) != uid[MANAGER])
			assert_true(strcmp(json_str(c, "data.role"),
			    "client") != 0 && strcmp(json_str(c, "data.role"),
			    "performer") != 0);
	}
	cJSON_Delete(all);
}

static void
client_sees_only_their_company(void **state)
{
	cJSON *all = pull_all(CLIENT, 0, 1000, NULL, NULL);
	char in[128];

	(void)state;
	snprintf(in, sizeof in, "SELECT id FROM companies WHERE owner_id = "
	    "%lld", (long long)uid[CLIENT]);
	assert_int_equal(scalar("SELECT count(*) FROM (%s)", in), 1);
	assert_companies(all, in);
	assert_int_equal(count_type(all, "company", NULL), 1);
	assert_int_equal(count_type(all, "conversation", NULL),
	    scalar("SELECT count(*) FROM conversations WHERE company_id IN "
	    "(%s)", in));
	assert_int_equal(count_type(all, "canned_response", NULL),
	    scalar("SELECT count(*) FROM canned_responses WHERE company_id IN "
	    "(%s)", in));
	assert_int_equal(count_type(all, "invoice", NULL),
	    scalar("SELECT count(*) FROM invoices WHERE company_id IN (%s)",
	    in));
	cJSON_Delete(all);
}

static void
performer_sees_open_and_own_orders_with_contacts_hidden(void **state)
{
	static const char *const never[] = {
		"conversation", "message", "invoice", "payment", "kb_table",
		"kb_row", "company", "channel", "contact", "project",
		"commission_terms", "canned_response",
	};
	cJSON *all = pull_all(PERFORMER, 0, 1000, NULL, NULL);
	long long me = uid[PERFORMER];
	const cJSON *c;
	int shown = 0, hidden = 0;

	(void)state;
	for (size_t i = 0; i < sizeof never / sizeof *never; i++)
		assert_int_equal(count_type(all, never[i], NULL), 0);
	/* Other marketplace orders come as tombstones (no data): a client
	 * that saw one while it was open drops it. */
	assert_int_equal(count_type(all, "order", "upsert"),
	    scalar("SELECT count(*) FROM orders o WHERE kind = 'marketplace' "
	    "AND (status = 'open' OR EXISTS (SELECT 1 FROM offers f WHERE "
	    "f.order_id = o.id AND f.performer_id = %lld))", me));
	assert_int_equal(count_type(all, "offer", NULL),
	    scalar("SELECT count(*) FROM offers WHERE performer_id = %lld",
	    me));
	cJSON_ArrayForEach(c, all) {
		long long id = (long long)json_num(c, "id", 0);
		bool paid;

		if (strcmp(json_str(c, "type"), "offer") == 0)
			assert_int_equal(json_num(c, "data.performer_id", 0),
			    me);
		if (strcmp(json_str(c, "type"), "order") != 0)
			continue;
		if (strcmp(json_str(c, "op"), "delete") == 0) {
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(c,
			    "data")));
			continue;
		}
		assert_string_equal(json_str(c, "data.kind"), "marketplace");
		paid = scalar("SELECT count(*) FROM contact_purchases WHERE "
		    "order_id = %lld AND performer_id = %lld AND status = "
		    "'paid'", id, me) > 0;
		if (paid) {
			assert_non_null(json_str(c, "data.customer_name"));
			shown++;
		} else {
			assert_null(json_str(c, "data.customer_name"));
			assert_null(json_str(c, "data.customer_phone"));
			assert_null(json_str(c, "data.customer_email"));
			hidden++;
		}
	}
	assert_true(shown > 0 && hidden > 0);
	cJSON_Delete(all);
}

static void
an_order_a_performer_loses_sight_of_arrives_as_a_tombstone(void **state)
{
	long long me = uid[PERFORMER], cursor = head();
	long long id = scalar("SELECT min(id) FROM orders o WHERE kind = "
	    "'marketplace' AND status = 'open' AND NOT EXISTS (SELECT 1 FROM "
	    "offers f WHERE f.order_id = o.id AND f.performer_id = %lld)", me);
	struct api_reply r;
	char path[96];
	cJSON *all;
	const cJSON *c;

	(void)state;
	assert_true(id > 0);
	snprintf(path, sizeof path, "/api/v1/orders/%lld/cancel", id);
	r = api_call(m, tok[ADMIN], "POST", path, "{}", NULL);
	expect_status(r, 200);
	api_reply_free(&r);
	all = pull_all(PERFORMER, cursor, 100, NULL, NULL);
	c = find(all, "order", id);
	assert_non_null(c);
	assert_string_equal(json_str(c, "op"), "delete");
	cJSON_Delete(all);
	/* the admin still sees it, cancelled */
	all = pull_all(ADMIN, cursor, 100, NULL, NULL);
	assert_string_equal(json_str(find(all, "order", id), "data.status"),
	    "cancelled");
	cJSON_Delete(all);
}

static void
out_of_scope_ids_are_404(void **state)
{
	long long mine = scalar("SELECT min(id) FROM conversations WHERE "
	    "company_id IN (SELECT id FROM companies WHERE manager_id = %lld)",
	    (long long)uid[MANAGER]);
	long long other = scalar("SELECT min(id) FROM conversations WHERE "
	    "company_id NOT IN (SELECT id FROM companies WHERE manager_id = "
	    "%lld) AND company_id NOT IN (SELECT id FROM companies WHERE "
	    "owner_id = %lld)", (long long)uid[MANAGER],
	    (long long)uid[CLIENT]);
	long long clients = scalar("SELECT min(id) FROM conversations WHERE "
	    "company_id IN (SELECT id FROM companies WHERE owner_id = %lld)",
	    (long long)uid[CLIENT]);
	/* 999999: a nonexistent id looks exactly like an out-of-scope one */
	const struct {
		int		 who;
		long long	 id;
		long		 want;
	} cases[] = {
		{ MANAGER, mine, 200 }, { MANAGER, other, 404 },
		{ CLIENT, other, 404 }, { CLIENT, clients, 200 },
		{ PERFORMER, clients, 404 }, { ADMIN, other, 200 },
		{ MANAGER, 999999, 404 },
	};

	(void)state;
	assert_true(mine > 0 && other > 0 && clients > 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct api_reply r = get(cases[i].who,
		    "/api/v1/conversations/%lld/messages", cases[i].id);

		expect_case(r, cases[i].want, cases[i].want == 404 ?
		    "not_found" : NULL, NULL, role_name[cases[i].who]);
		api_reply_free(&r);
	}
}

/* ---- backfill and history window ------------------------------------------- */

static void
backfill_pages_history_newest_first(void **state)
{
	long long conv = scalar("SELECT conversation_id FROM messages GROUP BY "
	    "conversation_id ORDER BY count(*) DESC LIMIT 1");
	long long n = scalar("SELECT count(*) FROM messages WHERE "
	    "conversation_id = %lld", conv);
	long long before = 0, got = 0, prev_at = -1, prev_id = 0;
	int pages = 0;

	(void)state;
	assert_true(n > 8);
	for (;;) {
		struct api_reply r = before > 0 ?
		    get(ADMIN, "/api/v1/conversations/%lld/messages?limit=4&"
		    "before=%lld", conv, before) :
		    get(ADMIN, "/api/v1/conversations/%lld/messages?limit=4",
		    conv);
		cJSON *msgs, *msg;
		bool more;

		expect_status(r, 200);
		msgs = cJSON_GetObjectItem(r.json, "messages");
		assert_true(cJSON_GetArraySize(msgs) <= 4);
		cJSON_ArrayForEach(msg, msgs) {
			long long at = (long long)json_num(msg, "created_at",
			    0), id = (long long)json_num(msg, "id", 0);

			assert_int_equal(json_num(msg, "conversation_id", 0),
			    conv);
			if (prev_at >= 0)
				assert_true(at < prev_at ||
				    (at == prev_at && id < prev_id));
			prev_at = at;
			prev_id = id;
			before = id;
			got++;
		}
		more = cJSON_IsTrue(cJSON_GetObjectItem(r.json, "more"));
		api_reply_free(&r);
		if (!more)
			break;
		assert_true(++pages < 1000);
	}
	assert_int_equal(got, n);
}

static void
history_days_leaves_old_messages_out_of_the_feed(void **state)
{
	time_t t0 = time(NULL);
	cJSON *all = pull_all(ADMIN, 0, 5000, "&history_days=7", NULL), *c;
	time_t t1 = time(NULL);
	long long lo = scalar("SELECT count(*) FROM messages WHERE "
	    "created_at >= %lld", (long long)t1 - 7 * 86400 + 5);
	long long hi = scalar("SELECT count(*) FROM messages WHERE "
	    "created_at >= %lld", (long long)t0 - 7 * 86400 - 5);
	int n = count_type(all, "message", NULL);

	(void)state;
	assert_true(n >= lo && n <= hi);
	assert_true(n < scalar("SELECT count(*) FROM messages"));
	cJSON_ArrayForEach(c, all)
		if (strcmp(json_str(c, "type"), "message") == 0)
			assert_true(json_num(c, "data.created_at", 0) >=
			    (double)t0 - 7 * 86400 - 5);
	/* other types are not affected */
	assert_int_equal(count_type(all, "conversation", NULL),
	    scalar("SELECT count(*) FROM conversations"));
	cJSON_Delete(all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    fresh_client_pages_through_every_visible_row_once),
		cmocka_unit_test(rows_embed_their_children),
		cmocka_unit_test(page_size_is_bounded_and_parameters_checked),
		cmocka_unit_test(remaining_bounds_the_pages_still_to_come),
		cmocka_unit_test(a_deleted_row_becomes_one_tombstone),
		cmocka_unit_test(long_poll_returns_empty_at_the_timeout),
		cmocka_unit_test(long_poll_ends_when_its_client_goes),
		cmocka_unit_test(
		    long_poll_wakes_early_on_another_clients_write),
		cmocka_unit_test(
		    long_poll_sleeps_through_changes_it_cannot_see),
		cmocka_unit_test(manager_sees_only_assigned_companies),
		cmocka_unit_test(client_sees_only_their_company),
		cmocka_unit_test(
		    performer_sees_open_and_own_orders_with_contacts_hidden),
		cmocka_unit_test(
		    an_order_a_performer_loses_sight_of_arrives_as_a_tombstone),
		cmocka_unit_test(out_of_scope_ids_are_404),
		cmocka_unit_test(backfill_pages_history_newest_first),
		cmocka_unit_test(
		    history_days_leaves_old_messages_out_of_the_feed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
