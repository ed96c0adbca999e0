/* Orders: the marketplace cycle of seeds 000 and 001 (order → offers →
 * accept → start work / cancel work → complete with a review, and the
 * contact purchase) and the checkout orders of seed 002 (lines, totals,
 * payment status).
 *
 * Every handler follows one order of checks, so a client can rely on
 * which error wins: 404 when the order is out of the caller's scope (ids
 * must not leak), 403 when the caller sees the order but may not do this,
 * 412 for a stale If-Match, 400/422 for the body, and 409 when the
 * order's state forbids the action.  http.c rolls the transaction back on
 * any error status, so a rejected request changes nothing.
 *
 * Who may act, and why (the seed passages are in openapi-orders.yaml):
 *   - the order's owner is the marketplace customer (orders.customer_id);
 *     a checkout order's customer is a contact, not an account, so there
 *     the shop's owner (companies.owner_id) stands in;
 *   - staff acting for the owner are admin, support and the company's
 *     manager.  Billing is not: it handles money, not customers' choices.
 *     The audit log records on_behalf_of = the owner;
 *   - work is the executor's: only they start it; cancelling it is their
 *     "Отказаться от заказа" (seed 001), which staff may press for them;
 *     the customer's own way out is cancelling the order. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "billing.h"

#define CONTACTS_PRICE_MINOR	500	/* 5 EUR, seed 000 §4 */
#define CONTACTS_CURRENCY	"EUR"
#define MONEY_MAX		1000000000000000LL	/* 10^15 minor units */
#define TITLE_MAX		200
#define TEXT_MAX		4000
#define MESSAGE_MAX		2000
#define REASON_MAX		1000
#define LINES_MAX		200
#define QUANTITY_MAX		100000

struct order {
	int64_t	 id;
	int64_t	 company_id;
	int64_t	 customer_id;	/* 0 when none */
	int64_t	 shop_owner_id;	/* companies.owner_id, 0 when none */
	int64_t	 executor_id;	/* 0 when none */
	int64_t	 work_started_at;	/* 0 when not started */
	int64_t	 version;
	int64_t	 total_minor;
	int64_t	 free_delivery_minor;	/* -1 when the shop has none */
	bool	 checkout;
	char	 number[32];
	char	 status[16];
	char	 payment_status[24];
};

/* ---- SQL ----------------------------------------------------------------- */

/* Steps an UPDATE … RETURNING id on offers (from api_prepare(), NULL
 * when that failed) and records each returned offer in the feed.  SQLite
 * makes every change on the first step and buffers the ids, so writing
 * the feed between steps is safe.  The number of rows, or -1 on error. */
static int
offers_changed(struct server *srv, sqlite3_stmt *st)
{
	int rc, n = 0;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (feed_record(srv, "offer", sqlite3_column_int64(st, 0),
		    "upsert") != 0) {
			rc = SQLITE_ERROR;
			break;
		}
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

static int
forbidden(struct response *resp, const char *message)
{
	return api_error(resp, 403, "forbidden", message, NULL);
}

static int
conflict(struct response *resp, const char *code, const char *message)
{
	return api_error(resp, 409, code, message, NULL);
}

/* ---- text and money fields ----------------------------------------------- */

static bool
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* A text field of at most maxchars characters.  A required one must say
 * something: whitespace is no reason and no message.  A blank optional
 * one is as good as absent. */
static int
body_text(struct request *req, struct response *resp, const char *field,
    bool required, size_t maxchars, const char **out)
{
	const char	*s = NULL;
	char		 msg[128];
	int		 rc;

	rc = api_body_string(req, resp, field, required, maxchars, &s);
	if (rc != 0 || s == NULL)
		return rc;
	if (blank(s)) {
		if (!required)
			return 0;
		snprintf(msg, sizeof msg, "%s must not be blank", field);
		return api_error(resp, 422, "missing_field", msg, field);
	}
	*out = s;
	return 0;
}

static bool
currency_ok(const char *s)
{
	if (strlen(s) != 3)
		return false;
	for (int i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return true;
}

/* An optional amount with its currency: both or neither.  *minor stays -1
 * when absent. */
static int
body_money(struct request *req, struct response *resp, const char *field,
    int64_t *minor, const char **currency)
{
	int rc;

	*minor = -1;
	*currency = NULL;
	if ((rc = api_body_int(req, resp, field, false, 0, MONEY_MAX,
	    minor)) != 0 ||
	    (rc = api_body_string(req, resp, "currency", false, 3,
	    currency)) != 0)
		return rc;
	if (*currency != NULL && !currency_ok(*currency))
		return api_error(resp, 422, "invalid_value",
		    "currency must be an ISO 4217 code such as EUR",
		    "currency");
	if (*minor >= 0 && *currency == NULL)
		return api_error(resp, 422, "missing_field",
		    "an amount needs its currency", "currency");
	if (*minor < 0 && *currency != NULL)
		return api_error(resp, 422, "missing_field",
		    "a currency needs an amount", field);
	return 0;
}

/* ---- orders: loading, scope, rendering ----------------------------------- */

/* 0, 1 when there is no such order, -1 on error. */
static int
order_load(sqlite3 *db, int64_t id, struct order *o)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = api_prepare(db,
	    "SELECT o.id, o.company_id, ifnull(o.customer_id, 0),"
	    " ifnull(c.owner_id, 0), ifnull(o.executor_id, 0),"
	    " ifnull(o.work_started_at, 0), o.version,"
	    " ifnull(o.total_minor, 0), ifnull(o.free_delivery_minor, -1),"
	    " o.kind = 'checkout', o.number, o.status,"
	    " ifnull(o.payment_status, '')"
	    " FROM orders o JOIN companies c ON c.id = o.company_id"
	    " WHERE o.id = ?", "i", id)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o->id = sqlite3_column_int64(st, 0);
		o->company_id = sqlite3_column_int64(st, 1);
		o->customer_id = sqlite3_column_int64(st, 2);
		o->shop_owner_id = sqlite3_column_int64(st, 3);
		o->executor_id = sqlite3_column_int64(st, 4);
		o->work_started_at = sqlite3_column_int64(st, 5);
		o->version = sqlite3_column_int64(st, 6);
		o->total_minor = sqlite3_column_int64(st, 7);
		o->free_delivery_minor = sqlite3_column_int64(st, 8);
		o->checkout = sqlite3_column_int(st, 9) != 0;
		api_column_text(o->number, sizeof o->number, st, 10);
		api_column_text(o->status, sizeof o->status, st, 11);
		api_column_text(o->payment_status, sizeof o->payment_status,
		    st, 12);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

static bool
order_is(const struct order *o, const char *status)
{
	return strcmp(o->status, status) == 0;
}

/* The performer's offer on the order: its id, or 0. */
static int64_t
offer_of(sqlite3 *db, int64_t order_id, int64_t performer_id)
{
	int64_t id = 0;

	if (api_int(db, &id, "SELECT id FROM offers WHERE order_id = ? AND"
	    " performer_id = ?", "ii", order_id, performer_id) != 1)
		return 0;
	return id;
}

/* Seed 000, "Правила доступа": a performer sees every open marketplace
 * order and the orders they responded to; a client their own orders and
 * their companies' orders; staff whatever their companies scope allows. */
static bool
order_visible(struct server *srv, const struct user *u, const struct order *o)
{
	switch (u->role) {
	case USER_PERFORMER:
		if (!o->checkout && order_is(o, "open"))
			return true;
		return offer_of(srv->db, o->id, u->id) != 0;
	case USER_CLIENT:
		if (o->customer_id == u->id)
			return true;
		return scope_company(srv, u, o->company_id);
	default:
		return scope_company(srv, u, o->company_id);
	}
}

/* Loads ids[0] and answers 404 unless the caller may see it. */
static int
order_find(struct server *srv, struct request *req, struct response *resp,
    struct order *o)
{
	int rc;

	if (req->nids < 1)
		return api_not_found(resp, "order");
	rc = order_load(srv->db, req->ids[0], o);
	if (rc < 0)
		return api_db_error(resp);
	if (rc > 0 || !order_visible(srv, req->user, o))
		return api_not_found(resp, "order");
	return 0;
}

static int64_t
order_owner(const struct order *o)
{
	return o->checkout ? o->shop_owner_id : o->customer_id;
}

/* Whether u may act as the order's owner; *for_whom is who the audit log
 * names as acted for (0 when the owner acts). */
static bool
acts_as_owner(const struct user *u, const struct order *o, int64_t *for_whom)
{
	int64_t owner = order_owner(o);

	*for_whom = 0;
	switch (u->role) {
	case USER_CLIENT:
		return owner != 0 && owner == u->id;
	case USER_ADMIN:
	case USER_SUPPORT:
	case USER_MANAGER:	/* order_visible() checked it is theirs */
		*for_whom = owner;
		return true;
	default:
		return false;
	}
}

/* The order as u may see it: the feed's rendering, with its lines and
 * the performer's redaction of the customer (seed 000 §5), so the API
 * and the change feed never disagree about a row. */
static cJSON *
order_json(struct server *srv, const struct user *u, int64_t id)
{
	return feed_render(srv, u, "order", id);
}

static int
reply_order(struct server *srv, struct request *req, struct response *resp,
    int64_t id, int status)
{
	if ((resp->json = order_json(srv, req->user, id)) == NULL)
		return api_db_error(resp);
	return resp->status = status;
}

/* If-Match is checked against the order, whatever the action changes:
 * the client's view of an order is the order and its offers together. */
static int
order_if_match(struct server *srv, struct request *req,
    struct response *resp, const struct order *o)
{
	cJSON	*cur;
	int	 rc;

	if (req->if_match == NULL)
		return 0;
	cur = order_json(srv, req->user, o->id);
	rc = api_check_version(req, resp, o->version, cur);
	cJSON_Delete(cur);
	return rc;
}

/* Every change to the order row: a new version, the time, the feed. */
static int
order_touch(struct server *srv, struct request *req, int64_t id)
{
	if (api_exec(srv->db, "UPDATE orders SET version = version + 1,"
	    " updated_at = ? WHERE id = ?", "ii", req->now, id) < 0)
		return -1;
	return feed_record(srv, "order", id, "upsert");
}

static int
offer_set_status(struct server *srv, int64_t offer_id, const char *status)
{
	if (api_exec(srv->db, "UPDATE offers SET status = ?,"
	    " version = version + 1 WHERE id = ?", "ti", status,
	    offer_id) < 0)
		return -1;
	return feed_record(srv, "offer", offer_id, "upsert");
}

static int
audit_order(struct server *srv, struct request *req, int64_t for_whom,
    const char *action, const struct order *o, const char *detail)
{
	return audit_record(srv, req->user, for_whom, action, "order", o->id,
	    detail);
}

/* A notification whose title names the order; extra is appended. */
static int
notify_order(struct server *srv, int64_t user_id, const char *kind,
    const char *what, const struct order *o, const char *extra)
{
	char title[1536];

	if (user_id == 0)
		return 0;
	snprintf(title, sizeof title, "%s %s%s%s", what, o->number,
	    extra != NULL ? ": " : "", extra != NULL ? extra : "");
	return notify(srv, user_id, kind, title, "order", o->id);
}

/* ---- GET ----------------------------------------------------------------- */

static int
order_get(struct server *srv, struct request *req, struct response *resp)
{
	struct order	o;
	int		 rc;

	if ((rc = order_find(srv, req, resp, &o)) != 0)
		return rc;
	/* The feed decides scope with the same rules; should it ever say
	 * no, the row stays hidden rather than half-shown. */
	if ((resp->json = order_json(srv, req->user, o.id)) == NULL)
		return api_not_found(resp, "order");
	return resp->status = 200;
}

/* Seed 000 §2: the customer sees every offer with the performer's name,
 * rating, price and message.  A performer sees only their own: the
 * others' prices are theirs to keep. */
static int
offers_list(struct server *srv, struct request *req, struct response *resp)
{
	struct order	 o;
	sqlite3_stmt	*st;
	cJSON		*a, *row;
	int		 rc;
	bool		 mine = req->user->role == USER_PERFORMER;

	if ((rc = order_find(srv, req, resp, &o)) != 0)
		return rc;
	if ((st = api_prepare(srv->db,
	    "SELECT f.id, f.order_id, f.performer_id, u.name AS performer_name,"
	    " f.message, f.price_minor, f.currency, f.status, f.version,"
	    " f.created_at,"
	    " (SELECT count(*) FROM reviews r JOIN orders x ON x.id = r.order_id"
	    "   WHERE x.executor_id = f.performer_id) AS performer_reviews,"
	    " (SELECT CAST(round(avg(r.rating) * 10) AS INTEGER) FROM reviews r"
	    "   JOIN orders x ON x.id = r.order_id"
	    "   WHERE x.executor_id = f.performer_id) AS rating_x10"
	    " FROM offers f JOIN users u ON u.id = f.performer_id"
	    " WHERE f.order_id = ? AND (? = 0 OR f.performer_id = ?)"
	    " ORDER BY f.created_at, f.id", "iii", o.id, (int64_t)mine,
	    req->user->id)) == NULL)
		return api_db_error(resp);
	a = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = api_row_json(st);
		/* One decimal, as a rating is shown: 4.7 */
		if (sqlite3_column_type(st, 11) == SQLITE_NULL)
			cJSON_AddNullToObject(row, "performer_rating");
		else
			cJSON_AddNumberToObject(row, "performer_rating",
			    sqlite3_column_int64(st, 11) / 10.0);
		cJSON_DeleteItemFromObjectCaseSensitive(row, "rating_x10");
		cJSON_AddItemToArray(a, row);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(a);
		return api_db_error(resp);
	}
	resp->json = cJSON_CreateObject();
	cJSON_AddItemToObject(resp->json, "offers", a);
	return resp->status = 200;
}

/* ---- creating orders and offers ------------------------------------------ */

/* Seed 000 §1: a customer creates an order and it is open to every
 * performer.  Staff may place it for a customer (customer_id). */
static int
order_create(struct server *srv, struct request *req, struct response *resp)
{
	const struct user	*u = req->user;
	const char		*title = NULL, *desc = NULL, *city = NULL;
	const char		*phone = NULL, *cur = NULL;
	int64_t			 company = 0, customer = u->id, budget, id, n;
	int64_t			 for_whom = 0;
	char			 number[32];
	int			 rc;

	switch (u->role) {
	case USER_CLIENT:
		break;
	case USER_ADMIN:
	case USER_SUPPORT:
	case USER_MANAGER:
		if ((rc = api_body_int(req, resp, "customer_id", true, 1,
		    INT64_MAX, &customer)) != 0)
			return rc;
		for_whom = customer;
		break;
	default:
		return forbidden(resp, "only a customer, or staff for one,"
		    " creates orders");
	}
	if ((rc = api_body_int(req, resp, "company_id", true, 1, INT64_MAX,
	    &company)) != 0 ||
	    (rc = body_text(req, resp, "title", true, TITLE_MAX, &title)) != 0 ||
	    (rc = body_text(req, resp, "description", false, TEXT_MAX,
	    &desc)) != 0 ||
	    (rc = body_text(req, resp, "city", false, 100, &city)) != 0 ||
	    (rc = body_text(req, resp, "customer_phone", false, 40,
	    &phone)) != 0 ||
	    (rc = body_money(req, resp, "budget_minor", &budget, &cur)) != 0)
		return rc;
	/* The marketplace is public: any active company takes orders from
	 * any customer, but a manager places orders only where they work. */
	if (api_int(srv->db, &n, "SELECT count(*) FROM companies WHERE id = ?"
	    " AND status = 'active'", "i", company) != 1)
		return api_db_error(resp);
	if (n == 0 || (u->role == USER_MANAGER &&
	    !scope_company(srv, u, company)))
		return api_error(resp, 422, "invalid_value", "no such company",
		    "company_id");
	if (customer != u->id) {
		if (api_int(srv->db, &n, "SELECT count(*) FROM users WHERE"
		    " id = ? AND role = 'client'", "i", customer) != 1)
			return api_db_error(resp);
		if (n == 0)
			return api_error(resp, 422, "invalid_value",
			    "not a customer", "customer_id");
	}
	if (api_int(srv->db, &n, "SELECT ifnull(max(CAST(substr(number, 3)"
	    " AS INTEGER)), 0) + 1 FROM orders WHERE number LIKE 'M-%'",
	    "") != 1)
		return api_db_error(resp);
	snprintf(number, sizeof number, "M-%06lld", (long long)n);
	if (api_exec(srv->db, "INSERT INTO orders(number, kind, company_id,"
	    " customer_id, customer_name, customer_phone, customer_email,"
	    " title, description, city, currency, budget_minor, status,"
	    " created_at, updated_at)"
	    " SELECT ?, 'marketplace', ?, u.id, u.name, ?, u.email, ?, ?, ?,"
	    "  coalesce(?, c.invoice_currency), ?, 'open', ?, ?"
	    " FROM users u, companies c WHERE u.id = ? AND c.id = ?",
	    "titttttniiii", number, company, phone, title, desc, city, cur,
	    budget, req->now, req->now, customer, company) != 1)
		return api_db_error(resp);
	id = sqlite3_last_insert_rowid(srv->db);
	if (feed_record(srv, "order", id, "upsert") != 0 ||
	    audit_record(srv, u, for_whom, "order.create", "order", id,
	    number) != 0)
		return api_db_error(resp);
	return reply_order(srv, req, resp, id, 201);
}

/* Seed 000 §2: a performer responds once, to an open order only, with a
 * message and an optional price; the customer is notified. */
static int
offer_create(struct server *srv, struct request *req, struct response *resp)
{
	const struct user	*u = req->user;
	struct order		 o;
	const char		*msg = NULL, *cur = NULL;
	int64_t			 price, id;
	int			 rc;

	if ((rc = order_find(srv, req, resp, &o)) != 0)
		return rc;
	if (u->role != USER_PERFORMER)
		return forbidden(resp, "only performers make offers");
	if ((rc = order_if_match(srv, req, resp, &o)) != 0 ||
	    (rc = body_text(req, resp, "message", true, MESSAGE_MAX,
	    &msg)) != 0 ||
	    (rc = body_money(req, resp, "price_minor", &price, &cur)) != 0)
		return rc;
	if (o.checkout)
		return conflict(resp, "not_marketplace",
		    "checkout orders take no offers");
	if (!order_is(&o, "open"))
		return conflict(resp, "order_not_open",
		    "offers are taken only while the order is open");
	rc = api_exec(srv->db, "INSERT INTO offers(order_id, performer_id,"
	    " message, price_minor, currency, status, created_at)"
	    " VALUES (?, ?, ?, ?, ?, 'pending', ?)", "iitnti", o.id, u->id,
	    msg, price, cur, req->now);
	/* The UNIQUE (order_id, performer_id) is the rule itself, so two
	 * racing requests cannot both get in. */
	if (rc < 0 && sqlite3_errcode(srv->db) == SQLITE_CONSTRAINT)
		return conflict(resp, "offer_exists",
		    "you already made an offer on this order");
	if (rc < 0)
		return api_db_error(resp);
	id = sqlite3_last_insert_rowid(srv->db);
	if (feed_record(srv, "offer", id, "upsert") != 0 ||
	    audit_record(srv, u, 0, "offer.create", "offer", id,
	    o.number) != 0 ||
	    notify_order(srv, o.customer_id, "new_offer", "New offer on", &o,
	    NULL) != 0)
		return api_db_error(resp);
	if ((resp->json = feed_render(srv, u, "offer", id)) == NULL)
		return api_db_error(resp);
	return resp->status = 201;
}

/* ---- the marketplace cycle ----------------------------------------------- */

/* Seed 000 §3: the owner (or staff for them) accepts one pending offer;
 * every other offer is rejected, the order goes in_progress with the
 * performer as executor, and the performer is notified. */
static int
offer_accept(struct server *srv, struct request *req, struct response *resp)
{
	struct order	 o;
	sqlite3_stmt	*st;
	int64_t		 offer_id, performer = 0, for_whom;
	char		 status[16] = "", detail[64];
	int		 rc;

	if ((rc = order_find(srv, req, resp, &o)) != 0)
		return rc;
	offer_id = req->nids > 1 ? req->ids[1] : 0;
	if ((st = api_prepare(srv->db, "SELECT performer_id, status FROM"
	    " offers WHERE id = ? AND order_id = ?", "ii", offer_id,
	    o.id)) == NULL)
		return api_db_error(resp);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		performer = sqlite3_column_int64(st, 0);
		api_column_text(status, sizeof status, st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return api_db_error(resp);
	/* A performer sees only their own offer, so another's is unknown. */
	if (rc == SQLITE_DONE || (req->user->role == USER_PERFORMER &&
	    performer != req->user->id))
		return api_not_found(resp, "offer");
	if (!acts_as_owner(req->user, &o, &for_whom))
		return forbidden(resp, "only the order's owner, or staff"
		    " acting for them, accepts offers");
	if ((rc = order_if_match(srv, req, resp, &o)) != 0)
		return rc;
	if (strcmp(status, "pending") != 0)
		return conflict(resp, "offer_not_pending",
		    "only a pending offer can be accepted");
	if (!order_is(&o, "open"))
		return conflict(resp, "order_not_open",
		    "the order already has an executor or is closed");
	if (offer_set_status(srv, offer_id, "accepted") != 0 ||
	    offers_changed(srv, api_prepare(srv->db,
	    "UPDATE offers SET status ="
	    " 'rejected', version = version + 1 WHERE order_id = ? AND"
	    " id <> ? AND status = 'pending' RETURNING id", "ii", o.id,
	    offer_id)) < 0 ||
	    api_exec(srv->db, "UPDATE orders SET status = 'in_progress',"
	    " executor_id = ?, work_started_at = NULL WHERE id = ?", "ii",
	    performer, o.id) < 0 ||
	    order_touch(srv, req, o.id) != 0)
		return api_db_error(resp);
	snprintf(detail, sizeof detail, "offer %lld on %s",
	    (long long)offer_id, o.number);
	if (audit_record(srv, req->user, for_whom, "offer.accept", "offer",
	    offer_id, detail) != 0 ||
	    notify_order(srv, performer, "offer_accepted",
	    "Your offer was accepted on", &o, NULL) != 0)
		return api_db_error(resp);
	return reply_order(srv, req, resp, o.id, 200);
}

/* Seed 001 "Приступить к работе": only the assigned executor, only while
 * in progress; the customer is told. */
static int
order_start_work(struct server *srv, struct request *req,
    struct response *resp)
{
	struct order	o;
	int		rc;

	if ((rc = order_find(srv, req, resp, &o)) != 0)
		return rc;
	if (req->user->role != USER_PERFORMER || o.executor_id != req->user->id)
		return forbidden(resp, "only the order's executor starts work");
	if ((rc = order_if_match(srv, req, resp, &o)) != 0)
		return rc;
	if (!order_is(&o, "in_progress"))
		return conflict(resp, "order_not_in_progress",
		    "work starts only on an order in progress");
	if (o.work_started_at != 0)
		return conflict(resp, "work_already_started",
		    "work on this order has already started");
	if (api_exec(srv->db, "UPDATE orders SET work_started_at = ?"
	    " WHERE id = ?", "ii", req->now, o.id) < 0 ||
	    order_touch(srv, req, o.id) != 0 ||
	    audit_order(srv, req, 0, "order.start_work", &o, NULL) != 0 ||
	    notify_order(srv, order_owner(&o), "work_started",
	    "Work has started on", &o, NULL) != 0)
		return api_db_error(resp);
	return reply_order(srv, req, resp, o.id, 200);
}

/* Seed 001 "Отказаться от заказа": the executor walks away with a reason.
 * The order is open again without executor or start time; the executor's
 * own offer is withdrawn ("Отмена отклика исполнителя": rejected, and the
 * UNIQUE keeps them from offering again), the others return to pending
 * ("Возврат всех откликов в статус pending") except those of performers
 * who walked away from this order before; the owner is told the reason. */
static int
order_cancel_work(struct server *srv, struct request *req,
    struct response *resp)
{
	const struct user	*u = req->user;
	struct order		 o;
	const char		*reason = NULL;
	int64_t			 for_whom = 0;
	int			 rc;

	if ((rc = order_find(srv, req, resp, &o)) != 0)
		return rc;
	switch (u->role) {
	case USER_PERFORMER:
		if (o.executor_id == 0 || o.executor_id != u->id)
			return forbidden(resp, "only the order's executor"
			    " withdraws from it");
		break;
	case USER_ADMIN:
	case USER_SUPPORT:
	case USER_MANAGER:
		for_whom = o.executor_id;	/* on the executor's word */
		break;
	default:
		return forbidden(resp, "only the executor, or staff for them,"
		    " cancels work; the owner may cancel the order");
	}
	if ((rc = order_if_match(srv, req, resp, &o)) != 0 ||
	    (rc = body_text(req, resp, "reason", true, REASON_MAX,
	    &reason)) != 0)
		return rc;
	if (!order_is(&o, "in_progress") || o.executor_id == 0)
		return conflict(resp, "order_not_in_progress",
		    "there is no work in progress to cancel");
	/* The audit entry goes first: it is also the record of who walked
	 * away, which the restore below reads. */
	if (audit_order(srv, req, for_whom, "order.cancel_work", &o,
	    reason) != 0 ||
	    offers_changed(srv, api_prepare(srv->db,
	    "UPDATE offers SET status ="
	    " 'rejected', version = version + 1 WHERE order_id = ? AND"
	    " performer_id = ? AND status <> 'rejected' RETURNING id", "ii",
	    o.id, o.executor_id)) < 0 ||
	    offers_changed(srv, api_prepare(srv->db,
	    "UPDATE offers SET status ="
	    " 'pending', version = version + 1 WHERE order_id = ? AND"
	    " status = 'rejected' AND performer_id <> ? AND performer_id NOT IN"
	    " (SELECT CASE WHEN ifnull(on_behalf_of_id, 0) <> 0"
	    "   THEN on_behalf_of_id ELSE actor_id END FROM audit_log"
	    "  WHERE action = 'order.cancel_work' AND ref_type = 'order'"
	    "  AND ref_id = ? AND actor_id IS NOT NULL) RETURNING id", "iii",
	    o.id, o.executor_id, o.id)) < 0 ||
	    api_exec(srv->db, "UPDATE orders SET status = 'open', executor_id ="
	    " NULL, work_started_at = NULL, cancel_work_reason = ?"
	    " WHERE id = ?", "ti", reason, o.id) < 0 ||
	    order_touch(srv, req, o.id) != 0 ||
	    notify_order(srv, order_owner(&o), "work_cancelled",
	    "The performer withdrew from", &o, reason) != 0)
		return api_db_error(resp);
	return reply_order(srv, req, resp, o.id, 200);
}

/* Seed 000 §6: the review completes the order and the accepted offer;
 * it is the customer's review even when staff enter it for them. */
static int
order_complete(struct server *srv, struct request *req,
    struct response *resp)
{
	struct order	 o;
	const char	*text = NULL;
	int64_t		 rating = 0, for_whom, id;
	char		 detail[32];
	int		 rc;

	if ((rc = order_find(srv, req, resp, &o)) != 0)
		return rc;
	if (!acts_as_owner(req->user, &o, &for_whom))
		return forbidden(resp, "only the order's owner, or staff"
		    " acting for them, completes it");
	if ((rc = order_if_match(srv, req, resp, &o)) != 0 ||
	    (rc = api_body_int(req, resp, "rating", true, 1, 5,
	    &rating)) != 0 ||
	    (rc = body_text(req, resp, "review", false, TEXT_MAX,
	    &text)) != 0)
		return rc;
	if (o.checkout)
		return conflict(resp, "not_marketplace",
		    "checkout orders complete on delivery, not by review");
	if (!order_is(&o, "in_progress"))
		return conflict(resp, "order_not_in_progress",
		    "only an order in progress can be completed");
	rc = api_exec(srv->db, "INSERT INTO reviews(order_id, author_id,"
	    " rating, body, created_at) VALUES (?, ?, ?, ?, ?)", "iziti", o.id,
	    order_owner(&o), rating, text, req->now);
	if (rc < 0 && sqlite3_errcode(srv->db) == SQLITE_CONSTRAINT)
		return conflict(resp, "review_exists",
		    "this order already has a review");
	if (rc < 0)
		return api_db_error(resp);
	id = sqlite3_last_insert_rowid(srv->db);
	snprintf(detail, sizeof detail, "rating %lld", (long long)rating);
	if (feed_record(srv, "review", id, "upsert") != 0 ||
	    offers_changed(srv, api_prepare(srv->db,
	    "UPDATE offers SET status ="
	    " 'completed', version = version + 1 WHERE order_id = ? AND"
	    " status = 'accepted' RETURNING id", "i", o.id)) < 0 ||
	    api_exec(srv->db, "UPDATE orders SET status = 'completed'"
	    " WHERE id = ?", "i", o.id) < 0 ||
	    order_touch(srv, req, o.id) != 0 ||
	    audit_order(srv, req, for_whom, "order.complete", &o,
	    detail) != 0 ||
	    notify_order(srv, o.executor_id, "review_received",
	    "The customer completed and reviewed", &o, NULL) != 0)
		return api_db_error(resp);
	return reply_order(srv, req, resp, o.id, 200);
}

/* The owner (or staff) withdraws an open or running order.  Its live
 * offers are rejected, so no performer keeps waiting on it; the executor
 * stays on the row as the record of who had the work. */
static int
order_cancel(struct server *srv, struct request *req, struct response *resp)
{
	struct order	 o;
	const char	*reason = NULL;
	int64_t		 for_whom;
	int		 rc;

	if ((rc = order_find(srv, req, resp, &o)) != 0)
		return rc;
	if (!acts_as_owner(req->user, &o, &for_whom))
		return forbidden(resp, "only the order's owner, or staff"
		    " acting for them, cancels it");
	if ((rc = order_if_match(srv, req, resp, &o)) != 0 ||
	    (rc = body_text(req, resp, "reason", false, REASON_MAX,
	    &reason)) != 0)
		return rc;
	if (!order_is(&o, "open") && !order_is(&o, "in_progress"))
		return conflict(resp, "order_closed",
		    "the order is already completed or cancelled");
	if (offers_changed(srv, api_prepare(srv->db,
	    "UPDATE offers SET status ="
	    " 'rejected', version = version + 1 WHERE order_id = ? AND"
	    " (status = 'pending' OR status = 'accepted') RETURNING id", "i",
	    o.id)) < 0 ||
	    api_exec(srv->db, "UPDATE orders SET status = 'cancelled'"
	    " WHERE id = ?", "i", o.id) < 0 ||
	    order_touch(srv, req, o.id) != 0 ||
	    audit_order(srv, req, for_whom, "order.cancel", &o, reason) != 0 ||
	    notify_order(srv, o.executor_id, "order_cancelled",
	    "The customer cancelled", &o, reason) != 0)
		return api_db_error(resp);
	return reply_order(srv, req, resp, o.id, 200);
}

/* ---- contact purchase ---------------------------------------------------- */

static int
reply_purchase(struct server *srv, struct request *req,
    struct response *resp, int64_t id, int status)
{
	if ((resp->json = feed_render(srv, req->user, "contact_purchase",
	    id)) == NULL)
		return api_db_error(resp);
	return resp->status = status;
}

/* Seed 000 §4: only the performer whose offer was accepted buys the
 * contacts, for 5 EUR, once per order (the UNIQUE says so); the purchase
 * waits as pending until the payment is confirmed. */
static int
contacts_buy(struct server *srv, struct request *req, struct response *resp)
{
	struct order	o;
	int64_t		accepted = 0, id;
	int		rc;

	if ((rc = order_find(srv, req, resp, &o)) != 0)
		return rc;
	if (req->user->role == USER_PERFORMER && (rc = api_int(srv->db,
	    &accepted, "SELECT count(*) FROM offers WHERE order_id = ? AND"
	    " performer_id = ? AND status = 'accepted'", "ii", o.id,
	    req->user->id)) != 1)
		return api_db_error(resp);
	if (accepted == 0)
		return forbidden(resp, "only the performer whose offer was"
		    " accepted buys the contacts");
	if ((rc = order_if_match(srv, req, resp, &o)) != 0)
		return rc;
	rc = api_exec(srv->db, "INSERT INTO contact_purchases(order_id,"
	    " performer_id, price_minor, currency, status, created_at)"
	    " VALUES (?, ?, ?, ?, 'pending', ?)", "iiiti", o.id, req->user->id,
	    (int64_t)CONTACTS_PRICE_MINOR, CONTACTS_CURRENCY, req->now);
	if (rc < 0 && sqlite3_errcode(srv->db) == SQLITE_CONSTRAINT)
		return conflict(resp, "purchase_exists",
		    "you already bought the contacts of this order");
	id = sqlite3_last_insert_rowid(srv->db);
	if (rc < 0 ||
	    feed_record(srv, "contact_purchase", id, "upsert") != 0 ||
	    audit_order(srv, req, 0, "order.contact_purchase", &o,
	    "5.00 EUR") != 0)
		return api_db_error(resp);
	return reply_purchase(srv, req, resp, id, 201);
}

/* Stands in for the payment provider's webhook (seed 000, "POST
 * /api/stripe/webhook"): an admin confirms any purchase; with --demo a
 * performer may confirm their own, so the whole cycle can be tried
 * without a payment provider.  The customer is told their contacts were
 * bought. */
static int
contacts_confirm(struct server *srv, struct request *req,
    struct response *resp)
{
	const struct user	*u = req->user;
	struct order		 o;
	int64_t			 performer, id = 0;
	char			 status[16] = "";
	sqlite3_stmt		*st;
	int			 rc;

	if ((rc = order_find(srv, req, resp, &o)) != 0)
		return rc;
	if (u->role == USER_PERFORMER) {
		if (!srv->demo)
			return forbidden(resp, "payments are confirmed by the"
			    " payment provider (self-confirmation only in"
			    " demo mode)");
		performer = u->id;
	} else if (u->role == USER_ADMIN) {
		performer = o.executor_id;
		if ((rc = api_body_int(req, resp, "performer_id", false, 1,
		    INT64_MAX, &performer)) != 0)
			return rc;
	} else
		return forbidden(resp, "only an admin confirms payments");
	if ((rc = order_if_match(srv, req, resp, &o)) != 0)
		return rc;
	if ((st = api_prepare(srv->db, "SELECT id, status FROM"
	    " contact_purchases WHERE order_id = ? AND performer_id = ?",
	    "ii", o.id, performer)) == NULL)
		return api_db_error(resp);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		api_column_text(status, sizeof status, st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return api_db_error(resp);
	if (id == 0)
		return conflict(resp, "no_purchase",
		    "there is no contact purchase to confirm");
	if (strcmp(status, "pending") != 0)
		return conflict(resp, "already_paid",
		    "this purchase is not waiting for payment");
	/* The order row is unchanged, but what the buyer sees of it is
	 * not: the feed sends it again so their copy gains the contacts. */
	if (api_exec(srv->db, "UPDATE contact_purchases SET status = 'paid',"
	    " paid_at = ? WHERE id = ?", "ii", req->now, id) < 0 ||
	    feed_record(srv, "contact_purchase", id, "upsert") != 0 ||
	    feed_record(srv, "order", o.id, "upsert") != 0 ||
	    audit_order(srv, req, u->role == USER_ADMIN ? performer : 0,
	    "order.contact_purchase_paid", &o,
	    srv->demo && u->role == USER_PERFORMER ? "demo confirmation" :
	    "confirmed by admin") != 0 ||
	    notify_order(srv, order_owner(&o), "contacts_purchased",
	    "A performer bought your contacts on", &o, NULL) != 0)
		return api_db_error(resp);
	return reply_purchase(srv, req, resp, id, 200);
}

/* ---- checkout orders ----------------------------------------------------- */

/* Staff who sell in the chat build the cart and send the link (seed 002:
 * the shop's manager and the support team answer the customer); money is
 * received by those who handle money: admin, billing and the shop's
 * manager.  Neither is the shop owner's (client) job in the back office. */
static bool
may_sell(const struct user *u)
{
	return u->role == USER_ADMIN || u->role == USER_MANAGER ||
	    u->role == USER_SUPPORT;
}

static bool
may_take_payment(const struct user *u)
{
	return u->role == USER_ADMIN || u->role == USER_MANAGER ||
	    u->role == USER_BILLING;
}

static int
checkout_find(struct server *srv, struct request *req, struct response *resp,
    struct order *o, bool (*may)(const struct user *), const char *who)
{
	int rc;

	if ((rc = order_find(srv, req, resp, o)) != 0)
		return rc;
	if (!may(req->user))
		return forbidden(resp, who);
	if ((rc = order_if_match(srv, req, resp, o)) != 0)
		return rc;
	if (!o->checkout)
		return conflict(resp, "not_checkout",
		    "carts and payment status belong to checkout orders");
	return 0;
}

/* A whole number in [min, max] at lines[i].key, as api_body_int checks a
 * top-level field. */
static int
line_int(struct response *resp, const cJSON *l, int i, const char *key,
    int64_t min, int64_t max, int64_t *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(l, key);
	char		 field[64], msg[160];

	snprintf(field, sizeof field, "lines[%d].%s", i, key);
	if (v == NULL || cJSON_IsNull(v)) {
		snprintf(msg, sizeof msg, "%s is required", field);
		return api_error(resp, 422, "missing_field", msg, field);
	}
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble != floor(v->valuedouble)) {
		snprintf(msg, sizeof msg, "%s must be an integer", field);
		return api_error(resp, 422, "invalid_type", msg, field);
	}
	/* Range before the cast: a double beyond int64 is undefined. */
	if (v->valuedouble < (double)min || v->valuedouble > (double)max) {
		snprintf(msg, sizeof msg, "%s must be between %lld and %lld",
		    field, (long long)min, (long long)max);
		return api_error(resp, 422, "out_of_range", msg, field);
	}
	*out = (int64_t)v->valuedouble;
	return 0;
}

struct cart {
	struct billing_line	 line[LINES_MAX];
	int64_t			 sku[LINES_MAX];
	const char		*name[LINES_MAX];
	size_t			 n;
};

/* The cart of a PUT …/lines body, checked whole before anything is
 * written. */
static int
cart_parse(struct request *req, struct response *resp, struct cart *c)
{
	const cJSON	*lines, *l, *v;
	char		 field[64], msg[160];
	int		 rc, i = 0;

	lines = req->body != NULL ?
	    cJSON_GetObjectItemCaseSensitive(req->body, "lines") : NULL;
	if (lines == NULL || cJSON_IsNull(lines))
		return api_error(resp, 422, "missing_field",
		    "lines is required", "lines");
	if (!cJSON_IsArray(lines))
		return api_error(resp, 422, "invalid_type",
		    "lines must be an array", "lines");
	if (cJSON_GetArraySize(lines) < 1 ||
	    cJSON_GetArraySize(lines) > LINES_MAX)
		return api_error(resp, 422, "out_of_range",
		    "a cart has 1 to 200 lines", "lines");
	c->n = 0;
	cJSON_ArrayForEach(l, lines) {
		struct billing_line *bl = &c->line[c->n];

		if (!cJSON_IsObject(l)) {
			snprintf(field, sizeof field, "lines[%d]", i);
			return api_error(resp, 422, "invalid_type",
			    "a line is an object", field);
		}
		if ((rc = line_int(resp, l, i, "sku", 0, MONEY_MAX,
		    &c->sku[c->n])) != 0 ||
		    (rc = line_int(resp, l, i, "quantity", 1, QUANTITY_MAX,
		    &bl->quantity)) != 0 ||
		    (rc = line_int(resp, l, i, "unit_price_minor", 0,
		    MONEY_MAX / QUANTITY_MAX, &bl->unit_price_minor)) != 0)
			return rc;
		v = cJSON_GetObjectItemCaseSensitive(l, "name");
		snprintf(field, sizeof field, "lines[%d].name", i);
		if (!cJSON_IsString(v) || blank(v->valuestring)) {
			snprintf(msg, sizeof msg, "%s is required", field);
			return api_error(resp, 422, "missing_field", msg,
			    field);
		}
		c->name[c->n++] = v->valuestring;
		i++;
	}
	return 0;
}

/* Replaces the cart of an open, unpaid checkout order and recomputes its
 * totals with billing's checkout_compute() (seed 002: products_sum =
 * Σ quantity × unit price; delivery once per order, waived when the
 * products reach the threshold, inclusive; total = products + delivery).
 * The link already sent was for the old cart, and seed 002 says a new
 * cart makes the old link invalid, so the payment status goes back to
 * no_payment_link.  The delivery fee comes with the cart because the
 * order stores only what was charged (0 when waived), and the KB is "the
 * single source of truth" for prices, which the client re-reads. */
static int
checkout_set_lines(struct server *srv, struct request *req,
    struct response *resp)
{
	struct order		 o;
	struct cart		*c;
	struct checkout_totals	 t;
	int64_t			 fee, threshold;
	int			 rc;

	if ((rc = checkout_find(srv, req, resp, &o, may_sell,
	    "only sales staff edit a cart")) != 0)
		return rc;
	if ((rc = api_body_int(req, resp, "delivery_fee_minor", true, 0,
	    MONEY_MAX, &fee)) != 0)
		return rc;
	threshold = o.free_delivery_minor;
	if ((rc = api_body_int(req, resp, "free_delivery_minor", false, 0,
	    MONEY_MAX, &threshold)) != 0)
		return rc;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return api_error(resp, 500, "internal", "out of memory", NULL);
	if ((rc = cart_parse(req, resp, c)) != 0)
		goto out;
	if (!order_is(&o, "open")) {
		rc = conflict(resp, "order_not_open",
		    "only an open order's cart can change");
		goto out;
	}
	if (strcmp(o.payment_status, "paid") == 0) {
		rc = conflict(resp, "already_paid",
		    "a paid cart cannot change");
		goto out;
	}
	if (checkout_compute(c->line, c->n, fee, threshold, &t) !=
	    BILLING_OK) {
		rc = api_error(resp, 422, "out_of_range",
		    "the cart's total does not fit", "lines");
		goto out;
	}
	/* Lines are embedded in the order's feed row, so the order's own
	 * record below carries them; they have no feed entries of their
	 * own. */
	if (api_exec(srv->db, "DELETE FROM order_lines WHERE order_id = ?", "i",
	    o.id) < 0) {
		rc = api_db_error(resp);
		goto out;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (api_exec(srv->db, "INSERT INTO order_lines(order_id, sku,"
		    " name, quantity, unit_price_minor, amount_minor)"
		    " VALUES (?, ?, ?, ?, ?, ?)", "iitiii", o.id, c->sku[i],
		    c->name[i], c->line[i].quantity,
		    c->line[i].unit_price_minor,
		    c->line[i].amount_minor) < 0) {
			rc = api_db_error(resp);
			goto out;
		}
	}
	if (api_exec(srv->db, "UPDATE orders SET products_sum_minor = ?,"
	    " delivery_minor = ?, free_delivery_minor = ?, total_minor = ?,"
	    " payment_status = 'no_payment_link' WHERE id = ?", "iiini",
	    t.products_sum_minor, t.delivery_minor, threshold, t.total_minor,
	    o.id) < 0 ||
	    order_touch(srv, req, o.id) != 0 ||
	    audit_order(srv, req, 0, "order.set_lines", &o, NULL) != 0) {
		rc = api_db_error(resp);
		goto out;
	}
	rc = reply_order(srv, req, resp, o.id, 200);
out:
	free(c);
	return rc;
}

/* no_payment_link → payment_link_sent, and again for each new link
 * (seed 002: "set each time a new link is sent"); never from paid, and
 * never for a free order ("Free orders never request payment"). */
static int
checkout_payment_link(struct server *srv, struct request *req,
    struct response *resp)
{
	struct order	o;
	int		rc;

	if ((rc = checkout_find(srv, req, resp, &o, may_sell,
	    "only sales staff send payment links")) != 0)
		return rc;
	if (!order_is(&o, "open"))
		return conflict(resp, "order_not_open",
		    "payment links go only to open orders");
	if (strcmp(o.payment_status, "paid") == 0)
		return conflict(resp, "illegal_payment_transition",
		    "the order is already paid");
	if (o.total_minor <= 0)
		return conflict(resp, "nothing_to_pay",
		    "a free order needs no payment link");
	if (api_exec(srv->db, "UPDATE orders SET payment_status ="
	    " 'payment_link_sent' WHERE id = ?", "i", o.id) < 0 ||
	    order_touch(srv, req, o.id) != 0 ||
	    audit_order(srv, req, 0, "order.payment_link", &o, NULL) != 0)
		return api_db_error(resp);
	return reply_order(srv, req, resp, o.id, 200);
}

/* payment_link_sent → paid, and only from there: a payment needs a link.
 * Seed 002 is "pay first, then book", so the paid order goes in
 * progress, as the demo's paid orders are. */
static int
checkout_mark_paid(struct server *srv, struct request *req,
    struct response *resp)
{
	struct order	o;
	int		rc;

	if ((rc = checkout_find(srv, req, resp, &o, may_take_payment,
	    "only admin, billing or the shop's manager record payments")) !=
	    0)
		return rc;
	if (!order_is(&o, "open"))
		return conflict(resp, "order_not_open",
		    "only an open order can be paid");
	if (strcmp(o.payment_status, "payment_link_sent") != 0)
		return conflict(resp, "illegal_payment_transition",
		    strcmp(o.payment_status, "paid") == 0 ?
		    "the order is already paid" :
		    "no payment link was sent for this order");
	if (api_exec(srv->db, "UPDATE orders SET payment_status = 'paid',"
	    " status = 'in_progress' WHERE id = ?", "i", o.id) < 0 ||
	    order_touch(srv, req, o.id) != 0 ||
	    audit_order(srv, req, 0, "order.mark_paid", &o, NULL) != 0)
		return api_db_error(resp);
	return reply_order(srv, req, resp, o.id, 200);
}

const struct route order_routes[] = {
	{ "POST", "/api/v1/orders", ROUTE_WRITE, order_create },
	{ "GET", "/api/v1/orders/{id}", 0, order_get },
	{ "GET", "/api/v1/orders/{id}/offers", 0, offers_list },
	{ "POST", "/api/v1/orders/{id}/offers", ROUTE_WRITE, offer_create },
	{ "POST", "/api/v1/orders/{id}/offers/{id}/accept", ROUTE_WRITE,
	    offer_accept },
	{ "POST", "/api/v1/orders/{id}/start-work", ROUTE_WRITE,
	    order_start_work },
	{ "POST", "/api/v1/orders/{id}/cancel-work", ROUTE_WRITE,
	    order_cancel_work },
	{ "POST", "/api/v1/orders/{id}/complete", ROUTE_WRITE,
	    order_complete },
	{ "POST", "/api/v1/orders/{id}/cancel", ROUTE_WRITE, order_cancel },
	{ "POST", "/api/v1/orders/{id}/contact-purchase", ROUTE_WRITE,
	    contacts_buy },
	{ "POST", "/api/v1/orders/{id}/contact-purchase/confirm", ROUTE_WRITE,
	    contacts_confirm },
	{ "PUT", "/api/v1/orders/{id}/lines", ROUTE_WRITE,
	    checkout_set_lines },
	{ "POST", "/api/v1/orders/{id}/payment-link", ROUTE_WRITE,
	    checkout_payment_link },
	{ "POST", "/api/v1/orders/{id}/mark-paid", ROUTE_WRITE,
	    checkout_mark_paid },
	{ NULL, NULL, 0, NULL }
};
