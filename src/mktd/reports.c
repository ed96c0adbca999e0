/* Reports: debt per company, aging buckets per currency, revenue per month
 * per currency.  Read-only, computed on the fly from invoices and
 * payments with billing.h's date and aging rules, "today" being the
 * request's UTC day.
 *
 * Scope: admin, billing and support see every company; a manager the
 * companies they manage; a client the companies they own; a performer
 * has no reports (404).
 *
 *   GET /api/v1/reports/debt     per company and currency: Σ amount_due
 *       of sent and overdue invoices, the oldest unpaid due date and its
 *       days overdue, and the company's block state; plus totals per
 *       currency.
 *   GET /api/v1/reports/aging    per currency: amount due of sent and
 *       overdue invoices in current, 1-30, 31-60, 61-90, 90+ days past
 *       due (aging_bucket_for); the buckets sum to the debt.
 *   GET /api/v1/reports/revenue?from=YYYY-MM-DD&to=YYYY-MM-DD
 *       confirmed payments by paid_at (UTC) month and currency, both
 *       ends inclusive and optional. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "billing.h"

/* Binds the scope parameters ?1 all, ?2 manager, ?3 client, ?4 me. */
#define SCOPE	"(?1 OR (?2 AND c.manager_id = ?4) OR (?3 AND c.owner_id = ?4))"

/* The statement with the caller's scope bound (see SCOPE), or NULL. */
static sqlite3_stmt *
scoped(struct server *srv, const struct user *u, const char *sql)
{
	sqlite3_stmt *st;
	int all = u->role == USER_ADMIN || u->role == USER_BILLING ||
	    u->role == USER_SUPPORT;

	if (sqlite3_prepare_v2(srv->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int(st, 1, all);
	sqlite3_bind_int(st, 2, u->role == USER_MANAGER);
	sqlite3_bind_int(st, 3, u->role == USER_CLIENT);
	sqlite3_bind_int64(st, 4, u->id);
	return st;
}

static int
report_start(struct request *req, struct response *resp, int32_t *today,
    char *buf, size_t len)
{
	if (req->user->role == USER_PERFORMER)
		return api_not_found(resp, "route");
	if (billing_day_from_unix(req->now, today) != BILLING_OK ||
	    billing_date_format(*today, buf, len) != BILLING_OK)
		return api_db_error(resp);
	return 0;
}

/* Adds amount to totals[currency]. */
static void
total_add(cJSON *totals, const char *currency, const char *key,
    int64_t amount)
{
	cJSON *e, *o;

	cJSON_ArrayForEach(e, totals) {
		cJSON *c = cJSON_GetObjectItem(e, "currency");

		if (strcmp(c->valuestring, currency) == 0) {
			cJSON *v = cJSON_GetObjectItem(e, key);

			cJSON_SetNumberValue(v, v->valuedouble + (double)amount);
			return;
		}
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "currency", currency);
	cJSON_AddNumberToObject(o, key, (double)amount);
	cJSON_AddItemToArray(totals, o);
}

static const char *
col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s != NULL ? (const char *)s : "";
}

/* ---- GET /reports/debt -------------------------------------------------- */

static int
report_debt(struct server *srv, struct request *req, struct response *resp)
{
	sqlite3_stmt *st;
	char today_s[16];
	int32_t today, due;
	cJSON *out, *rows, *totals;
	int rc;

	if ((rc = report_start(req, resp, &today, today_s, sizeof today_s)) != 0)
		return rc;
	if ((st = scoped(srv, req->user, "SELECT c.id, c.name, c.block_state, "
	    "i.currency, sum(i.amount_due_minor), count(*), min(i.due_date), "
	    "sum(i.status = 'overdue') FROM invoices i JOIN companies c ON "
	    "c.id = i.company_id WHERE i.status IN ('sent', 'overdue') AND "
	    SCOPE " GROUP BY c.id, i.currency ORDER BY c.id, i.currency")) ==
	    NULL)
		return api_db_error(resp);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "as_of", today_s);
	rows = cJSON_AddArrayToObject(out, "companies");
	totals = cJSON_AddArrayToObject(out, "totals");
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		const char *oldest = col_text(st, 6);
		int days = 0;

		if (billing_date_parse(oldest, &due) == BILLING_OK)
			days = billing_days_overdue(due, today);
		cJSON_AddNumberToObject(o, "company_id",
		    (double)sqlite3_column_int64(st, 0));
		cJSON_AddStringToObject(o, "company_name", col_text(st, 1));
		cJSON_AddStringToObject(o, "block_state", col_text(st, 2));
		cJSON_AddStringToObject(o, "currency", col_text(st, 3));
		cJSON_AddNumberToObject(o, "debt_minor",
		    (double)sqlite3_column_int64(st, 4));
		cJSON_AddNumberToObject(o, "invoices",
		    (double)sqlite3_column_int64(st, 5));
		cJSON_AddNumberToObject(o, "overdue_invoices",
		    (double)sqlite3_column_int64(st, 7));
		if (oldest[0] != '\0')
			cJSON_AddStringToObject(o, "oldest_due_date", oldest);
		else
			cJSON_AddNullToObject(o, "oldest_due_date");
		cJSON_AddNumberToObject(o, "days_overdue", days);
		total_add(totals, col_text(st, 3), "debt_minor",
		    sqlite3_column_int64(st, 4));
		cJSON_AddItemToArray(rows, o);
	}
	sqlite3_finalize(st);
	resp->json = out;
	return resp->status = 200;
}

/* ---- GET /reports/aging ------------------------------------------------- */

static int
report_aging(struct server *srv, struct request *req, struct response *resp)
{
	static const enum aging_bucket order[] = { AGING_CURRENT, AGING_1_30,
	    AGING_31_60, AGING_61_90, AGING_90_PLUS };
	sqlite3_stmt *st;
	char today_s[16];
	int32_t today, due;
	cJSON *out, *cur;
	int rc;

	if ((rc = report_start(req, resp, &today, today_s, sizeof today_s)) != 0)
		return rc;
	if ((st = scoped(srv, req->user, "SELECT i.currency, i.due_date, "
	    "i.amount_due_minor FROM invoices i JOIN companies c ON "
	    "c.id = i.company_id WHERE i.status IN ('sent', 'overdue') AND "
	    SCOPE " ORDER BY i.currency")) == NULL)
		return api_db_error(resp);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "as_of", today_s);
	cJSON_AddItemToObject(out, "buckets", cJSON_CreateStringArray(
	    (const char *const[]){ "current", "1-30", "31-60", "61-90",
	    "90+" }, 5));
	cur = cJSON_AddArrayToObject(out, "currencies");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *currency = col_text(st, 0);
		int64_t amount = sqlite3_column_int64(st, 2);
		enum aging_bucket b = AGING_CURRENT;
		cJSON *e, *row = NULL, *v;

		if (billing_date_parse(col_text(st, 1), &due) == BILLING_OK)
			b = aging_bucket_for(due, today);
		cJSON_ArrayForEach(e, cur)
			if (strcmp(cJSON_GetObjectItem(e, "currency")->valuestring,
			    currency) == 0)
				row = e;
		if (row == NULL) {
			cJSON *bk;

			row = cJSON_CreateObject();
			cJSON_AddStringToObject(row, "currency", currency);
			bk = cJSON_AddObjectToObject(row, "buckets");
			for (size_t i = 0; i < 5; i++)
				cJSON_AddNumberToObject(bk,
				    aging_bucket_name(order[i]), 0);
			cJSON_AddNumberToObject(row, "total_minor", 0);
			cJSON_AddNumberToObject(row, "invoices", 0);
			cJSON_AddItemToArray(cur, row);
		}
		v = cJSON_GetObjectItem(cJSON_GetObjectItem(row, "buckets"),
		    aging_bucket_name(b));
		cJSON_SetNumberValue(v, v->valuedouble + (double)amount);
		v = cJSON_GetObjectItem(row, "total_minor");
		cJSON_SetNumberValue(v, v->valuedouble + (double)amount);
		v = cJSON_GetObjectItem(row, "invoices");
		cJSON_SetNumberValue(v, v->valuedouble + 1);
	}
	sqlite3_finalize(st);
	resp->json = out;
	return resp->status = 200;
}

/* ---- GET /reports/revenue ----------------------------------------------- */

static int
report_revenue(struct server *srv, struct request *req,
    struct response *resp)
{
	sqlite3_stmt *st;
	char today_s[16];
	const char *from = api_query(req, "from"), *to = api_query(req, "to");
	int32_t today, df = 0, dt = 0;
	int64_t t0 = INT64_MIN, t1 = INT64_MAX;
	cJSON *out, *months, *totals;
	int rc;

	if ((rc = report_start(req, resp, &today, today_s, sizeof today_s)) != 0)
		return rc;
	if (from != NULL && *from != '\0') {
		if (billing_date_parse(from, &df) != BILLING_OK)
			return api_error(resp, 422, "invalid_value",
			    "from is 'YYYY-MM-DD'", "from");
		t0 = (int64_t)df * 86400;
	} else
		from = NULL;
	if (to != NULL && *to != '\0') {
		if (billing_date_parse(to, &dt) != BILLING_OK)
			return api_error(resp, 422, "invalid_value",
			    "to is 'YYYY-MM-DD'", "to");
		t1 = ((int64_t)dt + 1) * 86400;
	} else
		to = NULL;
	if (from != NULL && to != NULL && dt < df)
		return api_error(resp, 422, "invalid_period",
		    "to is before from", "to");
	if ((st = scoped(srv, req->user, "SELECT strftime('%Y-%m', p.paid_at, "
	    "'unixepoch') AS month, p.currency, sum(p.amount_minor), count(*) "
	    "FROM payments p JOIN invoices i ON i.id = p.invoice_id "
	    "JOIN companies c ON c.id = i.company_id WHERE "
	    "p.status = 'confirmed' AND p.paid_at >= ?5 AND p.paid_at < ?6 AND "
	    SCOPE " GROUP BY month, p.currency ORDER BY month, p.currency")) ==
	    NULL)
		return api_db_error(resp);
	sqlite3_bind_int64(st, 5, t0);
	sqlite3_bind_int64(st, 6, t1);
	out = cJSON_CreateObject();
	if (from != NULL)
		cJSON_AddStringToObject(out, "from", from);
	else
		cJSON_AddNullToObject(out, "from");
	if (to != NULL)
		cJSON_AddStringToObject(out, "to", to);
	else
		cJSON_AddNullToObject(out, "to");
	months = cJSON_AddArrayToObject(out, "months");
	totals = cJSON_AddArrayToObject(out, "totals");
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "month", col_text(st, 0));
		cJSON_AddStringToObject(o, "currency", col_text(st, 1));
		cJSON_AddNumberToObject(o, "amount_minor",
		    (double)sqlite3_column_int64(st, 2));
		cJSON_AddNumberToObject(o, "payments",
		    (double)sqlite3_column_int64(st, 3));
		total_add(totals, col_text(st, 1), "amount_minor",
		    sqlite3_column_int64(st, 2));
		cJSON_AddItemToArray(months, o);
	}
	sqlite3_finalize(st);
	resp->json = out;
	return resp->status = 200;
}

const struct route report_routes[] = {
	{ "GET", "/api/v1/reports/debt", 0, report_debt },
	{ "GET", "/api/v1/reports/aging", 0, report_aging },
	{ "GET", "/api/v1/reports/revenue", 0, report_revenue },
	{ NULL, NULL, 0, NULL }
};
