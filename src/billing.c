/* Billing arithmetic; billing.h says what each function guarantees and
 * which reading of the seeds it follows. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "billing.h"

#define BP_ONE		10000
#define DAY_SECONDS	86400

/* 0001-01-01 and 9999-12-31: the days 'YYYY-MM-DD' can spell. */
#define DAY_MIN		(-719162)
#define DAY_MAX		2932896

const char *
billing_strerror(int err)
{
	switch (err) {
	case BILLING_OK:
		return "ok";
	case BILLING_EINVAL:
		return "invalid argument";
	case BILLING_EOVERFLOW:
		return "amount out of range";
	case BILLING_EOVERPAY:
		return "payment exceeds the amount due";
	case BILLING_ECURRENCY:
		return "terms are in another currency";
	case BILLING_ENOSPC:
		return "buffer too small";
	}
	return "unknown billing error";
}

/* ---- checked arithmetic ------------------------------------------------ */

static int
add(int64_t a, int64_t b, int64_t *out)
{
	return __builtin_add_overflow(a, b, out) ? BILLING_EOVERFLOW :
	    BILLING_OK;
}

/* acc += amount × bp, the exact value of a line before its one rounding. */
static int
addmul(int64_t *acc, int64_t amount, int64_t bp)
{
	int64_t p;

	if (__builtin_mul_overflow(amount, bp, &p))
		return BILLING_EOVERFLOW;
	return add(*acc, p, acc);
}

/* p / 10000, half-up away from zero.  C division truncates toward zero,
 * so the remainder carries p's sign and nothing here can overflow. */
static int64_t
round_bp(int64_t p)
{
	int64_t q = p / BP_ONE, r = p % BP_ONE;

	if (r >= BP_ONE / 2)
		q++;
	else if (r <= -BP_ONE / 2)
		q--;
	return q;
}

static int
rate_ok(int bp)
{
	return bp >= 0 && bp <= BP_ONE;
}

int
billing_percent(int64_t amount, int bp, int64_t *out)
{
	int64_t acc = 0;
	int err;

	if (out == NULL)
		return BILLING_EINVAL;
	if ((err = addmul(&acc, amount, bp)) != BILLING_OK)
		return err;
	*out = round_bp(acc);
	return BILLING_OK;
}

int
billing_split(int64_t total, int bp, int64_t *first, int64_t *rest)
{
	int64_t f;
	int err;

	if (total < 0 || !rate_ok(bp) || first == NULL || rest == NULL)
		return BILLING_EINVAL;
	if ((err = billing_percent(total, bp, &f)) != BILLING_OK)
		return err;
	*first = f;
	*rest = total - f;
	return BILLING_OK;
}

/* ---- commission -------------------------------------------------------- */

const struct commission_terms commission_default = {
	.type = COMMISSION_PERCENT,
	.percent_bp = COMMISSION_DEFAULT_BP,
};

static const char *const commission_names[] = {
	[COMMISSION_PERCENT] = "percent",
	[COMMISSION_FIXED] = "fixed",
	[COMMISSION_HYBRID] = "hybrid",
	[COMMISSION_TIERED] = "tiered",
};
#define NCOMMISSION ((int)(sizeof commission_names / sizeof commission_names[0]))

const char *
commission_type_name(enum commission_type type)
{
	if ((int)type < 0 || (int)type >= NCOMMISSION)
		return "?";
	return commission_names[type];
}

int
commission_type_parse(const char *s, enum commission_type *out)
{
	if (s == NULL || out == NULL)
		return BILLING_EINVAL;
	for (int i = 0; i < NCOMMISSION; i++)
		if (strcmp(s, commission_names[i]) == 0) {
			*out = (enum commission_type)i;
			return BILLING_OK;
		}
	return BILLING_EINVAL;
}

static int
tiers_ok(const struct commission_terms *t)
{
	if (t->ntiers < 1 || t->ntiers > COMMISSION_MAX_TIERS ||
	    t->tiers[0].from_minor != 0)
		return 0;
	for (int i = 0; i < t->ntiers; i++) {
		if (!rate_ok(t->tiers[i].percent_bp))
			return 0;
		if (i > 0 && t->tiers[i].from_minor <= t->tiers[i - 1].from_minor)
			return 0;
	}
	return 1;
}

int
commission_terms_check(const struct commission_terms *t)
{
	if (t == NULL)
		return BILLING_EINVAL;
	switch (t->type) {
	case COMMISSION_PERCENT:
		if (!rate_ok(t->percent_bp))
			return BILLING_EINVAL;
		break;
	case COMMISSION_FIXED:
		if (t->fixed_minor < 0)
			return BILLING_EINVAL;
		break;
	case COMMISSION_HYBRID:
		if (!rate_ok(t->percent_bp) || t->fixed_minor < 0)
			return BILLING_EINVAL;
		break;
	case COMMISSION_TIERED:
		if (!tiers_ok(t))
			return BILLING_EINVAL;
		break;
	default:
		return BILLING_EINVAL;
	}
	if (t->min_minor < 0 || t->max_minor < 0 ||
	    (t->min_minor > 0 && t->max_minor > 0 &&
	    t->min_minor > t->max_minor))
		return BILLING_EINVAL;
	if (t->valid_from != 0 && t->valid_to != 0 &&
	    t->valid_from > t->valid_to)
		return BILLING_EINVAL;
	return BILLING_OK;
}

static int
in_force(const struct commission_terms *t, int32_t day)
{
	return (t->valid_from == 0 || day >= t->valid_from) &&
	    (t->valid_to == 0 || day <= t->valid_to);
}

const struct commission_terms *
commission_terms_pick(const struct commission_terms *special,
    const struct commission_terms *deflt, int32_t day)
{
	if (special != NULL && in_force(special, day))
		return special;
	return deflt != NULL ? deflt : &commission_default;
}

/* Whether the terms carry money amounts, which only mean something in
 * their own currency. */
static int
has_amounts(const struct commission_terms *t)
{
	return t->type != COMMISSION_PERCENT || t->min_minor > 0 ||
	    t->max_minor > 0;
}

/* The exact commission of [start, start + amount) of the period volume:
 * each bracket's rate on the part of the slice inside it. */
static int
tiered_exact(const struct commission_terms *t, int64_t start, int64_t amount,
    int64_t *acc)
{
	int64_t end, lo, hi, part;
	int err;

	if ((err = add(start, amount, &end)) != BILLING_OK)
		return err;
	for (int i = 0; i < t->ntiers; i++) {
		lo = t->tiers[i].from_minor;
		hi = i + 1 < t->ntiers ? t->tiers[i + 1].from_minor : INT64_MAX;
		if (lo < start)
			lo = start;
		if (hi > end)
			hi = end;
		if (hi <= lo)
			continue;
		part = hi - lo;
		if ((err = addmul(acc, part, t->tiers[i].percent_bp)) !=
		    BILLING_OK)
			return err;
	}
	return BILLING_OK;
}

int
commission_line(const struct commission_terms *t, const char *currency,
    int64_t amount, int64_t volume_before, int64_t *out)
{
	int64_t acc = 0, c;
	int err;

	if (out == NULL || amount < 0 || volume_before < 0)
		return BILLING_EINVAL;
	if ((err = commission_terms_check(t)) != BILLING_OK)
		return err;
	if (has_amounts(t) && t->currency[0] != '\0' && currency != NULL &&
	    currency[0] != '\0' && strcmp(t->currency, currency) != 0)
		return BILLING_ECURRENCY;

	switch (t->type) {
	case COMMISSION_FIXED:
		*out = t->fixed_minor;	/* "regardless of value": no bounds */
		return BILLING_OK;
	case COMMISSION_PERCENT:
	case COMMISSION_HYBRID:
		err = addmul(&acc, amount, t->percent_bp);
		break;
	case COMMISSION_TIERED:
		err = tiered_exact(t, volume_before, amount, &acc);
		break;
	}
	if (err != BILLING_OK)
		return err;
	c = round_bp(acc);
	if (t->type == COMMISSION_HYBRID &&
	    (err = add(c, t->fixed_minor, &c)) != BILLING_OK)
		return err;
	if (amount > 0) {
		if (t->min_minor > 0 && c < t->min_minor)
			c = t->min_minor;
		if (t->max_minor > 0 && c > t->max_minor)
			c = t->max_minor;
	}
	*out = c;
	return BILLING_OK;
}

/* ---- agency fee -------------------------------------------------------- */

const struct agency_factor agency_factors[] = {
	/* creatorExperienceLevels give no numbers; the examples give
	 * "expert (+5%)". */
	{ "creator_level", "expert", { "expert", 500 } },
	{ "complexity", "simple", { "simple", 0 } },
	{ "complexity", "standard", { "standard", 500 } },
	{ "complexity", "complex", { "complex", 1000 } },
	{ "complexity", "enterprise", { "enterprise project", 1500 } },
	{ "urgency", "rush24h", { "rush 24h", 500 } },
	{ "urgency", "rush48h", { "rush 48h", 300 } },
	{ "urgency", "weekend", { "weekend", 400 } },
	{ "client_type", "newClient", { "new", 200 } },
	{ "client_type", "vipClient", { "vip", 500 } },
	{ "client_type", "enterprise", { "enterprise client", 800 } },
	{ "client_type", "repeat", { "repeat", -200 } },
	{ "season", "peakSeason", { "peak season", 300 } },
	{ "season", "lowSeason", { "low season", -200 } },
	{ "demand", "highDemand", { "high demand", 500 } },
	{ "demand", "lowDemand", { "low demand", -300 } },
	{ NULL, NULL, { NULL, 0 } },
};

const struct agency_modifier *
agency_modifier_find(const char *factor, const char *key)
{
	const struct agency_factor *f;

	if (factor == NULL || key == NULL)
		return NULL;
	for (f = agency_factors; f->factor != NULL; f++)
		if (strcmp(f->factor, factor) == 0 && strcmp(f->key, key) == 0)
			return &f->mod;
	return NULL;
}

/* Appends to a buffer, or with p NULL only measures: off ends as the
 * length the whole text needs. */
struct sbuf {
	char	*p;
	size_t	 len, off;
};

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (b->p != NULL && b->off < b->len)
		n = vsnprintf(b->p + b->off, b->len - b->off, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->off += (size_t)n;
}

/* Percentage points of bp: 2300 "23", 2350 "23.5", 2325 "23.25".  A
 * negative value takes the typographic minus, as the line shows it. */
static void
sb_points(struct sbuf *b, int bp)
{
	unsigned mag = bp < 0 ? -(unsigned)bp : (unsigned)bp;
	const char *sign = bp < 0 ? "−" : "";

	if (mag % 100 == 0)
		sb_printf(b, "%s%u", sign, mag / 100);
	else if (mag % 10 == 0)
		sb_printf(b, "%s%u.%u", sign, mag / 100, mag % 100 / 10);
	else
		sb_printf(b, "%s%u.%02u", sign, mag / 100, mag % 100);
}

/* Writes the breakdown into b and returns the length it needs. */
static size_t
fee_breakdown(struct sbuf *b, const struct agency_modifier *mods, size_t n,
    int raw, int fee)
{
	sb_printf(b, "agency fee ");
	sb_points(b, fee);
	sb_printf(b, " %% = base ");
	sb_points(b, AGENCY_BASE_BP);
	for (size_t i = 0; i < n; i++) {
		sb_printf(b, " %s %s ", mods[i].bp < 0 ? "−" : "+",
		    mods[i].name);
		sb_points(b, mods[i].bp < 0 ? -mods[i].bp : mods[i].bp);
	}
	if (raw != fee) {
		sb_printf(b, raw > fee ? " (capped at " : " (raised to ");
		sb_points(b, fee);
		sb_printf(b, " from ");
		sb_points(b, raw);
		sb_printf(b, ")");
	}
	return b->off;
}

int
agency_fee(const struct agency_modifier *mods, size_t n, int *fee_bp,
    char *breakdown, size_t len)
{
	struct sbuf b = { NULL, 0, 0 };
	int raw = AGENCY_BASE_BP, fee;

	if (fee_bp == NULL || (n > 0 && mods == NULL) ||
	    n > AGENCY_MAX_MODIFIERS)
		return BILLING_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (mods[i].name == NULL || mods[i].name[0] == '\0' ||
		    mods[i].bp < -BP_ONE || mods[i].bp > BP_ONE)
			return BILLING_EINVAL;
		raw += mods[i].bp;	/* |sum| ≤ 16 × 10000: no overflow */
	}
	fee = raw < AGENCY_MIN_BP ? AGENCY_MIN_BP :
	    raw > AGENCY_MAX_BP ? AGENCY_MAX_BP : raw;
	if (breakdown != NULL) {
		/* Measure first so a short buffer is left untouched. */
		if (fee_breakdown(&b, mods, n, raw, fee) >= len)
			return BILLING_ENOSPC;
		b = (struct sbuf){ breakdown, len, 0 };
		fee_breakdown(&b, mods, n, raw, fee);
	}
	*fee_bp = fee;
	return BILLING_OK;
}

int
agency_fee_amount(int64_t budget_minor, int fee_bp, int64_t *out)
{
	if (budget_minor < 0 || fee_bp < AGENCY_MIN_BP ||
	    fee_bp > AGENCY_MAX_BP)
		return BILLING_EINVAL;
	return billing_percent(budget_minor, fee_bp, out);
}

/* ---- invoices and checkout --------------------------------------------- */

int
billing_vat_bp(int is_eu, int vat_verified, const char *vat_number,
    int standard_bp)
{
	if (!rate_ok(standard_bp))
		return BILLING_EINVAL;
	if (is_eu && vat_verified && vat_number != NULL &&
	    vat_number[0] != '\0')
		return 0;
	return standard_bp;
}

/* Σ quantity × unit price over the lines, all checked; nothing written. */
static int
lines_sum(const struct billing_line *lines, size_t n, int64_t *sum)
{
	int64_t s = 0, a;
	int err;

	if (n > 0 && lines == NULL)
		return BILLING_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (lines[i].quantity < 1 || lines[i].unit_price_minor < 0)
			return BILLING_EINVAL;
		if (__builtin_mul_overflow(lines[i].quantity,
		    lines[i].unit_price_minor, &a))
			return BILLING_EOVERFLOW;
		if ((err = add(s, a, &s)) != BILLING_OK)
			return err;
	}
	*sum = s;
	return BILLING_OK;
}

/* Only after lines_sum succeeded, so these products fit. */
static void
lines_fill(struct billing_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lines[i].amount_minor = lines[i].quantity *
		    lines[i].unit_price_minor;
}

int
invoice_compute(struct billing_line *lines, size_t n,
    const struct invoice_adjust *adj, struct invoice_totals *out)
{
	static const struct invoice_adjust none;
	struct invoice_totals t;
	int64_t share, taxable;
	int err;

	if (out == NULL)
		return BILLING_EINVAL;
	if (adj == NULL)
		adj = &none;
	if (adj->discount_minor < 0 || !rate_ok(adj->discount_bp) ||
	    !rate_ok(adj->vat_bp) || adj->paid_minor < 0)
		return BILLING_EINVAL;
	if ((err = lines_sum(lines, n, &t.subtotal_minor)) != BILLING_OK)
		return err;
	if ((err = billing_percent(t.subtotal_minor, adj->discount_bp,
	    &share)) != BILLING_OK ||
	    (err = add(adj->discount_minor, share, &t.discount_minor)) !=
	    BILLING_OK)
		return err;
	if (t.discount_minor > t.subtotal_minor)
		return BILLING_EINVAL;
	taxable = t.subtotal_minor - t.discount_minor;
	if ((err = billing_percent(taxable, adj->vat_bp, &t.tax_minor)) !=
	    BILLING_OK ||
	    (err = add(taxable, t.tax_minor, &t.total_minor)) != BILLING_OK)
		return err;
	if (adj->paid_minor > t.total_minor)
		return BILLING_EOVERPAY;
	t.paid_minor = adj->paid_minor;
	t.due_minor = t.total_minor - t.paid_minor;
	lines_fill(lines, n);
	*out = t;
	return BILLING_OK;
}

int
invoice_pay(struct invoice_totals *t, int64_t amount, int *paid_in_full)
{
	int64_t sum;

	if (t == NULL || amount <= 0 || t->paid_minor < 0 || t->due_minor < 0 ||
	    add(t->paid_minor, t->due_minor, &sum) != BILLING_OK ||
	    sum != t->total_minor)
		return BILLING_EINVAL;
	if (amount > t->due_minor)
		return BILLING_EOVERPAY;
	t->paid_minor += amount;
	t->due_minor -= amount;
	if (paid_in_full != NULL)
		*paid_in_full = t->due_minor == 0;
	return BILLING_OK;
}

int
checkout_compute(struct billing_line *lines, size_t n, int64_t delivery_minor,
    int64_t free_from_minor, struct checkout_totals *out)
{
	struct checkout_totals c;
	int err;

	if (out == NULL || delivery_minor < 0)
		return BILLING_EINVAL;
	if ((err = lines_sum(lines, n, &c.products_sum_minor)) != BILLING_OK)
		return err;
	c.free_delivery = free_from_minor >= 0 &&
	    c.products_sum_minor >= free_from_minor;
	c.delivery_minor = c.free_delivery ? 0 : delivery_minor;
	if ((err = add(c.products_sum_minor, c.delivery_minor,
	    &c.total_minor)) != BILLING_OK)
		return err;
	lines_fill(lines, n);
	*out = c;
	return BILLING_OK;
}

/* ---- dates ------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar, by
 * eras of 400 years (146097 days); after Howard Hinnant's algorithm. */
int32_t
billing_day_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
billing_civil_from_day(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static int
month_days(int y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : n[m - 1];
}

/* n decimal digits at s, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
billing_date_parse(const char *s, int32_t *day)
{
	int y, m, d;

	if (s == NULL || day == NULL || strlen(s) != 10 || s[4] != '-' ||
	    s[7] != '-')
		return BILLING_EINVAL;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return BILLING_EINVAL;
	*day = billing_day_from_civil(y, m, d);
	return BILLING_OK;
}

int
billing_date_format(int32_t day, char *buf, size_t len)
{
	int y, m, d;

	if (buf == NULL || day < DAY_MIN || day > DAY_MAX)
		return BILLING_EINVAL;
	if (len < 11)
		return BILLING_ENOSPC;
	billing_civil_from_day(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
	return BILLING_OK;
}

int
billing_day_from_unix(int64_t t, int32_t *day)
{
	int64_t q = t / DAY_SECONDS;

	if (day == NULL)
		return BILLING_EINVAL;
	if (t % DAY_SECONDS < 0)
		q--;
	if (q < DAY_MIN || q > DAY_MAX)
		return BILLING_EOVERFLOW;
	*day = (int32_t)q;
	return BILLING_OK;
}

int
billing_due_date(int32_t issue, int deferral_days, int32_t *due)
{
	int64_t d;

	if (due == NULL || issue < DAY_MIN || issue > DAY_MAX ||
	    deferral_days > BILLING_MAX_DEFERRAL)
		return BILLING_EINVAL;
	d = (int64_t)issue + (deferral_days < 0 ? BILLING_NET_DAYS :
	    deferral_days);
	if (d > DAY_MAX)
		return BILLING_EOVERFLOW;
	*due = (int32_t)d;
	return BILLING_OK;
}

/* ---- invoice numbers --------------------------------------------------- */

#define INVOICE_SEQ_MAX	999999

int
invoice_number_format(char *buf, size_t len, int year, int64_t seq)
{
	if (buf == NULL || year < 1000 || year > 9999 || seq < 1 ||
	    seq > INVOICE_SEQ_MAX)
		return BILLING_EINVAL;
	if (len < sizeof "INV-YYYY-NNNNNN")
		return BILLING_ENOSPC;
	snprintf(buf, len, "INV-%04d-%06d", year, (int)seq);
	return BILLING_OK;
}

int
invoice_number_parse(const char *s, int *year, int64_t *seq)
{
	int y, n;

	if (s == NULL || year == NULL || seq == NULL ||
	    strlen(s) != sizeof "INV-YYYY-NNNNNN" - 1 ||
	    strncmp(s, "INV-", 4) != 0 || s[8] != '-')
		return BILLING_EINVAL;
	y = digits(s + 4, 4);
	n = digits(s + 9, 6);
	if (y < 1000 || n < 1)
		return BILLING_EINVAL;
	*year = y;
	*seq = n;
	return BILLING_OK;
}

int
invoice_number_next(const char *last, int year, char *buf, size_t len)
{
	int64_t seq = 0;
	int y, err;

	if (last != NULL) {
		if ((err = invoice_number_parse(last, &y, &seq)) != BILLING_OK)
			return err;
		if (y > year)
			return BILLING_EINVAL;
		if (y < year)
			seq = 0;
	}
	if (seq == INVOICE_SEQ_MAX)
		return BILLING_EOVERFLOW;
	return invoice_number_format(buf, len, year, seq + 1);
}

/* ---- overdue ----------------------------------------------------------- */

int
billing_days_overdue(int32_t due, int32_t today)
{
	int64_t d = (int64_t)today - due;

	return d <= 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
}

const struct block_thresholds block_thresholds_default = {
	{ 1, 15, 30 }, 0
};

static const char *const block_names[] = {
	[BLOCK_NONE] = "none", [BLOCK_NOTIFIED] = "notified",
	[BLOCK_HIDDEN] = "hidden", [BLOCK_BLOCKED] = "blocked",
};

const char *
block_state_name(enum block_state s)
{
	if ((int)s < BLOCK_NONE || s > BLOCK_BLOCKED)
		return "?";
	return block_names[s];
}

int
block_state_parse(const char *s, enum block_state *out)
{
	if (s == NULL || out == NULL)
		return BILLING_EINVAL;
	for (int i = BLOCK_NONE; i <= BLOCK_BLOCKED; i++)
		if (strcmp(s, block_names[i]) == 0) {
			*out = (enum block_state)i;
			return BILLING_OK;
		}
	return BILLING_EINVAL;
}

int
block_state_for(const struct block_thresholds *t, int days_overdue,
    int64_t debt_minor, enum block_state *out)
{
	enum block_state s = BLOCK_NONE;

	if (t == NULL)
		t = &block_thresholds_default;
	if (out == NULL || days_overdue < 0 || debt_minor < 0 ||
	    t->overdue_days[0] < 1 ||
	    t->overdue_days[1] < t->overdue_days[0] ||
	    t->overdue_days[2] < t->overdue_days[1] || t->debt_minor < 0)
		return BILLING_EINVAL;
	for (int i = 0; i < 3; i++)
		if (days_overdue >= t->overdue_days[i])
			s = (enum block_state)(BLOCK_NOTIFIED + i);
	if (t->debt_minor > 0 && debt_minor > t->debt_minor)
		s = BLOCK_BLOCKED;
	*out = s;
	return BILLING_OK;
}

enum aging_bucket
aging_bucket_for(int32_t due, int32_t today)
{
	int d = billing_days_overdue(due, today);

	if (d == 0)
		return AGING_CURRENT;
	if (d <= 30)
		return AGING_1_30;
	if (d <= 60)
		return AGING_31_60;
	if (d <= 90)
		return AGING_61_90;
	return AGING_90_PLUS;
}

const char *
aging_bucket_name(enum aging_bucket b)
{
	static const char *const names[] = {
		[AGING_CURRENT] = "current", [AGING_1_30] = "1-30",
		[AGING_31_60] = "31-60", [AGING_61_90] = "61-90",
		[AGING_90_PLUS] = "90+",
	};

	if ((int)b < AGING_CURRENT || b > AGING_90_PLUS)
		return "?";
	return names[b];
}

