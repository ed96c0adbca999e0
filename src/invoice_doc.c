#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"
#include "invoice_doc.h"
#include "store.h"
#include "text.h"
#include "util.h"

/* By primary key, with its company by primary key: one lookup. */
static const char header_sql[] =
    "SELECT i.id, i.version, ifnull(i.number, 'draft #' || i.id), i.kind,"
    " i.status, i.currency, co.code, co.name, co.country, co.vat_number,"
    " co.is_eu, co.vat_verified, i.issue_date, i.due_date, i.period_start,"
    " i.period_end, i.subtotal_minor, i.discount_minor, i.tax_minor,"
    " i.total_minor, i.amount_paid_minor, i.amount_due_minor, i.notes,"
    " i.cancel_reason, i.pending"
    " FROM invoices i JOIN companies co ON co.id = i.company_id"
    " WHERE i.id = ?";

/* Newest first with a limit, by index payments_invoice; reversed into
 * the order they were paid afterwards. */
static const char payments_sql[] =
    "SELECT id, amount_minor, paid_at, method, status, reference, pending"
    " FROM payments WHERE invoice_id = ?"
    " ORDER BY paid_at DESC, id DESC LIMIT ?";

static void
read_header(sqlite3_stmt *st, struct invoice_doc *d)
{
	d->id = sqlite3_column_int64(st, 0);
	d->version = sqlite3_column_int64(st, 1);
	d->number = store_column_text(st, 2, TEXT_ONELINE);
	store_column_copy(d->kind, sizeof d->kind, st, 3);
	store_column_copy(d->status, sizeof d->status, st, 4);
	store_column_copy(d->currency, sizeof d->currency, st, 5);
	d->company_code = store_column_text(st, 6, TEXT_ONELINE);
	d->company_name = store_column_text(st, 7, TEXT_ONELINE);
	d->country = store_column_text(st, 8, TEXT_ONELINE);
	d->vat_number = store_column_text(st, 9, TEXT_ONELINE);
	d->is_eu = sqlite3_column_int(st, 10) != 0;
	d->vat_verified = sqlite3_column_int(st, 11) != 0;
	store_column_copy(d->issue_date, sizeof d->issue_date, st, 12);
	store_column_copy(d->due_date, sizeof d->due_date, st, 13);
	store_column_copy(d->period_start, sizeof d->period_start, st, 14);
	store_column_copy(d->period_end, sizeof d->period_end, st, 15);
	d->subtotal_minor = sqlite3_column_int64(st, 16);
	d->discount_minor = sqlite3_column_int64(st, 17);
	d->tax_minor = sqlite3_column_int64(st, 18);
	d->total_minor = sqlite3_column_int64(st, 19);
	d->paid_minor = sqlite3_column_int64(st, 20);
	d->due_minor = sqlite3_column_int64(st, 21);
	d->notes = store_column_text(st, 22, 0);
	d->cancel_reason = store_column_text(st, 23, TEXT_ONELINE);
	d->pending = sqlite3_column_int64(st, 24) > 0;
}

static void
read_payment(sqlite3_stmt *st, struct invoice_payment *p)
{
	memset(p, 0, sizeof *p);
	p->id = sqlite3_column_int64(st, 0);
	p->amount_minor = sqlite3_column_int64(st, 1);
	p->paid_at = sqlite3_column_int64(st, 2);
	store_column_copy(p->method, sizeof p->method, st, 3);
	store_column_copy(p->status, sizeof p->status, st, 4);
	p->reference = store_column_text(st, 5, TEXT_ONELINE);
	p->pending = sqlite3_column_int64(st, 6) > 0;
}

static int
load_payments(sqlite3 *db, struct invoice_doc *d)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(db, payments_sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, d->id);
	sqlite3_bind_int(st, 2, INVOICE_DOC_MAX_PAYMENTS + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == INVOICE_DOC_MAX_PAYMENTS) {
			d->more_payments = 1;
			break;
		}
		if (d->payments == NULL)
			d->payments = xcalloc(INVOICE_DOC_MAX_PAYMENTS,
			    sizeof *d->payments);
		read_payment(st, &d->payments[n++]);
		d->npayments = n;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	for (int i = 0, j = n - 1; i < j; i++, j--) {
		struct invoice_payment t = d->payments[i];

		d->payments[i] = d->payments[j];
		d->payments[j] = t;
	}
	if (d->more_payments) {
		/* How many more the cache has: one count, only then. */
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM payments "
		    "WHERE invoice_id = ?", -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int64(st, 1, d->id);
		if (sqlite3_step(st) == SQLITE_ROW)
			d->more_payments = sqlite3_column_int64(st, 0) - n;
		sqlite3_finalize(st);
	}
	return 0;
}

int
invoice_doc_load(sqlite3 *db, int64_t id, struct invoice_doc *doc,
    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	memset(doc, 0, sizeof *doc);
	if (sqlite3_prepare_v2(db, header_sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		sqlite3_finalize(st);
		snprintf(err, errlen, "invoice %lld is not in the cache",
		    (long long)id);
		return -1;
	}
	if (rc != SQLITE_ROW)
		goto fail;
	read_header(st, doc);
	sqlite3_finalize(st);
	st = NULL;
	if (load_payments(db, doc) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "invoice %lld: %s", (long long)id,
	    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	invoice_doc_free(doc);
	return -1;
}

void
invoice_doc_free(struct invoice_doc *d)
{
	for (int i = 0; i < d->npayments; i++)
		free(d->payments[i].reference);
	free(d->payments);
	free(d->number);
	free(d->company_code);
	free(d->company_name);
	free(d->country);
	free(d->vat_number);
	free(d->notes);
	free(d->cancel_reason);
	memset(d, 0, sizeof *d);
}

int
invoice_doc_days_overdue(const struct invoice_doc *d, int64_t now)
{
	int32_t due, today;

	if (strcmp(d->status, "sent") != 0 && strcmp(d->status, "overdue") != 0)
		return 0;
	if (d->due_minor <= 0 || billing_date_parse(d->due_date, &due) != 0 ||
	    billing_day_from_unix(now, &today) != 0)
		return 0;
	return billing_days_overdue(due, today);
}

/* Whether bp of base, as billing rounds it, is tax. */
static bool
charged_at(int64_t base, int64_t bp, int64_t tax)
{
	int64_t t;

	return bp >= 0 && bp <= 10000 &&
	    billing_percent(base, (int)bp, &t) == BILLING_OK && t == tax;
}

int
invoice_doc_vat_bp(const struct invoice_doc *d)
{
	int64_t base, tax = d->tax_minor, bp, pct;

	if (tax == 0)
		return 0;
	/* Rows come from the network: nothing here may overflow. */
	if (d->subtotal_minor < 0 || d->discount_minor < 0 ||
	    d->discount_minor >= d->subtotal_minor)
		return -1;
	base = d->subtotal_minor - d->discount_minor;
	if (tax < 0 || tax > base || base > INT64_MAX / 10000)
		return -1;
	/* The exact rate, truncated; rounding the tax may have moved it a
	 * point either way.  Rates are whole percents, so those come first:
	 * 1 on a base of 3 is 33 %, not 33.33. */
	bp = tax / base * 10000 + tax % base * 10000 / base;
	pct = (bp + 50) / 100 * 100;
	const int64_t tries[] = { pct, pct - 100, pct + 100, bp, bp + 1,
	    bp - 1 };
	for (size_t i = 0; i < nitems(tries); i++)
		if (charged_at(base, tries[i], tax))
			return (int)tries[i];
	return -1;
}

bool
invoice_doc_reverse_charge(const struct invoice_doc *d)
{
	return d->tax_minor == 0 && d->is_eu && billing_vat_bp(d->is_eu,
	    d->vat_verified, d->vat_number, 1) == 0;
}
