/* Invoices, billing runs, overdue marking and reports against a real mktd
 * on loopback: draft totals, gapless numbers and due dates on issue,
 * partial and full payments, over-payment, cancellation rules, the
 * billing run and its idempotence, mark-overdue (on demand and by the
 * timer) with the company's block state, the debt, aging and revenue
 * reports checked against SQL over the database, the role matrix,
 * idempotent retries and stale If-Match.
 *
 * One mktd --demo serves the whole file, with MKTD_OVERDUE_INTERVAL=1.
 * The database is read read-only, except that the overdue tests backdate
 * a due date through a second connection (time passing). */
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

#include <sqlite3.h>

#include "billing.h"
#include "harness.h"

static struct {
	struct mktd	*m;
	sqlite3		*db;		/* read-only */
	sqlite3		*rw;		/* for backdating only */
	char		*tok[NROLES];
	int64_t		 uid[NROLES];
	int64_t		 shared;	/* managed by manager@, owned by client@ */
	int64_t		 foreign;	/* neither */
	int		 keyn;
} t;

/* ---- database ----------------------------------------------------------- */

static void
backdate(int64_t invoice, int days)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(t.rw, "UPDATE invoices SET due_date = "
	    "date('now', ?) WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		fail_msg("backdate: %s", sqlite3_errmsg(t.rw));
	{
		char mod[32];

		snprintf(mod, sizeof mod, "-%d days", days);
		sqlite3_bind_text(st, 1, mod, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(st, 2, invoice);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* ---- requests ----------------------------------------------------------- */

static struct api_reply
call(enum role r, const char *method, const char *path, const char *body,
    int64_t if_match, const char *key)
{
	char im[64], ik[160];
	const char *extra[3] = { NULL, NULL, NULL };
	int n = 0;

	if (if_match >= 0) {
		snprintf(im, sizeof im, "If-Match: \"%lld\"",
		    (long long)if_match);
		extra[n++] = im;
	}
	if (key != NULL) {
		snprintf(ik, sizeof ik, "Idempotency-Key: %s", key);
		extra[n++] = ik;
	}
	return api_call(t.m, t.tok[r], method, path,
	    strcmp(method, "GET") == 0 ? NULL : body != NULL ? body : "{}",
	    extra);
}

static struct api_reply
act(enum role r, int64_t id, const char *action, const char *body)
{
	char path[128];

	snprintf(path, sizeof path, "/api/v1/invoices/%lld/%s", (long long)id,
	    action);
	return call(r, "POST", path, body, -1, NULL);
}

static int64_t
num(const cJSON *j, const char *path)
{
	return (int64_t)json_num(j, path, -1);
}

/* A draft for company with two lines (2 × 1050 + 1 × 333) by role r. */
static int64_t
draft(enum role r, int64_t company)
{
	char body[512];
	struct api_reply rep;
	int64_t id;

	snprintf(body, sizeof body, "{\"company_id\":%lld,\"kind\":"
	    "\"additional\",\"lines\":[{\"description\":\"Setup\","
	    "\"quantity\":2,\"unit_price_minor\":1050},{\"description\":"
	    "\"Extra\",\"quantity\":1,\"unit_price_minor\":333}]}",
	    (long long)company);
	rep = call(r, "POST", "/api/v1/invoices", body, -1, NULL);
	expect_status(rep, 201);
	id = num(rep.json, "id");
	api_reply_free(&rep);
	return id;
}

static int64_t
issued(int64_t company)
{
	int64_t id = draft(ADMIN, company);
	struct api_reply rep = act(BILLING, id, "issue", NULL);

	expect_status(rep, 200);
	api_reply_free(&rep);
	return id;
}

static struct api_reply
pay(enum role r, int64_t id, int64_t amount)
{
	char body[160];

	snprintf(body, sizeof body, "{\"amount_minor\":%lld,\"method\":"
	    "\"bank_transfer\",\"reference\":\"T-%lld\"}", (long long)amount,
	    (long long)id);
	return act(r, id, "payments", body);
}

static int32_t
today(void)
{
	int32_t d;

	assert_int_equal(billing_day_from_unix((int64_t)time(NULL), &d), 0);
	return d;
}

/* ---- setup -------------------------------------------------------------- */

static int
group_setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof t);
	setenv("MKTD_OVERDUE_INTERVAL", "1", 1);
	if ((t.m = mktd_start(true)) == NULL ||
	    demo_login(t.m, NROLES, role_email, t.tok, t.uid) != 0 ||
	    sqlite3_open_v2(mktd_db_path(t.m), &t.rw, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK)
		return -1;
	t.db = mktd_db(t.m);
	sqlite3_busy_timeout(t.rw, 5000);
	t.shared = db_int(t.db, 0, "SELECT id FROM companies WHERE manager_id = ? "
	    "AND owner_id = ? ORDER BY id", 2, t.uid[MANAGER], t.uid[CLIENT]);
	t.foreign = db_int(t.db, 0, "SELECT id FROM companies WHERE manager_id IS "
	    "NOT ? AND owner_id IS NOT ? ORDER BY id", 2, t.uid[MANAGER],
	    t.uid[CLIENT]);
	return t.shared > 0 && t.foreign > 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (t.rw != NULL)
		sqlite3_close(t.rw);
	return demo_finish(t.m, NROLES, t.tok);
}

/* ---- drafts ------------------------------------------------------------- */

static void
test_draft_totals(void **state)
{
	/* An EU company without a verified VAT number pays VAT. */
	int64_t co = db_int(t.db, 0, "SELECT id FROM companies WHERE is_eu = 1 AND "
	    "vat_verified = 0 AND country = 'ES' ORDER BY id", 0);
	struct billing_line bl[2] = { { 2, 1050, 0 }, { 1, 333, 0 } };
	struct invoice_adjust adj = { .discount_minor = 100, .vat_bp = 2100 };
	struct invoice_totals want;
	struct api_reply rep;
	char body[512];

	(void)state;
	assert_true(co > 0);
	assert_int_equal(invoice_compute(bl, 2, &adj, &want), 0);
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"kind\":"
	    "\"additional\",\"discount_minor\":100,\"notes\":\"n\",\"lines\":["
	    "{\"description\":\"Setup\",\"quantity\":2,\"unit_price_minor\":"
	    "1050,\"fee_breakdown\":\"agency fee 20 %%\"},{\"description\":"
	    "\"Extra\",\"quantity\":1,\"unit_price_minor\":333,\"ref_kind\":"
	    "\"order\",\"ref_id\":7}]}", (long long)co);
	rep = call(ADMIN, "POST", "/api/v1/invoices", body, -1, NULL);
	expect_status(rep, 201);
	assert_string_equal(json_str(rep.json, "status"), "draft");
	assert_null(json_str(rep.json, "number"));
	assert_int_equal(num(rep.json, "subtotal_minor"), 2433);
	assert_int_equal(num(rep.json, "discount_minor"), 100);
	assert_int_equal(num(rep.json, "tax_minor"), want.tax_minor);
	assert_int_equal(num(rep.json, "tax_minor"), 490);	/* 2333 × 21 % */
	assert_int_equal(num(rep.json, "total_minor"), 2823);
	assert_int_equal(num(rep.json, "amount_due_minor"), 2823);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(rep.json,
	    "lines")), 2);
	{
		char *cur = NULL;
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(t.db, "SELECT "
		    "invoice_currency FROM companies WHERE id = ?", -1, &st,
		    NULL), SQLITE_OK);
		sqlite3_bind_int64(st, 1, co);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		cur = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		assert_string_equal(json_str(rep.json, "currency"), cur);
		free(cur);
	}
	api_reply_free(&rep);

	/* Bad bodies change nothing. */
	{
		int64_t before = db_int(t.db, -1, "SELECT count(*) FROM invoices", 0);
		static const char *const bad[] = {
			"{\"company_id\":1,\"kind\":\"bogus\",\"lines\":[{"
			    "\"description\":\"a\",\"quantity\":1,"
			    "\"unit_price_minor\":1}]}",
			"{\"company_id\":1,\"kind\":\"final\",\"lines\":[]}",
			"{\"company_id\":1,\"kind\":\"final\",\"lines\":[{"
			    "\"description\":\"a\",\"quantity\":0,"
			    "\"unit_price_minor\":1}]}",
			"{\"company_id\":1,\"kind\":\"final\",\"lines\":[{"
			    "\"description\":\"a\",\"quantity\":1,"
			    "\"unit_price_minor\":\"1\"}]}",
			"{\"company_id\":1,\"kind\":\"final\",\"currency\":"
			    "\"eur\",\"lines\":[{\"description\":\"a\","
			    "\"quantity\":1,\"unit_price_minor\":1}]}",
			"{\"company_id\":1,\"kind\":\"final\",\"discount_minor\""
			    ":5,\"lines\":[{\"description\":\"a\","
			    "\"quantity\":1,\"unit_price_minor\":1}]}",
			"{\"kind\":\"final\",\"lines\":[{\"description\":\"a\","
			    "\"quantity\":1,\"unit_price_minor\":1}]}",
		};

		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			rep = call(ADMIN, "POST", "/api/v1/invoices", bad[i],
			    -1, NULL);
			if (rep.status != 400 && rep.status != 422)
				fail_msg("bad body %zu: %ld %s", i, rep.status,
				    rep.body);
			api_reply_free(&rep);
		}
		assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM invoices", 0),
		    before);
	}
}

/* ---- agency fee lines --------------------------------------------------- */

/* The fee_breakdown of an invoice's first line, read back with GET. */
static char *
line_breakdown(int64_t id, int64_t *amount)
{
	char path[96];
	struct api_reply rep;
	char *s;

	snprintf(path, sizeof path, "/api/v1/invoices/%lld", (long long)id);
	rep = call(BILLING, "GET", path, NULL, -1, NULL);
	expect_status(rep, 200);
	assert_non_null(json_str(rep.json, "lines.0.fee_breakdown"));
	s = strdup(json_str(rep.json, "lines.0.fee_breakdown"));
	*amount = num(rep.json, "lines.0.amount_minor");
	api_reply_free(&rep);
	return s;
}

static void
test_agency_fee_line(void **state)
{
	char body[512], *why;
	struct api_reply rep;
	int64_t id, amount;

	(void)state;
	/* Seed 004's quote: 550000 IQD, expert + repeat, 23 % = 126500. */
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"kind\":\"deposit\","
	    "\"currency\":\"IQD\",\"lines\":[{\"agency_fee\":{\"budget_minor\":"
	    "550000,\"modifiers\":[{\"factor\":\"creator_level\",\"key\":"
	    "\"expert\"},{\"factor\":\"client_type\",\"key\":\"repeat\"}]}}]}",
	    (long long)t.shared);
	rep = call(BILLING, "POST", "/api/v1/invoices", body, -1, NULL);
	expect_status(rep, 201);
	assert_string_equal(json_str(rep.json, "kind"), "deposit");
	assert_string_equal(json_str(rep.json, "currency"), "IQD");
	assert_string_equal(json_str(rep.json, "lines.0.description"),
	    "Agency fee");
	assert_int_equal(num(rep.json, "lines.0.quantity"), 1);
	assert_int_equal(num(rep.json, "lines.0.unit_price_minor"), 126500);
	assert_int_equal(num(rep.json, "lines.0.amount_minor"), 126500);
	assert_int_equal(num(rep.json, "subtotal_minor"), 126500);
	id = num(rep.json, "id");
	api_reply_free(&rep);
	why = line_breakdown(id, &amount);
	assert_string_equal(why,
	    "agency fee 23 % = base 20 + expert 5 − repeat 2");
	assert_int_equal(amount, 126500);
	free(why);
	/* And in the row itself. */
	assert_int_equal(db_int(t.db, 0, "SELECT fee_breakdown = 'agency fee 23 % = "
	    "base 20 + expert 5 − repeat 2' AND amount_minor = 126500 FROM "
	    "invoice_lines WHERE invoice_id = ?", 1, id), 1);
}

static void
test_agency_fee_capped(void **state)
{
	char body[768], *why;
	struct api_reply rep;
	int64_t id, amount;

	(void)state;
	/* 20 + 5 + 15 + 5 + 8 + 3 + 5 = 61 %: capped at 50. */
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"kind\":\"deposit\","
	    "\"currency\":\"IQD\",\"lines\":[{\"description\":\"Fee\","
	    "\"agency_fee\":{\"budget_minor\":100000,\"modifiers\":["
	    "{\"factor\":\"creator_level\",\"key\":\"expert\"},"
	    "{\"factor\":\"complexity\",\"key\":\"enterprise\"},"
	    "{\"factor\":\"urgency\",\"key\":\"rush24h\"},"
	    "{\"factor\":\"client_type\",\"key\":\"enterprise\"},"
	    "{\"factor\":\"season\",\"key\":\"peakSeason\"},"
	    "{\"factor\":\"demand\",\"key\":\"highDemand\"}]}}]}",
	    (long long)t.shared);
	rep = call(BILLING, "POST", "/api/v1/invoices", body, -1, NULL);
	expect_status(rep, 201);
	assert_string_equal(json_str(rep.json, "lines.0.description"), "Fee");
	assert_int_equal(num(rep.json, "lines.0.amount_minor"), 50000);
	id = num(rep.json, "id");
	api_reply_free(&rep);
	why = line_breakdown(id, &amount);
	assert_int_equal(amount, 50000);
	assert_string_equal(why, "agency fee 50 % = base 20 + expert 5 + "
	    "enterprise project 15 + rush 24h 5 + enterprise client 8 + "
	    "peak season 3 + high demand 5 (capped at 50 from 61)");
	free(why);
}

static void
test_agency_fee_rejects(void **state)
{
	static const char *const lines[] = {
		/* unknown key, unknown factor */
		"{\"agency_fee\":{\"budget_minor\":1000,\"modifiers\":[{"
		    "\"factor\":\"creator_level\",\"key\":\"guru\"}]}}",
		"{\"agency_fee\":{\"budget_minor\":1000,\"modifiers\":[{"
		    "\"factor\":\"mood\",\"key\":\"expert\"}]}}",
		/* two of one factor */
		"{\"agency_fee\":{\"budget_minor\":1000,\"modifiers\":[{"
		    "\"factor\":\"urgency\",\"key\":\"rush24h\"},{\"factor\":"
		    "\"urgency\",\"key\":\"rush48h\"}]}}",
		/* both prices */
		"{\"unit_price_minor\":5,\"agency_fee\":{\"budget_minor\":"
		    "1000,\"modifiers\":[]}}",
		/* no or a negative budget */
		"{\"agency_fee\":{\"modifiers\":[]}}",
		"{\"agency_fee\":{\"budget_minor\":-1}}",
	};
	static const char *const field[] = {
		"lines[1].agency_fee.modifiers",
		"lines[1].agency_fee.modifiers",
		"lines[1].agency_fee.modifiers",
		"lines[1].agency_fee",
		"lines[1].agency_fee.budget_minor",
		"lines[1].agency_fee.budget_minor",
	};
	int64_t before = db_int(t.db, -1, "SELECT count(*) FROM invoices", 0);
	int64_t lbefore = db_int(t.db, -1, "SELECT count(*) FROM invoice_lines", 0);

	(void)state;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		char body[512];
		struct api_reply rep;

		snprintf(body, sizeof body, "{\"company_id\":%lld,\"kind\":"
		    "\"deposit\",\"currency\":\"IQD\",\"lines\":[{"
		    "\"description\":\"a\",\"quantity\":1,\"unit_price_minor\":"
		    "1},%s]}", (long long)t.shared, lines[i]);
		rep = call(BILLING, "POST", "/api/v1/invoices", body, -1,
		    NULL);
		if (rep.status != 422)
			fail_msg("agency fee body %zu: %ld %s", i, rep.status,
			    rep.body);
		if (i < 4)
			assert_string_equal(json_str(rep.json, "error.code"),
			    "invalid_value");
		assert_string_equal(json_str(rep.json, "error.field"),
		    field[i]);
		api_reply_free(&rep);
	}
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM invoices", 0),
	    before);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM invoice_lines", 0),
	    lbefore);
}

/* ---- issue -------------------------------------------------------------- */

static void
test_issue_numbers_and_due_dates(void **state)
{
	int64_t net = db_int(t.db, 0, "SELECT id FROM companies WHERE deferral_days "
	    "IS NULL ORDER BY id", 0);
	int64_t deferred = db_int(t.db, 0, "SELECT id FROM companies WHERE "
	    "deferral_days > 0 ORDER BY id", 0);
	int64_t days = db_int(t.db, 0, "SELECT deferral_days FROM companies WHERE "
	    "id = ?", 1, deferred);
	int64_t a = draft(BILLING, net), b = draft(BILLING, deferred);
	struct api_reply ra, rb, again;
	int ya, yb;
	int64_t sa, sb;
	int32_t issue, due;

	(void)state;
	assert_true(net > 0 && deferred > 0);
	ra = act(BILLING, a, "issue", NULL);
	rb = act(ADMIN, b, "issue", NULL);
	expect_status(ra, 200);
	expect_status(rb, 200);
	assert_string_equal(json_str(ra.json, "status"), "sent");
	assert_int_equal(invoice_number_parse(json_str(ra.json, "number"), &ya,
	    &sa), 0);
	assert_int_equal(invoice_number_parse(json_str(rb.json, "number"), &yb,
	    &sb), 0);
	assert_int_equal(ya, yb);
	assert_int_equal(sb, sa + 1);
	assert_int_equal(db_int(t.db, -1, "SELECT last FROM invoice_counters WHERE "
	    "year = ?", 1, (int64_t)yb), sb);

	assert_int_equal(billing_date_parse(json_str(ra.json, "issue_date"),
	    &issue), 0);
	assert_true(issue == today() || issue == today() - 1);
	assert_int_equal(billing_date_parse(json_str(ra.json, "due_date"),
	    &due), 0);
	assert_int_equal(due, issue + 15);
	assert_int_equal(billing_date_parse(json_str(rb.json, "issue_date"),
	    &issue), 0);
	assert_int_equal(billing_date_parse(json_str(rb.json, "due_date"),
	    &due), 0);
	assert_int_equal(due, issue + days);

	again = act(BILLING, a, "issue", NULL);
	expect_error(again, 409, "invalid_state");
	api_reply_free(&again);
	api_reply_free(&ra);
	api_reply_free(&rb);
}

/* ---- payments ----------------------------------------------------------- */

static void
test_payments_partial_full_over(void **state)
{
	int64_t id = issued(t.shared), total, d;
	int64_t owner = t.uid[CLIENT];
	int64_t notes0 = db_int(t.db, 0, "SELECT count(*) FROM notifications WHERE "
	    "user_id = ? AND kind = 'payment_received'", 1, owner);
	struct api_reply rep;

	(void)state;
	total = db_int(t.db, -1, "SELECT total_minor FROM invoices WHERE id = ?", 1,
	    id);
	rep = pay(BILLING, id, 1000);
	expect_status(rep, 201);
	assert_string_equal(json_str(rep.json, "invoice.status"), "sent");
	assert_int_equal(num(rep.json, "invoice.amount_due_minor"),
	    total - 1000);
	assert_string_equal(json_str(rep.json, "payment.status"), "confirmed");
	assert_int_equal(num(rep.json, "payment.verified_by"), t.uid[BILLING]);
	api_reply_free(&rep);

	rep = pay(BILLING, id, total);		/* more than is left */
	expect_error(rep, 422, "overpayment");
	api_reply_free(&rep);

	rep = pay(ADMIN, id, total - 1000);
	expect_status(rep, 201);
	assert_string_equal(json_str(rep.json, "invoice.status"), "paid");
	assert_int_equal(num(rep.json, "invoice.amount_due_minor"), 0);
	assert_int_equal(num(rep.json, "invoice.amount_paid_minor"), total);
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, 0, "SELECT count(*) FROM payments WHERE "
	    "invoice_id = ? AND status = 'confirmed'", 1, id), 2);
	assert_int_equal(db_int(t.db, 0, "SELECT count(*) FROM notifications WHERE "
	    "user_id = ? AND kind = 'payment_received'", 1, owner), notes0 + 2);

	rep = pay(BILLING, id, 1);
	expect_error(rep, 409, "invalid_state");
	api_reply_free(&rep);

	d = draft(ADMIN, t.shared);
	rep = pay(BILLING, d, 1);
	expect_error(rep, 409, "invalid_state");
	api_reply_free(&rep);
	rep = act(BILLING, d, "payments", "{\"amount_minor\":1,\"method\":"
	    "\"cheque\",\"reference\":\"x\"}");
	if (rep.status != 400 && rep.status != 422)
		fail_msg("bad method: %ld", rep.status);
	api_reply_free(&rep);
}

static void
test_payment_idempotent_retry(void **state)
{
	int64_t id = issued(t.shared);
	const char *body = "{\"amount_minor\":500,\"method\":\"card\","
	    "\"reference\":\"retry\",\"paid_at\":1700000000}";
	struct api_reply a, b;
	char path[96];

	(void)state;
	snprintf(path, sizeof path, "/api/v1/invoices/%lld/payments",
	    (long long)id);
	a = call(BILLING, "POST", path, body, -1, "pay-retry-1");
	b = call(BILLING, "POST", path, body, -1, "pay-retry-1");
	expect_status(a, 201);
	expect_status(b, 201);
	assert_int_equal(num(a.json, "payment.id"), num(b.json, "payment.id"));
	assert_int_equal(num(a.json, "payment.paid_at"), 1700000000);
	assert_int_equal(db_int(t.db, 0, "SELECT count(*) FROM payments WHERE "
	    "invoice_id = ?", 1, id), 1);
	assert_int_equal(db_int(t.db, 0, "SELECT amount_paid_minor FROM invoices "
	    "WHERE id = ?", 1, id), 500);
	api_reply_free(&a);
	api_reply_free(&b);
}

/* ---- cancel ------------------------------------------------------------- */

static void
test_cancel_rules(void **state)
{
	int64_t d = draft(ADMIN, t.shared), s = issued(t.shared);
	int64_t p = issued(t.shared);
	struct api_reply rep;

	(void)state;
	rep = act(BILLING, d, "cancel", "{}");
	expect_error(rep, 422, "missing_field");
	api_reply_free(&rep);
	rep = act(BILLING, d, "cancel", "{\"reason\":\"duplicate\"}");
	expect_status(rep, 200);
	assert_string_equal(json_str(rep.json, "status"), "cancelled");
	assert_string_equal(json_str(rep.json, "cancel_reason"), "duplicate");
	api_reply_free(&rep);
	rep = act(BILLING, d, "cancel", "{\"reason\":\"again\"}");
	expect_error(rep, 409, "invalid_state");
	api_reply_free(&rep);

	rep = act(ADMIN, s, "cancel", "{\"reason\":\"wrong client\"}");
	expect_status(rep, 200);
	api_reply_free(&rep);

	rep = pay(BILLING, p, 10);
	expect_status(rep, 201);
	api_reply_free(&rep);
	rep = act(BILLING, p, "cancel", "{\"reason\":\"x\"}");
	expect_error(rep, 409, "has_payments");
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, 0, "SELECT status = 'sent' FROM invoices "
	    "WHERE id = ?", 1, p), 1);
}

/* ---- billing run -------------------------------------------------------- */

static void
test_billing_run(void **state)
{
	const char *body = "{\"period_start\":\"2000-01-01\","
	    "\"period_end\":\"2099-12-31\"}";
	int64_t groups = db_int(t.db, 0, "SELECT count(*) FROM (SELECT DISTINCT "
	    "company_id, currency FROM orders WHERE kind = 'marketplace' AND "
	    "status = 'completed' AND budget_minor IS NOT NULL)", 0);
	struct api_reply rep, again;
	const cJSON *created, *e;

	(void)state;
	assert_true(groups > 0);
	rep = call(MANAGER, "POST", "/api/v1/billing/runs", body, -1, NULL);
	expect_error(rep, 403, "forbidden");
	api_reply_free(&rep);
	rep = call(BILLING, "POST", "/api/v1/billing/runs",
	    "{\"period_start\":\"2025-02-30\",\"period_end\":\"2025-03-01\"}",
	    -1, NULL);
	expect_status(rep, 422);
	api_reply_free(&rep);

	rep = call(BILLING, "POST", "/api/v1/billing/runs", body, -1, NULL);
	expect_status(rep, 201);
	created = cJSON_GetObjectItem(rep.json, "created");
	assert_int_equal(cJSON_GetArraySize(created), groups);
	cJSON_ArrayForEach(e, created) {
		int64_t id = (int64_t)e->valuedouble;
		int64_t co = db_int(t.db, 0, "SELECT company_id FROM invoices WHERE "
		    "id = ?", 1, id);
		sqlite3_stmt *st;
		int64_t sum = 0;

		assert_int_equal(db_int(t.db, 0, "SELECT kind = 'commission' AND "
		    "status = 'draft' FROM invoices WHERE id = ?", 1, id), 1);
		assert_int_equal(db_int(t.db, 0, "SELECT count(*) FROM invoice_lines "
		    "WHERE invoice_id = ?", 1, id), db_int(t.db, -1, "SELECT count(*) "
		    "FROM orders o WHERE o.company_id = ? AND o.currency = "
		    "(SELECT currency FROM invoices WHERE id = ?) AND o.kind = "
		    "'marketplace' AND o.status = 'completed' AND "
		    "o.budget_minor IS NOT NULL", 2, co, id));
		/* The simple case: no special terms, the standard 5 %. */
		if (db_int(t.db, 0, "SELECT count(*) FROM commission_terms WHERE "
		    "company_id = ?", 1, co) != 0)
			continue;
		assert_int_equal(sqlite3_prepare_v2(t.db, "SELECT "
		    "l.amount_minor, o.budget_minor FROM invoice_lines l JOIN "
		    "orders o ON CAST(o.id AS TEXT) = l.ref_id WHERE "
		    "l.invoice_id = ? AND l.ref_kind = 'order'", -1, &st,
		    NULL), SQLITE_OK);
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int64_t amt = sqlite3_column_int64(st, 0);
			int64_t budget = sqlite3_column_int64(st, 1);

			assert_int_equal(amt, (budget * 500 + 5000) / 10000);
			sum += amt;
		}
		sqlite3_finalize(st);
		assert_int_equal(db_int(t.db, -1, "SELECT subtotal_minor FROM "
		    "invoices WHERE id = ?", 1, id), sum);
	}

	again = call(ADMIN, "POST", "/api/v1/billing/runs", body, -1, NULL);
	expect_status(again, 200);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(again.json,
	    "created")), 0);
	assert_int_equal(num(again.json, "skipped"), groups);
	api_reply_free(&again);
	api_reply_free(&rep);
}

/* ---- overdue ------------------------------------------------------------ */

static void
expect_block_state(int64_t co)
{
	int64_t debt = db_int(t.db, 0, "SELECT sum(amount_due_minor) FROM invoices "
	    "WHERE company_id = ? AND status IN ('sent', 'overdue')", 1, co);
	int64_t oldest = db_int(t.db, -1, "SELECT julianday('now', 'start of day') "
	    "- julianday(min(due_date)) FROM invoices WHERE company_id = ? AND "
	    "status = 'overdue'", 1, co);
	enum block_state want, have;
	sqlite3_stmt *st;

	assert_int_equal(block_state_for(NULL, oldest > 0 ? (int)oldest : 0,
	    debt, &want), 0);
	assert_int_equal(sqlite3_prepare_v2(t.db, "SELECT block_state FROM "
	    "companies WHERE id = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, co);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(block_state_parse((const char *)
	    sqlite3_column_text(st, 0), &have), 0);
	sqlite3_finalize(st);
	assert_int_equal(have, want);
	assert_true(have >= BLOCK_HIDDEN);	/* 20 days ≥ 15 */
}

static void
test_mark_overdue(void **state)
{
	int64_t co = t.foreign, id = issued(co);
	struct api_reply rep;

	(void)state;
	backdate(id, 20);
	rep = call(MANAGER, "POST", "/api/v1/invoices/mark-overdue", NULL, -1,
	    NULL);
	expect_error(rep, 403, "forbidden");
	api_reply_free(&rep);
	rep = call(BILLING, "POST", "/api/v1/invoices/mark-overdue", NULL, -1,
	    NULL);
	expect_status(rep, 200);
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, 0, "SELECT status = 'overdue' FROM invoices "
	    "WHERE id = ?", 1, id), 1);
	expect_block_state(co);
}

static void
test_timer_marks_overdue(void **state)
{
	int64_t co = db_int(t.db, 0, "SELECT id FROM companies WHERE id <> ? AND "
	    "id <> ? ORDER BY id DESC", 2, t.foreign, t.shared);
	int64_t id = issued(co);

	(void)state;
	backdate(id, 20);
	for (int i = 0; i < 100; i++) {
		if (db_int(t.db, 0, "SELECT status = 'overdue' FROM invoices WHERE "
		    "id = ?", 1, id) == 1)
			break;
		usleep(100000);
	}
	assert_int_equal(db_int(t.db, 0, "SELECT status = 'overdue' FROM invoices "
	    "WHERE id = ?", 1, id), 1);
	expect_block_state(co);
}

/* ---- reports ------------------------------------------------------------ */

static int64_t
sql_debt(const char *where, int64_t co, const char *currency)
{
	sqlite3_stmt *st;
	char sql[512];
	int64_t v = 0;

	snprintf(sql, sizeof sql, "SELECT ifnull(sum(i.amount_due_minor), 0) "
	    "FROM invoices i JOIN companies c ON c.id = i.company_id WHERE "
	    "i.status IN ('sent', 'overdue') AND (?1 = 0 OR i.company_id = ?1) "
	    "AND (?2 IS NULL OR i.currency = ?2) AND %s", where);
	if (sqlite3_prepare_v2(t.db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s", sqlite3_errmsg(t.db));
	sqlite3_bind_int64(st, 1, co);
	if (currency != NULL)
		sqlite3_bind_text(st, 2, currency, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, t.uid[MANAGER]);
	sqlite3_bind_int64(st, 4, t.uid[CLIENT]);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
test_reports(void **state)
{
	static const struct { enum role r; const char *where; } who[] = {
		{ ADMIN, "?3 > 0 AND ?4 > 0" },
		{ SUPPORT, "?3 > 0 AND ?4 > 0" },
		{ MANAGER, "c.manager_id = ?3 AND ?4 > 0" },
		{ CLIENT, "c.owner_id = ?4 AND ?3 > 0" },
	};
	struct api_reply rep;
	const cJSON *e;

	(void)state;
	for (size_t w = 0; w < sizeof who / sizeof who[0]; w++) {
		int64_t all = 0, aged = 0;

		rep = call(who[w].r, "GET", "/api/v1/reports/debt", NULL, -1,
		    NULL);
		expect_status(rep, 200);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(rep.json,
		    "companies")) {
			int64_t co = num(e, "company_id");

			assert_int_equal(num(e, "debt_minor"), sql_debt(
			    who[w].where, co, json_str(e, "currency")));
			all += num(e, "debt_minor");
		}
		assert_int_equal(all, sql_debt(who[w].where, 0, NULL));
		api_reply_free(&rep);

		rep = call(who[w].r, "GET", "/api/v1/reports/aging", NULL, -1,
		    NULL);
		expect_status(rep, 200);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(rep.json,
		    "currencies")) {
			const cJSON *b;
			int64_t s = 0;

			cJSON_ArrayForEach(b, cJSON_GetObjectItem(e, "buckets"))
				s += (int64_t)b->valuedouble;
			assert_int_equal(s, num(e, "total_minor"));
			assert_int_equal(s, sql_debt(who[w].where, 0,
			    json_str(e, "currency")));
			aged += s;
		}
		assert_int_equal(aged, all);
		api_reply_free(&rep);
	}

	rep = call(BILLING, "GET", "/api/v1/reports/revenue", NULL, -1, NULL);
	expect_status(rep, 200);
	{
		int64_t s = 0;

		cJSON_ArrayForEach(e, cJSON_GetObjectItem(rep.json, "months"))
			s += num(e, "amount_minor");
		assert_int_equal(s, db_int(t.db, -1, "SELECT sum(amount_minor) FROM "
		    "payments WHERE status = 'confirmed'", 0));
	}
	api_reply_free(&rep);
	rep = call(BILLING, "GET", "/api/v1/reports/revenue?from=2024-01-01&"
	    "to=2024-12-31", NULL, -1, NULL);
	expect_status(rep, 200);
	{
		int64_t s = 0;

		cJSON_ArrayForEach(e, cJSON_GetObjectItem(rep.json, "months")) {
			assert_true(strncmp(json_str(e, "month"), "2024-", 5)
			    == 0);
			s += num(e, "amount_minor");
		}
		assert_int_equal(s, db_int(t.db, -1, "SELECT ifnull(sum(amount_minor),"
		    " 0) FROM payments WHERE status = 'confirmed' AND paid_at >= "
		    "strftime('%s', '2024-01-01') AND paid_at < "
		    "strftime('%s', '2025-01-01')", 0));
	}
	api_reply_free(&rep);
	rep = call(BILLING, "GET", "/api/v1/reports/revenue?from=2024-13-01",
	    NULL, -1, NULL);
	expect_status(rep, 422);
	api_reply_free(&rep);
	rep = call(PERFORMER, "GET", "/api/v1/reports/debt", NULL, -1, NULL);
	expect_status(rep, 404);
	api_reply_free(&rep);
}

/* ---- roles -------------------------------------------------------------- */

enum action { A_CREATE, A_GET, A_ISSUE, A_PAY, A_CANCEL, A_RUN, A_OVERDUE,
	A_DEBT, A_AGING, A_REVENUE, NACTIONS };

static const char *const action_name[NACTIONS] = { "create", "get", "issue",
	"pay", "cancel", "run", "mark-overdue", "debt", "aging", "revenue" };

/* admin, manager, billing, support, client, performer */
static const long matrix[NACTIONS][NROLES] = {
	[A_CREATE]  = { 201, 201, 201, 403, 403, 404 },
	[A_GET]     = { 200, 200, 200, 200, 200, 404 },
	[A_ISSUE]   = { 200, 403, 200, 403, 403, 404 },
	[A_PAY]     = { 201, 403, 201, 403, 403, 404 },
	[A_CANCEL]  = { 200, 403, 200, 403, 403, 404 },
	[A_RUN]     = { 200, 403, 200, 403, 403, 404 },
	[A_OVERDUE] = { 200, 403, 200, 403, 403, 404 },
	[A_DEBT]    = { 200, 200, 200, 200, 200, 404 },
	[A_AGING]   = { 200, 200, 200, 200, 200, 404 },
	[A_REVENUE] = { 200, 200, 200, 200, 200, 404 },
};

static void
test_role_matrix(void **state)
{
	(void)state;
	for (int a = 0; a < NACTIONS; a++)
		for (int r = 0; r < NROLES; r++) {
			struct api_reply rep;
			char path[96], body[256];
			int64_t id;

			switch (a) {
			case A_CREATE:
				snprintf(body, sizeof body, "{\"company_id\":"
				    "%lld,\"kind\":\"final\",\"lines\":[{"
				    "\"description\":\"x\",\"quantity\":1,"
				    "\"unit_price_minor\":5}]}",
				    (long long)t.shared);
				rep = call(r, "POST", "/api/v1/invoices", body,
				    -1, NULL);
				break;
			case A_GET:
				snprintf(path, sizeof path, "/api/v1/invoices/"
				    "%lld", (long long)draft(ADMIN, t.shared));
				rep = call(r, "GET", path, NULL, -1, NULL);
				break;
			case A_ISSUE:
				rep = act(r, draft(ADMIN, t.shared), "issue",
				    NULL);
				break;
			case A_PAY:
				rep = pay(r, issued(t.shared), 1);
				break;
			case A_CANCEL:
				id = draft(ADMIN, t.shared);
				rep = act(r, id, "cancel", "{\"reason\":\"r\"}");
				break;
			case A_RUN:
				rep = call(r, "POST", "/api/v1/billing/runs",
				    "{\"period_start\":\"1990-01-01\","
				    "\"period_end\":\"1990-01-31\"}", -1, NULL);
				break;
			case A_OVERDUE:
				rep = call(r, "POST",
				    "/api/v1/invoices/mark-overdue", NULL, -1,
				    NULL);
				break;
			case A_DEBT:
				rep = call(r, "GET", "/api/v1/reports/debt",
				    NULL, -1, NULL);
				break;
			case A_AGING:
				rep = call(r, "GET", "/api/v1/reports/aging",
				    NULL, -1, NULL);
				break;
			default:
				rep = call(r, "GET", "/api/v1/reports/revenue",
				    NULL, -1, NULL);
				break;
			}
			if (rep.status != matrix[a][r])
				fail_msg("%s as %s: %ld, want %ld: %s",
				    action_name[a], role_name[r], rep.status,
				    matrix[a][r], rep.body ? rep.body : "");
			api_reply_free(&rep);
		}
}

static void
test_scope_hides_other_companies(void **state)
{
	int64_t id = draft(ADMIN, t.foreign);
	char path[96], body[256];
	struct api_reply rep;

	(void)state;
	snprintf(path, sizeof path, "/api/v1/invoices/%lld", (long long)id);
	for (int r = MANAGER; r < NROLES; r++) {
		if (r == BILLING || r == SUPPORT)
			continue;
		rep = call(r, "GET", path, NULL, -1, NULL);
		expect_status(rep, 404);
		api_reply_free(&rep);
		rep = act(r, id, "issue", NULL);
		expect_status(rep, 404);
		api_reply_free(&rep);
	}
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"kind\":\"final\","
	    "\"lines\":[{\"description\":\"x\",\"quantity\":1,"
	    "\"unit_price_minor\":5}]}", (long long)t.foreign);
	rep = call(MANAGER, "POST", "/api/v1/invoices", body, -1, NULL);
	expect_status(rep, 404);
	api_reply_free(&rep);
}

static void
test_stale_if_match(void **state)
{
	int64_t id = draft(ADMIN, t.shared);
	int64_t v = db_int(t.db, -1, "SELECT version FROM invoices WHERE id = ?", 1,
	    id);
	char path[96];
	struct api_reply rep;

	(void)state;
	snprintf(path, sizeof path, "/api/v1/invoices/%lld/issue",
	    (long long)id);
	rep = call(BILLING, "POST", path, NULL, v + 5, NULL);
	expect_error(rep, 412, "version_mismatch");
	assert_int_equal(num(rep.json, "current.version"), v);
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, 0, "SELECT status = 'draft' FROM invoices "
	    "WHERE id = ?", 1, id), 1);
	rep = call(BILLING, "POST", path, NULL, v, NULL);
	expect_status(rep, 200);
	api_reply_free(&rep);
	snprintf(path, sizeof path, "/api/v1/invoices/%lld/cancel",
	    (long long)id);
	rep = call(BILLING, "POST", path, "{\"reason\":\"r\"}", v, NULL);
	expect_error(rep, 412, "version_mismatch");
	api_reply_free(&rep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft_totals),
		cmocka_unit_test(test_agency_fee_line),
		cmocka_unit_test(test_agency_fee_capped),
		cmocka_unit_test(test_agency_fee_rejects),
		cmocka_unit_test(test_issue_numbers_and_due_dates),
		cmocka_unit_test(test_payments_partial_full_over),
		cmocka_unit_test(test_payment_idempotent_retry),
		cmocka_unit_test(test_cancel_rules),
		cmocka_unit_test(test_billing_run),
		cmocka_unit_test(test_mark_overdue),
		cmocka_unit_test(test_timer_marks_overdue),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_role_matrix),
		cmocka_unit_test(test_scope_hides_other_companies),
		cmocka_unit_test(test_stale_if_match),
	};

	return cmocka_run_group_tests_name("invoices", tests, group_setup,
	    group_teardown);
}
