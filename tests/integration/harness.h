/* Integration-test harness: starts a real mktd on 127.0.0.1 with an
 * ephemeral port and a fresh database, and talks to it over libcurl.
 * Every wait and every request is bounded in time. */
#ifndef MKT_HARNESS_H
#define MKT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdint.h>

struct mktd;

/* The demo's six logins, all with password "demo", in this order: files
 * index their tokens and user ids by role. */
enum role { ADMIN, MANAGER, BILLING, SUPPORT, CLIENT, PERFORMER, NROLES };
extern const char *const role_email[NROLES];
extern const char *const role_name[NROLES];

/* Milliseconds on the monotonic clock, which wall-clock steps do not
 * move: for deadlines and for timing the server. */
long		 now_ms(void);

/* Starts $MKTD_BIN (default ./mktd) with --listen 127.0.0.1:0 and a
 * database in a new temporary directory, with --demo if demo.  Waits at
 * most 20 s for "listening on http://127.0.0.1:<port>".  NULL on failure
 * (the reason is printed). */
struct mktd	*mktd_start(bool demo);
/* The same with the NULL-terminated extra arguments after --demo
 * ("--scale", "small", NULL). */
struct mktd	*mktd_start_demo(bool demo, const char *const *extra);
/* SIGTERM, wait (bounded), and remove the temporary directory.  Returns
 * the exit status, or -1 if it had to be killed. */
int		 mktd_stop(struct mktd *m);
/* Stops mktd but keeps its database; resume starts it again on the same
 * port and database, as a server coming back after an outage. */
int		 mktd_pause(struct mktd *m);
int		 mktd_resume(struct mktd *m);
int		 mktd_port(const struct mktd *m);

/* Starts the test tool $TOOL_DIR/name (default build/release/tools) with
 * the NULL-terminated args; it must print "listening on
 * http://127.0.0.1:PORT".  The pid (and *port), or -1. */
pid_t		 tool_start(const char *name, char **args, int *port);
/* SIGTERM and wait, bounded. */
int		 tool_stop(pid_t pid);
/* tests/tools/faultproxy in front of m, so clients of *port meet the
 * faults a test sets through it.  Its pid, or -1. */
pid_t		 faultproxy_start(const struct mktd *m, int *port);
const char	*mktd_db_path(const struct mktd *m);
/* One read-only connection to mktd's database, opened on first use and
 * closed by mktd_stop, to check the API against what it does not show.
 * Reads wait (bounded) for the server's writes.  NULL on failure. */
sqlite3		*mktd_db(struct mktd *m);

struct api_reply {
	long	 status;
	cJSON	*json;		/* parsed body, or NULL */
	char	*body;		/* raw body as received (decoded) */
	size_t	 body_len;
	size_t	 wire_bytes;	/* body bytes on the wire, before decoding */
	char	 content_encoding[32];
	char	 retry_after[32];
	char	 etag[64];
};

/* One request.  token may be NULL; body is JSON text or NULL.  extra is
 * NULL or a NULL-terminated list of header lines ("Idempotency-Key: k");
 * a Content-Type there replaces JSON's, for bodies such as CSV imports.
 * Accepts gzip.  Times out after 70 s (long polls wait up to 60). */
struct api_reply api_call(struct mktd *m, const char *token,
		    const char *method, const char *path, const char *body,
		    const char *const *extra);
void		 api_reply_free(struct api_reply *r);
/* A plain GET to another loopback service (a test tool) by port. */
struct api_reply api_get_port(int port, const char *path);

/* Logs in and returns a malloc'd access token, or NULL. */
char		*api_login(struct mktd *m, const char *email,
		    const char *password);
/* Logs each of n demo users in (password "demo"): tok[i], malloc'd, and
 * uid[i] for email[i] — the setup of files that act as several users.
 * 0, or -1 with the reason printed. */
int		 demo_login(struct mktd *m, int n, const char *const *email,
		    char **tok, int64_t *uid);
/* The teardown of the same files: frees tok[0..n) and stops m (either
 * may be NULL).  0, or -1 when mktd did not stop cleanly. */
int		 demo_finish(struct mktd *m, int n, char **tok);

/* Fails the running test unless r has status want and, where not NULL,
 * that error.code and error.field.  The message gives the caller's line,
 * the case (what, for loops; may be NULL) and the body, since a
 * surprising answer is understood from its body. */
void		 reply_expect(const struct api_reply *r, long want,
		    const char *code, const char *field, const char *what,
		    const char *file, int line);
#define expect_status(r, want)						\
	reply_expect(&(r), (want), NULL, NULL, NULL, __FILE__, __LINE__)
#define expect_error(r, want, code)					\
	reply_expect(&(r), (want), (code), NULL, NULL, __FILE__, __LINE__)
#define expect_case(r, want, code, field, what)				\
	reply_expect(&(r), (want), (code), (field), (what), __FILE__,	\
	    __LINE__)

/* The string at a dotted path of a JSON reply ("error.code"), or NULL. */
const char	*json_str(const cJSON *j, const char *path);
/* The number at a dotted path, or def when absent. */
double		 json_num(const cJSON *j, const char *path, double def);
/* unit repeated n times, malloc'd. */
char		*text_repeat(const char *unit, size_t n);

/* Read-only looks at mktd's database (mktd_db_path), for what the API does
 * not show.  int64 parameters are bound in order; an SQL error fails the
 * running cmocka test. */
/* The first column of the first row; def when there is none or it is NULL. */
int64_t		 db_int(sqlite3 *db, int64_t def, const char *sql, int n, ...);
/* The same as a malloc'd string; NULL when none. */
char		*db_text(sqlite3 *db, const char *sql, int n, ...);
/* The id of the user with this e-mail, or 0. */
int64_t		 db_user_id(sqlite3 *db, const char *email);

#endif
