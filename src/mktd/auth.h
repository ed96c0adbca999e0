/* Authentication: passwords (yescrypt), access tokens (HS256 JWT) and
 * rotating refresh tokens.  The routes are auth_routes in api.h; this is
 * what the HTTP layer and the database need from it. */
#ifndef MKTD_AUTH_H
#define MKTD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct server;
struct user;

/* Access tokens last 30 minutes.  MKTD_ACCESS_TTL (seconds) overrides it
 * so the tests can watch a token expire. */
#define ACCESS_TTL	(30 * 60)
#define REFRESH_TTL	(7 * 24 * 3600)
void	 auth_set_access_ttl(int64_t seconds);

/* A yescrypt hash of password with a fresh salt.  0 or -1. */
int	 auth_hash_password(const char *password, char *out, size_t outlen);

/* The user id of an "Authorization: Bearer <JWT>" header value.  0, or -1
 * with *code set to "unauthorized" (no bearer token), "invalid_token" or
 * "token_expired".  Needs no lock: it only checks the signature. */
int	 auth_bearer(struct server *srv, const char *authorization,
	    int64_t now, int64_t *uid, const char **code);

/* Loads id, role, email and name.  0, or -1 when there is no such user. */
int	 auth_load_user(sqlite3 *db, int64_t id, struct user *u);

const char *role_name(int role);

#endif
