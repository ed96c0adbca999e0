/* mktd's handler interface: what the HTTP layer (http.c) gives a domain
 * handler, and what a handler gives back.  Each domain (orders, offers,
 * conversations, KB, invoices, reports, auth, the change feed) is one
 * file that exports a route table; http.c does everything common:
 * authentication, body limits, JSON parsing, idempotency, transactions,
 * If-Match, gzip, and the error shape {"error":{"code","message","field"}}.
 *
 * Concurrency: one SQLite connection, used only under srv->lock.  A write
 * route runs inside BEGIN IMMEDIATE … COMMIT with the lock held; if the
 * handler returns an error status the transaction is rolled back, so a
 * rejected request changes nothing.  After a commit that recorded changes
 * the feed's waiters are woken. */
#ifndef MKTD_API_H
#define MKTD_API_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

struct server {
	sqlite3		*db;
	pthread_mutex_t	 lock;
	pthread_cond_t	 changed;	/* broadcast after changes commit;
					   its clock is CLOCK_MONOTONIC */
	int64_t		 last_seq;	/* newest change-feed sequence */
	unsigned char	 jwt_key[32];
	bool		 demo;		/* demo conveniences (payment confirm) */
	volatile int	 stopping;	/* long-polls return early */
};

enum user_role { USER_ADMIN, USER_MANAGER, USER_BILLING, USER_SUPPORT,
	USER_CLIENT, USER_PERFORMER };

struct user {
	int64_t		 id;
	enum user_role	 role;
	char		 email[128];
	char		 name[128];
};

#define MAX_PATH_PARAMS	4

struct request {
	const char	*method;
	const char	*path;
	int64_t		 ids[MAX_PATH_PARAMS];	/* {id}, {offer_id}… in order */
	int		 nids;
	cJSON		*body;		/* parsed JSON body, or NULL */
	const char	*raw_body;	/* as received (CSV import) */
	size_t		 body_len;
	const struct user *user;	/* NULL only on public routes */
	const char	*if_match;	/* the version in If-Match, or NULL */
	void		*conn;		/* for api_query() */
	int64_t		 now;		/* request time, Unix seconds */
};

struct response {
	int		 status;	/* 200 if left 0 */
	cJSON		*json;		/* body; the HTTP layer frees it */
	char		*text;		/* or a non-JSON body (malloc'd) */
	const char	*content_type;	/* for text; default JSON */
	int		 retry_after;	/* seconds, with 429 */
};

/* Route flags. */
enum {
	ROUTE_PUBLIC = 1 << 0,	/* no Authorization needed */
	ROUTE_WRITE = 1 << 1,	/* transaction + Idempotency-Key honoured */
	ROUTE_STREAM = 1 << 2,	/* runs without the lock held (long-poll);
				   the handler takes srv->lock itself */
};

/* Returns the HTTP status (also stored in resp->status).  An error sets
 * the body with api_error(). */
typedef int (*route_fn)(struct server *, struct request *, struct response *);

struct route {
	const char	*method;
	const char	*pattern;	/* "/api/v1/orders/{id}/offers/{id}/accept" */
	int		 flags;
	route_fn	 fn;
};

/* Each domain file exports one NULL-terminated table (a route with a NULL
 * method ends it).  http.c serves the tables listed in its route_tables[];
 * a new domain adds its table there. */
extern const struct route auth_routes[], feed_routes[], order_routes[],
    conversation_routes[], kb_routes[], invoice_routes[], report_routes[],
    notification_routes[], canned_routes[];

/* invoices.c: marks sent invoices past due as overdue and recomputes
 * block states every MKTD_OVERDUE_INTERVAL seconds (default 60), as
 * POST /invoices/mark-overdue does on request.  stop wakes and joins the
 * thread, so call it before the database closes. */
int		 invoice_timer_start(struct server *srv);
void		 invoice_timer_stop(void);

/* conversations.c: wakes snoozed conversations whose snoozed_until has
 * passed (status open, a "Snooze ended" system message, the feed).  The
 * caller holds srv->lock inside a transaction.  The number woken, or -1.
 * The same timer runs it every MKTD_SNOOZE_INTERVAL seconds (default 30)
 * and once at start. */
int		 conversation_snooze_sweep(struct server *srv, int64_t now);

/* Sets an error body and returns status: api_error(resp, 422,
 * "offer_exists", "you already made an offer on this order", NULL). */
int		 api_error(struct response *resp, int status, const char *code,
		    const char *message, const char *field);

/* 500 "internal", "database error": the answer to a failed statement. */
int		 api_db_error(struct response *resp);

/* 404 "not_found", "no such <what>": api_not_found(resp, "order"). */
int		 api_not_found(struct response *resp, const char *what);

/* A query-string parameter, or NULL. */
const char	*api_query(const struct request *req, const char *name);

/* Whether the client has closed its end of the connection (a long-poll
 * it gave up on), so a handler may stop waiting for it.  Never blocks. */
bool		 api_client_gone(const struct request *req);

/* The statement prepared with its values bound from types, one letter a
 * value: 'i' an int64, 'z' an int64 bound as NULL when 0 (an absent id),
 * 'n' an int64 bound as NULL when negative (an absent amount), 't' a
 * string (NULL binds NULL).  NULL on error. */
sqlite3_stmt	*api_prepare(sqlite3 *db, const char *sql, const char *types,
		    ...);

/* Runs one statement bound as api_prepare() does.  Returns the rows
 * changed, or -1; sqlite3_errcode(db) then says why (SQLITE_CONSTRAINT is
 * how a UNIQUE says "already"). */
int		 api_exec(sqlite3 *db, const char *sql, const char *types, ...);

/* The first column of a query's first row, bound as api_prepare() does:
 * 1 with *out set (0 for NULL), 0 when there is no row, -1 on error. */
int		 api_int(sqlite3 *db, int64_t *out, const char *sql,
		    const char *types, ...);

/* Copies a TEXT column into dst (NULL as ""), cut to fit len. */
void		 api_column_text(char *dst, size_t len, sqlite3_stmt *st,
		    int col);

/* Characters (code points) of valid UTF-8: every byte that does not
 * continue a sequence starts one. */
size_t		 api_utf8_chars(const char *s);

/* The row of a SELECT as a JSON object: column names as keys, INTEGER as
 * numbers, TEXT as strings, NULL as null. */
cJSON		*api_row_json(sqlite3_stmt *st);

/* Runs a one-row query with the given int64 parameters bound in order
 * and returns its row as JSON, or NULL when there is no row.  Each
 * parameter must be an int64_t: cast literals, (int64_t)0. */
cJSON		*api_fetch_row(sqlite3 *db, const char *sql, int nparams, ...);

/* 412 with the current row as body when req->if_match is set and differs
 * from version; 0 when the write may go on.  current is copied into the
 * body (it may be NULL); the caller still owns and frees it. */
int		 api_check_version(struct request *req, struct response *resp,
		    int64_t version, cJSON *current);

/* Body field helpers: each returns 0, or a 400/422 set on resp naming
 * the field.  Optional fields leave *out untouched when absent; a JSON
 * null counts as absent (read req->body directly where null means
 * something, as in {"user_id": null}).  Codes: missing_field,
 * invalid_type (wrong JSON type, or a non-integral number), invalid_utf8,
 * too_long (maxlen counts characters; 0 means no limit), out_of_range,
 * invalid_value (not one of the enum's words).  *out points into
 * req->body and lives as long as the request. */
/* The field, or NULL when it is absent or null. */
const cJSON	*api_body_field(const struct request *req, const char *field);
int		 api_body_string(struct request *req, struct response *resp,
		    const char *field, bool required, size_t maxlen,
		    const char **out);
int		 api_body_int(struct request *req, struct response *resp,
		    const char *field, bool required, int64_t min, int64_t max,
		    int64_t *out);
/* An enum: the value must be one of words (NULL-terminated). */
int		 api_body_enum(struct request *req, struct response *resp,
		    const char *field, bool required, const char *const *words,
		    const char **out);

/* Records a row change in the feed, inside the current transaction.
 * type is the row kind ("order", "offer", …), op "upsert" or "delete". */
int		 feed_record(struct server *srv, const char *type, int64_t id,
		    const char *op);

/* Appends an audit entry: actor, the customer acted for (0 if none). */
int		 audit_record(struct server *srv, const struct user *actor,
		    int64_t on_behalf_of, const char *action,
		    const char *ref_type, int64_t ref_id, const char *detail);

/* Creates a notification for a user. */
int		 notify(struct server *srv, int64_t user_id, const char *kind,
		    const char *title, const char *ref_type, int64_t ref_id);

/* The row as the change feed shows it to viewer: the same columns, the
 * embedded children (an order's and an invoice's "lines", a conversation's
 * "labels", a KB table's "columns") and the same redaction (a performer
 * sees an order's customer_* fields only after a paid contact purchase).
 * NULL when the row does not exist or is out of the viewer's scope, which
 * the handler answers with 404.  type is a feed type: "company", "user",
 * "channel", "contact", "order", "offer", "contact_purchase", "review",
 * "conversation", "message", "canned_response", "kb_table", "kb_row",
 * "project", "invoice", "payment", "notification", "commission_terms".
 *
 * Rules for handlers that change rows: record every changed row with
 * feed_record(), including the parent whose embedded children changed
 * (an order line → "order") and each row a cascade deletes; and when a
 * change alters who may see a row (a contact purchase is paid → "order"),
 * record that row too. */
cJSON		*feed_render(struct server *srv, const struct user *viewer,
		    const char *type, int64_t id);

/* Scope: whether the user may see rows of this company.  Anything out of
 * scope answers 404, never 403, so ids do not leak. */
bool		 scope_company(struct server *srv, const struct user *u,
		    int64_t company_id);

#endif
