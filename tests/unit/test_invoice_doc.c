/* The invoice view's loader on the demo data: every invoice's header
 * agrees with its lines and payments as billing.h computes them, VAT at
 * the rate the server charges, days overdue, money as people read it,
 * a missing invoice, hostile text, and the cap on payments held. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"
#include "demo.h"
#include "invoice_doc.h"
#include "lists.h"
#include "listwin.h"
#include "money.h"
#include "store.h"
#include "text.h"

#define NOW	1795000000LL	/* 2026-11-18 11:06 UTC */

static sqlite3 *db;

static int
setup(void **state)
{
	char err[256];

	(void)state;
	if (text_init_locale() != 0)
		return -1;
	if (store_open(":memory:", &db, err, sizeof err) != 0 ||
	    demo_generate(db, DEMO_SEED, &demo_size_default, NOW, err,
	    sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sqlite3_close(db);
	return 0;
}

/* Every invoice id, in id order; the count is returned. */
static int
invoice_ids(int64_t **ids)
{
	sqlite3_stmt *st;
	int n = 0;

	*ids = calloc(1000, sizeof **ids);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM invoices "
	    "ORDER BY id", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && n < 1000)
		(*ids)[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	assert_true(n >= 200);
	return n;
}

static void
load(int64_t id, struct invoice_doc *d)
{
	char err[256];

	if (invoice_doc_load(db, id, d, err, sizeof err) != 0)
		fail_msg("invoice %lld: %s", (long long)id, err);
}

/* The invoice's lines, read here, not through the view's list. */
static int
read_lines(int64_t id, struct billing_line *lines, int max,
    int64_t *stored_sum)
{
	sqlite3_stmt *st;
	int n = 0;

	*stored_sum = 0;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT quantity, "
	    "unit_price_minor, amount_minor FROM invoice_lines "
	    "WHERE invoice_id = ? ORDER BY position", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW && n < max) {
		lines[n].quantity = sqlite3_column_int64(st, 0);
		lines[n].unit_price_minor = sqlite3_column_int64(st, 1);
		*stored_sum += sqlite3_column_int64(st, 2);
		/* Each stored amount is quantity x unit price. */
		assert_int_equal(sqlite3_column_int64(st, 2),
		    lines[n].quantity * lines[n].unit_price_minor);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

static bool
negative_line(const struct billing_line *lines, int n)
{
	for (int i = 0; i < n; i++)
		if (lines[i].unit_price_minor < 0)
			return true;
	return false;
}

/* The EU standard rates the server charges (src/mktd/invoices.c). */
static int
standard_bp(const char *country)
{
	static const struct { const char *c; int bp; } rates[] = {
		{ "ES", 2100 }, { "DE", 1900 }, { "PT", 2300 }, { "IT", 2200 },
		{ "FR", 2000 }, { "NL", 2100 },
	};

	for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
		if (country != NULL && strcmp(rates[i].c, country) == 0)
			return rates[i].bp;
	return 2100;
}

static void
test_totals_are_the_lines_billed(void **state)
{
	struct billing_line lines[128];
	int64_t *ids, sum;
	int n = invoice_ids(&ids), computed = 0, taxed = 0, reverse = 0;

	(void)state;
	for (int i = 0; i < n; i++) {
		struct invoice_doc d;
		struct invoice_adjust adj;
		struct invoice_totals t;
		int nl, bp, rc;

		load(ids[i], &d);
		nl = read_lines(d.id, lines, 128, &sum);
		assert_true(nl >= 1);
		assert_int_equal(d.subtotal_minor, sum);
		bp = invoice_doc_vat_bp(&d);
		assert_true(bp >= 0);
		if (d.tax_minor > 0) {
			/* Charged at the company's standard rate, and
			 * never under reverse charge. */
			assert_true(d.is_eu);
			assert_int_equal(bp, standard_bp(d.country));
			assert_false(invoice_doc_reverse_charge(&d));
			taxed++;
		}
		if (invoice_doc_reverse_charge(&d)) {
			assert_true(d.vat_verified);
			assert_non_null(d.vat_number);
			reverse++;
		}
		memset(&adj, 0, sizeof adj);
		adj.discount_minor = d.discount_minor;
		adj.vat_bp = bp;
		adj.paid_minor = d.paid_minor;
		rc = invoice_compute(lines, (size_t)nl, &adj, &t);
		if (rc == BILLING_EINVAL) {
			int64_t tax;

			/* A final invoice deducts the deposit with a line
			 * below zero, which invoice_compute refuses: the
			 * same rule, by hand. */
			assert_true(negative_line(lines, nl));
			assert_int_equal(billing_percent(d.subtotal_minor -
			    d.discount_minor, bp, &tax), BILLING_OK);
			assert_int_equal(d.tax_minor, tax);
			assert_int_equal(d.total_minor, d.subtotal_minor -
			    d.discount_minor + tax);
		} else {
			assert_int_equal(rc, BILLING_OK);
			assert_int_equal(t.subtotal_minor, d.subtotal_minor);
			assert_int_equal(t.discount_minor, d.discount_minor);
			assert_int_equal(t.tax_minor, d.tax_minor);
			assert_int_equal(t.total_minor, d.total_minor);
			assert_int_equal(t.due_minor, d.due_minor);
			computed++;
		}
		assert_int_equal(d.due_minor, d.total_minor - d.paid_minor);
		invoice_doc_free(&d);
	}
	/* The demo has every case: most through invoice_compute, VAT
	 * charged, and reverse charge. */
	assert_true(computed > n / 2);
	assert_true(taxed > 0);
	assert_true(reverse > 0);
	free(ids);
}

static void
test_paid_is_the_confirmed_payments(void **state)
{
	int64_t *ids;
	int n = invoice_ids(&ids), with_payments = 0, other_states = 0;

	(void)state;
	for (int i = 0; i < n; i++) {
		struct invoice_doc d;
		char sql[128];
		int64_t paid = 0;

		load(ids[i], &d);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM payments "
		    "WHERE invoice_id = %lld", (long long)d.id);
		assert_int_equal(d.npayments, store_scalar(db, sql));
		assert_int_equal(d.more_payments, 0);
		for (int j = 0; j < d.npayments; j++) {
			const struct invoice_payment *p = &d.payments[j];

			/* In the order they were paid. */
			if (j > 0)
				assert_true(p->paid_at >=
				    d.payments[j - 1].paid_at);
			assert_true(p->method[0] != '\0');
			assert_true(p->amount_minor > 0);
			if (strcmp(p->status, "confirmed") == 0)
				paid += p->amount_minor;
			else
				other_states++;
		}
		assert_int_equal(d.paid_minor, paid);
		with_payments += d.npayments > 0;
		invoice_doc_free(&d);
	}
	assert_true(with_payments > n / 2);
	/* Failed, pending and refunded payments count for nothing. */
	assert_true(other_states > 0);
	free(ids);
}

static void
test_a_missing_invoice_is_an_error(void **state)
{
	struct invoice_doc d;
	char err[256] = "";

	(void)state;
	memset(&d, 0x55, sizeof d);
	assert_int_equal(invoice_doc_load(db, 999999, &d, err, sizeof err),
	    -1);
	assert_string_equal(err, "invoice 999999 is not in the cache");
	/* Left empty: freeing it is harmless. */
	assert_null(d.number);
	assert_int_equal(d.npayments, 0);
	invoice_doc_free(&d);
}

/* An amount written out the long way: the units grouped by thousands,
 * the currency's decimals, its code.  Independent of money.c. */
static void
spell(int64_t minor, const char *currency, char *buf, size_t len)
{
	int exp = strcmp(currency, "IQD") == 0 ? 0 : 2;
	int64_t scale = exp == 0 ? 1 : 100, units = minor / scale;
	char digits[32], grouped[48];
	int nd, g = 0;

	if (minor < 0)
		units = -units;
	nd = snprintf(digits, sizeof digits, "%lld", (long long)units);
	for (int i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			grouped[g++] = ',';
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	if (exp == 0)
		snprintf(buf, len, "%s%s %s", minor < 0 ? "-" : "", grouped,
		    currency);
	else
		snprintf(buf, len, "%s%s.%02lld %s", minor < 0 ? "-" : "",
		    grouped, (long long)(minor < 0 ? -minor : minor) % 100,
		    currency);
}

/* A header's values as the view shows them: the number, the company
 * with its code, and every amount in its currency's own decimals (IQD
 * in whole dinars, as the Depth platform keeps them). */
static void
test_header_and_money_as_shown(void **state)
{
	int64_t *ids;
	int n = invoice_ids(&ids), seen_iqd = 0, seen_eur = 0, seen_rub = 0;
	char buf[64], want[64];

	(void)state;
	for (int i = 0; i < n; i++) {
		struct invoice_doc d;
		int64_t back;

		load(ids[i], &d);
		/* A draft has no number until it is issued. */
		if (strcmp(d.status, "draft") == 0) {
			snprintf(want, sizeof want, "draft #%lld",
			    (long long)d.id);
			assert_string_equal(d.number, want);
		} else
			assert_int_equal(invoice_number_parse(d.number,
			    &(int){ 0 }, &(int64_t){ 0 }), BILLING_OK);
		assert_int_equal(strncmp(d.company_code, "COMP", 4), 0);
		assert_true(strlen(d.company_name) > 0);
		seen_iqd += strcmp(d.currency, "IQD") == 0;
		seen_eur += strcmp(d.currency, "EUR") == 0;
		seen_rub += strcmp(d.currency, "RUB") == 0;
		const int64_t each[] = { d.subtotal_minor, -d.discount_minor,
		    d.tax_minor, d.total_minor, d.paid_minor, d.due_minor };
		for (size_t j = 0; j < sizeof each / sizeof each[0]; j++) {
			money_format(buf, sizeof buf, each[j], d.currency);
			spell(each[j], d.currency, want, sizeof want);
			assert_string_equal(buf, want);
			assert_int_equal(money_parse(buf, d.currency, &back),
			    0);
			assert_int_equal(back, each[j]);
		}
		invoice_doc_free(&d);
	}
	assert_true(seen_iqd > 0 && seen_eur > 0 && seen_rub > 0);
	free(ids);
	money_format(buf, sizeof buf, 1662000, "IQD");
	assert_string_equal(buf, "1,662,000 IQD");
	money_format(buf, sizeof buf, 3213, "EUR");
	assert_string_equal(buf, "32.13 EUR");
	money_format(buf, sizeof buf, -21000000, "IQD");
	assert_string_equal(buf, "-21,000,000 IQD");
	money_format(buf, sizeof buf, 4000000, "RUB");
	assert_string_equal(buf, "40,000.00 RUB");
}

static void
test_days_overdue(void **state)
{
	int64_t *ids;
	int n = invoice_ids(&ids), late = 0;
	int32_t today;

	(void)state;
	assert_int_equal(billing_day_from_unix(NOW, &today), BILLING_OK);
	for (int i = 0; i < n; i++) {
		struct invoice_doc d;
		int32_t due;
		int days;

		load(ids[i], &d);
		days = invoice_doc_days_overdue(&d, NOW);
		if (strcmp(d.status, "overdue") == 0 && d.due_minor > 0) {
			assert_int_equal(billing_date_parse(d.due_date, &due),
			    BILLING_OK);
			assert_int_equal(days, today - due);
			assert_true(days > 0);
			late++;
		} else if (strcmp(d.status, "sent") != 0)
			assert_int_equal(days, 0);
		invoice_doc_free(&d);
	}
	assert_true(late > 0);
	free(ids);
}

static void
test_vat_rate_from_the_stored_tax(void **state)
{
	struct invoice_doc d;

	(void)state;
	memset(&d, 0, sizeof d);
	d.subtotal_minor = 2700;
	d.tax_minor = 513;		/* DE 19 % */
	assert_int_equal(invoice_doc_vat_bp(&d), 1900);
	d.subtotal_minor = 3;
	d.tax_minor = 1;		/* rounded: 33 %, not 33.33 */
	assert_int_equal(invoice_doc_vat_bp(&d), 3300);
	d.subtotal_minor = 10000;
	d.tax_minor = 750;		/* 7.5 % */
	assert_int_equal(invoice_doc_vat_bp(&d), 750);
	d.subtotal_minor = 60000;
	d.discount_minor = 100;
	d.tax_minor = 12579;		/* ES 21 % of 599.00 */
	assert_int_equal(invoice_doc_vat_bp(&d), 2100);
	d.tax_minor = 0;
	assert_int_equal(invoice_doc_vat_bp(&d), 0);
	d.subtotal_minor = 0;
	d.discount_minor = 0;
	d.tax_minor = 5;		/* no base: no rate gives it */
	assert_int_equal(invoice_doc_vat_bp(&d), -1);
}

/* What came over the network is drawn as the loader returns it: no
 * escape sequence, no control character, valid UTF-8. */
static void
assert_clean(const char *s, bool breaks)
{
	assert_non_null(s);
	assert_true(text_utf8_valid(s, strlen(s)));
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	    p++) {
		if (*p == '\n' && breaks)
			continue;
		assert_true(*p >= 0x20 && *p != 0x7f);
	}
	assert_null(strstr(s, "\xc2\x9b"));	/* C1 CSI */
	assert_null(strstr(s, "\xe2\x80\xae"));	/* RLO */
}

static void
test_hostile_text_is_sanitized(void **state)
{
	static const char evil[] = "\x1b]0;pwned\a\x1b[2Jok\xff\xfe"
	    "\x9b" "31m\xe2\x80\xae" "gnp.exe\nline 2\r\x1bP+q\x1b\\";
	int64_t id = store_scalar(db, "SELECT invoice_id FROM payments "
	    "ORDER BY id LIMIT 1");
	struct invoice_doc d;

	(void)state;
	assert_int_equal(store_run(db, "UPDATE invoices SET notes = ?, "
	    "cancel_reason = ?, number = ? WHERE id = ?", "ttti", evil, evil,
	    evil, id), 0);
	assert_int_equal(store_run(db, "UPDATE payments SET reference = ? "
	    "WHERE invoice_id = ?", "ti", evil, id), 0);
	assert_int_equal(store_run(db, "UPDATE companies SET name = ? WHERE "
	    "id = (SELECT company_id FROM invoices WHERE id = ?)", "ti", evil,
	    id), 0);
	load(id, &d);
	assert_clean(d.notes, true);
	assert_non_null(strstr(d.notes, "ok"));
	assert_non_null(strstr(d.notes, "\xef\xbf\xbd"));	/* U+FFFD */
	assert_non_null(strstr(d.notes, "\nline 2"));
	assert_null(strstr(d.notes, "pwned"));
	assert_clean(d.cancel_reason, false);
	assert_clean(d.number, false);
	assert_clean(d.company_name, false);
	assert_true(d.npayments > 0);
	for (int i = 0; i < d.npayments; i++) {
		assert_clean(d.payments[i].reference, false);
	}
	invoice_doc_free(&d);
}

/* An invoice paid in more instalments than a document holds keeps the
 * newest and counts the rest. */
static void
test_payments_beyond_the_cap_are_counted(void **state)
{
	int64_t id = store_scalar(db, "SELECT id FROM invoices WHERE "
	    "status = 'draft' ORDER BY id LIMIT 1");
	struct invoice_doc d;
	int extra = INVOICE_DOC_MAX_PAYMENTS + 5;

	(void)state;
	assert_true(id > 0);
	for (int i = 0; i < extra; i++)
		assert_int_equal(store_run(db, "INSERT INTO payments("
		    "invoice_id, amount_minor, currency, method, paid_at, "
		    "status, created_at) VALUES (?, 1, 'EUR', 'cash', ?, "
		    "'confirmed', ?)", "iii", id, (int64_t)NOW + i,
		    (int64_t)NOW + i), 0);
	load(id, &d);
	assert_int_equal(d.npayments, INVOICE_DOC_MAX_PAYMENTS);
	assert_int_equal(d.more_payments, extra - INVOICE_DOC_MAX_PAYMENTS);
	assert_int_equal(d.payments[d.npayments - 1].paid_at, NOW + extra - 1);
	assert_int_equal(d.payments[0].paid_at, NOW + extra -
	    INVOICE_DOC_MAX_PAYMENTS);
	invoice_doc_free(&d);
	assert_int_equal(store_run(db, "DELETE FROM payments WHERE "
	    "invoice_id = ?", "i", id), 0);
}

/* Opening is one lookup by key and one range of an index: neither
 * walks the table, whatever its size. */
static void
test_loading_seeks_indexes(void **state)
{
	static const char *const sqls[] = {
	    "EXPLAIN QUERY PLAN SELECT i.id FROM invoices i JOIN companies co "
	    "ON co.id = i.company_id WHERE i.id = 1",
	    "EXPLAIN QUERY PLAN SELECT id FROM payments WHERE invoice_id = 1 "
	    "ORDER BY paid_at DESC, id DESC LIMIT 201",
	};

	(void)state;
	for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db, sqls[i], -1, &st,
		    NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *detail = (const char *)
			    sqlite3_column_text(st, 3);

			if (strncmp(detail, "SCAN", 4) == 0)
				fail_msg("%s: %s", sqls[i], detail);
		}
		sqlite3_finalize(st);
	}
}

/* The lines page through the view's list: every statement of its
 * window seeks index invoice_lines_invoice for the one invoice, never
 * scans the lines of all of them nor sorts. */
static void
test_lines_window_seeks_the_index(void **state)
{
	struct listwin lw;
	char err[256];

	(void)state;
	assert_int_equal(listwin_init(&lw, db, &list_invoice_lines, err,
	    sizeof err), 0);
	sqlite3_stmt *sts[] = { lw.st_first, lw.st_last, lw.st_after,
	    lw.st_before, lw.st_from, lw.st_count, lw.st_rank, lw.st_key };
	for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++) {
		char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s",
		    sqlite3_sql(sts[i]));
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
		    SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st,
			    3);

			if (strncmp(d, "SCAN", 4) == 0 ||
			    strstr(d, "TEMP B-TREE") != NULL)
				fail_msg("%s: %s", sqlite3_sql(sts[i]), d);
		}
		sqlite3_finalize(st);
		sqlite3_free(sql);
	}
	/* And a window holds what it shows, not the invoice. */
	assert_int_equal(listwin_set_scope(&lw, store_scalar(db,
	    "SELECT invoice_id FROM invoice_lines GROUP BY invoice_id "
	    "ORDER BY count(*) DESC LIMIT 1")), 0);
	assert_int_equal(listwin_resize(&lw, 3), 0);
	assert_int_equal(lw.nrows, 3);
	assert_true(lw.total > 3);
	assert_int_equal(lw.rows[0].ncells, L_NCOLS);
	assert_string_equal(lw.rows[0].cells[L_POSITION], "1");
	listwin_free(&lw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totals_are_the_lines_billed),
		cmocka_unit_test(test_paid_is_the_confirmed_payments),
		cmocka_unit_test(test_a_missing_invoice_is_an_error),
		cmocka_unit_test(test_header_and_money_as_shown),
		cmocka_unit_test(test_days_overdue),
		cmocka_unit_test(test_vat_rate_from_the_stored_tax),
		cmocka_unit_test(test_payments_beyond_the_cap_are_counted),
		cmocka_unit_test(test_loading_seeks_indexes),
		cmocka_unit_test(test_lines_window_seeks_the_index),
		/* Last: it rewrites an invoice's text. */
		cmocka_unit_test(test_hostile_text_is_sanitized),
	};

	return cmocka_run_group_tests_name("invoice_doc", tests, setup,
	    teardown);
}
