/* The change feed: GET /changes, the message backfill, and the one table
 * that knows each synced row type (its SQL table, scope and children).
 *
 * The feed holds one live entry per row (see changes in
 * db/server/001_server.sql).  A page is the entries after the client's
 * cursor that the viewer may see, each row rendered as it is now; a
 * deleted row is a tombstone with null data.  Scope is decided per entry
 * in SQL, from the company, user and order the entry was recorded with,
 * so tombstones are filtered too. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "feed.h"

#define FEED_LIMIT_DEFAULT	500
#define FEED_LIMIT_MAX		5000
/* An idle client costs one request per wait: an hour keeps it to a few
 * hundred bytes an hour.  TCP keepalive, not a short wait, is how the
 * client notices a dead connection. */
#define FEED_WAIT_MAX		3600
/* How often a waiting long-poll checks that its client is still there:
 * one that gave up (to push an action) must not hold a thread for the
 * rest of the hour. */
#define CLIENT_CHECK		2
#define BACKFILL_DEFAULT	100
#define BACKFILL_MAX		500

static void embed_order(sqlite3 *, int64_t, cJSON *);
static void embed_invoice(sqlite3 *, int64_t, cJSON *);
static void embed_labels(sqlite3 *, int64_t, cJSON *);
static void embed_columns(sqlite3 *, int64_t, cJSON *);

/* Columns stored as JSON text that the API shows as JSON values. */
static const char *const json_cells[] = { "cells", NULL };
static const char *const json_tiers[] = { "tiers", NULL };

#define ORDER_OF(col)	"(SELECT o.company_id FROM orders o WHERE o.id = " col ")"

/* Every synced type, in the order a fresh database is seeded: rows come
 * after the rows they refer to.  company, user and order are SQL over the
 * row x giving the scope the entry is recorded with (see the vis_*
 * predicates below). */
static const struct ftype {
	const char	*name;
	const char	*table;
	const char	*idcol;		/* the row's id in the feed */
	const char	*company, *user, *order;
	const char	*columns;	/* NULL: all but the cache's pending */
	void		(*embed)(sqlite3 *, int64_t, cJSON *);
	const char *const *json;
} types[] = {
	{ "user", "users", "id", "NULL", "NULL", "NULL",
	  "id, email, name, role, language, created_at", NULL, NULL },
	{ "company", "companies", "id", "x.id", "NULL", "NULL",
	  NULL, NULL, NULL },
	{ "commission_terms", "commission_terms", "company_id",
	  "x.company_id", "NULL", "NULL", NULL, NULL, json_tiers },
	{ "channel", "channels", "id", "x.company_id", "NULL", "NULL",
	  NULL, NULL, NULL },
	{ "contact", "contacts", "id", "x.company_id", "NULL", "NULL",
	  NULL, NULL, NULL },
	{ "order", "orders", "id", "x.company_id", "NULL", "x.id",
	  NULL, embed_order, NULL },
	{ "offer", "offers", "id", ORDER_OF("x.order_id"), "x.performer_id",
	  "x.order_id", NULL, NULL, NULL },
	{ "contact_purchase", "contact_purchases", "id",
	  ORDER_OF("x.order_id"), "x.performer_id", "x.order_id",
	  NULL, NULL, NULL },
	{ "review", "reviews", "id", ORDER_OF("x.order_id"),
	  "(SELECT o.executor_id FROM orders o WHERE o.id = x.order_id)",
	  "x.order_id", NULL, NULL, NULL },
	{ "conversation", "conversations", "id", "x.company_id", "NULL",
	  "NULL", NULL, embed_labels, NULL },
	{ "message", "messages", "id", "(SELECT v.company_id FROM "
	  "conversations v WHERE v.id = x.conversation_id)", "NULL", "NULL",
	  NULL, NULL, NULL },
	/* Whoever sees a company's conversations sees its canned replies. */
	{ "canned_response", "canned_responses", "id", "x.company_id", "NULL",
	  "NULL", NULL, NULL, NULL },
	{ "kb_table", "kb_tables", "id", "x.company_id", "NULL", "NULL",
	  NULL, embed_columns, NULL },
	{ "kb_row", "kb_rows", "id", "(SELECT t.company_id FROM kb_tables t "
	  "WHERE t.id = x.table_id)", "NULL", "NULL", NULL, NULL, json_cells },
	{ "project", "projects", "id", "x.company_id", "NULL", "NULL",
	  NULL, NULL, NULL },
	{ "invoice", "invoices", "id", "x.company_id", "NULL", "NULL",
	  NULL, embed_invoice, NULL },
	{ "payment", "payments", "id", "(SELECT i.company_id FROM invoices i "
	  "WHERE i.id = x.invoice_id)", "NULL", "NULL", NULL, NULL, NULL },
	{ "notification", "notifications", "id", "NULL", "x.user_id", "NULL",
	  NULL, NULL, NULL },
};
#define NTYPES	(sizeof types / sizeof *types)

/* Who may see an entry c of the changes table; :me is the viewer.  The
 * same predicate filters a page and decides feed_render(), so the feed
 * and the handlers cannot disagree.
 *   - admin, billing, support: everything but other users' notifications;
 *   - manager: rows of companies they manage; client: rows of companies
 *     they own, and their own marketplace orders with the offers and
 *     reviews on them;
 *   - performer: marketplace orders that are open or that they made an
 *     offer on, their own offers and contact purchases, and reviews of
 *     orders they performed;
 *   - everyone: their own notifications, themselves and the staff. */
#define OWN_NOTIFICATION "(c.type = 'notification' AND c.user_id = :me)"
#define USER_ROW	"(c.type = 'user' AND (c.row_id = :me OR EXISTS " \
	"(SELECT 1 FROM users u WHERE u.id = c.row_id AND u.role IN " \
	"('admin', 'manager', 'billing', 'support'))))"
#define COMPANY_ROW(col) "(c.type NOT IN ('notification', 'user') AND " \
	"c.company_id IN (SELECT id FROM companies WHERE " col " = :me))"

static const char vis_all[] =
    "(c.type <> 'notification' OR c.user_id = :me)";
static const char vis_manager[] =
    "(" OWN_NOTIFICATION " OR " USER_ROW " OR " COMPANY_ROW("manager_id")
    ")";
static const char vis_client[] =
    "(" OWN_NOTIFICATION " OR " USER_ROW " OR " COMPANY_ROW("owner_id")
    " OR (c.type IN ('order', 'offer', 'review') AND EXISTS (SELECT 1 "
    "FROM orders o WHERE o.id = c.order_id AND o.customer_id = :me)))";
static const char vis_performer[] =
    "(" OWN_NOTIFICATION " OR " USER_ROW " OR (c.type IN ('offer', "
    "'contact_purchase', 'review') AND c.user_id = :me) OR (c.type = "
    "'order' AND EXISTS (SELECT 1 FROM orders o WHERE o.id = c.row_id AND "
    "o.kind = 'marketplace' AND (o.status = 'open' OR EXISTS (SELECT 1 "
    "FROM offers f WHERE f.order_id = o.id AND f.performer_id = :me)))))";

/* Entries a viewer may have seen before and no longer may: an order that
 * left 'open' without the performer's offer.  They are sent as tombstones
 * so the client drops its copy. */
static const char lost_performer[] =
    "(c.type = 'order' AND (c.op = 'delete' OR EXISTS (SELECT 1 FROM "
    "orders o WHERE o.id = c.row_id AND o.kind = 'marketplace')))";

static const char *
vis_predicate(const struct user *u)
{
	switch (u->role) {
	case USER_MANAGER:
		return vis_manager;
	case USER_CLIENT:
		return vis_client;
	case USER_PERFORMER:
		return vis_performer;
	default:
		return vis_all;
	}
}

/* ---- prepared statements ------------------------------------------------
 * The feed renders thousands of rows a page with a handful of statements;
 * they stay prepared.  mktd has one connection, used under srv->lock. */

enum {
	ST_ROW,				/* NTYPES of them */
	ST_SCOPE = ST_ROW + NTYPES,	/* NTYPES of them */
	ST_ORDER_LINES = ST_SCOPE + NTYPES,
	ST_INVOICE_LINES,
	ST_LABELS,
	ST_COLUMNS,
	ST_PAID_PURCHASE,
	ST_LAST_ENTRY,
	ST_DELETE_ENTRY,
	ST_INSERT_ENTRY,
	NST
};
static sqlite3_stmt *stmts[NST];

/* The statement in slot, prepared from sql the first time. */
static sqlite3_stmt *
cached(sqlite3 *db, int slot, const char *sql)
{
	sqlite3_stmt *st = stmts[slot];

	if (st == NULL) {
		if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "mktd: feed: %s: %s\n", sql,
			    sqlite3_errmsg(db));
			return NULL;
		}
		stmts[slot] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

void
feed_close(void)
{
	for (int i = 0; i < NST; i++) {
		sqlite3_finalize(stmts[i]);
		stmts[i] = NULL;
	}
}

static const struct ftype *
type_find(const char *name, int *index)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (strcmp(types[i].name, name) == 0) {
			if (index != NULL)
				*index = (int)i;
			return &types[i];
		}
	return NULL;
}

/* ---- rows as JSON ------------------------------------------------------- */

static cJSON *
rows_array(sqlite3_stmt *st, int64_t id)
{
	cJSON *a = cJSON_CreateArray();

	if (st == NULL)
		return a;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		cJSON_AddItemToArray(a, api_row_json(st));
	sqlite3_reset(st);
	return a;
}

static void
embed_order(sqlite3 *db, int64_t id, cJSON *row)
{
	cJSON_AddItemToObject(row, "lines", rows_array(cached(db,
	    ST_ORDER_LINES, "SELECT id, sku, name, quantity, unit_price_minor, "
	    "amount_minor FROM order_lines WHERE order_id = ? ORDER BY id"),
	    id));
}

static void
embed_invoice(sqlite3 *db, int64_t id, cJSON *row)
{
	cJSON_AddItemToObject(row, "lines", rows_array(cached(db,
	    ST_INVOICE_LINES, "SELECT id, position, description, quantity, "
	    "unit_price_minor, amount_minor, ref_kind, ref_id, fee_breakdown "
	    "FROM invoice_lines WHERE invoice_id = ? ORDER BY position, id"),
	    id));
}

static void
embed_labels(sqlite3 *db, int64_t id, cJSON *row)
{
	sqlite3_stmt *st = cached(db, ST_LABELS, "SELECT label FROM "
	    "conversation_labels WHERE conversation_id = ? ORDER BY label");
	cJSON *a = cJSON_AddArrayToObject(row, "labels");

	if (st == NULL)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		cJSON_AddItemToArray(a, cJSON_CreateString((const char *)
		    sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
}

static void
embed_columns(sqlite3 *db, int64_t id, cJSON *row)
{
	cJSON *cols = rows_array(cached(db, ST_COLUMNS, "SELECT position, "
	    "name, type, required, enum_values FROM kb_columns WHERE "
	    "table_id = ? ORDER BY position"), id), *c;

	cJSON_ArrayForEach(c, cols) {
		cJSON *ev = cJSON_GetObjectItemCaseSensitive(c, "enum_values");
		cJSON *parsed;

		if (cJSON_IsString(ev) &&
		    (parsed = cJSON_Parse(ev->valuestring)) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(c,
			    "enum_values", parsed);
	}
	cJSON_AddItemToObject(row, "columns", cols);
}

/* The row as it is now, with its children, or NULL when it is gone. */
static cJSON *
load_row(sqlite3 *db, int ti, int64_t id)
{
	const struct ftype *t = &types[ti];
	sqlite3_stmt *st;
	cJSON *row = NULL;
	char sql[512];

	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s = ?",
	    t->columns != NULL ? t->columns : "*", t->table, t->idcol);
	if ((st = cached(db, ST_ROW + ti, sql)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		row = api_row_json(st);
	sqlite3_reset(st);
	if (row == NULL)
		return NULL;
	if (t->columns == NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(row, "pending");
	for (size_t i = 0; t->json != NULL && t->json[i] != NULL; i++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(row, t->json[i]);
		cJSON *parsed;

		if (cJSON_IsString(v) &&
		    (parsed = cJSON_Parse(v->valuestring)) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(row, t->json[i],
			    parsed);
	}
	if (t->embed != NULL)
		t->embed(db, id, row);
	return row;
}

/* A performer sees who the customer is only once they paid for it. */
static void
redact(sqlite3 *db, const struct user *viewer, int ti, int64_t id,
    cJSON *row)
{
	static const char *const hidden[] = {
		"customer_name", "customer_phone", "customer_email"
	};
	sqlite3_stmt *st;
	bool paid = false;

	if (viewer->role != USER_PERFORMER || strcmp(types[ti].name, "order"))
		return;
	st = cached(db, ST_PAID_PURCHASE, "SELECT 1 FROM contact_purchases "
	    "WHERE order_id = ? AND performer_id = ? AND status = 'paid'");
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, viewer->id);
		paid = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
	}
	if (paid)
		return;
	for (size_t i = 0; i < sizeof hidden / sizeof *hidden; i++)
		if (cJSON_HasObjectItem(row, hidden[i]))
			cJSON_ReplaceItemInObjectCaseSensitive(row, hidden[i],
			    cJSON_CreateNull());
}

static cJSON *
render(sqlite3 *db, const struct user *viewer, int ti, int64_t id)
{
	cJSON *row = load_row(db, ti, id);

	if (row != NULL)
		redact(db, viewer, ti, id, row);
	return row;
}

static void
bind_me(sqlite3_stmt *st, const struct user *viewer)
{
	int i = sqlite3_bind_parameter_index(st, ":me");

	if (i > 0)
		sqlite3_bind_int64(st, i, viewer->id);
}

/* Whether viewer may see row id of type ti now: the row's scope, as
 * feed_record() would store it, through the viewer's predicate. */
static bool
visible(sqlite3 *db, const struct user *viewer, int ti, int64_t id)
{
	const struct ftype *t = &types[ti];
	sqlite3_stmt *st;
	char sql[2048];
	bool yes = false;
	int n;

	n = snprintf(sql, sizeof sql, "SELECT 1 FROM (SELECT :type AS type, "
	    "x.%s AS row_id, 'upsert' AS op, %s AS company_id, %s AS user_id, "
	    "%s AS order_id FROM %s x WHERE x.%s = :id) c WHERE %s", t->idcol,
	    t->company, t->user, t->order, t->table, t->idcol,
	    vis_predicate(viewer));
	if (n < 0 || (size_t)n >= sizeof sql)
		return false;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "mktd: feed: %s\n", sqlite3_errmsg(db));
		return false;
	}
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":type"),
	    t->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":id"), id);
	bind_me(st, viewer);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

cJSON *
feed_render(struct server *srv, const struct user *viewer, const char *type,
    int64_t id)
{
	int ti;

	if (type_find(type, &ti) == NULL) {
		fprintf(stderr, "mktd: feed_render: unknown type %s\n", type);
		return NULL;
	}
	if (!visible(srv->db, viewer, ti, id))
		return NULL;
	return render(srv->db, viewer, ti, id);
}

/* ---- recording ---------------------------------------------------------- */

static void
bind_or_null(sqlite3_stmt *st, int i, sqlite3_stmt *from, int col)
{
	if (from != NULL && sqlite3_column_type(from, col) != SQLITE_NULL)
		sqlite3_bind_int64(st, i, sqlite3_column_int64(from, col));
	else
		sqlite3_bind_null(st, i);
}

/* Compaction: the row's older entry goes, the new one is appended.  A
 * deleted row's scope comes from the row if the handler records the
 * delete first, else from the entry it replaces. */
int
feed_record(struct server *srv, const char *type, int64_t id, const char *op)
{
	sqlite3 *db = srv->db;
	sqlite3_stmt *scope, *prev, *del, *ins, *from = NULL;
	const struct ftype *t;
	char sql[1024];
	int ti, ok;

	if ((t = type_find(type, &ti)) == NULL ||
	    (strcmp(op, "upsert") != 0 && strcmp(op, "delete") != 0)) {
		fprintf(stderr, "mktd: feed_record: bad type or op: %s %s\n",
		    type, op);
		return -1;
	}
	snprintf(sql, sizeof sql, "SELECT %s, %s, %s FROM %s x WHERE x.%s = ?",
	    t->company, t->user, t->order, t->table, t->idcol);
	scope = cached(db, ST_SCOPE + ti, sql);
	prev = cached(db, ST_LAST_ENTRY, "SELECT company_id, user_id, "
	    "order_id FROM changes WHERE type = ? AND row_id = ?");
	del = cached(db, ST_DELETE_ENTRY, "DELETE FROM changes WHERE "
	    "type = ? AND row_id = ?");
	ins = cached(db, ST_INSERT_ENTRY, "INSERT INTO changes(type, row_id, "
	    "op, company_id, user_id, order_id, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)");
	if (scope == NULL || prev == NULL || del == NULL || ins == NULL)
		return -1;

	sqlite3_bind_int64(scope, 1, id);
	if (sqlite3_step(scope) == SQLITE_ROW)
		from = scope;
	else {
		op = "delete";	/* an upsert of a row that is gone */
		sqlite3_bind_text(prev, 1, t->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(prev, 2, id);
		if (sqlite3_step(prev) == SQLITE_ROW)
			from = prev;
	}
	sqlite3_bind_text(ins, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 2, id);
	sqlite3_bind_text(ins, 3, op, -1, SQLITE_STATIC);
	for (int i = 0; i < 3; i++)
		bind_or_null(ins, 4 + i, from, i);
	sqlite3_bind_int64(ins, 7, (sqlite3_int64)time(NULL));
	sqlite3_reset(scope);
	sqlite3_reset(prev);

	sqlite3_bind_text(del, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(del, 2, id);
	ok = sqlite3_step(del) == SQLITE_DONE &&
	    sqlite3_step(ins) == SQLITE_DONE;
	sqlite3_reset(del);
	sqlite3_reset(ins);
	if (!ok) {
		fprintf(stderr, "mktd: feed_record: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	srv->last_seq = sqlite3_last_insert_rowid(db);
	return 0;
}

int
feed_seed(struct server *srv, int64_t now)
{
	for (size_t i = 0; i < NTYPES; i++) {
		const struct ftype *t = &types[i];
		sqlite3_stmt *st;
		char sql[1024];
		int ok;

		snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO changes(type, "
		    "row_id, op, company_id, user_id, order_id, created_at) "
		    "SELECT ?, x.%s, 'upsert', %s, %s, %s, ? FROM %s x "
		    "ORDER BY x.%s", t->idcol, t->company, t->user, t->order,
		    t->table, t->idcol);
		if (sqlite3_prepare_v2(srv->db, sql, -1, &st, NULL) !=
		    SQLITE_OK)
			return -1;
		sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
		if (!ok)
			return -1;
	}
	srv->last_seq = sqlite3_last_insert_rowid(srv->db);
	return 0;
}

/* ---- GET /changes ------------------------------------------------------- */

/* A query parameter as an integer in [min, max]; absent leaves *out.
 * Above max it is clamped when clamp is set, refused otherwise. */
static int
query_int(struct request *req, struct response *resp, const char *name,
    int64_t min, int64_t max, bool clamp, int64_t *out)
{
	const char *s = api_query(req, name);
	char *end, msg[160];
	long long v;

	if (s == NULL)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == 0 && end != s && *end == '\0' && v >= min &&
	    (v <= max || clamp)) {
		*out = v > max ? max : v;
		return 0;
	}
	snprintf(msg, sizeof msg, "%s must be an integer from %" PRId64
	    " to %" PRId64, name, min, max);
	return api_error(resp, 400, "invalid_query", msg, name);
}

struct page {
	sqlite3_stmt	*st;
	int64_t		 since, limit, cutoff;
	cJSON		*changes;
	int64_t		 next;
	bool		 more;
};

static int
page_prepare(struct server *srv, const struct user *viewer, struct page *p)
{
	const char *lost = viewer->role == USER_PERFORMER ? lost_performer :
	    "0";
	char sql[4096];
	int n;

	/* Tombstones are sent from 0 too: a client in its first sync has
	 * cursors > 0 after one page, and a tombstone for a row it never
	 * had is a no-op. */
	n = snprintf(sql, sizeof sql, "SELECT c.seq, c.type, c.row_id, c.op, "
	    "%s AS vis FROM changes c WHERE c.seq > :since AND (%s OR %s)%s "
	    "ORDER BY c.seq LIMIT :n", vis_predicate(viewer),
	    vis_predicate(viewer), lost,
	    p->cutoff > 0 ? " AND (c.type <> 'message' OR c.op = 'delete' OR "
	    "EXISTS (SELECT 1 FROM messages m WHERE m.id = c.row_id AND "
	    "m.created_at >= :cutoff))" : "");
	if (n < 0 || (size_t)n >= sizeof sql ||
	    sqlite3_prepare_v2(srv->db, sql, -1, &p->st, NULL) != SQLITE_OK) {
		fprintf(stderr, "mktd: feed: %s\n", sqlite3_errmsg(srv->db));
		return -1;
	}
	return 0;
}

/* One page after p->since; the number of entries in it. */
static int
page_read(struct server *srv, const struct user *viewer, struct page *p)
{
	sqlite3_stmt *st = p->st;
	int64_t last = p->since;
	int count = 0, ti, i;

	cJSON_Delete(p->changes);
	p->changes = cJSON_CreateArray();
	p->more = false;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":since"),
	    p->since);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":n"),
	    p->limit + 1);
	if ((i = sqlite3_bind_parameter_index(st, ":cutoff")) > 0)
		sqlite3_bind_int64(st, i, p->cutoff);
	bind_me(st, viewer);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 1);
		int64_t id = sqlite3_column_int64(st, 2);
		bool live = strcmp((const char *)sqlite3_column_text(st, 3),
		    "upsert") == 0 && sqlite3_column_int(st, 4);
		cJSON *c, *data = NULL;

		if (count == p->limit) {
			p->more = true;
			break;
		}
		if (live && type_find(type, &ti) != NULL)
			data = render(srv->db, viewer, ti, id);
		c = cJSON_CreateObject();
		last = sqlite3_column_int64(st, 0);
		cJSON_AddNumberToObject(c, "seq", (double)last);
		cJSON_AddStringToObject(c, "type", type);
		cJSON_AddNumberToObject(c, "id", (double)id);
		cJSON_AddStringToObject(c, "op", data != NULL ? "upsert" :
		    "delete");
		cJSON_AddItemToObject(c, "data", data != NULL ? data :
		    cJSON_CreateNull());
		cJSON_AddItemToArray(p->changes, c);
		count++;
	}
	sqlite3_reset(st);
	/* A short page read everything up to now: the cursor may skip the
	 * entries this viewer cannot see. */
	p->next = p->more ? last : (srv->last_seq > p->since ? srv->last_seq :
	    p->since);
	return count;
}

/*
 * "remaining": the feed entries after next, of every type and whoever may
 * see them.  Filtering by the viewer's scope would cost a second pass over
 * the rest of the feed on every page; this is one range count over the
 * primary key.  So it is an upper bound, there only for a client's
 * progress bar during a first sync, never a count to check against.
 * Counting is bounded too: all of the rest on every page of a large
 * first sync is quadratic, minutes on millions of entries.  Past
 * REMAINING_COUNTED the span of sequence numbers left bounds it instead.
 */
#define REMAINING_COUNTED	20000

static int64_t
count_after(sqlite3 *db, int64_t seq, int64_t last)
{
	sqlite3_stmt *st;
	int64_t n = 0;

	if ((st = api_prepare(db, "SELECT count(*) FROM (SELECT 1 FROM "
	    "changes WHERE seq > ? LIMIT ?)", "ii", seq,
	    (int64_t)REMAINING_COUNTED + 1)) == NULL)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n > REMAINING_COUNTED && last - seq > n ? last - seq : n;
}

static void
deadline_after(struct timespec *ts, int64_t seconds)
{
	clock_gettime(CLOCK_MONOTONIC, ts);	/* srv->changed's clock */
	ts->tv_sec += (time_t)seconds;
}

static bool
before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec &&
	    a->tv_nsec < b->tv_nsec);
}

/* Waits, with srv->lock held, until the feed moves past seen, the
 * deadline passes, the server stops or the client goes.  Whether the
 * feed moved. */
static bool
wait_for_change(struct server *srv, struct request *req, int64_t seen,
    const struct timespec *deadline)
{
	struct timespec now, until;

	for (;;) {
		if (srv->last_seq != seen)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (srv->stopping || !before(&now, deadline) ||
		    api_client_gone(req))
			return false;
		until = now;
		until.tv_sec += CLIENT_CHECK;
		if (before(deadline, &until))
			until = *deadline;
		/* Woken by a commit, or at the slice's end to look again. */
		pthread_cond_timedwait(&srv->changed, &srv->lock, &until);
	}
}

/* ROUTE_STREAM: takes srv->lock itself, and gives it up while waiting. */
static int
changes(struct server *srv, struct request *req, struct response *resp)
{
	struct page p = { .limit = FEED_LIMIT_DEFAULT };
	int64_t wait = 0, days = 0, remaining;
	struct timespec deadline;

	if (query_int(req, resp, "since", 0, INT64_MAX, false, &p.since) ||
	    query_int(req, resp, "limit", 1, FEED_LIMIT_MAX, true, &p.limit) ||
	    query_int(req, resp, "wait", 0, FEED_WAIT_MAX, true, &wait) ||
	    query_int(req, resp, "history_days", 0, 36500, false, &days))
		return resp->status;
	if (days > 0)
		p.cutoff = req->now - days * 86400;
	deadline_after(&deadline, wait);

	pthread_mutex_lock(&srv->lock);
	if (page_prepare(srv, req->user, &p) != 0) {
		pthread_mutex_unlock(&srv->lock);
		return api_error(resp, 500, "internal", "feed query failed",
		    NULL);
	}
	/* Changes this viewer cannot see wake us too; then the page is read
	 * again and, still empty, we wait out the rest.  The token was
	 * checked when the request came: the wait may outlast it. */
	while (page_read(srv, req->user, &p) == 0 && wait > 0 &&
	    wait_for_change(srv, req, srv->last_seq, &deadline))
		continue;
	sqlite3_finalize(p.st);
	remaining = p.more ? count_after(srv->db, p.next, srv->last_seq) : 0;
	pthread_mutex_unlock(&srv->lock);

	resp->json = cJSON_CreateObject();
	cJSON_AddItemToObject(resp->json, "changes", p.changes);
	cJSON_AddNumberToObject(resp->json, "next", (double)p.next);
	cJSON_AddBoolToObject(resp->json, "more", p.more);
	cJSON_AddNumberToObject(resp->json, "remaining", (double)remaining);
	resp->status = 200;
	return 200;
}

/* ---- GET /conversations/{id}/messages ----------------------------------- */

/* Older history of one conversation, newest first, in keyset pages:
 * ?before=<message id> continues below that message. */
static int
backfill(struct server *srv, struct request *req, struct response *resp)
{
	int64_t conv = req->ids[0], before = 0, limit = BACKFILL_DEFAULT;
	int64_t before_at = 0;
	int ci = 0, mi = 0, count = 0;
	sqlite3_stmt *st;
	cJSON *msgs;
	bool more = false;

	type_find("conversation", &ci);
	type_find("message", &mi);
	if (query_int(req, resp, "before", 1, INT64_MAX, false, &before) ||
	    query_int(req, resp, "limit", 1, BACKFILL_MAX, true, &limit))
		return resp->status;
	if (!visible(srv->db, req->user, ci, conv))
		return api_error(resp, 404, "not_found",
		    "no such conversation", NULL);
	if (before > 0) {
		cJSON *m = api_fetch_row(srv->db, "SELECT created_at FROM "
		    "messages WHERE id = ? AND conversation_id = ?", 2, before,
		    conv);

		if (m == NULL)
			return api_error(resp, 400, "invalid_query", "before is "
			    "not a message of this conversation", "before");
		before_at = (int64_t)cJSON_GetObjectItem(m,
		    "created_at")->valuedouble;
		cJSON_Delete(m);
	}
	if (sqlite3_prepare_v2(srv->db, before > 0 ?
	    "SELECT id FROM messages WHERE conversation_id = ?1 AND "
	    "(created_at, id) < (?2, ?3) ORDER BY created_at DESC, id DESC "
	    "LIMIT ?4" :
	    "SELECT id FROM messages WHERE conversation_id = ?1 AND "
	    "?2 = ?2 AND ?3 = ?3 ORDER BY created_at DESC, id DESC LIMIT ?4",
	    -1, &st, NULL) != SQLITE_OK)
		return api_error(resp, 500, "internal", "backfill failed", NULL);
	sqlite3_bind_int64(st, 1, conv);
	sqlite3_bind_int64(st, 2, before_at);
	sqlite3_bind_int64(st, 3, before);
	sqlite3_bind_int64(st, 4, limit + 1);
	msgs = cJSON_CreateArray();
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *m;

		if (count == limit) {
			more = true;
			break;
		}
		m = render(srv->db, req->user, mi, sqlite3_column_int64(st, 0));
		if (m != NULL)
			cJSON_AddItemToArray(msgs, m);
		count++;
	}
	sqlite3_finalize(st);
	resp->json = cJSON_CreateObject();
	cJSON_AddItemToObject(resp->json, "messages", msgs);
	cJSON_AddBoolToObject(resp->json, "more", more);
	resp->status = 200;
	return 200;
}

const struct route feed_routes[] = {
	{ "GET", "/api/v1/changes", ROUTE_STREAM, changes },
	{ "GET", "/api/v1/conversations/{id}/messages", 0, backfill },
	{ NULL, NULL, 0, NULL }
};
