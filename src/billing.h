/* Billing arithmetic, shared by mktd (invoices, billing runs, reports) and
 * mkt (display): PetsCare commission rules (seed 003), the Depth agency
 * fee (seed 004), invoice and checkout totals (seeds 004, 002), due dates,
 * INV-YYYY-NNNNNN numbers, overdue escalation and aging.
 *
 * Money is an int64 count of minor units of one currency; rates are int
 * basis points (5 % = 500); calendar dates are int32 days since
 * 1970-01-01 (day 0), read and written as 'YYYY-MM-DD'.  No floating
 * point, no allocation, no locale, no output.  Functions returning int
 * return BILLING_OK or a negative enum billing_error (billing_vat_bp and
 * billing_days_overdue return their value) and leave their outputs
 * untouched on error.  Products that would overflow int64 are
 * errors, never wrapped.  Rounding is half-up (away from zero), once per
 * line: a line's exact value in (minor × bp) is summed first and divided
 * by 10000 once.
 *
 * Seed contradictions and gaps, and the reading chosen (a careful
 * accountant's):
 *
 *  1. Commission min/max bound the AMOUNT, not the percent.  DESIGN.md
 *     says "the min and max bound the percent" and the cache schema has
 *     min_bp/max_bp, but seed 003 (§1.3 ProviderSpecialTerms, §4.2.3)
 *     calls them commission_min/commission_max, "минимальная/максимальная
 *     комиссия", and uses "комиссия" for the money charged per booking
 *     (§6.2 "1000 * 5% = 50 руб.").  A bound on the single rate of a
 *     percent rule would be a no-op; "5 %, at least X, at most Y" is the
 *     usual commercial clause.  They are in the terms' currency, apply to
 *     the percent-based types (percent, hybrid, tiered) — the seed says
 *     "for the percent model" and fixed is "regardless of value" — and
 *     not to a zero-value (free) booking: a share of nothing is nothing.
 *     0 means no bound.  (The cache's min_bp/max_bp columns and demo.c
 *     follow the other reading and should become min_minor/max_minor.)
 *  2. Tiered: "0–10,000 RUB → 10 %; 10,000–50,000 → 8 %; 50,000+ → 5 %",
 *     "the larger the volume, the smaller the percent", a "progressive
 *     scale".  The endpoints overlap and the base is unstated.  Chosen:
 *     brackets over the provider's volume of completed bookings in the
 *     billing period, applied marginally like a tax scale; a bracket
 *     covers [from_minor, next from_minor), so exactly 10,000 RUB is all
 *     at 10 %.  Each booking's line pays for its own slice of the volume,
 *     so lines sum to the scale on the month and no booking ever lowers
 *     the commission (rate-on-the-whole-volume would charge 49,999 more
 *     than 50,000).  volume_before = 0 tiers on the booking's own value.
 *  3. Agency fee: seed 004's calculationExample starts from a base of
 *     25 % and carves the fee out of the project value; the calculate,
 *     quote and invoice examples use base 20 and add the fee on top.
 *     The 25 is 20 + expert 5, so: base 20 %, creator level is a
 *     modifier, and the fee is budget × rate (the same amount either way;
 *     invoices add it as its own line).  The 10 % floor is only implied by
 *     "10–50 %"; it is enforced like the 50 % cap.  The seed gives no
 *     numbers for project-value tiers or for creator levels other than
 *     expert (+5), so agency_factors has none; "repeat −2" comes from the
 *     quotes, not the factor table.
 *  4. Free delivery (seed 002): "total sum ≥ free_delivery ⇒ free".  The
 *     total includes the delivery it would waive, so the threshold is
 *     compared with products_sum, inclusive.
 *  5. Reverse charge (seed 003 §VAT): a provider in the EU with a VAT
 *     number verified by VIES is vat_exempt (a field the seed uses but
 *     never defines): tax 0.  Unverified or invalid: VAT is charged.  The
 *     seed gives no seller country, so the domestic-supply exception is
 *     not modelled; no VAT rates are given, so the rate is a parameter.
 *  6. Escalation thresholds (seed 003 §6.1 step 5): overdue_threshold_1..3
 *     and debt_threshold are named but never given values.  "Overdue by N
 *     days" is days overdue ≥ N; "debt > threshold" is strict.  Defaults
 *     1/15/30 days are ours; the debt threshold defaults to none, as it
 *     depends on the currency.
 *  7. Due date: seed 004's invoice is issued 2025-09-03, "Net 15", due
 *     2025-09-15 (12 days).  Net 15 counts from the issue date: 09-18.
 *     The due date is the last day to pay (the seed's 23:59:59), so an
 *     invoice is 1 day overdue on the day after.  (The seed's deposit
 *     invoice is due on the delivery date instead; callers pass that as
 *     explicit deferral days.)
 *  8. Aging: buckets "61–90" and "90+" share 90; 90 is in 61–90.
 */
#ifndef MKT_BILLING_H
#define MKT_BILLING_H

#include <stddef.h>
#include <stdint.h>

enum billing_error {
	BILLING_OK = 0,
	BILLING_EINVAL = -1,	/* an argument outside its domain */
	BILLING_EOVERFLOW = -2,	/* the result does not fit */
	BILLING_EOVERPAY = -3,	/* more than the amount due */
	BILLING_ECURRENCY = -4,	/* terms priced in another currency */
	BILLING_ENOSPC = -5,	/* output buffer too small */
};

/* A short English message for a billing_error; never NULL. */
const char	*billing_strerror(int err);

/* bp basis points of amount, rounded half-up away from zero.  Unlike
 * money_percent, fails with EOVERFLOW instead of wrapping. */
int		 billing_percent(int64_t amount, int bp, int64_t *out);

/* Splits total (≥ 0) into first = bp of it (rounded half-up) and rest =
 * total − first; bp in 0..10000.  A 50/50 deposit of 654075 IQD is
 * 327038 + 327037. */
int		 billing_split(int64_t total, int bp, int64_t *first,
		    int64_t *rest);

/* ---- commission (PetsCare) --------------------------------------------- */

enum commission_type {
	COMMISSION_PERCENT, COMMISSION_FIXED, COMMISSION_HYBRID,
	COMMISSION_TIERED
};

#define COMMISSION_DEFAULT_BP	500
#define COMMISSION_MAX_TIERS	8

struct commission_tier {
	int64_t		 from_minor;	/* bracket start; first is 0 */
	int		 percent_bp;
};

/* One row of commission_terms.  Zero-initialised fields mean "none". */
struct commission_terms {
	enum commission_type	 type;
	int			 percent_bp;	/* percent, hybrid */
	int64_t			 fixed_minor;	/* fixed, hybrid */
	char			 currency[4];	/* of every *_minor; "" any */
	int64_t			 min_minor;	/* 0: no floor (see 1.) */
	int64_t			 max_minor;	/* 0: no cap */
	struct commission_tier	 tiers[COMMISSION_MAX_TIERS];
	int			 ntiers;	/* tiered: ascending from 0 */
	int32_t			 valid_from;	/* days, inclusive; 0: open */
	int32_t			 valid_to;	/* days, inclusive; 0: open */
};

/* The offer's standard terms: percent, COMMISSION_DEFAULT_BP, no bounds. */
extern const struct commission_terms commission_default;

/* "percent", "fixed", "hybrid", "tiered" (the table's spelling). */
const char	*commission_type_name(enum commission_type type);
int		 commission_type_parse(const char *s, enum commission_type *out);

/* BILLING_OK when t is usable: rates in 0..10000, amounts ≥ 0,
 * min ≤ max when both set, tiers starting at 0 and strictly ascending,
 * valid_from ≤ valid_to when both set. */
int		 commission_terms_check(const struct commission_terms *t);

/* The terms that price a booking completed on day: special when given and
 * in force that day, else deflt (the accepted offer), else
 * commission_default.  Invalid special terms are still returned, so the
 * error surfaces in commission_line instead of billing at another rate. */
const struct commission_terms *
		 commission_terms_pick(const struct commission_terms *special,
		    const struct commission_terms *deflt, int32_t day);

/* Commission on one completed booking of amount minor units (≥ 0) in
 * currency; volume_before is the provider's completed volume earlier in
 * the same period (tiered only; 0 tiers on the booking alone).  percent:
 * amount × rate; fixed: fixed_minor; hybrid: fixed + amount × rate;
 * tiered: the booking's slice of the marginal scale; then the min/max
 * bounds.  ECURRENCY when terms with amounts name another currency. */
int		 commission_line(const struct commission_terms *t,
		    const char *currency, int64_t amount, int64_t volume_before,
		    int64_t *out);

/* ---- agency fee (Depth) ------------------------------------------------ */

#define AGENCY_BASE_BP	2000
#define AGENCY_MIN_BP	1000
#define AGENCY_MAX_BP	5000
#define AGENCY_MAX_MODIFIERS 16

struct agency_modifier {
	const char	*name;		/* as shown: "expert", "repeat" */
	int		 bp;		/* signed: 500 is +5 points */
};

/* Seed 004's modifiers, ended by a NULL factor.  factor is one of
 * creator_level, complexity, urgency, client_type, season, demand; key is
 * the seed's JSON key (expert, complex, rush24h, vipClient, repeat,
 * peakSeason, highDemand, ...). */
struct agency_factor {
	const char		*factor;
	const char		*key;
	struct agency_modifier	 mod;
};
extern const struct agency_factor agency_factors[];

/* The modifier for a factor and key, or NULL if the seed has none. */
const struct agency_modifier *
		 agency_modifier_find(const char *factor, const char *key);

/* The fee rate: AGENCY_BASE_BP plus the n (≤ AGENCY_MAX_MODIFIERS)
 * modifiers, each within ±10000, clamped to AGENCY_MIN_BP..AGENCY_MAX_BP.
 * When breakdown is not NULL it receives the line's explanation, e.g.
 * "agency fee 23 % = base 20 + expert 5 − repeat 2", with
 * " (capped at 50 from 58)" or " (raised to 10 from 5)" when clamped;
 * ENOSPC rather than a truncated breakdown. */
int		 agency_fee(const struct agency_modifier *mods, size_t n,
		    int *fee_bp, char *breakdown, size_t len);

/* The fee on a budget (≥ 0): budget × fee_bp (1000..5000), half-up.
 * 550000 IQD at 23 % is 126500. */
int		 agency_fee_amount(int64_t budget_minor, int fee_bp,
		    int64_t *out);

/* ---- invoices and checkout --------------------------------------------- */

/* An invoice or checkout line.  amount_minor is an output. */
struct billing_line {
	int64_t		 quantity;	/* ≥ 1 */
	int64_t		 unit_price_minor;	/* ≥ 0; 0 is free */
	int64_t		 amount_minor;	/* quantity × unit price */
};

struct invoice_adjust {
	int64_t		 discount_minor;	/* a fixed discount */
	int		 discount_bp;	/* plus this share of the subtotal */
	int		 vat_bp;	/* from billing_vat_bp */
	int64_t		 paid_minor;	/* confirmed payments so far */
};

/* Mirrors the invoices table's money columns. */
struct invoice_totals {
	int64_t		 subtotal_minor;
	int64_t		 discount_minor;
	int64_t		 tax_minor;
	int64_t		 total_minor;
	int64_t		 paid_minor;
	int64_t		 due_minor;
};

/* The VAT rate to charge a company: 0 (reverse charge) for an EU company
 * whose non-empty VAT number is verified, else standard_bp (0..10000). */
int		 billing_vat_bp(int is_eu, int vat_verified,
		    const char *vat_number, int standard_bp);

/* Fills each line's amount and the totals: subtotal = Σ amounts;
 * discount = discount_minor + subtotal × discount_bp, at most the
 * subtotal; tax = (subtotal − discount) × vat_bp; total = subtotal −
 * discount + tax; due = total − paid.  adj may be NULL (no discount, tax
 * or payment).  EOVERPAY when paid exceeds the total. */
int		 invoice_compute(struct billing_line *lines, size_t n,
		    const struct invoice_adjust *adj, struct invoice_totals *out);

/* Records a payment of amount (> 0) on consistent totals: paid += amount,
 * due −= amount; *paid_in_full (may be NULL) is 1 when nothing is left
 * due, which marks the invoice paid.  EOVERPAY when amount > due. */
int		 invoice_pay(struct invoice_totals *t, int64_t amount,
		    int *paid_in_full);

struct checkout_totals {
	int64_t		 products_sum_minor;
	int64_t		 delivery_minor;	/* 0 when waived */
	int64_t		 total_minor;
	int		 free_delivery;	/* the threshold was reached */
};

/* products_sum = Σ quantity × unit price; delivery_minor (≥ 0) charged
 * once per order unless free_from_minor ≥ 0 and products_sum ≥ it (see
 * 4.; a negative threshold means the company has none); total =
 * products_sum + delivery. */
int		 checkout_compute(struct billing_line *lines, size_t n,
		    int64_t delivery_minor, int64_t free_from_minor,
		    struct checkout_totals *out);

/* ---- dates and numbers ------------------------------------------------- */

#define BILLING_NET_DAYS	15
#define BILLING_MAX_DEFERRAL	366

/* Strict 'YYYY-MM-DD', years 0001..9999, real calendar days only. */
int		 billing_date_parse(const char *s, int32_t *day);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back; valid
 * for years 1600..2400, which every use here is inside. */
int32_t		 billing_day_from_civil(int y, int m, int d);
void		 billing_civil_from_day(int32_t day, int *y, int *m, int *d);
/* day as 'YYYY-MM-DD'; len ≥ 11. */
int		 billing_date_format(int32_t day, char *buf, size_t len);
/* The UTC day of Unix time t (floor, so before 1970 too). */
int		 billing_day_from_unix(int64_t t, int32_t *day);

/* issue + deferral_days (0..BILLING_MAX_DEFERRAL), or Net 15 when
 * deferral_days is negative (the company's NULL). */
int		 billing_due_date(int32_t issue, int deferral_days,
		    int32_t *due);

/* "INV-YYYY-NNNNNN": year 1000..9999, seq 1..999999; len ≥ 16. */
int		 invoice_number_format(char *buf, size_t len, int year,
		    int64_t seq);
/* The exact inverse; anything else is EINVAL. */
int		 invoice_number_parse(const char *s, int *year, int64_t *seq);
/* The number after last (NULL when year has none yet) in year: numbers
 * are gapless per year and restart at 000001.  EOVERFLOW after 999999;
 * EINVAL when last is from a later year. */
int		 invoice_number_next(const char *last, int year, char *buf,
		    size_t len);

/* ---- overdue ----------------------------------------------------------- */

/* Whole days past the due date, 0 on or before it. */
int		 billing_days_overdue(int32_t due, int32_t today);

enum block_state {
	BLOCK_NONE,		/* level 0 */
	BLOCK_NOTIFIED,		/* 1: overdue_threshold_1 */
	BLOCK_HIDDEN,		/* 2: excluded from search */
	BLOCK_BLOCKED,		/* 3: full block, or debt over threshold */
};

struct block_thresholds {
	int		 overdue_days[3];	/* 1 ≤ t1 ≤ t2 ≤ t3 */
	int64_t		 debt_minor;	/* debt above it blocks; 0: none */
};

/* 1/15/30 days, no debt threshold (see 6.). */
extern const struct block_thresholds block_thresholds_default;

/* "none", "notified", "hidden", "blocked" (the companies column). */
const char	*block_state_name(enum block_state s);
int		 block_state_parse(const char *s, enum block_state *out);

/* The escalation level for a company whose oldest unpaid invoice is
 * days_overdue late and whose debt (Σ due of sent and overdue invoices)
 * is debt_minor.  t NULL means block_thresholds_default. */
int		 block_state_for(const struct block_thresholds *t,
		    int days_overdue, int64_t debt_minor, enum block_state *out);

enum aging_bucket {
	AGING_CURRENT, AGING_1_30, AGING_31_60, AGING_61_90, AGING_90_PLUS
};

/* The bucket of an invoice due on due, as of today. */
enum aging_bucket aging_bucket_for(int32_t due, int32_t today);
/* "current", "1-30", "31-60", "61-90", "90+". */
const char	*aging_bucket_name(enum aging_bucket b);

#endif
