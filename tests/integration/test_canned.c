/* Canned responses against a real mktd on loopback: the demo's set, the
 * list and one row, create, update and delete with their feed entries and
 * audit, the short code and content rules, duplicates, stale If-Match,
 * idempotent retries, and who may do each (every role, in and out of
 * scope).
 *
 * One mktd --demo serves the whole file.  "Shared" is the company that
 * manager@ manages and client@ owns; "foreign" one neither does.  Each
 * test uses short codes of its own, so the order of tests does not
 * matter. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "harness.h"

static struct {
	struct mktd	*m;
	sqlite3		*db;		/* mktd's database, read-only */
	char		*tok[NROLES];
	int64_t		 uid[NROLES];
	int64_t		 shared, foreign;
} t;

/* ---- helpers ------------------------------------------------------------ */

static int64_t
rows(void)
{
	return db_int(t.db, -1, "SELECT count(*) FROM canned_responses", 0);
}

static int64_t
feed_head(void)
{
	return db_int(t.db, 0, "SELECT max(seq) FROM changes", 0);
}

static char *
create_body(int64_t company, const char *code, const char *content)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddNumberToObject(o, "company_id", (double)company);
	cJSON_AddStringToObject(o, "short_code", code);
	cJSON_AddStringToObject(o, "content", content);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* method on /api/v1/canned-responses[/id] (id 0: the collection), with
 * If-Match when if_match >= 0 and an Idempotency-Key when key is set. */
static struct api_reply
call(enum role r, const char *method, int64_t id, const char *body,
    int64_t if_match, const char *key)
{
	char path[96], im[64], ik[160];
	const char *extra[3] = { NULL, NULL, NULL };
	int n = 0;

	if (id != 0)
		snprintf(path, sizeof path, "/api/v1/canned-responses/%lld",
		    (long long)id);
	else
		snprintf(path, sizeof path, "/api/v1/canned-responses");
	if (if_match >= 0) {
		snprintf(im, sizeof im, "If-Match: \"%lld\"",
		    (long long)if_match);
		extra[n++] = im;
	}
	if (key != NULL) {
		snprintf(ik, sizeof ik, "Idempotency-Key: %s", key);
		extra[n++] = ik;
	}
	return api_call(t.m, t.tok[r], method, path, body, extra);
}

static struct api_reply
create(enum role r, int64_t company, const char *code, const char *content)
{
	char *body = create_body(company, code, content);
	struct api_reply rep = call(r, "POST", 0, body, -1, NULL);

	free(body);
	return rep;
}

/* A response made by the admin for the test: its id. */
static int64_t
made(int64_t company, const char *code, const char *content)
{
	struct api_reply rep = create(ADMIN, company, code, content);
	int64_t id;

	expect_status(rep, 201);
	id = (int64_t)json_num(rep.json, "id", 0);
	api_reply_free(&rep);
	assert_true(id > 0);
	return id;
}

/* The entry of the feed after since for canned_response id, as role sees
 * it: 1 upsert, 2 tombstone, 0 none. */
static int
feed_entry(enum role r, int64_t since, int64_t id, cJSON **data)
{
	char path[96];
	struct api_reply rep;
	const cJSON *e;
	int found = 0;

	snprintf(path, sizeof path, "/api/v1/changes?since=%lld&limit=5000",
	    (long long)since);
	rep = api_call(t.m, t.tok[r], "GET", path, NULL, NULL);
	expect_status(rep, 200);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rep.json,
	    "changes")) {
		if (strcmp(json_str(e, "type"), "canned_response") != 0 ||
		    (int64_t)json_num(e, "id", 0) != id)
			continue;
		found = strcmp(json_str(e, "op"), "upsert") == 0 ? 1 : 2;
		if (data != NULL)
			*data = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
			    e, "data"), 1);
	}
	api_reply_free(&rep);
	return found;
}

/* The canned_response upserts of role's whole feed (with tombstones too
 * when all is set), page by page. */
static int
feed_count(enum role r, int all)
{
	char path[96];
	long long since = 0;
	int n = 0, more = 1;

	for (int page = 0; more; page++) {
		struct api_reply rep;
		const cJSON *e;

		assert_true(page < 100);
		snprintf(path, sizeof path, "/api/v1/changes?since=%lld&"
		    "limit=5000", since);
		rep = api_call(t.m, t.tok[r], "GET", path, NULL, NULL);
		expect_status(rep, 200);
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
		    rep.json, "changes"))
			n += strcmp(json_str(e, "type"), "canned_response") ==
			    0 && (all || strcmp(json_str(e, "op"),
			    "upsert") == 0);
		more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep.json,
		    "more"));
		since = (long long)json_num(rep.json, "next", 0);
		api_reply_free(&rep);
	}
	return n;
}

/* ---- setup -------------------------------------------------------------- */

static int
group_setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof t);
	if ((t.m = mktd_start(true)) == NULL)
		return -1;
	t.db = mktd_db(t.m);
	if (demo_login(t.m, NROLES, role_email, t.tok, t.uid) != 0)
		return -1;
	t.shared = db_int(t.db, 0, "SELECT id FROM companies WHERE "
	    "manager_id = ? AND owner_id = ? ORDER BY id", 2, t.uid[MANAGER],
	    t.uid[CLIENT]);
	t.foreign = db_int(t.db, 0, "SELECT id FROM companies WHERE "
	    "manager_id IS NOT ? AND owner_id IS NOT ? ORDER BY id", 2,
	    t.uid[MANAGER], t.uid[CLIENT]);
	return t.shared > 0 && t.foreign > 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	return demo_finish(t.m, NROLES, t.tok);
}

/* ---- the demo ----------------------------------------------------------- */

static void
test_demo_has_four_to_eight_per_company(void **state)
{
	sqlite3_stmt *st;
	char *greeting, *name;

	(void)state;
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM companies "
	    "WHERE id NOT IN (SELECT company_id FROM canned_responses)", 0), 0);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM (SELECT "
	    "company_id FROM canned_responses GROUP BY company_id HAVING "
	    "count(*) < 4 OR count(*) > 8)", 0), 0);
	/* every short code follows the rule the API enforces */
	if (sqlite3_prepare_v2(t.db, "SELECT short_code, content FROM "
	    "canned_responses", -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s", sqlite3_errmsg(t.db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);

		assert_true(strlen(c) >= 1 && strlen(c) <= 64);
		assert_int_equal(strspn(c, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789_-"), strlen(c));
		assert_true(sqlite3_column_bytes(st, 1) > 0);
	}
	sqlite3_finalize(st);
	/* the greeting names the company */
	greeting = db_text(t.db, "SELECT content FROM canned_responses WHERE "
	    "company_id = ? AND short_code = 'greeting'", 1, t.shared);
	name = db_text(t.db, "SELECT name FROM companies WHERE id = ?", 1,
	    t.shared);
	assert_non_null(greeting);
	assert_non_null(strstr(greeting, name));
	free(greeting);
	free(name);
	/* a company whose customers write in several languages greets each */
	assert_true(db_int(t.db, 0, "SELECT count(*) FROM canned_responses "
	    "WHERE short_code LIKE 'greeting-%'", 0) > 0);
	/* and the feed carries them to whoever syncs */
	assert_int_equal(feed_count(ADMIN, 0), rows());
}

/* ---- reading ------------------------------------------------------------ */

static int
list_count(enum role r, const char *query, long want_status)
{
	char path[128];
	struct api_reply rep;
	const cJSON *list, *e;
	int n = -1;

	snprintf(path, sizeof path, "/api/v1/canned-responses%s", query);
	rep = api_call(t.m, t.tok[r], "GET", path, NULL, NULL);
	expect_case(rep, want_status, NULL, NULL, path);
	if (want_status == 200) {
		list = cJSON_GetObjectItemCaseSensitive(rep.json,
		    "canned_responses");
		assert_true(cJSON_IsArray(list));
		n = cJSON_GetArraySize(list);
		cJSON_ArrayForEach(e, list) {
			assert_non_null(json_str(e, "short_code"));
			assert_non_null(json_str(e, "content"));
			assert_true(json_num(e, "version", 0) >= 1);
			/* the cache's column stays in the cache */
			assert_null(cJSON_GetObjectItemCaseSensitive(e,
			    "pending"));
		}
	}
	api_reply_free(&rep);
	return n;
}

static void
test_list_by_scope(void **state)
{
	char q[64];
	int64_t managed = db_int(t.db, -1, "SELECT count(*) FROM "
	    "canned_responses WHERE company_id IN (SELECT id FROM companies "
	    "WHERE manager_id = ?)", 1, t.uid[MANAGER]);
	int64_t owned = db_int(t.db, -1, "SELECT count(*) FROM "
	    "canned_responses WHERE company_id IN (SELECT id FROM companies "
	    "WHERE owner_id = ?)", 1, t.uid[CLIENT]);
	int64_t shared = db_int(t.db, -1, "SELECT count(*) FROM "
	    "canned_responses WHERE company_id = ?", 1, t.shared);

	(void)state;
	assert_true(managed > 0 && owned > 0 && managed < rows());
	assert_int_equal(list_count(ADMIN, "", 200), rows());
	assert_int_equal(list_count(SUPPORT, "", 200), rows());
	assert_int_equal(list_count(BILLING, "", 200), rows());
	assert_int_equal(list_count(MANAGER, "", 200), managed);
	assert_int_equal(list_count(CLIENT, "", 200), owned);
	assert_int_equal(list_count(PERFORMER, "", 200), 0);

	snprintf(q, sizeof q, "?company_id=%lld", (long long)t.shared);
	for (int r = 0; r < NROLES; r++)
		assert_int_equal(list_count((enum role)r, q, r == PERFORMER ?
		    404 : 200), r == PERFORMER ? -1 : shared);
	snprintf(q, sizeof q, "?company_id=%lld", (long long)t.foreign);
	list_count(MANAGER, q, 404);
	list_count(CLIENT, q, 404);
	assert_true(list_count(BILLING, q, 200) > 0);
	list_count(ADMIN, "?company_id=999999999", 404);
	list_count(ADMIN, "?company_id=abc", 400);
	list_count(ADMIN, "?company_id=0", 400);

	/* the feed agrees with the list */
	assert_int_equal(feed_count(MANAGER, 0), managed);
	assert_int_equal(feed_count(CLIENT, 0), owned);
	assert_int_equal(feed_count(PERFORMER, 1), 0);
}

/* ---- create ------------------------------------------------------------- */

static void
test_create_returns_the_row_and_feeds_it(void **state)
{
	int64_t since = feed_head(), n = rows(), id;
	struct api_reply rep, one;
	cJSON *data = NULL;

	(void)state;
	rep = create(MANAGER, t.shared, "refund-policy", "Puedes devolver "
	    "cualquier ramo en 24 horas si llega dañado.\nEscríbenos con una "
	    "foto 📷");
	expect_status(rep, 201);
	id = (int64_t)json_num(rep.json, "id", 0);
	assert_int_equal((int64_t)json_num(rep.json, "company_id", 0),
	    t.shared);
	assert_string_equal(json_str(rep.json, "short_code"), "refund-policy");
	assert_string_equal(json_str(rep.json, "content"), "Puedes devolver "
	    "cualquier ramo en 24 horas si llega dañado.\nEscríbenos con una "
	    "foto 📷");
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), 1);
	assert_true(json_num(rep.json, "updated_at", 0) > 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(rep.json, "pending"));
	assert_string_equal(rep.etag, "\"1\"");
	assert_int_equal(rows(), n + 1);

	one = call(CLIENT, "GET", id, NULL, -1, NULL);
	expect_status(one, 200);
	assert_true(cJSON_Compare(one.json, rep.json, true));
	api_reply_free(&one);

	/* the feed carries the same row, to the company's people only */
	assert_int_equal(feed_entry(CLIENT, since, id, &data), 1);
	assert_true(cJSON_Compare(data, rep.json, true));
	cJSON_Delete(data);
	assert_int_equal(feed_entry(BILLING, since, id, NULL), 1);
	assert_int_equal(feed_entry(PERFORMER, since, id, NULL), 0);
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM audit_log "
	    "WHERE action = 'canned_response.create' AND ref_id = ? AND "
	    "actor_id = ?", 2, id, t.uid[MANAGER]), 1);
}

static void
test_create_validation(void **state)
{
	static const struct {
		const char	*code, *content, *err, *field;
	} bad[] = {
		{ "", "x", "invalid_short_code", "short_code" },
		{ "Refund", "x", "invalid_short_code", "short_code" },
		{ "with space", "x", "invalid_short_code", "short_code" },
		{ "a/b", "x", "invalid_short_code", "short_code" },
		{ "café", "x", "invalid_short_code", "short_code" },
		{ "tab\t", "x", "invalid_short_code", "short_code" },
		{ "ok-code", "", "empty", "content" },
		{ "ok-code", " \n\t\r ", "empty", "content" },
	};
	static const struct {
		const char	*body, *field;
	} malformed[] = {
		{ "{\"short_code\":\"a\",\"content\":\"b\"}", "company_id" },
		{ "{\"company_id\":\"1\",\"short_code\":\"a\",\"content\":\"b\"}",
		    "company_id" },
		{ "{\"company_id\":%lld,\"content\":\"b\"}", "short_code" },
		{ "{\"company_id\":%lld,\"short_code\":7,\"content\":\"b\"}",
		    "short_code" },
		{ "{\"company_id\":%lld,\"short_code\":\"a\"}", "content" },
		{ "{\"company_id\":%lld,\"short_code\":\"a\",\"content\":null}",
		    "content" },
		{ "{\"company_id\":%lld,\"short_code\":\"a\",\"content\":[]}",
		    "content" },
		{ "{\"company_id\":%lld,\"short_code\":\"a\",\"content\":"
		    "\"ab\x80\"}", "content" },
		{ "{\"company_id\":%lld,\"short_code\":\"a\",\"content\":"
		    "\"\xed\xa0\x80\"}", "content" },
	};
	int64_t n = rows(), seq = feed_head();
	char *c64 = text_repeat("a", 64), *c65 = text_repeat("a", 65);
	char *t7000 = text_repeat("я", 7000), *t7001 = text_repeat("я", 7001);
	char body[256], what[64];
	struct api_reply rep;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rep = create(SUPPORT, t.shared, bad[i].code, bad[i].content);
		snprintf(what, sizeof what, "code '%s' content '%s'",
		    bad[i].code, bad[i].content);
		expect_case(rep, 422, bad[i].err, bad[i].field, what);
		api_reply_free(&rep);
	}
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		snprintf(body, sizeof body, malformed[i].body,
		    (long long)t.shared);
		rep = call(SUPPORT, "POST", 0, body, -1, NULL);
		expect_case(rep, 422, NULL, malformed[i].field, body);
		api_reply_free(&rep);
	}
	rep = create(SUPPORT, t.shared, c65, "x");
	expect_case(rep, 422, "invalid_short_code", "short_code", "65 chars");
	api_reply_free(&rep);
	rep = create(SUPPORT, t.shared, "long-text", t7001);
	expect_case(rep, 422, "too_long", "content", "7001 characters");
	api_reply_free(&rep);
	assert_int_equal(rows(), n);
	assert_int_equal(feed_head(), seq);

	/* the limits themselves are fine: 64 characters, 7000 (14000 bytes) */
	rep = create(SUPPORT, t.shared, c64, "x");
	expect_status(rep, 201);
	api_reply_free(&rep);
	rep = create(SUPPORT, t.shared, "long_text-7000", t7000);
	expect_status(rep, 201);
	api_reply_free(&rep);
	assert_int_equal(rows(), n + 2);
	free(c64);
	free(c65);
	free(t7000);
	free(t7001);
}

static void
test_short_codes_are_unique_per_company(void **state)
{
	int64_t n;
	struct api_reply rep;

	(void)state;
	made(t.shared, "opening-hours", "Abrimos de 9:00 a 20:00.");
	n = rows();
	rep = create(CLIENT, t.shared, "opening-hours", "Otro texto");
	expect_case(rep, 409, "short_code_taken", "short_code", "duplicate");
	api_reply_free(&rep);
	assert_int_equal(rows(), n);
	/* another company may have its own */
	made(t.foreign, "opening-hours", "We open 9 am to 8 pm.");
	assert_int_equal(rows(), n + 1);
}

static void
test_who_may_create(void **state)
{
	static const struct {
		enum role	 role;
		long		 shared, foreign;
	} want[] = {
		{ ADMIN, 201, 201 }, { MANAGER, 201, 404 },
		{ BILLING, 403, 403 }, { SUPPORT, 201, 201 },
		{ CLIENT, 201, 404 }, { PERFORMER, 404, 404 },
	};
	char code[32], what[64];

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		int64_t n = rows();
		struct api_reply rep;

		snprintf(code, sizeof code, "who-%s", role_name[want[i].role]);
		rep = create(want[i].role, t.shared, code, "hola");
		snprintf(what, sizeof what, "%s in its company",
		    role_name[want[i].role]);
		expect_case(rep, want[i].shared, NULL, NULL, what);
		api_reply_free(&rep);
		rep = create(want[i].role, t.foreign, code, "hello");
		snprintf(what, sizeof what, "%s in another company",
		    role_name[want[i].role]);
		expect_case(rep, want[i].foreign, NULL, NULL, what);
		api_reply_free(&rep);
		assert_int_equal(rows(), n + (want[i].shared == 201) +
		    (want[i].foreign == 201));
	}
	{
		struct api_reply rep = create(ADMIN, 999999999, "x", "y");

		expect_error(rep, 404, "not_found");
		api_reply_free(&rep);
	}
}

static void
test_create_idempotent_retry(void **state)
{
	char *body = create_body(t.shared, "retry-once", "Solo una vez.");
	char *other = create_body(t.shared, "retry-twice", "Otra.");
	int64_t n = rows(), replays;
	struct api_reply a, b;

	(void)state;
	replays = db_int(t.db, 0, "SELECT coalesce(sum(replays), 0) FROM "
	    "idempotency", 0);
	a = call(MANAGER, "POST", 0, body, -1, "canned-retry-1");
	expect_status(a, 201);
	b = call(MANAGER, "POST", 0, body, -1, "canned-retry-1");
	expect_status(b, 201);
	assert_true(cJSON_Compare(a.json, b.json, true));
	assert_int_equal(rows(), n + 1);
	assert_true(db_int(t.db, 0, "SELECT coalesce(sum(replays), 0) FROM "
	    "idempotency", 0) > replays);
	api_reply_free(&b);
	/* the same key for another request is refused */
	b = call(MANAGER, "POST", 0, other, -1, "canned-retry-1");
	expect_error(b, 422, "idempotency_key_reused");
	api_reply_free(&b);
	/* and a new key for the same body meets the duplicate */
	b = call(MANAGER, "POST", 0, body, -1, "canned-retry-2");
	expect_error(b, 409, "short_code_taken");
	api_reply_free(&b);
	assert_int_equal(rows(), n + 1);
	api_reply_free(&a);
	free(body);
	free(other);
}

/* ---- update ------------------------------------------------------------- */

static void
test_update(void **state)
{
	int64_t id = made(t.shared, "shipping", "Enviamos en 24 h.");
	int64_t since = feed_head();
	struct api_reply rep;
	cJSON *data = NULL;

	(void)state;
	made(t.shared, "shipping-eu", "Envíos a la UE en 3 días.");

	rep = call(CLIENT, "PATCH", id, "{\"content\":\"Enviamos en 48 h.\"}",
	    1, NULL);
	expect_status(rep, 200);
	assert_string_equal(json_str(rep.json, "content"), "Enviamos en 48 h.");
	assert_string_equal(json_str(rep.json, "short_code"), "shipping");
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), 2);
	assert_string_equal(rep.etag, "\"2\"");
	api_reply_free(&rep);
	assert_int_equal(feed_entry(MANAGER, since, id, &data), 1);
	assert_string_equal(json_str(data, "content"), "Enviamos en 48 h.");
	cJSON_Delete(data);

	/* stale: 412 with the row as it is now, nothing changes */
	rep = call(MANAGER, "PATCH", id, "{\"content\":\"Otra cosa\"}", 1,
	    NULL);
	expect_error(rep, 412, "version_mismatch");
	assert_int_equal((int64_t)json_num(rep.json, "current.version", 0), 2);
	assert_string_equal(json_str(rep.json, "current.content"),
	    "Enviamos en 48 h.");
	api_reply_free(&rep);

	/* both fields at once, without If-Match */
	rep = call(MANAGER, "PATCH", id, "{\"short_code\":\"shipping-es\","
	    "\"content\":\"Enviamos en 24 h a toda España.\"}", -1, NULL);
	expect_status(rep, 200);
	assert_string_equal(json_str(rep.json, "short_code"), "shipping-es");
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), 3);
	api_reply_free(&rep);

	/* the same values again: no new version */
	rep = call(MANAGER, "PATCH", id, "{\"short_code\":\"shipping-es\"}",
	    3, NULL);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), 3);
	api_reply_free(&rep);

	rep = call(MANAGER, "PATCH", id, "{\"short_code\":\"shipping-eu\"}",
	    -1, NULL);
	expect_case(rep, 409, "short_code_taken", "short_code", "taken");
	api_reply_free(&rep);
	{
		static const struct {
			const char	*body, *code, *field;
		} bad[] = {
			{ "{}", "missing_field", NULL },
			{ "{\"short_code\":\"Bad Code\"}",
			    "invalid_short_code", "short_code" },
			{ "{\"content\":\"  \"}", "empty", "content" },
			{ "{\"content\":5}", "invalid_type", "content" },
			{ "{\"company_id\":999999}", "invalid_value",
			    "company_id" },
		};

		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			rep = call(SUPPORT, "PATCH", id, bad[i].body, -1,
			    NULL);
			expect_case(rep, 422, bad[i].code, bad[i].field,
			    bad[i].body);
			api_reply_free(&rep);
		}
	}
	/* its own company is no change */
	{
		char body[96];

		snprintf(body, sizeof body, "{\"company_id\":%lld,"
		    "\"content\":\"Enviamos hoy.\"}", (long long)t.shared);
		rep = call(SUPPORT, "PATCH", id, body, -1, NULL);
		expect_status(rep, 200);
		assert_int_equal((int64_t)json_num(rep.json, "version", 0), 4);
		api_reply_free(&rep);
	}
	rep = call(BILLING, "PATCH", id, "{\"content\":\"x\"}", -1, NULL);
	expect_error(rep, 403, "forbidden");
	api_reply_free(&rep);
	rep = call(PERFORMER, "PATCH", id, "{\"content\":\"x\"}", -1, NULL);
	expect_error(rep, 404, "not_found");
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, -1, "SELECT version FROM "
	    "canned_responses WHERE id = ?", 1, id), 4);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM audit_log "
	    "WHERE action = 'canned_response.update' AND ref_id = ?", 1, id),
	    3);
}

/* ---- delete ------------------------------------------------------------- */

static void
test_delete(void **state)
{
	int64_t id = made(t.shared, "to-delete", "Borrar.");
	int64_t since = feed_head(), n = rows();
	struct api_reply rep;
	cJSON *data = NULL;

	(void)state;
	rep = call(BILLING, "DELETE", id, NULL, -1, NULL);
	expect_error(rep, 403, "forbidden");
	api_reply_free(&rep);
	rep = call(PERFORMER, "DELETE", id, NULL, -1, NULL);
	expect_error(rep, 404, "not_found");
	api_reply_free(&rep);
	rep = call(CLIENT, "DELETE", id, NULL, 7, NULL);
	expect_error(rep, 412, "version_mismatch");
	assert_int_equal((int64_t)json_num(rep.json, "current.id", 0), id);
	api_reply_free(&rep);
	assert_int_equal(rows(), n);

	rep = call(CLIENT, "DELETE", id, NULL, 1, NULL);
	expect_status(rep, 204);
	api_reply_free(&rep);
	assert_int_equal(rows(), n - 1);
	/* a tombstone for whoever had it, nothing for a performer */
	assert_int_equal(feed_entry(MANAGER, since, id, &data), 2);
	assert_true(cJSON_IsNull(data));
	cJSON_Delete(data);
	assert_int_equal(feed_entry(PERFORMER, since, id, NULL), 0);

	rep = call(CLIENT, "GET", id, NULL, -1, NULL);
	expect_error(rep, 404, "not_found");
	api_reply_free(&rep);
	rep = call(CLIENT, "DELETE", id, NULL, -1, NULL);
	expect_error(rep, 404, "not_found");
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM audit_log "
	    "WHERE action = 'canned_response.delete' AND ref_id = ?", 1, id),
	    1);
	/* the short code is free again */
	made(t.shared, "to-delete", "Otra vez.");
}

/* Out of scope, every action answers 404 as a missing row does. */
static void
test_out_of_scope_is_404(void **state)
{
	int64_t id = made(t.foreign, "foreign-only", "Hidden.");
	static const enum role blind[] = { MANAGER, CLIENT, PERFORMER };

	(void)state;
	for (size_t i = 0; i < sizeof blind / sizeof blind[0]; i++) {
		struct api_reply rep;

		rep = call(blind[i], "GET", id, NULL, -1, NULL);
		expect_case(rep, 404, "not_found", NULL, role_name[blind[i]]);
		api_reply_free(&rep);
		rep = call(blind[i], "PATCH", id, "{\"content\":\"x\"}", -1,
		    NULL);
		expect_case(rep, 404, "not_found", NULL, role_name[blind[i]]);
		api_reply_free(&rep);
		rep = call(blind[i], "DELETE", id, NULL, -1, NULL);
		expect_case(rep, 404, "not_found", NULL, role_name[blind[i]]);
		api_reply_free(&rep);
	}
	{
		struct api_reply rep = call(BILLING, "GET", id, NULL, -1, NULL);

		expect_status(rep, 200);
		api_reply_free(&rep);
		rep = call(ADMIN, "GET", 999999999, NULL, -1, NULL);
		expect_error(rep, 404, "not_found");
		api_reply_free(&rep);
	}
	assert_int_equal(db_int(t.db, -1, "SELECT version FROM "
	    "canned_responses WHERE id = ?", 1, id), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_has_four_to_eight_per_company),
		cmocka_unit_test(test_list_by_scope),
		cmocka_unit_test(test_create_returns_the_row_and_feeds_it),
		cmocka_unit_test(test_create_validation),
		cmocka_unit_test(test_short_codes_are_unique_per_company),
		cmocka_unit_test(test_who_may_create),
		cmocka_unit_test(test_create_idempotent_retry),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_out_of_scope_is_404),
	};

	return cmocka_run_group_tests_name("canned responses", tests,
	    group_setup, group_teardown);
}
