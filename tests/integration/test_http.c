/* The HTTP layer every route shares: routing (404/405), bearer tokens on
 * the wire, body limits (413), malformed and mistyped bodies (400/422)
 * that change nothing, gzip negotiation, Idempotency-Key and If-Match.
 * One mktd --demo serves the whole file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "harness.h"

#define MIB	(1024 * 1024)

static struct mktd	*m;
static sqlite3		*db;		/* the server's file, read-only */
static char		*admin, *manager;

static long long
scalar(const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The response headers of one request, as one string (libcurl directly,
 * for the headers api_reply does not keep). */
struct raw {
	long	 status;
	char	 headers[4096];
	size_t	 len;
};

static size_t
raw_header(char *h, size_t size, size_t n, void *arg)
{
	struct raw *r = arg;
	size_t k = size * n;

	if (r->len + k < sizeof r->headers) {
		memcpy(r->headers + r->len, h, k);
		r->len += k;
		r->headers[r->len] = '\0';
	}
	return k;
}

static size_t
raw_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static struct raw
raw_call(const char *token, const char *method, const char *path,
    const char *body, const char *extra)
{
	struct raw r;
	struct curl_slist *hs = NULL;
	char url[512], auth[2048];
	CURL *c = curl_easy_init();

	memset(&r, 0, sizeof r);
	assert_non_null(c);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", mktd_port(m), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, raw_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, raw_discard);
	if (token != NULL) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		hs = curl_slist_append(hs, auth);
	}
	if (extra != NULL)
		hs = curl_slist_append(hs, extra);
	if (body != NULL) {
		hs = curl_slist_append(hs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(hs);
	curl_easy_cleanup(c);
	return r;
}

/* Whether a header line starts with line (case-insensitively). */
static bool
has_header(const struct raw *r, const char *line)
{
	const char *p = r->headers;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, line, strlen(line)) == 0)
			return true;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return false;
}

static int
setup(void **state)
{
	(void)state;
	if ((m = mktd_start(true)) == NULL || (db = mktd_db(m)) == NULL)
		return -1;
	admin = api_login(m, "admin@demo.mkt", "demo");
	manager = api_login(m, "manager@demo.mkt", "demo");
	return admin != NULL && manager != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	int rc;

	(void)state;
	free(admin);
	free(manager);
	rc = mktd_stop(m);
	if (rc != 0)
		fprintf(stderr, "mktd exited with %d\n", rc);
	return rc == 0 ? 0 : -1;
}

/* ---- routing ------------------------------------------------------------- */

static void
unknown_path_is_404_with_error_shape(void **state)
{
	struct api_reply r = api_call(m, admin, "GET", "/api/v1/nope", NULL,
	    NULL);
	const cJSON *field;

	(void)state;
	expect_error(r, 404, "not_found");
	assert_non_null(json_str(r.json, "error.message"));
	field = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"),
	    "field");
	assert_true(cJSON_IsNull(field));
	api_reply_free(&r);

	r = api_call(m, NULL, "GET", "/", NULL, NULL);
	expect_error(r, 404, "not_found");
	api_reply_free(&r);
}

static void
wrong_method_on_known_path_is_405_with_allow(void **state)
{
	struct api_reply r = api_call(m, admin, "DELETE", "/api/v1/auth/me",
	    NULL, NULL);
	struct raw h;

	(void)state;
	expect_error(r, 405, "method_not_allowed");
	api_reply_free(&r);
	h = raw_call(admin, "PUT", "/api/v1/changes", NULL, NULL);
	assert_int_equal(h.status, 405);
	assert_true(has_header(&h, "Allow: GET"));
}

static void
non_numeric_or_zero_id_is_404(void **state)
{
	static const char *const paths[] = {
		"/api/v1/notifications/abc/read",
		"/api/v1/notifications/0/read",
		"/api/v1/notifications/-1/read",
		"/api/v1/notifications/007/read",
		"/api/v1/notifications/99999999999999999999/read",
		"/api/v1/notifications/12x/read",
	};

	(void)state;
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		struct api_reply r = api_call(m, admin, "POST", paths[i], NULL,
		    NULL);

		expect_error(r, 404, "not_found");
		api_reply_free(&r);
	}
}

/* ---- tokens on the wire -------------------------------------------------- */

static void
missing_token_is_401_with_www_authenticate(void **state)
{
	struct raw h = raw_call(NULL, "GET", "/api/v1/auth/me", NULL, NULL);
	struct api_reply r;

	(void)state;
	assert_int_equal(h.status, 401);
	assert_true(has_header(&h, "WWW-Authenticate: Bearer"));
	r = api_call(m, NULL, "GET", "/api/v1/changes", NULL, NULL);
	expect_error(r, 401, "unauthorized");
	api_reply_free(&r);

	h = raw_call("garbage", "GET", "/api/v1/auth/me", NULL, NULL);
	assert_int_equal(h.status, 401);
	assert_true(has_header(&h, "WWW-Authenticate: Bearer"));
	assert_non_null(strstr(h.headers, "invalid_token"));
}

/* ---- bodies -------------------------------------------------------------- */

static long long
notifications_now(void)
{
	return scalar("SELECT count(*) FROM notifications");
}

static void
malformed_json_is_400_and_changes_nothing(void **state)
{
	static const char *const bodies[] = {
		"{\"user_id\": 2, \"kind\": \"x\", \"title\": \"t\"",
		"{user_id: 2}",
		"{\"user_id\": 2} trailing",
		"{\"title\": \"\\ud800\"}",
		"",
	};
	long long before = notifications_now();
	long long seq = scalar("SELECT max(seq) FROM changes");

	(void)state;
	for (size_t i = 0; i + 1 < sizeof bodies / sizeof *bodies; i++) {
		struct api_reply r = api_call(m, admin, "POST",
		    "/api/v1/notifications", bodies[i], NULL);

		expect_error(r, 400, "bad_json");
		api_reply_free(&r);
	}
	assert_int_equal(notifications_now(), before);
	assert_int_equal(scalar("SELECT max(seq) FROM changes"), seq);
}

static void
json_that_is_not_an_object_is_400(void **state)
{
	static const char *const bodies[] = {
		"[1, 2]", "\"text\"", "null", "42", "true"
	};

	(void)state;
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		struct api_reply r = api_call(m, admin, "POST",
		    "/api/v1/notifications", bodies[i], NULL);

		expect_error(r, 400, "bad_json");
		api_reply_free(&r);
	}
}

static void
wrong_types_are_422_naming_the_field(void **state)
{
	static const struct {
		const char *body, *code, *field;
	} cases[] = {
		{ "{\"user_id\":\"2\",\"kind\":\"k\",\"title\":\"t\"}",
		  "invalid_type", "user_id" },
		{ "{\"user_id\":2.5,\"kind\":\"k\",\"title\":\"t\"}",
		  "invalid_type", "user_id" },
		{ "{\"user_id\":0,\"kind\":\"k\",\"title\":\"t\"}",
		  "out_of_range", "user_id" },
		{ "{\"user_id\":2,\"kind\":7,\"title\":\"t\"}",
		  "invalid_type", "kind" },
		{ "{\"user_id\":2,\"kind\":\"k\"}", "missing_field", "title" },
		{ "{\"user_id\":2,\"kind\":\"k\",\"title\":null}",
		  "missing_field", "title" },
		{ "{\"user_id\":2,\"kind\":\"k\",\"title\":\"t\","
		  "\"ref_id\":1e400}", "invalid_type", "ref_id" },
		{ "{\"user_id\":999999,\"kind\":\"k\",\"title\":\"t\"}",
		  "invalid_value", "user_id" },
	};
	long long before = notifications_now();

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct api_reply r = api_call(m, admin, "POST",
		    "/api/v1/notifications", cases[i].body, NULL);

		expect_error(r, 422, cases[i].code);
		assert_string_equal(json_str(r.json, "error.field"),
		    cases[i].field);
		api_reply_free(&r);
	}
	assert_int_equal(notifications_now(), before);
}

static void
strings_over_the_limit_or_not_utf8_are_422(void **state)
{
	char body[1024];
	struct api_reply r;

	(void)state;
	/* 64 two-byte characters fit kind's 64 characters; 65 do not. */
	snprintf(body, sizeof body, "{\"user_id\":2,\"title\":\"t\",\"kind\":"
	    "\"%s\"}", "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé");
	r = api_call(m, admin, "POST", "/api/v1/notifications", body, NULL);
	expect_status(r, 201);
	api_reply_free(&r);
	snprintf(body, sizeof body, "{\"user_id\":2,\"title\":\"t\",\"kind\":"
	    "\"%s\"}", "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé");
	r = api_call(m, admin, "POST", "/api/v1/notifications", body, NULL);
	expect_error(r, 422, "too_long");
	assert_string_equal(json_str(r.json, "error.field"), "kind");
	api_reply_free(&r);

	r = api_call(m, admin, "POST", "/api/v1/notifications",
	    "{\"user_id\":2,\"kind\":\"k\",\"title\":\"bad \xff\xfe\"}", NULL);
	expect_error(r, 422, "invalid_utf8");
	api_reply_free(&r);
}

static char *
big_body(size_t size)
{
	/* {"pad":"xxx…"} of exactly size bytes */
	char *b = malloc(size + 1);

	assert_non_null(b);
	memcpy(b, "{\"pad\":\"", 8);
	memset(b + 8, 'x', size - 10);
	memcpy(b + size - 2, "\"}", 3);
	return b;
}

static void
body_over_one_mib_is_413(void **state)
{
	char *b = big_body(MIB + 1);
	struct api_reply r;
	const char *chunked[] = { "Transfer-Encoding: chunked", NULL };

	(void)state;
	r = api_call(m, admin, "POST", "/api/v1/notifications", b, NULL);
	expect_error(r, 413, "too_large");
	api_reply_free(&r);
	/* Without a Content-Length the limit is found while reading. */
	r = api_call(m, admin, "POST", "/api/v1/notifications", b, chunked);
	expect_error(r, 413, "too_large");
	api_reply_free(&r);
	free(b);
}

static void
body_of_exactly_one_mib_is_read(void **state)
{
	char *b = big_body(MIB);
	struct api_reply r;

	(void)state;
	r = api_call(m, admin, "POST", "/api/v1/notifications", b, NULL);
	/* parsed and validated: the handler saw it */
	expect_error(r, 422, "missing_field");
	api_reply_free(&r);
	free(b);
}

/* ---- gzip ---------------------------------------------------------------- */

static void
gzip_is_sent_when_accepted_and_saves_bytes(void **state)
{
	struct api_reply r = api_call(m, admin, "GET",
	    "/api/v1/changes?since=0&limit=300", NULL, NULL);

	(void)state;
	expect_status(r, 200);
	assert_string_equal(r.content_encoding, "gzip");
	assert_non_null(r.json);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json,
	    "changes")), 300);
	assert_true(r.wire_bytes > 0);
	assert_true(r.wire_bytes * 3 < r.body_len);
	api_reply_free(&r);
}

static void
gzip_is_not_sent_when_not_accepted(void **state)
{
	const char *identity[] = { "Accept-Encoding: identity", NULL };
	const char *refused[] = { "Accept-Encoding: gzip;q=0, br", NULL };
	struct api_reply r;

	(void)state;
	r = api_call(m, admin, "GET", "/api/v1/changes?since=0&limit=300",
	    NULL, identity);
	expect_status(r, 200);
	assert_string_equal(r.content_encoding, "");
	assert_int_equal(r.wire_bytes, r.body_len);
	assert_non_null(r.json);
	api_reply_free(&r);
	r = api_call(m, admin, "GET", "/api/v1/changes?since=0&limit=300",
	    NULL, refused);
	expect_status(r, 200);
	assert_string_equal(r.content_encoding, "");
	api_reply_free(&r);
}

static void
small_bodies_are_not_gzipped(void **state)
{
	struct api_reply r = api_call(m, admin, "GET", "/api/v1/auth/me", NULL,
	    NULL);

	(void)state;
	expect_status(r, 200);
	assert_true(r.body_len < 256);
	assert_string_equal(r.content_encoding, "");
	api_reply_free(&r);
}

/* ---- Idempotency-Key ----------------------------------------------------- */

static const char idem_body[] =
    "{\"user_id\":2,\"kind\":\"test\",\"title\":\"idempotent hello\"}";

static long long
idem_rows(void)
{
	return scalar("SELECT count(*) FROM notifications WHERE title = "
	    "'idempotent hello'");
}

/* How often admin's (user 1) stored result for key was replayed; -1
 * when there is none.  key is a literal of these tests, without quotes. */
static long long
replays(const char *key)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT replays FROM idempotency WHERE "
	    "user_id = 1 AND key = '%s'", key);
	return scalar(sql);
}

static void
idempotent_retry_replays_without_applying_twice(void **state)
{
	const char *key[] = { "Idempotency-Key: retry-1", NULL };
	struct api_reply a, b;
	struct raw h;

	(void)state;
	a = api_call(m, admin, "POST", "/api/v1/notifications", idem_body,
	    key);
	expect_status(a, 201);
	assert_int_equal(replays("retry-1"), 0);
	b = api_call(m, admin, "POST", "/api/v1/notifications", idem_body,
	    key);
	expect_status(b, 201);
	assert_string_equal(a.body, b.body);
	assert_int_equal(idem_rows(), 1);
	/* the retry is counted where tests of the client can see it */
	assert_int_equal(replays("retry-1"), 1);
	h = raw_call(admin, "POST", "/api/v1/notifications", idem_body,
	    key[0]);
	assert_int_equal(h.status, 201);
	assert_true(has_header(&h, "Idempotent-Replay: true"));
	assert_int_equal(idem_rows(), 1);
	assert_int_equal(replays("retry-1"), 2);
	assert_int_equal(scalar("SELECT count(*) FROM idempotency WHERE "
	    "user_id = 1 AND key = 'retry-1'"), 1);
	assert_int_equal(scalar("SELECT applied FROM idempotency WHERE "
	    "user_id = 1 AND key = 'retry-1'"), 1);
	api_reply_free(&a);
	api_reply_free(&b);

	/* Without a key the same request is a new notification. */
	a = api_call(m, admin, "POST", "/api/v1/notifications", idem_body,
	    NULL);
	expect_status(a, 201);
	assert_int_equal(idem_rows(), 2);
	api_reply_free(&a);
}

static void
same_key_with_a_different_request_is_422(void **state)
{
	const char *key[] = { "Idempotency-Key: reused-1", NULL };
	struct api_reply r;
	long long before;

	(void)state;
	r = api_call(m, admin, "POST", "/api/v1/notifications",
	    "{\"user_id\":2,\"kind\":\"test\",\"title\":\"first\"}", key);
	expect_status(r, 201);
	api_reply_free(&r);
	before = notifications_now();
	r = api_call(m, admin, "POST", "/api/v1/notifications",
	    "{\"user_id\":2,\"kind\":\"test\",\"title\":\"second\"}", key);
	expect_error(r, 422, "idempotency_key_reused");
	api_reply_free(&r);
	/* another path with the same key */
	r = api_call(m, admin, "POST", "/api/v1/notifications/1/read", NULL,
	    key);
	expect_error(r, 422, "idempotency_key_reused");
	api_reply_free(&r);
	assert_int_equal(notifications_now(), before);
}

static void
idempotency_keys_are_per_user(void **state)
{
	const char *key[] = { "Idempotency-Key: shared-key", NULL };
	long long mine = scalar("SELECT min(id) FROM notifications WHERE "
	    "user_id = 2");
	char path[96];
	struct api_reply r;

	(void)state;
	r = api_call(m, admin, "POST", "/api/v1/notifications", idem_body,
	    key);
	expect_status(r, 201);
	api_reply_free(&r);
	snprintf(path, sizeof path, "/api/v1/notifications/%lld/read", mine);
	r = api_call(m, manager, "POST", path, NULL, key);
	expect_status(r, 200);
	assert_true(json_num(r.json, "read_at", 0) > 0);
	api_reply_free(&r);
}

static void
a_rejected_write_is_replayed_and_never_applied(void **state)
{
	const char *key[] = { "Idempotency-Key: rejected-1", NULL };
	const char *body = "{\"user_id\":2,\"kind\":\"k\"}";
	struct api_reply a, b;

	(void)state;
	a = api_call(m, admin, "POST", "/api/v1/notifications", body, key);
	expect_error(a, 422, "missing_field");
	b = api_call(m, admin, "POST", "/api/v1/notifications", body, key);
	expect_error(b, 422, "missing_field");
	assert_string_equal(a.body, b.body);
	assert_int_equal(scalar("SELECT applied FROM idempotency WHERE "
	    "key = 'rejected-1'"), 0);
	assert_int_equal(replays("rejected-1"), 1);
	api_reply_free(&a);
	api_reply_free(&b);
}

static void
bad_idempotency_keys_are_400(void **state)
{
	char longkey[200];
	const char *key[] = { longkey, NULL };
	const char *utf8[] = { "Idempotency-Key: cl\xc3\xa9", NULL };
	struct api_reply r;
	long long before = notifications_now();

	(void)state;
	snprintf(longkey, sizeof longkey, "Idempotency-Key: %0129d", 7);
	r = api_call(m, admin, "POST", "/api/v1/notifications", idem_body,
	    key);
	expect_error(r, 400, "invalid_idempotency_key");
	api_reply_free(&r);
	r = api_call(m, admin, "POST", "/api/v1/notifications", idem_body,
	    utf8);
	expect_error(r, 400, "invalid_idempotency_key");
	api_reply_free(&r);
	assert_int_equal(notifications_now(), before);
	/* 128 characters are fine */
	snprintf(longkey, sizeof longkey, "Idempotency-Key: %0128d", 7);
	r = api_call(m, admin, "POST", "/api/v1/notifications", idem_body,
	    key);
	expect_status(r, 201);
	api_reply_free(&r);
}

/* ---- If-Match ------------------------------------------------------------ */

static void
stale_if_match_is_412_with_the_current_row(void **state)
{
	long long id = scalar("SELECT min(id) FROM orders WHERE status = "
	    "'open' AND kind = 'marketplace'");
	long long version = scalar("SELECT version FROM orders WHERE id = "
	    "(SELECT min(id) FROM orders WHERE status = 'open' AND "
	    "kind = 'marketplace')");
	const char *stale[] = { "If-Match: \"999\"", NULL };
	const char *weak[] = { "If-Match: W/\"998\"", NULL };
	char path[96];
	struct api_reply r;

	(void)state;
	assert_true(id > 0);
	snprintf(path, sizeof path, "/api/v1/orders/%lld/cancel", id);
	r = api_call(m, admin, "POST", path, "{}", stale);
	expect_error(r, 412, "version_mismatch");
	assert_int_equal((long long)json_num(r.json, "current.id", 0), id);
	assert_int_equal((long long)json_num(r.json, "current.version", 0),
	    version);
	assert_string_equal(json_str(r.json, "current.status"), "open");
	api_reply_free(&r);
	r = api_call(m, admin, "POST", path, "{}", weak);
	expect_error(r, 412, "version_mismatch");
	api_reply_free(&r);
	/* nothing changed */
	assert_int_equal(scalar("SELECT count(*) FROM orders WHERE id = "
	    "(SELECT min(id) FROM orders WHERE status = 'open' AND "
	    "kind = 'marketplace')"), 1);
	assert_int_equal(scalar("SELECT version FROM orders WHERE id = "
	    "(SELECT min(id) FROM orders WHERE status = 'open' AND "
	    "kind = 'marketplace')"), version);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unknown_path_is_404_with_error_shape),
		cmocka_unit_test(wrong_method_on_known_path_is_405_with_allow),
		cmocka_unit_test(non_numeric_or_zero_id_is_404),
		cmocka_unit_test(missing_token_is_401_with_www_authenticate),
		cmocka_unit_test(malformed_json_is_400_and_changes_nothing),
		cmocka_unit_test(json_that_is_not_an_object_is_400),
		cmocka_unit_test(wrong_types_are_422_naming_the_field),
		cmocka_unit_test(strings_over_the_limit_or_not_utf8_are_422),
		cmocka_unit_test(body_over_one_mib_is_413),
		cmocka_unit_test(body_of_exactly_one_mib_is_read),
		cmocka_unit_test(gzip_is_sent_when_accepted_and_saves_bytes),
		cmocka_unit_test(gzip_is_not_sent_when_not_accepted),
		cmocka_unit_test(small_bodies_are_not_gzipped),
		cmocka_unit_test(
		    idempotent_retry_replays_without_applying_twice),
		cmocka_unit_test(same_key_with_a_different_request_is_422),
		cmocka_unit_test(idempotency_keys_are_per_user),
		cmocka_unit_test(
		    a_rejected_write_is_replayed_and_never_applied),
		cmocka_unit_test(bad_idempotency_keys_are_400),
		cmocka_unit_test(stale_if_match_is_412_with_the_current_row),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
