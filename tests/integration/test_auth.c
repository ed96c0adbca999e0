/* Authentication: login (no hint whether the e-mail exists, in the answer
 * or its timing), the failed-login limit, /auth/me, expired and tampered
 * access tokens, refresh rotation with reuse detection, and logout.
 * One mktd --demo serves the file; the expiry test starts a second one
 * with 1-second access tokens. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static struct mktd *m;

static struct api_reply
login(struct mktd *srv, const char *email, const char *password)
{
	char body[512];

	snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}",
	    email, password);
	return api_call(srv, NULL, "POST", "/api/v1/auth/login", body, NULL);
}

static struct api_reply
refresh(const char *token)
{
	char body[256];

	snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", token);
	return api_call(m, NULL, "POST", "/api/v1/auth/refresh", body, NULL);
}

/* The refresh token of a login or a rotation that must succeed,
 * malloc'd: the start of every check of rotation. */
static char *
refresh_token_of(struct api_reply r)
{
	char *tok;

	expect_status(r, 200);
	tok = strdup(json_str(r.json, "refresh_token"));
	api_reply_free(&r);
	return tok;
}

static int
setup(void **state)
{
	(void)state;
	return (m = mktd_start(true)) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return mktd_stop(m) == 0 ? 0 : -1;
}

static void
login_returns_tokens_and_the_user(void **state)
{
	struct api_reply r = login(m, "manager@demo.mkt", "demo");
	const char *access, *refresh_tok;

	(void)state;
	expect_status(r, 200);
	access = json_str(r.json, "access_token");
	refresh_tok = json_str(r.json, "refresh_token");
	assert_non_null(access);
	assert_non_null(refresh_tok);
	assert_int_equal(strlen(refresh_tok), 43);
	/* three base64url parts */
	assert_non_null(strchr(strchr(access, '.') + 1, '.'));
	assert_int_equal(json_num(r.json, "expires_in", 0), 1800);
	assert_string_equal(json_str(r.json, "token_type"), "Bearer");
	assert_string_equal(json_str(r.json, "user.email"),
	    "manager@demo.mkt");
	assert_string_equal(json_str(r.json, "user.role"), "manager");
	assert_null(json_str(r.json, "user.password_hash"));
	api_reply_free(&r);

	/* e-mail case does not matter */
	r = login(m, "Manager@Demo.MKT", "demo");
	expect_status(r, 200);
	api_reply_free(&r);
}

/* Wrong password and unknown e-mail: the same status, code, message and
 * field, and about the same time (the unknown e-mail is checked against a
 * dummy hash). */
static void
wrong_password_and_unknown_user_look_the_same(void **state)
{
	double t_known = 1e9, t_unknown = 1e9;
	struct api_reply a, b;

	(void)state;
	a = login(m, "billing@demo.mkt", "wrong");
	b = login(m, "nobody-at-all@demo.mkt", "wrong");
	expect_error(a, 401, "invalid_credentials");
	expect_error(b, 401, "invalid_credentials");
	assert_string_equal(a.body, b.body);
	api_reply_free(&a);
	api_reply_free(&b);

	for (int i = 0; i < 3; i++) {
		double t0 = now_ms() / 1e3, t1, t2;

		a = login(m, "billing@demo.mkt", "wrong");
		t1 = now_ms() / 1e3;
		b = login(m, "nobody-at-all@demo.mkt", "wrong");
		t2 = now_ms() / 1e3;
		if (t1 - t0 < t_known)
			t_known = t1 - t0;
		if (t2 - t1 < t_unknown)
			t_unknown = t2 - t1;
		api_reply_free(&a);
		api_reply_free(&b);
	}
	/* yescrypt dominates both; a skipped hash would be 10x faster */
	assert_true(t_unknown > t_known / 3);
	assert_true(t_known > t_unknown / 3);
}

static void
too_many_failures_are_429_with_retry_after(void **state)
{
	struct api_reply r;
	int retry;

	(void)state;
	for (int i = 0; i < 10; i++) {
		r = login(m, "support@demo.mkt", "guess");
		expect_error(r, 401, "invalid_credentials");
		api_reply_free(&r);
	}
	r = login(m, "support@demo.mkt", "guess");
	expect_error(r, 429, "too_many_attempts");
	retry = atoi(r.retry_after);
	assert_true(retry > 0 && retry <= 300);
	api_reply_free(&r);
	/* Even the right password waits: the limit is not a hint. */
	r = login(m, "SUPPORT@demo.mkt", "demo");
	expect_error(r, 429, "too_many_attempts");
	api_reply_free(&r);
	/* Unknown e-mails are limited the same way. */
	for (int i = 0; i < 10; i++) {
		r = login(m, "ghost@demo.mkt", "guess");
		api_reply_free(&r);
	}
	r = login(m, "ghost@demo.mkt", "guess");
	expect_error(r, 429, "too_many_attempts");
	api_reply_free(&r);
	/* Others are not affected. */
	r = login(m, "billing@demo.mkt", "demo");
	expect_status(r, 200);
	api_reply_free(&r);
}

static void
login_body_is_validated(void **state)
{
	struct api_reply r;

	(void)state;
	r = api_call(m, NULL, "POST", "/api/v1/auth/login",
	    "{\"email\":\"admin@demo.mkt\"", NULL);
	expect_error(r, 400, "bad_json");
	api_reply_free(&r);
	r = api_call(m, NULL, "POST", "/api/v1/auth/login",
	    "{\"email\":\"admin@demo.mkt\"}", NULL);
	expect_error(r, 422, "missing_field");
	assert_string_equal(json_str(r.json, "error.field"), "password");
	api_reply_free(&r);
	r = api_call(m, NULL, "POST", "/api/v1/auth/login",
	    "{\"email\":\"admin@demo.mkt\",\"password\":5}", NULL);
	expect_error(r, 422, "invalid_type");
	api_reply_free(&r);
}

static void
me_returns_the_token_owner(void **state)
{
	char *tok = api_login(m, "performer@demo.mkt", "demo");
	struct api_reply r;

	(void)state;
	assert_non_null(tok);
	r = api_call(m, tok, "GET", "/api/v1/auth/me", NULL, NULL);
	expect_status(r, 200);
	assert_string_equal(json_str(r.json, "email"), "performer@demo.mkt");
	assert_string_equal(json_str(r.json, "role"), "performer");
	assert_true(json_num(r.json, "id", 0) > 0);
	api_reply_free(&r);
	r = api_call(m, NULL, "GET", "/api/v1/auth/me", NULL, NULL);
	expect_error(r, 401, "unauthorized");
	api_reply_free(&r);
	free(tok);
}

/* Flips one character of part (0 header, 1 payload, 2 signature). */
static char *
tamper(const char *tok, int part, int at_end)
{
	char *t = strdup(tok), *p = t;

	for (int i = 0; i < part; i++)
		p = strchr(p, '.') + 1;
	if (at_end)
		p += strcspn(p, ".") - 1;
	else
		p += 5;
	*p = *p == 'A' ? 'B' : 'A';
	return t;
}

static void
tampered_or_forged_tokens_are_401(void **state)
{
	char *tok = api_login(m, "client@demo.mkt", "demo"), *bad;
	/* {"alg":"none","typ":"JWT"}.{"sub":"1","role":"admin","exp":4e9}. */
	const char *none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
	    "eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIiwiZXhwIjo0MDAwMDAwMDAwfQ.";
	struct api_reply r;

	(void)state;
	assert_non_null(tok);
	for (int part = 0; part < 3; part++)
		for (int end = 0; end < 2; end++) {
			bad = tamper(tok, part, end);
			r = api_call(m, bad, "GET", "/api/v1/auth/me", NULL,
			    NULL);
			expect_error(r, 401, "invalid_token");
			api_reply_free(&r);
			free(bad);
		}
	r = api_call(m, none, "GET", "/api/v1/auth/me", NULL, NULL);
	expect_error(r, 401, "invalid_token");
	api_reply_free(&r);
	r = api_call(m, "not.a.jwt", "GET", "/api/v1/auth/me", NULL, NULL);
	expect_error(r, 401, "invalid_token");
	api_reply_free(&r);
	free(tok);
}

static void
expired_access_token_is_401_token_expired(void **state)
{
	struct mktd *quick;
	struct api_reply r;
	char *tok;
	double t0;

	(void)state;
	setenv("MKTD_ACCESS_TTL", "1", 1);
	quick = mktd_start(true);
	unsetenv("MKTD_ACCESS_TTL");
	assert_non_null(quick);
	tok = api_login(quick, "admin@demo.mkt", "demo");
	assert_non_null(tok);
	t0 = now_ms() / 1e3;
	for (;;) {
		r = api_call(quick, tok, "GET", "/api/v1/auth/me", NULL, NULL);
		if (r.status != 200 || now_ms() / 1e3 - t0 > 5)
			break;
		api_reply_free(&r);
		usleep(200000);
	}
	expect_error(r, 401, "token_expired");
	api_reply_free(&r);
	free(tok);
	assert_int_equal(mktd_stop(quick), 0);
}

static void
refresh_rotates_and_a_reused_token_revokes_the_family(void **state)
{
	struct api_reply r, r2;
	char *first, *second, *third, *access;

	(void)state;
	first = refresh_token_of(login(m, "client@demo.mkt", "demo"));
	r = refresh(first);
	expect_status(r, 200);
	second = strdup(json_str(r.json, "refresh_token"));
	access = strdup(json_str(r.json, "access_token"));
	assert_string_not_equal(first, second);
	assert_string_equal(json_str(r.json, "user.email"), "client@demo.mkt");
	api_reply_free(&r);
	r = api_call(m, access, "GET", "/api/v1/auth/me", NULL, NULL);
	expect_status(r, 200);
	api_reply_free(&r);

	/* The second token is used in turn... */
	third = refresh_token_of(refresh(second));
	/* ... so the first one again means someone replayed it. */
	r = refresh(first);
	expect_error(r, 401, "token_reused");
	api_reply_free(&r);
	/* ... and the live one of the family is dead too. */
	r2 = refresh(third);
	expect_error(r2, 401, "token_revoked");
	api_reply_free(&r2);
	free(third);

	r = refresh("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	expect_error(r, 401, "invalid_token");
	api_reply_free(&r);
	free(first);
	free(second);
	free(access);
}

/* The answer to a rotation was lost: the client presents the old token
 * again while the new one is unused.  It gets a fresh token, and the
 * unused one is dead, so the family keeps one live token. */
static void
a_lost_rotation_may_be_retried(void **state)
{
	struct api_reply r;
	char *first, *lost, *fresh;

	(void)state;
	first = refresh_token_of(login(m, "client@demo.mkt", "demo"));
	lost = refresh_token_of(refresh(first));
	fresh = refresh_token_of(refresh(first));
	assert_string_not_equal(fresh, lost);
	r = refresh(lost);
	expect_error(r, 401, "token_revoked");
	api_reply_free(&r);
	r = refresh(fresh);
	expect_status(r, 200);
	api_reply_free(&r);
	free(first);
	free(lost);
	free(fresh);
}

static void
logout_ends_the_session(void **state)
{
	struct api_reply r = login(m, "admin@demo.mkt", "demo");
	char *refresh_tok, *access, body[256];

	(void)state;
	expect_status(r, 200);
	refresh_tok = strdup(json_str(r.json, "refresh_token"));
	access = strdup(json_str(r.json, "access_token"));
	api_reply_free(&r);
	snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", refresh_tok);
	r = api_call(m, access, "POST", "/api/v1/auth/logout", body, NULL);
	expect_status(r, 204);
	assert_int_equal(r.body_len, 0);
	api_reply_free(&r);
	r = refresh(refresh_tok);
	expect_error(r, 401, "token_revoked");
	api_reply_free(&r);
	free(refresh_tok);
	free(access);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(login_returns_tokens_and_the_user),
		cmocka_unit_test(wrong_password_and_unknown_user_look_the_same),
		cmocka_unit_test(too_many_failures_are_429_with_retry_after),
		cmocka_unit_test(login_body_is_validated),
		cmocka_unit_test(me_returns_the_token_owner),
		cmocka_unit_test(tampered_or_forged_tokens_are_401),
		cmocka_unit_test(expired_access_token_is_401_token_expired),
		cmocka_unit_test(
		    refresh_rotates_and_a_reused_token_revokes_the_family),
		cmocka_unit_test(a_lost_rotation_may_be_retried),
		cmocka_unit_test(logout_ends_the_session),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
