/* POST /auth/login, /auth/refresh, /auth/logout and GET /auth/me, and
 * the bearer-token check every other route goes through. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "api.h"
#include "auth.h"
#include "jwt.h"
#include "store.h"

/* Ten failed logins for one e-mail within five minutes lock it for the
 * rest of the window: slow enough to stop guessing, short enough that a
 * user who mistypes is not locked out for long. */
#define LOGIN_MAX_FAILURES	10
#define LOGIN_WINDOW		300

#define REFRESH_TOKEN_LEN	43	/* base64url of 32 bytes */

static int64_t access_ttl = ACCESS_TTL;

static const char *const role_names[] = {
	[USER_ADMIN] = "admin", [USER_MANAGER] = "manager",
	[USER_BILLING] = "billing", [USER_SUPPORT] = "support",
	[USER_CLIENT] = "client", [USER_PERFORMER] = "performer",
};

const char *
role_name(int role)
{
	if (role < 0 || role >= (int)(sizeof role_names / sizeof *role_names))
		return "unknown";
	return role_names[role];
}

void
auth_set_access_ttl(int64_t seconds)
{
	access_ttl = seconds;
}

int
auth_hash_password(const char *password, char *out, size_t outlen)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;
	int rc = -1;

	/* count 0 is libxcrypt's default cost; NULL rbytes asks the OS. */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt) == NULL)
		return -1;
	if ((cd = calloc(1, sizeof *cd)) == NULL)
		return -1;
	h = crypt_rn(password, salt, cd, sizeof *cd);
	if (h != NULL && h[0] != '*' && strlen(h) < outlen) {
		memcpy(out, h, strlen(h) + 1);
		rc = 0;
	}
	free(cd);
	return rc;
}

/* A hash nobody's password matches, verified against when the e-mail is
 * unknown so that the answer takes as long as for a real user. */
static char dummy_hash[CRYPT_OUTPUT_SIZE];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
make_dummy_hash(void)
{
	unsigned char rnd[18];
	char pw[32];

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		memset(rnd, 'x', sizeof rnd);
	b64url_encode(rnd, sizeof rnd, pw);
	if (auth_hash_password(pw, dummy_hash, sizeof dummy_hash) != 0)
		dummy_hash[0] = '\0';
}

static bool
password_ok(const char *password, const char *hash)
{
	struct crypt_data *cd;
	const char *setting = hash, *h;
	bool ok = false;

	pthread_once(&dummy_once, make_dummy_hash);
	if (setting == NULL || setting[0] == '\0')
		setting = dummy_hash;
	if ((cd = calloc(1, sizeof *cd)) == NULL)
		return false;
	h = crypt_rn(password, setting, cd, sizeof *cd);
	if (hash != NULL && h != NULL && h[0] != '*' &&
	    strlen(h) == strlen(hash))
		ok = CRYPTO_memcmp(h, hash, strlen(hash)) == 0;
	free(cd);
	return ok;
}

int
auth_bearer(struct server *srv, const char *authorization, int64_t now,
    int64_t *uid, const char **code)
{
	const char *tok;

	if (authorization == NULL || strncasecmp(authorization, "Bearer ",
	    7) != 0) {
		*code = "unauthorized";
		return -1;
	}
	for (tok = authorization + 7; *tok == ' '; tok++)
		;
	switch (jwt_verify(srv->jwt_key, tok, now, uid)) {
	case JWT_OK:
		return 0;
	case JWT_EXPIRED:
		*code = "token_expired";
		return -1;
	default:
		*code = "invalid_token";
		return -1;
	}
}

int
auth_load_user(sqlite3 *db, int64_t id, struct user *u)
{
	sqlite3_stmt *st;
	int rc = -1;

	if ((st = api_prepare(db, "SELECT role, email, name FROM users "
	    "WHERE id = ?", "i", id)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *role = (const char *)sqlite3_column_text(st, 0);

		memset(u, 0, sizeof *u);
		u->id = id;
		for (size_t r = 0; r < sizeof role_names / sizeof *role_names;
		    r++)
			if (role != NULL && strcmp(role, role_names[r]) == 0) {
				u->role = (enum user_role)r;
				rc = 0;
			}
		snprintf(u->email, sizeof u->email, "%s",
		    (const char *)sqlite3_column_text(st, 1));
		snprintf(u->name, sizeof u->name, "%s",
		    (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	return rc;
}

static void
token_hash(const char *token, unsigned char out[SHA256_DIGEST_LENGTH])
{
	SHA256((const unsigned char *)token, strlen(token), out);
}

static int
random_text(char *out, size_t nbytes)
{
	unsigned char rnd[32];

	if (nbytes > sizeof rnd || RAND_bytes(rnd, (int)nbytes) != 1)
		return -1;
	b64url_encode(rnd, nbytes, out);
	return 0;
}

/* A new refresh token in family; out receives the token itself, which is
 * shown to the client once and stored only as its hash. */
static int
refresh_issue(sqlite3 *db, int64_t uid, const char *family,
    int64_t rotated_from, int64_t now, char out[REFRESH_TOKEN_LEN + 1])
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	sqlite3_stmt *st;
	int ok;

	if (random_text(out, 32) != 0)
		return -1;
	token_hash(out, h);
	if (sqlite3_prepare_v2(db, "INSERT INTO refresh_tokens(token_hash, "
	    "user_id, family, rotated_from, created_at, expires_at) "
	    "VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_text(st, 3, family, -1, SQLITE_STATIC);
	if (rotated_from > 0)
		sqlite3_bind_int64(st, 4, rotated_from);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now + REFRESH_TTL);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/* {access_token, token_type, expires_in, refresh_token,
 *  refresh_expires_in, user}, with a refresh token already stored. */
static int
tokens_reply(struct server *srv, struct response *resp, const struct user *u,
    const char *refresh, int64_t now)
{
	char *access = jwt_issue(srv->jwt_key, u->id, now, access_ttl);
	cJSON *j;

	if (access == NULL)
		return api_error(resp, 500, "internal", "cannot sign a token",
		    NULL);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "access_token", access);
	cJSON_AddStringToObject(j, "token_type", "Bearer");
	cJSON_AddNumberToObject(j, "expires_in", (double)access_ttl);
	cJSON_AddStringToObject(j, "refresh_token", refresh);
	cJSON_AddNumberToObject(j, "refresh_expires_in", REFRESH_TTL);
	cJSON_AddItemToObject(j, "user", feed_render(srv, u, "user", u->id));
	free(access);
	resp->json = j;
	resp->status = 200;
	return 200;
}

static int
exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Seconds until email may try again, or 0.  Called with the lock held. */
static int
login_throttled(sqlite3 *db, const char *email, int64_t now)
{
	sqlite3_stmt *st;
	int wait = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*), min(at) FROM "
	    "login_failures WHERE email = ? AND at > ?", -1, &st,
	    NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now - LOGIN_WINDOW);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) >= LOGIN_MAX_FAILURES) {
		wait = (int)(sqlite3_column_int64(st, 1) + LOGIN_WINDOW - now);
		if (wait < 1)
			wait = 1;
	}
	sqlite3_finalize(st);
	return wait;
}

/* The attempt is counted as a failure before the password is checked, so
 * parallel guesses cannot all slip under the limit; a success clears it. */
static void
login_count_attempt(sqlite3 *db, const char *email, int64_t now)
{
	api_exec(db, "INSERT INTO login_failures(email, at) VALUES (?, ?)",
	    "ti", email, now);
	api_exec(db, "DELETE FROM login_failures WHERE at <= ?", "i",
	    now - LOGIN_WINDOW);
}

static int64_t
user_by_email(sqlite3 *db, const char *email, char **hash)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	*hash = NULL;
	if (sqlite3_prepare_v2(db, "SELECT id, password_hash FROM users "
	    "WHERE email = ? COLLATE NOCASE", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) == SQLITE_TEXT)
			*hash = strdup((const char *)
			    sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return id;
}

/* Called with the lock held, after the password matched. */
static int
login_grant(struct server *srv, struct response *resp, int64_t uid,
    const char *email, int64_t now)
{
	char family[32], refresh[REFRESH_TOKEN_LEN + 1];
	struct user u;

	if (auth_load_user(srv->db, uid, &u) != 0)
		return api_error(resp, 401, "invalid_credentials",
		    "wrong e-mail or password", NULL);
	if (random_text(family, 16) != 0 || exec(srv->db, "BEGIN IMMEDIATE"))
		return api_error(resp, 500, "internal", "cannot start", NULL);
	if (api_exec(srv->db, "DELETE FROM login_failures WHERE email = ?",
	    "t", email) < 0 ||
	    api_exec(srv->db, "DELETE FROM refresh_tokens WHERE "
	    "expires_at < ?", "i", now) < 0 ||
	    refresh_issue(srv->db, uid, family, 0, now, refresh) != 0 ||
	    exec(srv->db, "COMMIT") != 0) {
		exec(srv->db, "ROLLBACK");
		return api_error(resp, 500, "internal",
		    "cannot store the session", NULL);
	}
	return tokens_reply(srv, resp, &u, refresh, now);
}

/* ROUTE_STREAM: yescrypt takes tens of milliseconds on purpose, and the
 * lock is not held meanwhile, so a login never stalls other requests. */
static int
login(struct server *srv, struct request *req, struct response *resp)
{
	const char *email = NULL, *password = NULL;
	char key[256], *hash = NULL;
	int64_t uid = 0;
	int wait, rc;
	bool ok;

	if (api_body_string(req, resp, "email", true, 254, &email) != 0 ||
	    api_body_string(req, resp, "password", true, 1024,
	    &password) != 0)
		return resp->status;
	snprintf(key, sizeof key, "%s", email);
	for (char *p = key; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);

	pthread_mutex_lock(&srv->lock);
	wait = login_throttled(srv->db, key, req->now);
	if (wait == 0) {
		login_count_attempt(srv->db, key, req->now);
		uid = user_by_email(srv->db, key, &hash);
	}
	pthread_mutex_unlock(&srv->lock);
	if (wait > 0) {
		resp->retry_after = wait;
		return api_error(resp, 429, "too_many_attempts",
		    "too many failed logins; try again later", NULL);
	}

	/* Unknown e-mail or not: the same work, the same answer. */
	ok = password_ok(password, hash) && uid > 0;
	free(hash);
	if (!ok)
		return api_error(resp, 401, "invalid_credentials",
		    "wrong e-mail or password", NULL);
	pthread_mutex_lock(&srv->lock);
	rc = login_grant(srv, resp, uid, key, req->now);
	pthread_mutex_unlock(&srv->lock);
	return rc;
}

struct refresh_row {
	int64_t	 id, uid, expires_at, used_at;
	bool	 used, revoked;
	char	 family[64];
};

/* A rotation whose answer was lost (a reset on a flaky link) leaves the
 * client holding the old token.  For this long after a rotation, while
 * the new token has not been used, the old one may rotate again: the
 * unused token is revoked and a fresh one issued, so the family still
 * has one live token.  Later, or once the new token was used, a second
 * use of the old one is taken for theft. */
#define REFRESH_GRACE	30

static int
refresh_find(sqlite3 *db, const char *token, struct refresh_row *r)
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	sqlite3_stmt *st;
	int rc = -1;

	token_hash(token, h);
	if (sqlite3_prepare_v2(db, "SELECT id, user_id, family, expires_at, "
	    "used_at IS NOT NULL, revoked_at IS NOT NULL, used_at FROM "
	    "refresh_tokens WHERE token_hash = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		r->uid = sqlite3_column_int64(st, 1);
		snprintf(r->family, sizeof r->family, "%s",
		    (const char *)sqlite3_column_text(st, 2));
		r->expires_at = sqlite3_column_int64(st, 3);
		r->used = sqlite3_column_int(st, 4);
		r->revoked = sqlite3_column_int(st, 5);
		r->used_at = sqlite3_column_int64(st, 6);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
revoke_family(sqlite3 *db, const char *family, int64_t now)
{
	return api_exec(db, "UPDATE refresh_tokens SET revoked_at = ? "
	    "WHERE family = ? AND revoked_at IS NULL", "it", now,
	    family) < 0 ? -1 : 0;
}

/* 1 when r was rotated moments ago into a token nobody has used (see
 * REFRESH_GRACE); that token is then revoked.  0 otherwise, -1 on error. */
static int
lost_rotation(sqlite3 *db, const struct refresh_row *r, int64_t now)
{
	int n;

	if (now - r->used_at > REFRESH_GRACE)
		return 0;
	n = api_exec(db, "UPDATE refresh_tokens SET revoked_at = ? WHERE "
	    "rotated_from = ? AND used_at IS NULL AND revoked_at IS NULL", "ii",
	    now, r->id);
	return n < 0 ? -1 : n == 1;
}

/* Runs under the lock but outside any transaction: a reused token must
 * revoke its family even though the answer is 401. */
static int
refresh(struct server *srv, struct request *req, struct response *resp)
{
	const char *token = NULL;
	char next[REFRESH_TOKEN_LEN + 1];
	struct refresh_row r;
	struct user u;

	if (api_body_string(req, resp, "refresh_token", true, 128,
	    &token) != 0)
		return resp->status;
	if (refresh_find(srv->db, token, &r) != 0)
		return api_error(resp, 401, "invalid_token",
		    "unknown refresh token", "refresh_token");
	if (r.revoked)
		return api_error(resp, 401, "token_revoked",
		    "the session was ended; log in again", "refresh_token");
	if (r.used && lost_rotation(srv->db, &r, req->now) != 1) {
		/* A rotated token came back: whoever holds the family's live
		 * token may be an attacker, so nobody keeps it. */
		revoke_family(srv->db, r.family, req->now);
		return api_error(resp, 401, "token_reused",
		    "the refresh token was already used; log in again",
		    "refresh_token");
	}
	if (r.expires_at <= req->now)
		return api_error(resp, 401, "token_expired",
		    "the session expired; log in again", "refresh_token");
	if (auth_load_user(srv->db, r.uid, &u) != 0)
		return api_error(resp, 401, "invalid_token",
		    "unknown refresh token", "refresh_token");
	if (exec(srv->db, "BEGIN IMMEDIATE") != 0)
		return api_error(resp, 500, "internal", "cannot start", NULL);
	if (api_exec(srv->db, "UPDATE refresh_tokens SET used_at = ? WHERE "
	    "id = ?", "ii", req->now, r.id) < 0 ||
	    refresh_issue(srv->db, r.uid, r.family, r.id, req->now,
	    next) != 0 || exec(srv->db, "COMMIT") != 0) {
		exec(srv->db, "ROLLBACK");
		return api_error(resp, 500, "internal", "cannot rotate", NULL);
	}
	return tokens_reply(srv, resp, &u, next, req->now);
}

/* With a refresh token, ends that session (its family); without, every
 * session of the user. */
static int
logout(struct server *srv, struct request *req, struct response *resp)
{
	const char *token = NULL;
	struct refresh_row r;

	if (api_body_string(req, resp, "refresh_token", false, 128,
	    &token) != 0)
		return resp->status;
	if (token != NULL) {
		if (refresh_find(srv->db, token, &r) == 0 &&
		    r.uid == req->user->id &&
		    revoke_family(srv->db, r.family, req->now) != 0)
			return api_error(resp, 500, "internal",
			    "cannot end the session", NULL);
		resp->status = 204;
		return 204;
	}
	if (api_exec(srv->db, "UPDATE refresh_tokens SET revoked_at = ? "
	    "WHERE user_id = ? AND revoked_at IS NULL", "ii", req->now,
	    req->user->id) < 0)
		return api_error(resp, 500, "internal",
		    "cannot end the sessions", NULL);
	resp->status = 204;
	return 204;
}

static int
me(struct server *srv, struct request *req, struct response *resp)
{
	resp->json = feed_render(srv, req->user, "user", req->user->id);
	if (resp->json == NULL)
		return api_not_found(resp, "user");
	resp->status = 200;
	return 200;
}

const struct route auth_routes[] = {
	{ "POST", "/api/v1/auth/login", ROUTE_PUBLIC | ROUTE_STREAM, login },
	{ "POST", "/api/v1/auth/refresh", ROUTE_PUBLIC, refresh },
	{ "POST", "/api/v1/auth/logout", ROUTE_WRITE, logout },
	{ "GET", "/api/v1/auth/me", 0, me },
	{ NULL, NULL, 0, NULL }
};
