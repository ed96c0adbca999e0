/* Invoices: drafts with lines, issue (the gapless INV-YYYY-NNNNNN number
 * and the due date), payments, cancellation, the billing run (one
 * commission invoice per provider and period), and marking overdue (on
 * demand and from a timer) with the companies' block states.  All the
 * arithmetic is billing.h's; this file only reads and writes rows.
 *
 * Who may do what:
 *   - admin, billing: every invoice, every action;
 *   - manager: reads the invoices of the companies they manage and may
 *     create drafts for them (a draft is a proposal: it bills nobody and
 *     takes no number), but not issue, record payments or cancel (403);
 *   - support: reads every invoice, changes none (403, issue 3: "Billing
 *     may issue, record payments and cancel.  Support may not.");
 *   - client: reads their own companies' invoices, changes none (403);
 *   - performer: no invoices (404).
 * Checks run in the order scope (404), role (403), If-Match (412), body
 * (400/422), state (409).
 *
 * Decisions:
 *   - VAT: the schema stores no rate, so the standard rate is the EU
 *     member state's (ES 21, DE 19, PT 23, IT 22, FR 20, NL 21, other EU
 *     21 — the demo's table) for an EU company and 0 outside the EU (the
 *     seeds give no other rates); billing_vat_bp then zeroes it for a
 *     verified EU VAT number (reverse charge).
 *   - Agency fee lines: a draft line may carry "agency_fee":
 *     {budget_minor, modifiers: [{factor, key}]} instead of
 *     unit_price_minor; the rate is agency_fee() (base 20 % plus the
 *     modifiers, clamped to 10–50 %), the line is 1 × agency_fee_amount()
 *     in the invoice's currency, the description defaults to "Agency
 *     fee" and the breakdown is stored in fee_breakdown (a client's own
 *     fee_breakdown or a quantity other than 1 is refused on such a line).
 *   - paid_at is Unix seconds (UTC), like every instant in the rows;
 *     absent means now.
 *   - Numbers: invoice_counters(year, last) is the source; a year
 *     without a row starts after the highest number already in invoices
 *     for that year (the demo writes numbered invoices), so numbers stay
 *     unique and gapless from there.
 *   - Billing run: bookings are not in the schema, so the billed items
 *     are completed marketplace orders (status 'completed', updated_at
 *     inside the period in UTC, amount budget_minor, the order's company
 *     and currency).  One draft commission invoice per company and
 *     currency (in practice one per company), one line per order, priced
 *     with commission_terms_pick(the company's commission_terms row, the
 *     standard 5 %, the completion day) and commission_line with the
 *     running volume of the period.  Runs create drafts: billing reviews
 *     and issues them.  Idempotent per (company, period): a company that
 *     already has a non-cancelled commission invoice with the same
 *     period, or whose orders are all on non-cancelled invoices, is
 *     skipped; a second run answers 200 with created [] (201 when
 *     something was created).  Terms priced in another currency skip the
 *     company too.
 *   - Mark overdue: sent invoices whose due date is before today (UTC)
 *     become overdue; then every company with debt or a block state is
 *     recomputed with block_state_for(days overdue of its oldest overdue
 *     invoice, its debt summed over currencies, default thresholds).
 *     Payments and cancellations recompute their company too.
 *   - Timer: invoice_timer_start() runs the same routine every 60 s
 *     (MKTD_OVERDUE_INTERVAL seconds when set) in its own transaction
 *     under srv->lock; invoice_timer_stop() wakes and joins it (joined
 *     rather than detached, so it never touches a closed database).  The
 *     same thread wakes snoozed conversations (see the timer below). */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "billing.h"

#define NOTES_CHARS	2000
#define DESC_CHARS	500
#define REASON_CHARS	500
#define LINES_MAX	500
#define TIME_MAX	INT64_C(253402300799)

int	invoice_timer_start(struct server *srv);
void	invoice_timer_stop(void);
int	invoice_overdue_run(struct server *srv, int64_t now, cJSON *out);

struct inv {
	int64_t		 id;
	int64_t		 company_id;
	int64_t		 version;
	char		 status[16];
	char		 currency[8];
	struct invoice_totals t;
};

static const char *const invoice_kinds[] = { "commission", "subscription",
	"deposit", "milestone", "final", "additional", NULL };
static const char *const pay_methods[] = { "bank_transfer", "cash", "card",
	"mobile_wallet", "installments", NULL };
static const char *const ref_kinds[] = { "booking", "order", NULL };

/* ---- database ----------------------------------------------------------- */

static int
may_bill(const struct user *u)
{
	return u->role == USER_ADMIN || u->role == USER_BILLING;
}

static int
forbidden(struct response *resp)
{
	return api_error(resp, 403, "forbidden",
	    "only admin and billing may do this to invoices", NULL);
}

static int
currency_valid(const char *s)
{
	return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' &&
	    s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z';
}

static int
today_of(int64_t now, int32_t *day, char *buf, size_t len)
{
	if (billing_day_from_unix(now, day) != BILLING_OK)
		return -1;
	return billing_date_format(*day, buf, len) == BILLING_OK ? 0 : -1;
}

/* ---- rows --------------------------------------------------------------- */

static int
invoice_load(sqlite3 *db, int64_t id, struct inv *v)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = api_prepare(db, "SELECT id, company_id, version, status, "
	    "currency, subtotal_minor, discount_minor, tax_minor, total_minor, "
	    "amount_paid_minor, amount_due_minor FROM invoices WHERE id = ?",
	    "i", id)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(v, 0, sizeof *v);
		v->id = sqlite3_column_int64(st, 0);
		v->company_id = sqlite3_column_int64(st, 1);
		v->version = sqlite3_column_int64(st, 2);
		api_column_text(v->status, sizeof v->status, st, 3);
		api_column_text(v->currency, sizeof v->currency, st, 4);
		v->t.subtotal_minor = sqlite3_column_int64(st, 5);
		v->t.discount_minor = sqlite3_column_int64(st, 6);
		v->t.tax_minor = sqlite3_column_int64(st, 7);
		v->t.total_minor = sqlite3_column_int64(st, 8);
		v->t.paid_minor = sqlite3_column_int64(st, 9);
		v->t.due_minor = sqlite3_column_int64(st, 10);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* 404 when missing or out of scope; with write, 403 unless admin or
 * billing. */
static int
invoice_find(struct server *srv, struct request *req, struct response *resp,
    int write, struct inv *v)
{
	int rc;

	if (req->nids < 1 || req->user->role == USER_PERFORMER)
		return api_not_found(resp, "invoice");
	if ((rc = invoice_load(srv->db, req->ids[0], v)) < 0)
		return api_db_error(resp);
	if (rc > 0 || !scope_company(srv, req->user, v->company_id))
		return api_not_found(resp, "invoice");
	if (write && !may_bill(req->user))
		return forbidden(resp);
	return 0;
}

static int
invoice_precondition(struct server *srv, struct request *req,
    struct response *resp, const struct inv *v)
{
	cJSON *current;
	int rc;

	if (req->if_match == NULL)
		return 0;
	current = feed_render(srv, req->user, "invoice", v->id);
	rc = api_check_version(req, resp, v->version, current);
	cJSON_Delete(current);
	return rc;
}

static int
invoice_answer(struct server *srv, struct request *req,
    struct response *resp, int64_t id, int status)
{
	if ((resp->json = feed_render(srv, req->user, "invoice", id)) == NULL)
		return api_not_found(resp, "invoice");
	return resp->status = status;
}

static int
invoice_state(struct response *resp, const struct inv *v, const char *what)
{
	char msg[160];

	snprintf(msg, sizeof msg, "cannot %s an invoice that is %s", what,
	    v->status);
	return api_error(resp, 409, "invalid_state", msg, NULL);
}

/* ---- companies ---------------------------------------------------------- */

struct company {
	int64_t	 id;
	int64_t	 owner_id;
	int	 is_eu, vat_verified, deferral_days;	/* -1: Net 15 */
	char	 country[8];
	char	 vat_number[64];
	char	 currency[8];
	char	 block_state[16];
};

static int
company_load(sqlite3 *db, int64_t id, struct company *c)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = api_prepare(db, "SELECT id, ifnull(owner_id, 0), is_eu, "
	    "vat_verified, ifnull(deferral_days, -1), ifnull(country, ''), "
	    "ifnull(vat_number, ''), invoice_currency, block_state "
	    "FROM companies WHERE id = ?", "i", id)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(c, 0, sizeof *c);
		c->id = sqlite3_column_int64(st, 0);
		c->owner_id = sqlite3_column_int64(st, 1);
		c->is_eu = sqlite3_column_int(st, 2);
		c->vat_verified = sqlite3_column_int(st, 3);
		c->deferral_days = sqlite3_column_int(st, 4);
		api_column_text(c->country, sizeof c->country, st, 5);
		api_column_text(c->vat_number, sizeof c->vat_number, st, 6);
		api_column_text(c->currency, sizeof c->currency, st, 7);
		api_column_text(c->block_state, sizeof c->block_state, st, 8);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* The VAT rate for the company (see the header comment). */
static int
company_vat_bp(const struct company *c)
{
	static const struct { const char *c; int bp; } rates[] = {
		{ "ES", 2100 }, { "DE", 1900 }, { "PT", 2300 }, { "IT", 2200 },
		{ "FR", 2000 }, { "NL", 2100 },
	};
	int std = 0;

	if (c->is_eu) {
		std = 2100;
		for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
			if (strcmp(rates[i].c, c->country) == 0)
				std = rates[i].bp;
	}
	return billing_vat_bp(c->is_eu, c->vat_verified, c->vat_number, std);
}

/* Recomputes one company's block state from its sent and overdue
 * invoices as of today; records the company when it changes.  Returns 1
 * when changed, 0 when not, -1 on error. */
static int
company_block_update(struct server *srv, int64_t company_id, int32_t today,
    const char **state_out)
{
	sqlite3_stmt *st;
	int64_t debt = 0;
	int32_t oldest = 0;
	int have_oldest = 0, days = 0;
	enum block_state bs;
	char cur[16], detail[64];
	const char *name;

	if ((st = api_prepare(srv->db, "SELECT ifnull(sum(amount_due_minor), "
	    "0), min(CASE WHEN status = 'overdue' THEN due_date END), "
	    "(SELECT block_state FROM companies WHERE id = ?1) "
	    "FROM invoices WHERE company_id = ?1 AND status IN ('sent', "
	    "'overdue')", "i", company_id)) == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	debt = sqlite3_column_int64(st, 0);
	if (sqlite3_column_type(st, 1) != SQLITE_NULL &&
	    billing_date_parse((const char *)sqlite3_column_text(st, 1),
	    &oldest) == BILLING_OK)
		have_oldest = 1;
	api_column_text(cur, sizeof cur, st, 2);
	sqlite3_finalize(st);
	if (have_oldest)
		days = billing_days_overdue(oldest, today);
	if (debt < 0)
		debt = 0;
	if (block_state_for(NULL, days, debt, &bs) != BILLING_OK)
		return -1;
	name = block_state_name(bs);
	if (state_out != NULL)
		*state_out = name;
	if (strcmp(name, cur) == 0)
		return 0;
	if (api_exec(srv->db, "UPDATE companies SET block_state = ?, version = "
	    "version + 1, updated_at = ? WHERE id = ?", "tii", name,
	    (int64_t)time(NULL), company_id) != 1)
		return -1;
	snprintf(detail, sizeof detail, "block_state %s → %s", cur, name);
	if (feed_record(srv, "company", company_id, "upsert") != 0 ||
	    audit_record(srv, NULL, 0, "company.block_state", "company",
	    company_id, detail) != 0)
		return -1;
	return 1;
}

static int
company_block_now(struct server *srv, int64_t company_id, int64_t now)
{
	int32_t today;

	if (billing_day_from_unix(now, &today) != BILLING_OK)
		return -1;
	return company_block_update(srv, company_id, today, NULL) < 0 ? -1 : 0;
}

/* ---- lines -------------------------------------------------------------- */

struct line_in {
	const char	*description;
	const char	*ref_kind;
	const char	*fee_breakdown;
	char		 ref_id[32];
	const char	*ref_id_s;
	char		 fee_text[DESC_CHARS + 12];	/* agency_fee's */
};

static int
line_error(struct response *resp, int i, const char *code, const char *what)
{
	char field[64], msg[160];

	snprintf(field, sizeof field, "lines[%d].%s", i, what);
	snprintf(msg, sizeof msg, "line %d: %s is %s", i, what,
	    strcmp(code, "missing_field") == 0 ? "required" : "invalid");
	return api_error(resp, 422, code, msg, field);
}

static const char *
line_string(const cJSON *o, const char *k, int *bad)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);

	*bad = 0;
	if (it == NULL || cJSON_IsNull(it))
		return NULL;
	if (!cJSON_IsString(it)) {
		*bad = 1;
		return NULL;
	}
	return it->valuestring;
}

static int
line_int(const cJSON *o, const char *k, int64_t min, int64_t max,
    int64_t *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
	double d;

	if (it == NULL || cJSON_IsNull(it))
		return 1;
	if (!cJSON_IsNumber(it))
		return -1;
	d = it->valuedouble;
	if (d != (double)(int64_t)d || d < (double)min || d > (double)max)
		return -1;
	*out = (int64_t)d;
	return 0;
}

static int
agency_error(struct response *resp, int i, const char *code,
    const char *what, const char *msg)
{
	char field[80], text[200];

	snprintf(field, sizeof field, "lines[%d].agency_fee%s", i, what);
	snprintf(text, sizeof text, "line %d: %s", i, msg);
	return api_error(resp, 422, code, text, field);
}

/* A line's "agency_fee": {budget_minor, modifiers: [{factor, key}]}:
 * the fee is agency_fee() on the modifiers (one per factor, each in
 * agency_factors) times the budget; the line becomes 1 × the fee with
 * the breakdown in li->fee_text.  0, or the error already answered. */
static int
agency_line(struct response *resp, int i, const cJSON *af,
    struct billing_line *bl, struct line_in *li)
{
	struct agency_modifier mods[AGENCY_MAX_MODIFIERS];
	const char *factors[AGENCY_MAX_MODIFIERS];
	const cJSON *arr, *m;
	int64_t budget = 0, fee;
	int n = 0, bp, rc;

	if (!cJSON_IsObject(af))
		return agency_error(resp, i, "invalid_type", "",
		    "agency_fee is an object");
	if ((rc = line_int(af, "budget_minor", 0, INT64_C(1000000000000000),
	    &budget)) != 0)
		return agency_error(resp, i, rc > 0 ? "missing_field" :
		    "invalid_value", ".budget_minor", "agency_fee.budget_minor "
		    "is an integer from 0 to 10^15");
	arr = cJSON_GetObjectItemCaseSensitive(af, "modifiers");
	if (arr != NULL && !cJSON_IsNull(arr) && !cJSON_IsArray(arr))
		return agency_error(resp, i, "invalid_type", ".modifiers",
		    "agency_fee.modifiers is an array of {factor, key}");
	cJSON_ArrayForEach(m, arr) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(m, "factor");
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(m, "key");
		const struct agency_modifier *mod;
		char msg[160];

		if (!cJSON_IsObject(m) || !cJSON_IsString(f) ||
		    !cJSON_IsString(k))
			return agency_error(resp, i, "invalid_value",
			    ".modifiers", "an agency fee modifier is "
			    "{\"factor\": string, \"key\": string}");
		if ((mod = agency_modifier_find(f->valuestring,
		    k->valuestring)) == NULL) {
			snprintf(msg, sizeof msg, "no agency fee modifier "
			    "%.40s/%.40s", f->valuestring, k->valuestring);
			return agency_error(resp, i, "invalid_value",
			    ".modifiers", msg);
		}
		for (int j = 0; j < n; j++)
			if (strcmp(factors[j], f->valuestring) == 0) {
				snprintf(msg, sizeof msg, "two agency fee "
				    "modifiers for %.40s", f->valuestring);
				return agency_error(resp, i, "invalid_value",
				    ".modifiers", msg);
			}
		if (n == AGENCY_MAX_MODIFIERS)	/* unreachable: 6 factors */
			return agency_error(resp, i, "invalid_value",
			    ".modifiers", "too many agency fee modifiers");
		factors[n] = f->valuestring;
		mods[n++] = *mod;
	}
	if (agency_fee(mods, (size_t)n, &bp, li->fee_text,
	    sizeof li->fee_text) != BILLING_OK ||
	    agency_fee_amount(budget, bp, &fee) != BILLING_OK)
		return agency_error(resp, i, "out_of_range", "",
		    "the agency fee cannot be computed");
	bl->quantity = 1;
	bl->unit_price_minor = fee;
	li->fee_breakdown = li->fee_text;
	return 0;
}

/* Parses and checks body.lines into bl and li (n entries). */
static int
lines_parse(struct request *req, struct response *resp,
    struct billing_line **blp, struct line_in **lip, size_t *np)
{
	const cJSON *arr = api_body_field(req, "lines"), *e;
	struct billing_line *bl;
	struct line_in *li;
	int n, i = 0, bad, rc;

	if (arr == NULL)
		return api_error(resp, 422, "missing_field",
		    "an invoice needs lines", "lines");
	if (!cJSON_IsArray(arr))
		return api_error(resp, 422, "invalid_type",
		    "lines is an array of objects", "lines");
	n = cJSON_GetArraySize(arr);
	if (n < 1 || n > LINES_MAX)
		return api_error(resp, 422, "out_of_range",
		    "an invoice has 1 to 500 lines", "lines");
	bl = calloc((size_t)n, sizeof *bl);
	li = calloc((size_t)n, sizeof *li);
	if (bl == NULL || li == NULL) {
		free(bl);
		free(li);
		return api_db_error(resp);
	}
	cJSON_ArrayForEach(e, arr) {
		const cJSON *rid, *af;

		if (!cJSON_IsObject(e)) {
			rc = line_error(resp, i, "invalid_type", "line");
			goto fail;
		}
		af = cJSON_GetObjectItemCaseSensitive(e, "agency_fee");
		if (cJSON_IsNull(af))
			af = NULL;
		li[i].description = line_string(e, "description", &bad);
		if (bad || (li[i].description != NULL &&
		    api_utf8_chars(li[i].description) > DESC_CHARS)) {
			rc = line_error(resp, i, "invalid_value", "description");
			goto fail;
		}
		if (af != NULL && li[i].description == NULL)
			li[i].description = "Agency fee";
		if (li[i].description == NULL || li[i].description[0] == '\0') {
			rc = line_error(resp, i, "missing_field", "description");
			goto fail;
		}
		/* An agency fee line is 1 × the computed fee. */
		if ((rc = line_int(e, "quantity", 1, af != NULL ? 1 : 1000000,
		    &bl[i].quantity)) < 0 || (rc > 0 && af == NULL)) {
			rc = line_error(resp, i, rc > 0 ? "missing_field" :
			    "invalid_value", "quantity");
			goto fail;
		}
		if (af != NULL) {
			const cJSON *up = cJSON_GetObjectItemCaseSensitive(e,
			    "unit_price_minor");

			if (up != NULL && !cJSON_IsNull(up)) {
				rc = agency_error(resp, i, "invalid_value", "",
				    "a line has unit_price_minor or "
				    "agency_fee, not both");
				goto fail;
			}
			if ((rc = agency_line(resp, i, af, &bl[i],
			    &li[i])) != 0)
				goto fail;
		} else if ((rc = line_int(e, "unit_price_minor", 0,
		    INT64_C(1000000000000000), &bl[i].unit_price_minor)) != 0) {
			rc = line_error(resp, i, rc > 0 ? "missing_field" :
			    "invalid_value", "unit_price_minor");
			goto fail;
		}
		li[i].ref_kind = line_string(e, "ref_kind", &bad);
		if (bad || li[i].ref_kind != NULL) {
			int ok = 0;

			for (int k = 0; !bad && ref_kinds[k] != NULL; k++)
				ok |= strcmp(ref_kinds[k], li[i].ref_kind) == 0;
			if (!ok) {
				rc = line_error(resp, i, "invalid_value",
				    "ref_kind");
				goto fail;
			}
		}
		rid = cJSON_GetObjectItemCaseSensitive(e, "ref_id");
		if (rid != NULL && !cJSON_IsNull(rid)) {
			if (cJSON_IsString(rid) &&
			    strlen(rid->valuestring) < sizeof li[i].ref_id)
				snprintf(li[i].ref_id, sizeof li[i].ref_id,
				    "%s", rid->valuestring);
			else if (cJSON_IsNumber(rid) && rid->valuedouble ==
			    (double)(int64_t)rid->valuedouble)
				snprintf(li[i].ref_id, sizeof li[i].ref_id,
				    "%lld", (long long)rid->valuedouble);
			else {
				rc = line_error(resp, i, "invalid_value",
				    "ref_id");
				goto fail;
			}
			li[i].ref_id_s = li[i].ref_id;
		}
		if (af != NULL) {
			/* The server's breakdown; a client's is refused. */
			const cJSON *fb = cJSON_GetObjectItemCaseSensitive(e,
			    "fee_breakdown");

			if (fb != NULL && !cJSON_IsNull(fb)) {
				rc = line_error(resp, i, "invalid_value",
				    "fee_breakdown");
				goto fail;
			}
			i++;
			continue;
		}
		li[i].fee_breakdown = line_string(e, "fee_breakdown", &bad);
		if (bad || (li[i].fee_breakdown != NULL &&
		    api_utf8_chars(li[i].fee_breakdown) > DESC_CHARS)) {
			rc = line_error(resp, i, "invalid_value",
			    "fee_breakdown");
			goto fail;
		}
		i++;
	}
	*blp = bl;
	*lip = li;
	*np = (size_t)n;
	return 0;
fail:
	free(bl);
	free(li);
	return rc;
}

static int
lines_insert(sqlite3 *db, int64_t invoice_id, const struct billing_line *bl,
    const struct line_in *li, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (api_exec(db, "INSERT INTO invoice_lines (invoice_id, position, "
		    "description, quantity, unit_price_minor, amount_minor, "
		    "ref_kind, ref_id, fee_breakdown) VALUES (?, ?, ?, ?, ?, ?, "
		    "?, ?, ?)", "iitiiittt", invoice_id, (int64_t)(i + 1),
		    li[i].description, bl[i].quantity, bl[i].unit_price_minor,
		    bl[i].amount_minor, li[i].ref_kind, li[i].ref_id_s,
		    li[i].fee_breakdown) != 1)
			return -1;
	return 0;
}

static int
invoice_insert(struct server *srv, int64_t now, int64_t company_id,
    int64_t project_id, const char *kind, const char *currency,
    const char *pstart, const char *pend, const char *notes,
    const struct invoice_totals *t, int64_t *id)
{
	if (api_exec(srv->db, "INSERT INTO invoices (company_id, project_id, "
	    "kind, status, currency, subtotal_minor, discount_minor, "
	    "tax_minor, total_minor, amount_paid_minor, amount_due_minor, "
	    "period_start, period_end, notes, created_at, updated_at) VALUES "
	    "(?, ?, ?, 'draft', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
	    "izttiiiiitttii", company_id, project_id, kind, currency,
	    t->subtotal_minor, t->discount_minor, t->tax_minor,
	    t->total_minor, t->total_minor, pstart, pend, notes, now,
	    now) != 1)
		return -1;
	*id = sqlite3_last_insert_rowid(srv->db);
	return 0;
}

/* ---- GET /invoices/{id} ------------------------------------------------- */

static int
invoice_get(struct server *srv, struct request *req, struct response *resp)
{
	struct inv v;
	int rc;

	if ((rc = invoice_find(srv, req, resp, 0, &v)) != 0)
		return rc;
	return invoice_answer(srv, req, resp, v.id, 200);
}

/* ---- POST /invoices ----------------------------------------------------- */

static int
date_field(struct request *req, struct response *resp, const char *field,
    const char **out, int32_t *day)
{
	int rc;

	if ((rc = api_body_string(req, resp, field, false, 10, out)) != 0)
		return rc;
	if (*out != NULL && billing_date_parse(*out, day) != BILLING_OK)
		return api_error(resp, 422, "invalid_value",
		    "dates are 'YYYY-MM-DD'", field);
	return 0;
}

static int
invoice_create(struct server *srv, struct request *req,
    struct response *resp)
{
	const char *kind, *currency = NULL, *pstart = NULL, *pend = NULL;
	const char *notes = NULL;
	int64_t company_id, project_id = 0, discount = 0, id;
	int32_t ds = 0, de = 0;
	struct company c;
	struct billing_line *bl = NULL;
	struct line_in *li = NULL;
	struct invoice_adjust adj;
	struct invoice_totals t;
	size_t n = 0;
	int rc, err;

	if (req->user->role == USER_PERFORMER)
		return api_error(resp, 404, "not_found", "no such route", NULL);
	if (!may_bill(req->user) && req->user->role != USER_MANAGER)
		return api_error(resp, 403, "forbidden", "only admin, billing "
		    "and managers may create invoices", NULL);
	if ((rc = api_body_int(req, resp, "company_id", true, 1, INT64_MAX,
	    &company_id)) != 0)
		return rc;
	if ((rc = company_load(srv->db, company_id, &c)) < 0)
		return api_db_error(resp);
	if (rc > 0 || !scope_company(srv, req->user, company_id))
		return api_error(resp, 404, "not_found", "no such company",
		    "company_id");
	if ((rc = api_body_enum(req, resp, "kind", true, invoice_kinds,
	    &kind)) != 0 ||
	    (rc = api_body_string(req, resp, "currency", false, 3,
	    &currency)) != 0 ||
	    (rc = api_body_int(req, resp, "project_id", false, 1, INT64_MAX,
	    &project_id)) != 0 ||
	    (rc = date_field(req, resp, "period_start", &pstart, &ds)) != 0 ||
	    (rc = date_field(req, resp, "period_end", &pend, &de)) != 0 ||
	    (rc = api_body_string(req, resp, "notes", false, NOTES_CHARS,
	    &notes)) != 0 ||
	    (rc = api_body_int(req, resp, "discount_minor", false, 0,
	    INT64_C(1000000000000000), &discount)) != 0)
		return rc;
	if (currency == NULL)
		currency = c.currency;
	else if (!currency_valid(currency))
		return api_error(resp, 422, "invalid_value",
		    "currency is an ISO 4217 code (3 capital letters)",
		    "currency");
	if (pstart != NULL && pend != NULL && de < ds)
		return api_error(resp, 422, "invalid_period",
		    "period_end is before period_start", "period_end");
	if (project_id != 0) {
		cJSON *p = api_fetch_row(srv->db, "SELECT id FROM projects "
		    "WHERE id = ? AND company_id = ?", 2, project_id,
		    company_id);

		if (p == NULL)
			return api_error(resp, 422, "invalid_value",
			    "no such project for this company", "project_id");
		cJSON_Delete(p);
	}
	if ((rc = lines_parse(req, resp, &bl, &li, &n)) != 0)
		return rc;
	memset(&adj, 0, sizeof adj);
	adj.discount_minor = discount;
	adj.vat_bp = company_vat_bp(&c);
	if ((err = invoice_compute(bl, n, &adj, &t)) != BILLING_OK) {
		rc = api_error(resp, 422, err == BILLING_EINVAL ?
		    "discount_too_large" : "out_of_range",
		    err == BILLING_EINVAL ? "the discount exceeds the subtotal" :
		    billing_strerror(err), err == BILLING_EINVAL ?
		    "discount_minor" : "lines");
		goto out;
	}
	if (invoice_insert(srv, req->now, company_id, project_id, kind,
	    currency, pstart, pend, notes, &t, &id) != 0 ||
	    lines_insert(srv->db, id, bl, li, n) != 0 ||
	    feed_record(srv, "invoice", id, "upsert") != 0 ||
	    audit_record(srv, req->user, 0, "invoice.create", "invoice", id,
	    kind) != 0) {
		rc = api_db_error(resp);
		goto out;
	}
	rc = invoice_answer(srv, req, resp, id, 201);
out:
	free(bl);
	free(li);
	return rc;
}

/* After a write to an invoice that moves money or status: the feed, the
 * audit log and the company's block state, in that order. */
static int
invoice_changed(struct server *srv, struct request *req, const struct inv *v,
    const char *action, const char *detail)
{
	if (feed_record(srv, "invoice", v->id, "upsert") != 0 ||
	    audit_record(srv, req->user, 0, action, "invoice", v->id,
	    detail) != 0)
		return -1;
	return company_block_now(srv, v->company_id, req->now);
}

/* ---- POST /invoices/{id}/issue ------------------------------------------ */

/* The next number of year: after both the counter and the highest number
 * already stored for that year.  Updates the counter. */
static int
number_allocate(sqlite3 *db, int year, char *buf, size_t len)
{
	sqlite3_stmt *st;
	char like[16], last[32] = "";
	int64_t counter = 0, seq = 0;
	int y;

	snprintf(like, sizeof like, "INV-%04d-%%", year);
	if (sqlite3_prepare_v2(db, "SELECT ifnull((SELECT last FROM "
	    "invoice_counters WHERE year = ?), 0), (SELECT max(number) FROM "
	    "invoices WHERE number LIKE ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, year);
	sqlite3_bind_text(st, 2, like, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	counter = sqlite3_column_int64(st, 0);
	api_column_text(last, sizeof last, st, 1);
	sqlite3_finalize(st);
	if (last[0] != '\0' && invoice_number_parse(last, &y, &seq) !=
	    BILLING_OK)
		seq = 0;
	if (counter > seq)
		seq = counter;
	if (seq == 0) {
		if (invoice_number_next(NULL, year, buf, len) != BILLING_OK)
			return -1;
	} else {
		if (invoice_number_format(last, sizeof last, year, seq) !=
		    BILLING_OK ||
		    invoice_number_next(last, year, buf, len) != BILLING_OK)
			return -1;
	}
	if (api_exec(db, "INSERT INTO invoice_counters (year, last) VALUES (?, ?) "
	    "ON CONFLICT(year) DO UPDATE SET last = excluded.last", "ii",
	    (int64_t)year, seq + 1) != 1)
		return -1;
	return 0;
}

static int
invoice_issue(struct server *srv, struct request *req, struct response *resp)
{
	struct inv v;
	struct company c;
	char today_s[16], due_s[16], number[32];
	int32_t today, due;
	int rc;

	if ((rc = invoice_find(srv, req, resp, 1, &v)) != 0 ||
	    (rc = invoice_precondition(srv, req, resp, &v)) != 0)
		return rc;
	if (strcmp(v.status, "draft") != 0)
		return invoice_state(resp, &v, "issue");
	if (company_load(srv->db, v.company_id, &c) != 0 ||
	    today_of(req->now, &today, today_s, sizeof today_s) != 0)
		return api_db_error(resp);
	if (billing_due_date(today, c.deferral_days > BILLING_MAX_DEFERRAL ?
	    BILLING_MAX_DEFERRAL : c.deferral_days, &due) != BILLING_OK ||
	    billing_date_format(due, due_s, sizeof due_s) != BILLING_OK)
		return api_db_error(resp);
	if (number_allocate(srv->db, atoi(today_s), number, sizeof number) != 0)
		return api_error(resp, 409, "numbers_exhausted",
		    "no invoice number left this year", NULL);
	if (api_exec(srv->db, "UPDATE invoices SET number = ?, status = 'sent', "
	    "issue_date = ?, due_date = ?, version = version + 1, "
	    "updated_at = ? WHERE id = ?", "tttii", number, today_s, due_s,
	    req->now, v.id) != 1 ||
	    invoice_changed(srv, req, &v, "invoice.issue", number) != 0)
		return api_db_error(resp);
	return invoice_answer(srv, req, resp, v.id, 200);
}

/* ---- POST /invoices/{id}/payments --------------------------------------- */

static int
invoice_payment(struct server *srv, struct request *req,
    struct response *resp)
{
	struct inv v;
	struct company c;
	const char *method, *reference = NULL;
	int64_t amount, paid_at = req->now, pid;
	char title[160], detail[96];
	int rc, full = 0, err;
	cJSON *out;

	if ((rc = invoice_find(srv, req, resp, 1, &v)) != 0 ||
	    (rc = invoice_precondition(srv, req, resp, &v)) != 0)
		return rc;
	if ((rc = api_body_int(req, resp, "amount_minor", true, 1,
	    INT64_MAX, &amount)) != 0 ||
	    (rc = api_body_enum(req, resp, "method", true, pay_methods,
	    &method)) != 0 ||
	    (rc = api_body_string(req, resp, "reference", false, 200,
	    &reference)) != 0 ||
	    (rc = api_body_int(req, resp, "paid_at", false, 0, TIME_MAX,
	    &paid_at)) != 0)
		return rc;
	if (strcmp(v.status, "sent") != 0 && strcmp(v.status, "overdue") != 0)
		return invoice_state(resp, &v, "record a payment on");
	if ((err = invoice_pay(&v.t, amount, &full)) == BILLING_EOVERPAY)
		return api_error(resp, 422, "overpayment", "the payment is "
		    "more than the amount due", "amount_minor");
	if (err != BILLING_OK)
		return api_error(resp, 422, "out_of_range",
		    billing_strerror(err), "amount_minor");
	if (api_exec(srv->db, "INSERT INTO payments (invoice_id, amount_minor, "
	    "currency, method, reference, paid_at, status, verified_by, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, 'confirmed', ?, ?)",
	    "iitttiii", v.id, amount, v.currency, method, reference, paid_at,
	    req->user->id, req->now) != 1)
		return api_db_error(resp);
	pid = sqlite3_last_insert_rowid(srv->db);
	if (api_exec(srv->db, "UPDATE invoices SET amount_paid_minor = ?, "
	    "amount_due_minor = ?, status = ?, version = version + 1, "
	    "updated_at = ? WHERE id = ?", "iitii", v.t.paid_minor,
	    v.t.due_minor, full ? "paid" : v.status, req->now, v.id) != 1 ||
	    feed_record(srv, "payment", pid, "upsert") != 0)
		return api_db_error(resp);
	snprintf(detail, sizeof detail, "%lld %s by %s%s", (long long)amount,
	    v.currency, method, full ? ", paid in full" : "");
	if (invoice_changed(srv, req, &v, "invoice.payment", detail) != 0 ||
	    company_load(srv->db, v.company_id, &c) != 0)
		return api_db_error(resp);
	if (c.owner_id != 0) {
		snprintf(title, sizeof title, "Payment received: %lld %s",
		    (long long)amount, v.currency);
		if (notify(srv, c.owner_id, "payment_received", title,
		    "invoice", v.id) != 0)
			return api_db_error(resp);
	}
	if ((out = cJSON_CreateObject()) == NULL)
		return api_db_error(resp);
	resp->json = out;
	cJSON_AddItemToObject(out, "payment", feed_render(srv, req->user,
	    "payment", pid));
	cJSON_AddItemToObject(out, "invoice", feed_render(srv, req->user,
	    "invoice", v.id));
	return resp->status = 201;
}

/* ---- POST /invoices/{id}/cancel ----------------------------------------- */

static int
invoice_cancel(struct server *srv, struct request *req,
    struct response *resp)
{
	struct inv v;
	const char *reason;
	cJSON *paid;
	int rc, has_paid;

	if ((rc = invoice_find(srv, req, resp, 1, &v)) != 0 ||
	    (rc = invoice_precondition(srv, req, resp, &v)) != 0)
		return rc;
	if ((rc = api_body_string(req, resp, "reason", true, REASON_CHARS,
	    &reason)) != 0)
		return rc;
	if (reason[0] == '\0')
		return api_error(resp, 422, "missing_field",
		    "a cancellation needs a reason", "reason");
	if (strcmp(v.status, "draft") != 0 && strcmp(v.status, "sent") != 0 &&
	    strcmp(v.status, "overdue") != 0)
		return invoice_state(resp, &v, "cancel");
	paid = api_fetch_row(srv->db, "SELECT 1 FROM payments WHERE "
	    "invoice_id = ? AND status = 'confirmed' LIMIT 1", 1, v.id);
	has_paid = paid != NULL || v.t.paid_minor > 0;
	cJSON_Delete(paid);
	if (has_paid)
		return api_error(resp, 409, "has_payments", "an invoice with "
		    "confirmed payments cannot be cancelled", NULL);
	if (api_exec(srv->db, "UPDATE invoices SET status = 'cancelled', "
	    "cancel_reason = ?, amount_due_minor = 0, version = version + 1, "
	    "updated_at = ? WHERE id = ?", "tii", reason, req->now,
	    v.id) != 1 ||
	    invoice_changed(srv, req, &v, "invoice.cancel", reason) != 0)
		return api_db_error(resp);
	return invoice_answer(srv, req, resp, v.id, 200);
}

/* ---- POST /billing/runs ------------------------------------------------- */

static int
terms_load(sqlite3 *db, int64_t company_id, struct commission_terms *t,
    int *have)
{
	sqlite3_stmt *st;
	int rc;

	*have = 0;
	memset(t, 0, sizeof *t);
	if (sqlite3_prepare_v2(db, "SELECT type, ifnull(percent_bp, 0), "
	    "ifnull(fixed_minor, 0), ifnull(currency, ''), ifnull(min_minor, "
	    "0), ifnull(max_minor, 0), tiers, valid_from, valid_to FROM "
	    "commission_terms WHERE company_id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, company_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *tiers = (const char *)sqlite3_column_text(st, 6);
		const char *vf = (const char *)sqlite3_column_text(st, 7);
		const char *vt = (const char *)sqlite3_column_text(st, 8);

		*have = 1;
		if (type == NULL || commission_type_parse(type, &t->type) !=
		    BILLING_OK)
			t->type = COMMISSION_PERCENT;
		t->percent_bp = sqlite3_column_int(st, 1);
		t->fixed_minor = sqlite3_column_int64(st, 2);
		api_column_text(t->currency, sizeof t->currency, st, 3);
		t->min_minor = sqlite3_column_int64(st, 4);
		t->max_minor = sqlite3_column_int64(st, 5);
		if (vf != NULL)
			billing_date_parse(vf, &t->valid_from);
		if (vt != NULL)
			billing_date_parse(vt, &t->valid_to);
		if (tiers != NULL) {
			cJSON *a = cJSON_Parse(tiers), *e;

			cJSON_ArrayForEach(e, a) {
				cJSON *f = cJSON_GetObjectItem(e, "from_minor");
				cJSON *p = cJSON_GetObjectItem(e, "percent_bp");

				if (t->ntiers >= COMMISSION_MAX_TIERS ||
				    !cJSON_IsNumber(f) || !cJSON_IsNumber(p))
					break;
				t->tiers[t->ntiers].from_minor =
				    (int64_t)f->valuedouble;
				t->tiers[t->ntiers].percent_bp =
				    (int)p->valuedouble;
				t->ntiers++;
			}
			cJSON_Delete(a);
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

struct bill_item {
	int64_t	 order_id;
	int64_t	 amount;
	int64_t	 updated_at;
	char	 number[32];
	char	 title[96];
};

/* Bills one company's unbilled completed orders in currency within
 * [t0, t1).  *id is 0 when there was nothing to bill. */
static int
bill_company(struct server *srv, struct request *req, int64_t company_id,
    const char *currency, int64_t t0, int64_t t1, const char *ps,
    const char *pe, int64_t *id)
{
	sqlite3_stmt *st;
	struct bill_item *items = NULL;
	struct billing_line *bl = NULL;
	struct line_in *li = NULL;
	char (*desc)[192] = NULL;
	size_t n = 0, cap = 0;
	struct commission_terms special;
	struct company c;
	struct invoice_adjust adj;
	struct invoice_totals tot;
	int64_t volume = 0;
	int have, rc = -1;

	*id = 0;
	if (terms_load(srv->db, company_id, &special, &have) != 0 ||
	    company_load(srv->db, company_id, &c) != 0)
		return -1;
	if (sqlite3_prepare_v2(srv->db, "SELECT o.id, o.budget_minor, "
	    "o.updated_at, o.number, o.title FROM orders o WHERE "
	    "o.company_id = ? AND o.currency = ? AND o.kind = 'marketplace' "
	    "AND o.status = 'completed' AND o.budget_minor IS NOT NULL AND "
	    "o.budget_minor >= 0 AND o.updated_at >= ? AND o.updated_at < ? "
	    "AND NOT EXISTS (SELECT 1 FROM invoice_lines l JOIN invoices i ON "
	    "i.id = l.invoice_id WHERE l.ref_kind = 'order' AND l.ref_id = "
	    "CAST(o.id AS TEXT) AND i.status <> 'cancelled') "
	    "ORDER BY o.updated_at, o.id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, company_id);
	sqlite3_bind_text(st, 2, currency, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, t0);
	sqlite3_bind_int64(st, 4, t1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			void *p = realloc(items, nc * sizeof *items);

			if (p == NULL)
				goto out;
			items = p;
			cap = nc;
		}
		items[n].order_id = sqlite3_column_int64(st, 0);
		items[n].amount = sqlite3_column_int64(st, 1);
		items[n].updated_at = sqlite3_column_int64(st, 2);
		api_column_text(items[n].number, sizeof items[n].number, st, 3);
		api_column_text(items[n].title, sizeof items[n].title, st, 4);
		n++;
	}
	if (n == 0 || n > LINES_MAX) {
		rc = 0;		/* nothing, or too many for one invoice */
		goto out;
	}
	bl = calloc(n, sizeof *bl);
	li = calloc(n, sizeof *li);
	desc = calloc(n, sizeof *desc);
	if (bl == NULL || li == NULL || desc == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct commission_terms *t;
		int32_t day;
		int64_t fee;

		if (billing_day_from_unix(items[i].updated_at, &day) !=
		    BILLING_OK)
			goto out;
		t = commission_terms_pick(have ? &special : NULL, NULL, day);
		if (commission_line(t, currency, items[i].amount, volume,
		    &fee) != BILLING_OK) {
			rc = 0;		/* unusable terms: skipped */
			goto out;
		}
		volume += items[i].amount;
		bl[i].quantity = 1;
		bl[i].unit_price_minor = fee;
		snprintf(desc[i], sizeof desc[i], "Commission (%s): order %s "
		    "\"%s\", %lld %s", commission_type_name(t->type),
		    items[i].number, items[i].title, (long long)items[i].amount,
		    currency);
		li[i].description = desc[i];
		li[i].ref_kind = "order";
		snprintf(li[i].ref_id, sizeof li[i].ref_id, "%lld",
		    (long long)items[i].order_id);
		li[i].ref_id_s = li[i].ref_id;
	}
	memset(&adj, 0, sizeof adj);
	adj.vat_bp = company_vat_bp(&c);
	if (invoice_compute(bl, n, &adj, &tot) != BILLING_OK) {
		rc = 0;
		goto out;
	}
	if (invoice_insert(srv, req->now, company_id, 0, "commission",
	    currency, ps, pe, NULL, &tot, id) != 0 ||
	    lines_insert(srv->db, *id, bl, li, n) != 0 ||
	    feed_record(srv, "invoice", *id, "upsert") != 0 ||
	    audit_record(srv, req->user, 0, "invoice.billing_run", "invoice",
	    *id, ps) != 0) {
		*id = 0;
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	free(items);
	free(bl);
	free(li);
	free(desc);
	return rc;
}

static int
billing_run(struct server *srv, struct request *req, struct response *resp)
{
	const char *ps, *pe;
	int32_t ds, de;
	int64_t t0, t1, skipped = 0;
	sqlite3_stmt *st;
	cJSON *out, *created;
	struct { int64_t company; char currency[8]; } *grp = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (req->user->role == USER_PERFORMER)
		return api_error(resp, 404, "not_found", "no such route", NULL);
	if (!may_bill(req->user))
		return forbidden(resp);
	if ((rc = date_field(req, resp, "period_start", &ps, &ds)) != 0 ||
	    (rc = date_field(req, resp, "period_end", &pe, &de)) != 0)
		return rc;
	if (ps == NULL)
		return api_error(resp, 422, "missing_field",
		    "period_start is required", "period_start");
	if (pe == NULL)
		return api_error(resp, 422, "missing_field",
		    "period_end is required", "period_end");
	if (de < ds)
		return api_error(resp, 422, "invalid_period",
		    "period_end is before period_start", "period_end");
	t0 = (int64_t)ds * 86400;
	t1 = ((int64_t)de + 1) * 86400;

	/* Companies with completed orders in the period. */
	if (sqlite3_prepare_v2(srv->db, "SELECT DISTINCT company_id, currency "
	    "FROM orders WHERE kind = 'marketplace' AND status = 'completed' "
	    "AND budget_minor IS NOT NULL AND updated_at >= ? AND "
	    "updated_at < ? ORDER BY company_id, currency", -1, &st, NULL) !=
	    SQLITE_OK)
		return api_db_error(resp);
	sqlite3_bind_int64(st, 1, t0);
	sqlite3_bind_int64(st, 2, t1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			void *p = realloc(grp, nc * sizeof *grp);

			if (p == NULL) {
				sqlite3_finalize(st);
				free(grp);
				return api_db_error(resp);
			}
			grp = p;
			cap = nc;
		}
		grp[n].company = sqlite3_column_int64(st, 0);
		api_column_text(grp[n].currency, sizeof grp[n].currency, st, 1);
		n++;
	}
	sqlite3_finalize(st);

	out = cJSON_CreateObject();
	created = cJSON_AddArrayToObject(out, "created");
	for (size_t i = 0; i < n; i++) {
		cJSON *dup = api_fetch_row(srv->db, "SELECT 1 FROM invoices "
		    "WHERE company_id = ? AND kind = 'commission' AND "
		    "status <> 'cancelled' AND period_start = "
		    "date(?, 'unixepoch') AND period_end = date(?, 'unixepoch') "
		    "LIMIT 1", 3, grp[i].company, t0, t1 - 86400);
		int64_t id;

		if (dup != NULL) {
			cJSON_Delete(dup);
			skipped++;
			continue;
		}
		if (bill_company(srv, req, grp[i].company, grp[i].currency, t0,
		    t1, ps, pe, &id) != 0) {
			free(grp);
			cJSON_Delete(out);
			return api_db_error(resp);
		}
		if (id == 0)
			skipped++;
		else
			cJSON_AddItemToArray(created,
			    cJSON_CreateNumber((double)id));
	}
	free(grp);
	cJSON_AddNumberToObject(out, "skipped", (double)skipped);
	resp->json = out;
	return resp->status = cJSON_GetArraySize(created) > 0 ? 201 : 200;
}

/* ---- overdue ------------------------------------------------------------ */

/* Flips sent invoices past their due date to overdue and recomputes the
 * block state of every company with debt or a block.  Runs inside the
 * caller's transaction.  out (may be NULL) receives "overdue" (ids) and
 * "companies" ([{id, block_state}] that changed). */
int
invoice_overdue_run(struct server *srv, int64_t now, cJSON *out)
{
	sqlite3_stmt *st;
	char today_s[16], title[160];
	int32_t today;
	cJSON *ids = NULL, *cos = NULL;
	int64_t *list = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (today_of(now, &today, today_s, sizeof today_s) != 0)
		return -1;
	if (out != NULL) {
		ids = cJSON_AddArrayToObject(out, "overdue");
		cos = cJSON_AddArrayToObject(out, "companies");
	}
	if (sqlite3_prepare_v2(srv->db, "SELECT i.id, ifnull(c.owner_id, 0), "
	    "ifnull(i.number, '') FROM invoices i JOIN companies c ON "
	    "c.id = i.company_id WHERE i.status = 'sent' AND i.due_date < ? "
	    "ORDER BY i.id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, today_s, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int64_t owner = sqlite3_column_int64(st, 1);

		snprintf(title, sizeof title, "Invoice %s is overdue",
		    (const char *)sqlite3_column_text(st, 2));
		if (api_exec(srv->db, "UPDATE invoices SET status = 'overdue', "
		    "version = version + 1, updated_at = ? WHERE id = ?", "ii",
		    now, id) != 1 ||
		    feed_record(srv, "invoice", id, "upsert") != 0 ||
		    audit_record(srv, NULL, 0, "invoice.overdue", "invoice", id,
		    today_s) != 0 ||
		    (owner != 0 && notify(srv, owner, "invoice_overdue", title,
		    "invoice", id) != 0)) {
			sqlite3_finalize(st);
			return -1;
		}
		if (ids != NULL)
			cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)id));
	}
	sqlite3_finalize(st);

	if (sqlite3_prepare_v2(srv->db, "SELECT id FROM companies WHERE "
	    "block_state <> 'none' OR id IN (SELECT company_id FROM invoices "
	    "WHERE status IN ('sent', 'overdue')) ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			void *p = realloc(list, nc * sizeof *list);

			if (p == NULL) {
				sqlite3_finalize(st);
				goto out;
			}
			list = p;
			cap = nc;
		}
		list[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		const char *state = NULL;
		int ch = company_block_update(srv, list[i], today, &state);

		if (ch < 0)
			goto out;
		if (ch > 0 && cos != NULL) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddNumberToObject(o, "id", (double)list[i]);
			cJSON_AddStringToObject(o, "block_state", state);
			cJSON_AddItemToArray(cos, o);
		}
	}
	rc = 0;
out:
	free(list);
	return rc;
}

static int
invoice_mark_overdue(struct server *srv, struct request *req,
    struct response *resp)
{
	cJSON *out;

	if (req->user->role == USER_PERFORMER)
		return api_error(resp, 404, "not_found", "no such route", NULL);
	if (!may_bill(req->user))
		return forbidden(resp);
	if ((out = cJSON_CreateObject()) == NULL)
		return api_db_error(resp);
	if (invoice_overdue_run(srv, req->now, out) != 0) {
		cJSON_Delete(out);
		return api_db_error(resp);
	}
	if (audit_record(srv, req->user, 0, "invoice.mark_overdue", "invoice",
	    0, NULL) != 0) {
		cJSON_Delete(out);
		return api_db_error(resp);
	}
	resp->json = out;
	return resp->status = 200;
}

/* ---- the timer ---------------------------------------------------------- */

/* One thread runs the server's periodic jobs, each in its own
 * transaction under srv->lock: marking invoices overdue, and waking
 * snoozed conversations (conversations.c).  The snooze sweep also runs
 * once at start, so a server that was down wakes what fell due
 * meanwhile, and its interval is short: a snooze that ended shows as
 * open in the client at once, and the server must agree soon after. */
struct timer_job {
	const char	*env;		/* interval override, seconds */
	int		 interval;	/* default, seconds */
	int		 at_start;
	int		 (*run)(struct server *, int64_t);
	struct timespec	 next;		/* CLOCK_MONOTONIC */
};

static int
overdue_job(struct server *srv, int64_t now)
{
	return invoice_overdue_run(srv, now, NULL);
}

static int
snooze_job(struct server *srv, int64_t now)
{
	return conversation_snooze_sweep(srv, now) < 0 ? -1 : 0;
}

static struct timer_job jobs[] = {
	{ "MKTD_OVERDUE_INTERVAL", 60, 0, overdue_job, { 0, 0 } },
	{ "MKTD_SNOOZE_INTERVAL", 30, 1, snooze_job, { 0, 0 } },
};
#define NJOBS	((int)(sizeof jobs / sizeof jobs[0]))

static struct {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 running, stop;
	struct server	*srv;
} timer = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void
timer_tick(struct server *srv, struct timer_job *job)
{
	int64_t seq0;

	pthread_mutex_lock(&srv->lock);
	if (srv->stopping) {
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	seq0 = srv->last_seq;
	if (sqlite3_exec(srv->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
	    SQLITE_OK) {
		if (job->run(srv, (int64_t)time(NULL)) == 0 &&
		    sqlite3_exec(srv->db, "COMMIT", NULL, NULL, NULL) ==
		    SQLITE_OK) {
			if (srv->last_seq != seq0)
				pthread_cond_broadcast(&srv->changed);
		} else {
			sqlite3_exec(srv->db, "ROLLBACK", NULL, NULL, NULL);
			srv->last_seq = seq0;
		}
	}
	pthread_mutex_unlock(&srv->lock);
}

static int
due(const struct timespec *now, const struct timespec *at)
{
	return now->tv_sec > at->tv_sec || (now->tv_sec == at->tv_sec &&
	    now->tv_nsec >= at->tv_nsec);
}

/* Sleeps until the earliest job is due (timer.cv runs on the realtime
 * clock, the job times on the monotonic one: the wait is the difference),
 * then runs every job that is due. */
static void *
timer_main(void *arg)
{
	struct server *srv = arg;
	struct timespec mono, ts;

	pthread_mutex_lock(&timer.mu);
	while (!timer.stop && !srv->stopping) {
		const struct timespec *first = &jobs[0].next;
		long long ns;

		for (int i = 1; i < NJOBS; i++)
			if (!due(&jobs[i].next, first))
				first = &jobs[i].next;
		clock_gettime(CLOCK_MONOTONIC, &mono);
		ns = (long long)(first->tv_sec - mono.tv_sec) * 1000000000LL +
		    (first->tv_nsec - mono.tv_nsec);
		if (ns > 0) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(ns / 1000000000LL);
			ts.tv_nsec += (long)(ns % 1000000000LL);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			while (!timer.stop && pthread_cond_timedwait(&timer.cv,
			    &timer.mu, &ts) == 0)
				;
		}
		if (timer.stop || srv->stopping)
			break;
		pthread_mutex_unlock(&timer.mu);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		for (int i = 0; i < NJOBS; i++)
			if (due(&mono, &jobs[i].next)) {
				timer_tick(srv, &jobs[i]);
				clock_gettime(CLOCK_MONOTONIC, &jobs[i].next);
				jobs[i].next.tv_sec += jobs[i].interval;
			}
		pthread_mutex_lock(&timer.mu);
	}
	pthread_mutex_unlock(&timer.mu);
	return NULL;
}

/* Starts the timer: invoices every MKTD_OVERDUE_INTERVAL seconds, snoozes
 * every MKTD_SNOOZE_INTERVAL seconds (each 1..86400, default 60 and 30)
 * and once now.  0 on success. */
int
invoice_timer_start(struct server *srv)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (int i = 0; i < NJOBS; i++) {
		const char *s = getenv(jobs[i].env);
		char *end;
		long v;

		if (s != NULL && *s != '\0') {
			v = strtol(s, &end, 10);
			if (*end == '\0' && v >= 1 && v <= 86400)
				jobs[i].interval = (int)v;
		}
		jobs[i].next = now;
		if (!jobs[i].at_start)
			jobs[i].next.tv_sec += jobs[i].interval;
	}
	timer.srv = srv;
	timer.stop = 0;
	if (pthread_create(&timer.thread, NULL, timer_main, srv) != 0)
		return -1;
	timer.running = 1;
	return 0;
}

/* Wakes the timer and waits for it; call before closing the database. */
void
invoice_timer_stop(void)
{
	if (!timer.running)
		return;
	pthread_mutex_lock(&timer.mu);
	timer.stop = 1;
	pthread_cond_broadcast(&timer.cv);
	pthread_mutex_unlock(&timer.mu);
	pthread_join(timer.thread, NULL);
	timer.running = 0;
}

const struct route invoice_routes[] = {
	{ "POST", "/api/v1/invoices", ROUTE_WRITE, invoice_create },
	{ "POST", "/api/v1/invoices/mark-overdue", ROUTE_WRITE,
	    invoice_mark_overdue },
	{ "GET", "/api/v1/invoices/{id}", 0, invoice_get },
	{ "POST", "/api/v1/invoices/{id}/issue", ROUTE_WRITE, invoice_issue },
	{ "POST", "/api/v1/invoices/{id}/payments", ROUTE_WRITE,
	    invoice_payment },
	{ "POST", "/api/v1/invoices/{id}/cancel", ROUTE_WRITE,
	    invoice_cancel },
	{ "POST", "/api/v1/billing/runs", ROUTE_WRITE, billing_run },
	{ NULL, NULL, 0, NULL }
};
