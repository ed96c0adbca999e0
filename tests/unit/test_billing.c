/* Billing arithmetic against the seeds' worked examples.  Each test cites
 * the seed and section its numbers come from.  Where a seed's own
 * arithmetic is wrong the test asserts the correct value and says so in a
 * comment marked SEED ERROR. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "billing.h"
#include "money.h"

#define nitems(a)	(sizeof (a) / sizeof (a)[0])
#define RUB(r)		((int64_t)(r) * 100)	/* whole roubles in kopecks */

static int32_t
day(const char *s)
{
	int32_t d = INT32_MIN;

	assert_int_equal(billing_date_parse(s, &d), BILLING_OK);
	return d;
}

static int64_t
commission(const struct commission_terms *t, int64_t amount, int64_t before)
{
	int64_t c = -1;

	assert_int_equal(commission_line(t, "RUB", amount, before, &c),
	    BILLING_OK);
	return c;
}

static int64_t
pct(int64_t amount, int bp)
{
	int64_t v = -1;

	assert_int_equal(billing_percent(amount, bp, &v), BILLING_OK);
	return v;
}

static const struct agency_modifier *
mod(const char *factor, const char *key)
{
	const struct agency_modifier *m = agency_modifier_find(factor, key);

	assert_non_null(m);
	return m;
}

/* ---- rounding ----------------------------------------------------------- */

/* DESIGN.md: half-up, once per line.  Ties are exactly half a minor unit. */
static void
test_percent_rounds_half_up_and_refuses_overflow(void **state)
{
	int64_t v = 42;

	(void)state;
	assert_int_equal(pct(10, 500), 1);		/* 0.5 → 1 */
	assert_int_equal(pct(9, 500), 0);		/* 0.45 → 0 */
	assert_int_equal(pct(15, 5000), 8);		/* 7.5 → 8 */
	assert_int_equal(pct(-10, 500), -1);		/* away from zero */
	assert_int_equal(pct(-9, 500), 0);
	assert_int_equal(pct(0, 500), 0);
	assert_int_equal(pct(3333, 2300), 767);		/* 766.59 */
	/* Agrees with money_percent wherever that does not overflow. */
	for (int64_t a = -20001; a <= 20001; a += 7)
		assert_int_equal(pct(a, 333), money_percent(a, 333));
	assert_int_equal(billing_percent(INT64_MAX / 100, 500, &v),
	    BILLING_EOVERFLOW);
	assert_int_equal(billing_percent(INT64_MIN, 1, &v), BILLING_OK);
	assert_int_equal(v, INT64_MIN / 10000 - 1);	/* .5808 rounds out */
	assert_int_equal(billing_percent(INT64_MIN, -1, &v),
	    BILLING_EOVERFLOW);
	assert_int_equal(billing_percent(1, 1, NULL), BILLING_EINVAL);
}

/* Seed 004 §POST /invoices: total 654075, paidDeposit 327038, amountDue
 * 327037; §POST /pricing/calculate splitPayment 363064 / 363063;
 * §POST /quotes/{id}/accept depositAmount 308000 "50%". */
static void
test_split_puts_the_odd_unit_on_the_first_part(void **state)
{
	int64_t a = -1, b = -1;

	(void)state;
	assert_int_equal(billing_split(654075, 5000, &a, &b), BILLING_OK);
	assert_int_equal(a, 327038);
	assert_int_equal(b, 327037);
	assert_int_equal(billing_split(726127, 5000, &a, &b), BILLING_OK);
	assert_int_equal(a, 363064);
	assert_int_equal(b, 363063);
	assert_int_equal(billing_split(616000, 5000, &a, &b), BILLING_OK);
	assert_int_equal(a, 308000);
	/* SEED ERROR: 308000 is half of the quote's response total 616000;
	 * the quote's own lines total 676500, whose half is 338250. */
	assert_int_equal(billing_split(676500, 5000, &a, &b), BILLING_OK);
	assert_int_equal(a, 338250);
	assert_int_equal(b, 338250);
	assert_int_equal(billing_split(0, 5000, &a, &b), BILLING_OK);
	assert_int_equal(a + b, 0);
	assert_int_equal(billing_split(-1, 5000, &a, &b), BILLING_EINVAL);
	assert_int_equal(billing_split(1, 10001, &a, &b), BILLING_EINVAL);
}

/* ---- commission (seed 003) ---------------------------------------------- */

/* Seed 003 §6.2: offer v1.0 at 5 %, January, 10 bookings of 1000 RUB →
 * 50 RUB each → invoice 500 RUB, sent and unpaid → debt 500 RUB.  With
 * ProviderSpecialTerms at 2 %: 20 RUB each → 200 RUB. */
static void
test_commission_default_and_special_percent_seed003_6_2(void **state)
{
	struct commission_terms special = { .type = COMMISSION_PERCENT,
	    .percent_bp = 200 };
	struct billing_line lines[10];
	struct invoice_totals t;
	const struct commission_terms *terms;

	(void)state;
	for (int pass = 0; pass < 2; pass++) {
		terms = commission_terms_pick(pass ? &special : NULL, NULL,
		    day("2025-01-15"));
		for (size_t i = 0; i < nitems(lines); i++) {
			lines[i].quantity = 1;
			lines[i].unit_price_minor = commission(terms,
			    RUB(1000), 0);
			assert_int_equal(lines[i].unit_price_minor,
			    pass ? RUB(20) : RUB(50));
		}
		assert_int_equal(invoice_compute(lines, nitems(lines), NULL,
		    &t), BILLING_OK);
		assert_int_equal(t.total_minor, pass ? RUB(200) : RUB(500));
		assert_int_equal(t.due_minor, t.total_minor);	/* the debt */
	}
	assert_int_equal(commission_default.percent_bp, 500);
}

/* Seed 003 §8.3: special terms override the offer; §1.3: offer versions
 * differ (v1.0 5 %, v1.1 3 %).  Terms outside valid_from..valid_to
 * (inclusive) fall back to the offer. */
static void
test_commission_terms_pick_special_only_while_in_force(void **state)
{
	struct commission_terms v11 = { .type = COMMISSION_PERCENT,
	    .percent_bp = 300 };
	struct commission_terms special = { .type = COMMISSION_FIXED,
	    .fixed_minor = RUB(1000) };

	(void)state;
	special.valid_from = day("2025-01-01");
	special.valid_to = day("2025-06-30");
	assert_ptr_equal(commission_terms_pick(NULL, NULL, 0),
	    &commission_default);
	assert_ptr_equal(commission_terms_pick(NULL, &v11, 0), &v11);
	assert_ptr_equal(commission_terms_pick(&special, &v11,
	    day("2025-01-01")), &special);
	assert_ptr_equal(commission_terms_pick(&special, &v11,
	    day("2025-06-30")), &special);
	assert_ptr_equal(commission_terms_pick(&special, &v11,
	    day("2024-12-31")), &v11);
	assert_ptr_equal(commission_terms_pick(&special, &v11,
	    day("2025-07-01")), &v11);
	special.valid_to = 0;			/* open-ended */
	assert_ptr_equal(commission_terms_pick(&special, &v11,
	    day("2031-01-01")), &special);
	assert_int_equal(commission(&v11, RUB(1000), 0), RUB(30));
}

/* Seed 003 §8.4 example 3 and §4.2.3: fixed 1000 RUB per booking,
 * regardless of value; min/max do not apply to it. */
static void
test_commission_fixed_ignores_value_seed003_8_4(void **state)
{
	struct commission_terms t = { .type = COMMISSION_FIXED,
	    .fixed_minor = RUB(1000), .currency = "RUB",
	    .min_minor = RUB(2000), .max_minor = RUB(3000) };

	(void)state;
	assert_int_equal(commission(&t, RUB(1), 0), RUB(1000));
	assert_int_equal(commission(&t, RUB(100000), 0), RUB(1000));
	assert_int_equal(commission(&t, 0, 0), RUB(1000));
}

/* Seed 003 §4.2.3: hybrid, e.g. 500 RUB + 3 %. */
static void
test_commission_hybrid_is_fixed_plus_percent_seed003_4_2_3(void **state)
{
	struct commission_terms t = { .type = COMMISSION_HYBRID,
	    .percent_bp = 300, .fixed_minor = RUB(500), .currency = "RUB" };

	(void)state;
	assert_int_equal(commission(&t, RUB(1000), 0), RUB(530));
	assert_int_equal(commission(&t, RUB(20000), 0), RUB(1100));
	assert_int_equal(commission(&t, 0, 0), RUB(500));
	/* 3 % of 0.50 RUB is 1.5 kopecks: one rounding, half-up. */
	assert_int_equal(commission(&t, 50, 0), RUB(500) + 2);
	assert_int_equal(commission(&t, 49, 0), RUB(500) + 1);	/* 1.47 */
}

/* Seed 003 §1.3 commission_min / commission_max, "минимальная /
 * максимальная комиссия (для процентной модели)": bounds on the amount
 * (billing.h, reading 1), inclusive, not on a free booking. */
static void
test_commission_percent_min_max_bound_the_amount(void **state)
{
	struct commission_terms t = { .type = COMMISSION_PERCENT,
	    .percent_bp = 500, .currency = "RUB", .min_minor = RUB(100),
	    .max_minor = RUB(5000) };
	struct commission_terms h = { .type = COMMISSION_HYBRID,
	    .percent_bp = 300, .fixed_minor = RUB(500), .currency = "RUB",
	    .max_minor = RUB(800) };

	(void)state;
	assert_int_equal(commission(&t, RUB(1000), 0), RUB(100));  /* 50 ↑ */
	assert_int_equal(commission(&t, RUB(2000), 0), RUB(100));  /* = min */
	assert_int_equal(commission(&t, RUB(2000) + 20, 0), RUB(100) + 1);
	assert_int_equal(commission(&t, RUB(10000), 0), RUB(500));
	assert_int_equal(commission(&t, RUB(100000), 0), RUB(5000)); /* = max */
	assert_int_equal(commission(&t, RUB(200000), 0), RUB(5000)); /* ↓ */
	assert_int_equal(commission(&t, 0, 0), 0);		/* free booking */
	/* Only a floor, only a cap. */
	t.max_minor = 0;
	assert_int_equal(commission(&t, RUB(200000), 0), RUB(10000));
	t.min_minor = 0;
	t.max_minor = RUB(5000);
	assert_int_equal(commission(&t, RUB(1000), 0), RUB(50));
	/* Hybrid: the bound is on fixed + percent. */
	assert_int_equal(commission(&h, RUB(5000), 0), RUB(650));
	assert_int_equal(commission(&h, RUB(20000), 0), RUB(800));
}

/* Seed 003 §4.2.3 tiered ("progressive"): 0–10,000 RUB → 10 %; 10,000–
 * 50,000 → 8 %; 50,000+ → 5 %; marginal over the period's volume
 * (billing.h, reading 2). */
static void
test_commission_tiered_marginal_over_volume_seed003_4_2_3(void **state)
{
	struct commission_terms t = { .type = COMMISSION_TIERED,
	    .currency = "RUB", .ntiers = 3, .tiers = {
		{ 0, 1000 }, { RUB(10000), 800 }, { RUB(50000), 500 } } };
	int64_t before = 0, sum = 0, c, prev = 0;

	(void)state;
	/* One booking on its own (volume_before 0). */
	assert_int_equal(commission(&t, RUB(5000), 0), RUB(500));
	assert_int_equal(commission(&t, RUB(10000), 0), RUB(1000)); /* edge */
	/* One kopeck past the edge is at 8 %: 0.08 kopeck rounds away. */
	assert_int_equal(commission(&t, RUB(10000) + 1, 0), RUB(1000));
	assert_int_equal(commission(&t, RUB(10000) + 7, 0), RUB(1000) + 1);
	assert_int_equal(commission(&t, RUB(50000), 0), RUB(4200));
	assert_int_equal(commission(&t, RUB(60000), 0), RUB(4700));
	/* A booking straddling a bracket: 2000 at 10 % + 3000 at 8 %. */
	assert_int_equal(commission(&t, RUB(5000), RUB(8000)), RUB(440));
	/* Starting exactly at a bracket takes that bracket's rate. */
	assert_int_equal(commission(&t, RUB(1000), RUB(10000)), RUB(80));
	assert_int_equal(commission(&t, RUB(1000), RUB(50000)), RUB(50));
	/* A month of 12 bookings of 5000 RUB: the lines add up to the scale
	 * on 60,000 RUB (1000 + 3200 + 500). */
	for (int i = 0; i < 12; i++) {
		sum += commission(&t, RUB(5000), before);
		before += RUB(5000);
	}
	assert_int_equal(sum, RUB(4700));
	/* More volume never costs less commission: no cliff at 50,000. */
	for (int64_t v = RUB(49990); v <= RUB(50010); v += 50) {
		c = commission(&t, v, 0);
		assert_true(c >= prev);
		prev = c;
	}
	/* Bounds apply per line. */
	t.min_minor = RUB(100);
	assert_int_equal(commission(&t, RUB(100), RUB(60000)), RUB(100));
}

static void
test_commission_rejects_bad_terms_and_amounts(void **state)
{
	struct commission_terms t = { .type = COMMISSION_PERCENT,
	    .percent_bp = 500 };
	struct commission_terms tiered = { .type = COMMISSION_TIERED,
	    .ntiers = 2, .tiers = { { 0, 1000 }, { 100, 500 } } };
	int64_t c = 77;

	(void)state;
	assert_int_equal(commission_terms_check(&t), BILLING_OK);
	t.percent_bp = 10001;
	assert_int_equal(commission_line(&t, "RUB", 1, 0, &c), BILLING_EINVAL);
	t.percent_bp = -1;
	assert_int_equal(commission_terms_check(&t), BILLING_EINVAL);
	t.percent_bp = 500;
	t.min_minor = 10;
	t.max_minor = 5;
	assert_int_equal(commission_terms_check(&t), BILLING_EINVAL);
	t.min_minor = t.max_minor = 0;
	t.valid_from = 10;
	t.valid_to = 9;
	assert_int_equal(commission_terms_check(&t), BILLING_EINVAL);
	t.valid_from = t.valid_to = 0;
	t.type = (enum commission_type)9;
	assert_int_equal(commission_terms_check(&t), BILLING_EINVAL);
	t.type = COMMISSION_FIXED;
	t.fixed_minor = -1;
	assert_int_equal(commission_terms_check(&t), BILLING_EINVAL);
	assert_int_equal(commission_terms_check(NULL), BILLING_EINVAL);

	assert_int_equal(commission_terms_check(&tiered), BILLING_OK);
	tiered.tiers[1].from_minor = 0;			/* not ascending */
	assert_int_equal(commission_terms_check(&tiered), BILLING_EINVAL);
	tiered.tiers[0].from_minor = 1;			/* not from 0 */
	tiered.tiers[1].from_minor = 100;
	assert_int_equal(commission_terms_check(&tiered), BILLING_EINVAL);
	tiered.tiers[0].from_minor = 0;
	tiered.ntiers = 0;
	assert_int_equal(commission_terms_check(&tiered), BILLING_EINVAL);
	tiered.ntiers = COMMISSION_MAX_TIERS + 1;
	assert_int_equal(commission_terms_check(&tiered), BILLING_EINVAL);
	tiered.ntiers = 2;

	/* Amounts: negative, overflow, currency. */
	assert_int_equal(commission_line(&commission_default, "RUB", -1, 0, &c),
	    BILLING_EINVAL);
	assert_int_equal(commission_line(&commission_default, "RUB", 1, -1,
	    &c), BILLING_EINVAL);
	assert_int_equal(commission_line(&commission_default, "RUB",
	    INT64_MAX, 0, &c), BILLING_EOVERFLOW);
	assert_int_equal(commission_line(&tiered, "RUB", 2, INT64_MAX - 1,
	    &c), BILLING_EOVERFLOW);
	assert_int_equal(commission_line(&tiered, "RUB", INT64_MAX / 100, 0,
	    &c), BILLING_EOVERFLOW);
	t = (struct commission_terms){ .type = COMMISSION_FIXED,
	    .fixed_minor = RUB(1000), .currency = "RUB" };
	assert_int_equal(commission_line(&t, "EUR", 100, 0, &c),
	    BILLING_ECURRENCY);
	/* A plain percent has no amounts, so any currency will do. */
	assert_int_equal(commission_line(&commission_default, "EUR", 100, 0,
	    &c), BILLING_OK);
	assert_int_equal(c, 5);
	t.type = COMMISSION_HYBRID;
	t.percent_bp = 500;
	t.fixed_minor = INT64_MAX;
	c = 77;
	assert_int_equal(commission_line(&t, "RUB", 100, 0, &c),
	    BILLING_EOVERFLOW);
	assert_int_equal(c, 77);			/* untouched */
}

static void
test_commission_type_names_match_the_table(void **state)
{
	enum commission_type ty;
	const char *names[] = { "percent", "fixed", "hybrid", "tiered" };

	(void)state;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(commission_type_parse(names[i], &ty),
		    BILLING_OK);
		assert_int_equal(ty, i);
		assert_string_equal(commission_type_name(ty), names[i]);
	}
	assert_int_equal(commission_type_parse("Percent", &ty),
	    BILLING_EINVAL);
	assert_int_equal(commission_type_parse(NULL, &ty), BILLING_EINVAL);
	assert_string_equal(commission_type_name((enum commission_type)7),
	    "?");
}

/* ---- agency fee (seed 004) ---------------------------------------------- */

/* Seed 004 §POST /quotes: baseService 380000 + locationFee 50000 + addons
 * 120000 = subtotal 550000; fee base 20 + expert 5 − repeat 2 = 23 %,
 * 126500; total 676500.  The line's breakdown as DESIGN.md spells it. */
static void
test_agency_fee_quote_seed004(void **state)
{
	struct agency_modifier m[] = { *mod("creator_level", "expert"),
	    *mod("client_type", "repeat") };
	char why[128];
	int bp = 0;
	int64_t fee = 0;

	(void)state;
	assert_int_equal(agency_fee(m, nitems(m), &bp, why, sizeof why),
	    BILLING_OK);
	assert_int_equal(bp, 2300);
	assert_string_equal(why,
	    "agency fee 23 % = base 20 + expert 5 − repeat 2");
	assert_int_equal(agency_fee_amount(380000 + 50000 + 120000, bp, &fee),
	    BILLING_OK);
	assert_int_equal(fee, 126500);
	/* SEED ERROR: the 201 response says total 616000; 550000 + 126500
	 * is 676500, as the request says. */
	assert_int_equal(550000 + fee, 676500);
	/* IQD has no minor digits in practice. */
	assert_int_equal(money_exponent("IQD"), 0);
}

/* Seed 004 §POST /pricing/calculate: base 20 + expert 5 + standard 5 +
 * new 2 = 32 %.  The breakdown's parts: urgency 15 % of (380000 + 50000)
 * = 64500; creator premium 10 % of 529500 = 52950. */
static void
test_agency_fee_calculate_seed004(void **state)
{
	struct agency_modifier m[] = { *mod("creator_level", "expert"),
	    *mod("complexity", "standard"), *mod("client_type", "newClient") };
	const int64_t parts[] = { 380000, 50000, 64500, 75000, 45000, 35000,
	    80000, 52950 };
	int64_t subtotal = 0, fee, gross, disc, v;
	char why[128];
	int bp;

	(void)state;
	assert_int_equal(pct(380000 + 50000, 1500), 64500);
	assert_int_equal(pct(380000 + 50000 + 64500 + 35000, 1000), 52950);
	assert_int_equal(agency_fee(m, nitems(m), &bp, why, sizeof why),
	    BILLING_OK);
	assert_int_equal(bp, 3200);
	assert_string_equal(why, "agency fee 32 % = base 20 + expert 5 + "
	    "standard 5 + new 2");

	for (size_t i = 0; i < nitems(parts); i++)
		subtotal += parts[i];
	/* SEED ERROR: the parts sum to 782450; the seed's subtotal is
	 * 682450. */
	assert_int_equal(subtotal, 782450);
	/* SEED ERROR: "682450 × 32% = 218319"; it is 218384. */
	assert_int_equal(agency_fee_amount(682450, bp, &fee), BILLING_OK);
	assert_int_equal(fee, 218384);
	/* The seed's chain from its own figures is right: 682450 + 218319 =
	 * 900769, 5 % new-client discount 45038 (45038.45), net 855731. */
	assert_int_equal(pct(900769, 500), 45038);
	assert_int_equal(900769 - pct(900769, 500), 855731);
	/* The correct chain: fee 250384, gross 1032834, discount 51642
	 * (51641.7), net 981192. */
	assert_int_equal(agency_fee_amount(subtotal, bp, &fee), BILLING_OK);
	assert_int_equal(fee, 250384);
	gross = subtotal + fee;
	disc = pct(gross, 500);
	assert_int_equal(gross, 1032834);
	assert_int_equal(disc, 51642);
	assert_int_equal(gross - disc, 981192);
	/* SEED ERROR: fullPayment 726127 less 2 % is 711604 (discount 14523,
	 * 14522.54), not 711564. */
	assert_int_equal(billing_split(726127, 200, &v, &fee), BILLING_OK);
	assert_int_equal(v, 14523);
	assert_int_equal(fee, 711604);
}

/* Seed 004 §2 calculationExample: expert ("baseAgencyFee 25%" = base 20 +
 * expert 5) + complex 10 + rush24h 5 + vipClient 5 = 45 %, under the 50
 * cap; 1000000 → fee 450000, creator 550000. */
static void
test_agency_fee_calculation_example_seed004_2(void **state)
{
	struct agency_modifier m[] = { *mod("creator_level", "expert"),
	    *mod("complexity", "complex"), *mod("urgency", "rush24h"),
	    *mod("client_type", "vipClient") };
	char why[128];
	int bp;
	int64_t fee;

	(void)state;
	assert_int_equal(agency_fee(m, nitems(m), &bp, why, sizeof why),
	    BILLING_OK);
	assert_int_equal(bp, 4500);
	assert_string_equal(why, "agency fee 45 % = base 20 + expert 5 + "
	    "complex 10 + rush 24h 5 + vip 5");
	assert_int_equal(agency_fee_amount(1000000, bp, &fee), BILLING_OK);
	assert_int_equal(fee, 450000);
	assert_int_equal(1000000 - fee, 550000);
	/* Seed 004 §creator-rates: premiums are the same arithmetic, e.g.
	 * food 380000 × 1.15 = 437000, product 450000 × 1.10 = 495000. */
	assert_int_equal(380000 + pct(380000, 1500), 437000);
	assert_int_equal(450000 + pct(450000, 1000), 495000);
	assert_int_equal(320000 + pct(320000, 500), 336000);
	assert_int_equal(280000 + pct(280000, 2000), 336000);
}

/* Seed 004 §2: "from 10% to 50%", capped at 50; the floor is implied. */
static void
test_agency_fee_clamps_to_10_and_50(void **state)
{
	struct agency_modifier hi[] = { *mod("creator_level", "expert"),
	    *mod("complexity", "enterprise"), *mod("urgency", "rush24h"),
	    *mod("client_type", "enterprise"), *mod("demand", "highDemand"),
	    *mod("season", "peakSeason") };
	struct agency_modifier lo[] = { *mod("season", "lowSeason"),
	    *mod("demand", "lowDemand"), *mod("client_type", "repeat") };
	struct agency_modifier promo[] = { { "promo", -1500 } };
	struct agency_modifier edge[] = { { "x", 3000 } };
	struct agency_modifier half[] = { { "half", 250 }, { "odd", -5 } };
	char why[160];
	int bp;
	int64_t fee;

	(void)state;
	assert_int_equal(agency_fee(hi, nitems(hi), &bp, why, sizeof why),
	    BILLING_OK);
	assert_int_equal(bp, 5000);
	assert_string_equal(why, "agency fee 50 % = base 20 + expert 5 + "
	    "enterprise project 15 + rush 24h 5 + enterprise client 8 + "
	    "high demand 5 + peak season 3 (capped at 50 from 61)");
	/* The seed's own negatives cannot go below 13 %. */
	assert_int_equal(agency_fee(lo, nitems(lo), &bp, why, sizeof why),
	    BILLING_OK);
	assert_int_equal(bp, 1300);
	assert_string_equal(why, "agency fee 13 % = base 20 − low season 2 − "
	    "low demand 3 − repeat 2");
	assert_int_equal(agency_fee(promo, 1, &bp, why, sizeof why),
	    BILLING_OK);
	assert_int_equal(bp, 1000);
	assert_string_equal(why,
	    "agency fee 10 % = base 20 − promo 15 (raised to 10 from 5)");
	promo[0].bp = -3000;
	assert_int_equal(agency_fee(promo, 1, &bp, why, sizeof why),
	    BILLING_OK);
	assert_string_equal(why,
	    "agency fee 10 % = base 20 − promo 30 (raised to 10 from −10)");
	/* Exactly 50 is not a clamp. */
	assert_int_equal(agency_fee(edge, 1, &bp, why, sizeof why),
	    BILLING_OK);
	assert_string_equal(why, "agency fee 50 % = base 20 + x 30");
	/* Fractions of a point. */
	assert_int_equal(agency_fee(half, 2, &bp, why, sizeof why),
	    BILLING_OK);
	assert_int_equal(bp, 2245);
	assert_string_equal(why,
	    "agency fee 22.45 % = base 20 + half 2.5 − odd 0.05");
	/* No modifiers, no breakdown wanted. */
	assert_int_equal(agency_fee(NULL, 0, &bp, NULL, 0), BILLING_OK);
	assert_int_equal(bp, AGENCY_BASE_BP);
	/* IQD, exponent 0: a tie at half a dinar rounds up. */
	assert_int_equal(agency_fee_amount(5, 1000, &fee), BILLING_OK);
	assert_int_equal(fee, 1);		/* 0.5 */
	assert_int_equal(agency_fee_amount(0, 5000, &fee), BILLING_OK);
	assert_int_equal(fee, 0);
	assert_int_equal(agency_fee_amount(100, 999, &fee), BILLING_EINVAL);
	assert_int_equal(agency_fee_amount(100, 5001, &fee), BILLING_EINVAL);
	assert_int_equal(agency_fee_amount(-1, 2000, &fee), BILLING_EINVAL);
	assert_int_equal(agency_fee_amount(INT64_MAX, 2000, &fee),
	    BILLING_EOVERFLOW);
}

static void
test_agency_fee_rejects_bad_input_and_short_buffers(void **state)
{
	struct agency_modifier m[AGENCY_MAX_MODIFIERS + 1];
	struct agency_modifier bad[] = { { NULL, 100 } };
	struct agency_modifier big[] = { { "huge", 10001 } };
	char small[20] = "untouched";
	int bp = 7;

	(void)state;
	for (size_t i = 0; i < nitems(m); i++)
		m[i] = (struct agency_modifier){ "x", 0 };
	assert_int_equal(agency_fee(m, nitems(m), &bp, NULL, 0),
	    BILLING_EINVAL);
	assert_int_equal(agency_fee(m, AGENCY_MAX_MODIFIERS, &bp, NULL, 0),
	    BILLING_OK);
	assert_int_equal(agency_fee(bad, 1, &bp, NULL, 0), BILLING_EINVAL);
	bad[0].name = "";
	assert_int_equal(agency_fee(bad, 1, &bp, NULL, 0), BILLING_EINVAL);
	assert_int_equal(agency_fee(big, 1, &bp, NULL, 0), BILLING_EINVAL);
	assert_int_equal(agency_fee(NULL, 1, &bp, NULL, 0), BILLING_EINVAL);
	bp = 7;
	assert_int_equal(agency_fee(m, 1, &bp, small, sizeof small),
	    BILLING_ENOSPC);
	assert_string_equal(small, "untouched");
	assert_int_equal(bp, 7);
	/* "agency fee 20 % = base 20" is 25 bytes: 26 fit, 25 do not. */
	{
		char fit[26];

		assert_int_equal(agency_fee(NULL, 0, &bp, fit, 25),
		    BILLING_ENOSPC);
		assert_int_equal(agency_fee(NULL, 0, &bp, fit, sizeof fit),
		    BILLING_OK);
		assert_string_equal(fit, "agency fee 20 % = base 20");
	}
}

/* Seed 004 §2: the factor tables (complexity, urgency, clientType,
 * seasonality, marketDemand) and the examples' "expert (+5%)", "repeat
 * (-2%)". */
static void
test_agency_modifiers_are_the_seeds(void **state)
{
	static const struct { const char *f, *k; int bp; } want[] = {
		{ "creator_level", "expert", 500 },
		{ "complexity", "simple", 0 },
		{ "complexity", "standard", 500 },
		{ "complexity", "complex", 1000 },
		{ "complexity", "enterprise", 1500 },
		{ "urgency", "rush24h", 500 },
		{ "urgency", "rush48h", 300 },
		{ "urgency", "weekend", 400 },
		{ "client_type", "newClient", 200 },
		{ "client_type", "vipClient", 500 },
		{ "client_type", "enterprise", 800 },
		{ "client_type", "repeat", -200 },
		{ "season", "peakSeason", 300 },
		{ "season", "lowSeason", -200 },
		{ "demand", "highDemand", 500 },
		{ "demand", "lowDemand", -300 },
	};
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < nitems(want); i++)
		assert_int_equal(mod(want[i].f, want[i].k)->bp, want[i].bp);
	while (agency_factors[n].factor != NULL)
		n++;
	assert_int_equal(n, nitems(want));
	/* No numbers in the seed for these. */
	assert_null(agency_modifier_find("creator_level", "beginner"));
	assert_null(agency_modifier_find("creator_level", "premium"));
	assert_null(agency_modifier_find("urgency", "expert"));
	assert_null(agency_modifier_find(NULL, "expert"));
}

/* ---- invoices ----------------------------------------------------------- */

/* Seed 004 §POST /invoices: photography 437000 + location 50000 + editing
 * 75000 + agency fee (23 %) 126500 = 688500; new-client discount 5 %
 * 34425; tax 0; total 654075; paid deposit 327038; due 327037; Net 15,
 * number INV-2025-001234.  The fee line is carried as given: 23 % of the
 * quote's 550000.  (23 % of this invoice's own 562000 would be 129260.) */
static void
test_invoice_totals_seed004_invoice(void **state)
{
	struct billing_line l[] = { { 1, 437000, 0 }, { 1, 50000, 0 },
	    { 1, 75000, 0 }, { 1, 126500, 0 } };
	struct invoice_adjust adj = { .discount_bp = 500,
	    .paid_minor = 327038 };
	struct invoice_totals t;
	int paid = -1;

	(void)state;
	assert_int_equal(invoice_compute(l, nitems(l), &adj, &t), BILLING_OK);
	assert_int_equal(l[3].amount_minor, 126500);
	assert_int_equal(t.subtotal_minor, 688500);
	assert_int_equal(t.discount_minor, 34425);
	assert_int_equal(t.tax_minor, 0);
	assert_int_equal(t.total_minor, 654075);
	assert_int_equal(t.paid_minor, 327038);
	assert_int_equal(t.due_minor, 327037);
	assert_int_equal(pct(437000 + 50000 + 75000, 2300), 129260);
	/* Seed 004 §POST /payments/manual-entry: the rest marks it paid. */
	assert_int_equal(invoice_pay(&t, 327037, &paid), BILLING_OK);
	assert_int_equal(paid, 1);
	assert_int_equal(t.due_minor, 0);
	assert_int_equal(t.paid_minor, 654075);
}

/* Seed 003 §VAT: EU + VIES-verified VAT number → vat_exempt (reverse
 * charge, tax 0); invalid or unverified → VAT charged.  RU addendum
 * variables give vat_rate "20". */
static void
test_invoice_vat_and_reverse_charge_seed003(void **state)
{
	struct billing_line l[] = { { 3, 3333, 0 } };
	struct invoice_adjust adj = { 0 };
	struct invoice_totals t;

	(void)state;
	assert_int_equal(billing_vat_bp(1, 1, "DE123456789", 1900), 0);
	assert_int_equal(billing_vat_bp(1, 0, "DE123456789", 1900), 1900);
	assert_int_equal(billing_vat_bp(1, 1, "", 1900), 1900);
	assert_int_equal(billing_vat_bp(1, 1, NULL, 1900), 1900);
	assert_int_equal(billing_vat_bp(0, 1, "RU7700000000", 2000), 2000);
	assert_int_equal(billing_vat_bp(0, 0, NULL, 10001), BILLING_EINVAL);

	adj.vat_bp = billing_vat_bp(0, 0, NULL, 2000);
	assert_int_equal(invoice_compute(l, 1, &adj, &t), BILLING_OK);
	assert_int_equal(l[0].amount_minor, 9999);
	assert_int_equal(t.tax_minor, 2000);		/* 1999.8 */
	assert_int_equal(t.total_minor, 11999);
	/* Tax is on the discounted amount; a tie rounds up. */
	l[0] = (struct billing_line){ 1, 10005, 0 };
	adj = (struct invoice_adjust){ .discount_minor = 10000, .vat_bp = 1000 };
	assert_int_equal(invoice_compute(l, 1, &adj, &t), BILLING_OK);
	assert_int_equal(t.tax_minor, 1);		/* 0.5 */
	assert_int_equal(t.total_minor, 6);
	adj.vat_bp = billing_vat_bp(1, 1, "FR12345678901", 2000);
	assert_int_equal(invoice_compute(l, 1, &adj, &t), BILLING_OK);
	assert_int_equal(t.tax_minor, 0);
	assert_int_equal(t.total_minor, 5);
}

/* DESIGN.md payment: partial payments lower the amount due; one that
 * covers the rest marks the invoice paid; more than is due is refused. */
static void
test_invoice_payments_partial_full_and_overpaid(void **state)
{
	struct billing_line l[] = { { 2, 25000, 0 } };
	struct invoice_totals t, before;
	int paid = -1;

	(void)state;
	assert_int_equal(invoice_compute(l, 1, NULL, &t), BILLING_OK);
	assert_int_equal(t.due_minor, 50000);
	assert_int_equal(invoice_pay(&t, 20000, &paid), BILLING_OK);
	assert_int_equal(paid, 0);
	assert_int_equal(t.due_minor, 30000);
	before = t;
	assert_int_equal(invoice_pay(&t, 30001, &paid), BILLING_EOVERPAY);
	assert_memory_equal(&t, &before, sizeof t);
	assert_int_equal(invoice_pay(&t, 0, &paid), BILLING_EINVAL);
	assert_int_equal(invoice_pay(&t, -5, &paid), BILLING_EINVAL);
	assert_int_equal(invoice_pay(&t, 30000, NULL), BILLING_OK);
	assert_int_equal(t.due_minor, 0);
	assert_int_equal(invoice_pay(&t, 1, &paid), BILLING_EOVERPAY);
	/* Inconsistent totals are refused, not patched. */
	t.paid_minor = 1;
	assert_int_equal(invoice_pay(&t, 1, &paid), BILLING_EINVAL);
	/* Recorded payments above the total. */
	assert_int_equal(invoice_compute(l, 1, &(struct invoice_adjust){
	    .paid_minor = 50001 }, &t), BILLING_EOVERPAY);
}

static void
test_invoice_edges_zero_and_overflow(void **state)
{
	struct billing_line l[] = { { 1, INT64_MAX / 2, 0 },
	    { 1, INT64_MAX / 2, 0 }, { 1, 2, 0 } };
	struct billing_line q[] = { { 0, 100, -1 } };
	struct invoice_totals t, zero = { 0 };

	(void)state;
	assert_int_equal(invoice_compute(NULL, 0, NULL, &t), BILLING_OK);
	assert_memory_equal(&t, &zero, sizeof t);
	assert_int_equal(invoice_compute(NULL, 1, NULL, &t), BILLING_EINVAL);
	/* Free lines. */
	l[2].unit_price_minor = 0;
	assert_int_equal(invoice_compute(&l[2], 1, NULL, &t), BILLING_OK);
	assert_int_equal(t.total_minor, 0);
	l[2].unit_price_minor = 2;
	assert_int_equal(invoice_compute(l, 3, NULL, &t), BILLING_EOVERFLOW);
	assert_int_equal(l[0].amount_minor, 0);		/* untouched */
	l[0] = (struct billing_line){ 4, INT64_MAX / 3, 0 };
	assert_int_equal(invoice_compute(l, 1, NULL, &t), BILLING_EOVERFLOW);
	/* Tax that overflows. */
	l[0] = (struct billing_line){ 1, INT64_MAX / 2, 0 };
	assert_int_equal(invoice_compute(l, 1, &(struct invoice_adjust){
	    .vat_bp = 2000 }, &t), BILLING_EOVERFLOW);
	assert_int_equal(invoice_compute(q, 1, NULL, &t), BILLING_EINVAL);
	q[0] = (struct billing_line){ 1, -100, 0 };
	assert_int_equal(invoice_compute(q, 1, NULL, &t), BILLING_EINVAL);
	/* A discount above the subtotal is an error, not a negative total. */
	q[0] = (struct billing_line){ 1, 100, 0 };
	assert_int_equal(invoice_compute(q, 1, &(struct invoice_adjust){
	    .discount_minor = 101 }, &t), BILLING_EINVAL);
	assert_int_equal(invoice_compute(q, 1, &(struct invoice_adjust){
	    .discount_minor = 100 }, &t), BILLING_OK);
	assert_int_equal(t.total_minor, 0);
	assert_int_equal(invoice_compute(q, 1, &(struct invoice_adjust){
	    .discount_minor = 50, .discount_bp = 5000 }, &t), BILLING_OK);
	assert_int_equal(t.discount_minor, 100);
	assert_int_equal(invoice_compute(q, 1, &(struct invoice_adjust){
	    .vat_bp = -1 }, &t), BILLING_EINVAL);
}

/* ---- checkout (seed 002) ------------------------------------------------ */

/* Seed 002 / digest-002 checkout: products_sum = Σ price × quantity;
 * logistics_price_eur once per order; free when the sum reaches
 * free_delivery (billing.h, reading 4: products_sum, inclusive). */
static void
test_checkout_delivery_once_and_threshold_seed002(void **state)
{
	struct billing_line l[] = { { 2, 1250, 0 }, { 1, 3000, 0 },
	    { 3, 0, 0 } };
	struct checkout_totals c;

	(void)state;
	assert_int_equal(checkout_compute(l, nitems(l), 590, 6000, &c),
	    BILLING_OK);
	assert_int_equal(l[0].amount_minor, 2500);
	assert_int_equal(c.products_sum_minor, 5500);
	assert_int_equal(c.delivery_minor, 590);	/* once, not × 3 */
	assert_int_equal(c.total_minor, 6090);
	/* 60.90 ≥ 60.00 but the goods are 55.00: delivery stays. */
	assert_int_equal(c.free_delivery, 0);
	assert_int_equal(checkout_compute(l, nitems(l), 590, 5500, &c),
	    BILLING_OK);
	assert_int_equal(c.free_delivery, 1);		/* exactly at it */
	assert_int_equal(c.delivery_minor, 0);
	assert_int_equal(c.total_minor, 5500);
	assert_int_equal(checkout_compute(l, nitems(l), 590, 5501, &c),
	    BILLING_OK);
	assert_int_equal(c.delivery_minor, 590);
	/* No threshold (NULL column): never free. */
	assert_int_equal(checkout_compute(l, nitems(l), 590, -1, &c),
	    BILLING_OK);
	assert_int_equal(c.total_minor, 6090);
	/* Only free items, threshold 0. */
	assert_int_equal(checkout_compute(&l[2], 1, 590, 0, &c), BILLING_OK);
	assert_int_equal(c.total_minor, 0);
	assert_int_equal(checkout_compute(l, 1, -1, -1, &c), BILLING_EINVAL);
	l[0].quantity = 0;
	assert_int_equal(checkout_compute(l, 1, 0, -1, &c), BILLING_EINVAL);
	l[0] = (struct billing_line){ 1, INT64_MAX, 0 };
	assert_int_equal(checkout_compute(l, 1, 1, -1, &c), BILLING_EOVERFLOW);
}

/* ---- dates -------------------------------------------------------------- */

static void
test_dates_parse_and_format_strictly(void **state)
{
	static const char *bad[] = { "", "2025-9-03", "2025-09-3",
	    "2025-09-031", "2025/09/03", "2025-13-01", "2025-00-10",
	    "2025-02-29", "1900-02-29", "2025-04-31", "0000-01-01",
	    "+025-09-03", "2025-09-0a", " 2025-09-03" };
	char b[11], small[10] = "x";
	int32_t d;

	(void)state;
	assert_int_equal(day("1970-01-01"), 0);
	assert_int_equal(day("1969-12-31"), -1);
	assert_int_equal(day("2025-09-03"), 20334);
	assert_int_equal(day("2000-02-29") + 1, day("2000-03-01"));
	assert_int_equal(day("2024-12-31") + 1, day("2025-01-01"));
	assert_int_equal(day("0001-01-01"), -719162);
	assert_int_equal(day("9999-12-31"), 2932896);
	for (size_t i = 0; i < nitems(bad); i++)
		assert_int_equal(billing_date_parse(bad[i], &d),
		    BILLING_EINVAL);
	assert_int_equal(billing_date_parse(NULL, &d), BILLING_EINVAL);
	/* Every day of 1600..2400 round-trips. */
	for (d = day("1600-01-01"); d <= day("2400-12-31"); d++) {
		assert_int_equal(billing_date_format(d, b, sizeof b),
		    BILLING_OK);
		assert_int_equal(day(b), d);
	}
	assert_int_equal(billing_date_format(-719163, b, sizeof b),
	    BILLING_EINVAL);
	assert_int_equal(billing_date_format(2932897, b, sizeof b),
	    BILLING_EINVAL);
	assert_int_equal(billing_date_format(0, small, sizeof small),
	    BILLING_ENOSPC);
	assert_string_equal(small, "x");
	assert_int_equal(billing_day_from_unix(0, &d), BILLING_OK);
	assert_int_equal(d, 0);
	assert_int_equal(billing_day_from_unix(86399, &d), BILLING_OK);
	assert_int_equal(d, 0);
	assert_int_equal(billing_day_from_unix(-1, &d), BILLING_OK);
	assert_int_equal(d, -1);
	assert_int_equal(billing_day_from_unix(1756911600, &d), BILLING_OK);
	assert_int_equal(d, day("2025-09-03"));		/* 15:00 UTC */
	assert_int_equal(billing_day_from_unix(INT64_MAX, &d),
	    BILLING_EOVERFLOW);
}

/* Seed 004 §POST /invoices: "Net 15", issued 2025-09-03T15:00Z.  DESIGN:
 * or the company's deferral days (seed 003 payment_deferral_days). */
static void
test_due_date_net15_or_deferral_seed004(void **state)
{
	int32_t due = 0;
	char b[11];

	(void)state;
	assert_int_equal(billing_due_date(day("2025-09-03"), -1, &due),
	    BILLING_OK);
	assert_int_equal(billing_date_format(due, b, sizeof b), BILLING_OK);
	/* SEED ERROR: the seed says 2025-09-15, 12 days after issue. */
	assert_string_equal(b, "2025-09-18");
	assert_int_equal(billing_due_date(day("2025-09-03"), 30, &due),
	    BILLING_OK);
	assert_int_equal(due, day("2025-10-03"));
	assert_int_equal(billing_due_date(day("2025-09-03"), 0, &due),
	    BILLING_OK);
	assert_int_equal(due, day("2025-09-03"));
	assert_int_equal(billing_due_date(day("2025-12-20"), -1, &due),
	    BILLING_OK);
	assert_int_equal(due, day("2026-01-04"));
	assert_int_equal(billing_due_date(day("2024-02-20"), -1, &due),
	    BILLING_OK);
	assert_int_equal(due, day("2024-03-06"));	/* leap year */
	assert_int_equal(billing_due_date(0, BILLING_MAX_DEFERRAL + 1, &due),
	    BILLING_EINVAL);
	assert_int_equal(billing_due_date(day("9999-12-31"), -1, &due),
	    BILLING_EOVERFLOW);
}

/* ---- invoice numbers (seed 004) ----------------------------------------- */

/* Seed 004 §Rules: INV-YYYY-NNNNNN; the example is INV-2025-001234. */
static void
test_invoice_numbers_seed004(void **state)
{
	static const char *bad[] = { "INV-2025-1234", "inv-2025-001234",
	    "INV-2025-0012345", "INV-2025-00123a", "INV-2025-000000",
	    "INV_2025-001234", "INV-0999-000001", "QUO-2025-001234",
	    "INV-2025-001234 ", "" };
	char b[16], small[15] = "x";
	int year = 0;
	int64_t seq = 0;

	(void)state;
	assert_int_equal(invoice_number_format(b, sizeof b, 2025, 1234),
	    BILLING_OK);
	assert_string_equal(b, "INV-2025-001234");
	assert_int_equal(invoice_number_parse(b, &year, &seq), BILLING_OK);
	assert_int_equal(year, 2025);
	assert_int_equal(seq, 1234);
	assert_int_equal(invoice_number_format(b, sizeof b, 2025, 999999),
	    BILLING_OK);
	assert_string_equal(b, "INV-2025-999999");
	assert_int_equal(invoice_number_format(b, sizeof b, 2025, 1000000),
	    BILLING_EINVAL);
	assert_int_equal(invoice_number_format(b, sizeof b, 2025, 0),
	    BILLING_EINVAL);
	assert_int_equal(invoice_number_format(b, sizeof b, 999, 1),
	    BILLING_EINVAL);
	assert_int_equal(invoice_number_format(small, sizeof small, 2025, 1),
	    BILLING_ENOSPC);
	assert_string_equal(small, "x");
	for (size_t i = 0; i < nitems(bad); i++)
		assert_int_equal(invoice_number_parse(bad[i], &year, &seq),
		    BILLING_EINVAL);

	/* Gapless per year. */
	assert_int_equal(invoice_number_next(NULL, 2025, b, sizeof b),
	    BILLING_OK);
	assert_string_equal(b, "INV-2025-000001");
	assert_int_equal(invoice_number_next("INV-2025-001234", 2025, b,
	    sizeof b), BILLING_OK);
	assert_string_equal(b, "INV-2025-001235");
	assert_int_equal(invoice_number_next("INV-2024-000917", 2025, b,
	    sizeof b), BILLING_OK);
	assert_string_equal(b, "INV-2025-000001");
	assert_int_equal(invoice_number_next("INV-2025-999999", 2025, b,
	    sizeof b), BILLING_EOVERFLOW);
	assert_int_equal(invoice_number_next("INV-2026-000001", 2025, b,
	    sizeof b), BILLING_EINVAL);
	assert_int_equal(invoice_number_next("garbage", 2025, b, sizeof b),
	    BILLING_EINVAL);
}

/* ---- overdue (seed 003) ------------------------------------------------- */

/* Seed 003 §6.1 step 5: overdue by overdue_threshold_1/2/3 days →
 * notification / excluded from search / full block; debt > debt_threshold
 * → block.  The seed gives no values; the defaults are 1/15/30. */
static void
test_block_state_escalation_seed003_6_1(void **state)
{
	struct block_thresholds t = { { 3, 7, 14 }, RUB(500) };
	static const struct { int days; enum block_state want; } def[] = {
		{ 0, BLOCK_NONE }, { 1, BLOCK_NOTIFIED }, { 14, BLOCK_NOTIFIED },
		{ 15, BLOCK_HIDDEN }, { 29, BLOCK_HIDDEN }, { 30, BLOCK_BLOCKED },
		{ 400, BLOCK_BLOCKED },
	};
	enum block_state s;

	(void)state;
	for (size_t i = 0; i < nitems(def); i++) {
		assert_int_equal(block_state_for(NULL, def[i].days, RUB(1000000),
		    &s), BILLING_OK);
		assert_int_equal(s, def[i].want);
	}
	/* §6.2: debt 500 RUB on a threshold of 500 RUB does not block (">"),
	 * one kopeck more does, however recent. */
	assert_int_equal(block_state_for(&t, 0, RUB(500), &s), BILLING_OK);
	assert_int_equal(s, BLOCK_NONE);
	assert_int_equal(block_state_for(&t, 0, RUB(500) + 1, &s), BILLING_OK);
	assert_int_equal(s, BLOCK_BLOCKED);
	assert_int_equal(block_state_for(&t, 2, 0, &s), BILLING_OK);
	assert_int_equal(s, BLOCK_NONE);
	assert_int_equal(block_state_for(&t, 3, 0, &s), BILLING_OK);
	assert_int_equal(s, BLOCK_NOTIFIED);
	assert_int_equal(block_state_for(&t, 7, 0, &s), BILLING_OK);
	assert_int_equal(s, BLOCK_HIDDEN);
	assert_int_equal(block_state_for(&t, 14, 0, &s), BILLING_OK);
	assert_int_equal(s, BLOCK_BLOCKED);
	/* Equal thresholds skip a level. */
	t = (struct block_thresholds){ { 5, 5, 10 }, 0 };
	assert_int_equal(block_state_for(&t, 5, 0, &s), BILLING_OK);
	assert_int_equal(s, BLOCK_HIDDEN);
	t.overdue_days[0] = 0;
	assert_int_equal(block_state_for(&t, 5, 0, &s), BILLING_EINVAL);
	t = (struct block_thresholds){ { 5, 4, 10 }, 0 };
	assert_int_equal(block_state_for(&t, 5, 0, &s), BILLING_EINVAL);
	assert_int_equal(block_state_for(NULL, -1, 0, &s), BILLING_EINVAL);
	assert_int_equal(block_state_for(NULL, 0, -1, &s), BILLING_EINVAL);
}

/* The due date is the last day to pay (seed 004 dueDate …T23:59:59). */
static void
test_days_overdue_and_aging_buckets(void **state)
{
	static const struct { int days; enum aging_bucket want; } b[] = {
		{ -5, AGING_CURRENT }, { 0, AGING_CURRENT }, { 1, AGING_1_30 },
		{ 30, AGING_1_30 }, { 31, AGING_31_60 }, { 60, AGING_31_60 },
		{ 61, AGING_61_90 }, { 90, AGING_61_90 }, { 91, AGING_90_PLUS },
		{ 3650, AGING_90_PLUS },
	};
	static const char *names[] = { "current", "1-30", "31-60", "61-90",
	    "90+" };
	int32_t due = day("2025-09-18");

	(void)state;
	assert_int_equal(billing_days_overdue(due, day("2025-09-17")), 0);
	assert_int_equal(billing_days_overdue(due, day("2025-09-18")), 0);
	assert_int_equal(billing_days_overdue(due, day("2025-09-19")), 1);
	assert_int_equal(billing_days_overdue(due, day("2025-12-17")), 90);
	assert_int_equal(billing_days_overdue(INT32_MIN, INT32_MAX), INT32_MAX);
	for (size_t i = 0; i < nitems(b); i++)
		assert_int_equal(aging_bucket_for(due, due + b[i].days),
		    b[i].want);
	for (int i = 0; i < 5; i++)
		assert_string_equal(aging_bucket_name((enum aging_bucket)i),
		    names[i]);
	assert_string_equal(aging_bucket_name((enum aging_bucket)5), "?");
}

static void
test_block_state_names_match_the_column(void **state)
{
	static const char *names[] = { "none", "notified", "hidden",
	    "blocked" };
	enum block_state s;

	(void)state;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(block_state_parse(names[i], &s), BILLING_OK);
		assert_int_equal(s, i);
		assert_string_equal(block_state_name(s), names[i]);
	}
	assert_int_equal(block_state_parse("suspended", &s), BILLING_EINVAL);
	assert_string_equal(block_state_name((enum block_state)4), "?");
	assert_string_equal(billing_strerror(BILLING_EOVERPAY),
	    "payment exceeds the amount due");
	assert_string_equal(billing_strerror(-99), "unknown billing error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percent_rounds_half_up_and_refuses_overflow),
		cmocka_unit_test(test_split_puts_the_odd_unit_on_the_first_part),
		cmocka_unit_test(test_commission_default_and_special_percent_seed003_6_2),
		cmocka_unit_test(test_commission_terms_pick_special_only_while_in_force),
		cmocka_unit_test(test_commission_fixed_ignores_value_seed003_8_4),
		cmocka_unit_test(test_commission_hybrid_is_fixed_plus_percent_seed003_4_2_3),
		cmocka_unit_test(test_commission_percent_min_max_bound_the_amount),
		cmocka_unit_test(test_commission_tiered_marginal_over_volume_seed003_4_2_3),
		cmocka_unit_test(test_commission_rejects_bad_terms_and_amounts),
		cmocka_unit_test(test_commission_type_names_match_the_table),
		cmocka_unit_test(test_agency_fee_quote_seed004),
		cmocka_unit_test(test_agency_fee_calculate_seed004),
		cmocka_unit_test(test_agency_fee_calculation_example_seed004_2),
		cmocka_unit_test(test_agency_fee_clamps_to_10_and_50),
		cmocka_unit_test(test_agency_fee_rejects_bad_input_and_short_buffers),
		cmocka_unit_test(test_agency_modifiers_are_the_seeds),
		cmocka_unit_test(test_invoice_totals_seed004_invoice),
		cmocka_unit_test(test_invoice_vat_and_reverse_charge_seed003),
		cmocka_unit_test(test_invoice_payments_partial_full_and_overpaid),
		cmocka_unit_test(test_invoice_edges_zero_and_overflow),
		cmocka_unit_test(test_checkout_delivery_once_and_threshold_seed002),
		cmocka_unit_test(test_dates_parse_and_format_strictly),
		cmocka_unit_test(test_due_date_net15_or_deferral_seed004),
		cmocka_unit_test(test_invoice_numbers_seed004),
		cmocka_unit_test(test_block_state_escalation_seed003_6_1),
		cmocka_unit_test(test_days_overdue_and_aging_buckets),
		cmocka_unit_test(test_block_state_names_match_the_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
