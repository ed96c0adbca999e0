/* The demo data generator.
 *
 * Each stage draws from its own PRNG stream derived from the seed, so
 * growing one table does not reshuffle the others.  Rows get explicit ids
 * and every stage keeps in memory what later stages refer to, so no row
 * is ever read back: the whole run is one transaction of prepared INSERTs,
 * linear in the number of rows.  The full-text indexes are built once at
 * the end of that transaction instead of row by row (see fts_bulk).
 *
 * The text comes from the corpora in assets/demo/ (compiled in).  Each
 * line is one entry; fields are separated by '|'; '#' starts a comment. */

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "demo.h"
#include "embed.h"
#include "billing.h"
#include "money.h"
#include "store.h"
#include "util.h"

const struct demo_size demo_size_default = {
	.companies = 8,
	.conversations = 320,
	.messages = 3200,
	.orders = 160,
	.offers = 480,
	.kb_tables = 6,
	.kb_rows = 420,
	.invoices = 210,
	.invoice_lines = 1000,
	.payments = 300,
};

static const struct demo_size size_small = {
	.companies = 80,
	.conversations = 2000,
	.messages = 20000,
	.orders = 1000,
	.offers = 3000,
	.kb_tables = 5,
	.kb_rows = 5000,
	.invoices = 2000,
	.invoice_lines = 10000,
	.payments = 3000,
	.long_threads = 3,
	.long_invoices = 3,
};

static const struct demo_size size_large = {
	.companies = 8000,
	.conversations = 200000,
	.messages = 2000000,
	.orders = 100000,
	.offers = 300000,
	.kb_tables = 50,
	.kb_rows = 500000,
	.invoices = 200000,
	.invoice_lines = 1000000,
	.payments = 300000,
	.long_threads = 3,
	.long_invoices = 3,
};

static const struct {
	const char		*name;
	const struct demo_size	*size;
} presets[] = {
	{ "default", &demo_size_default },
	{ "small", &size_small },
	{ "large", &size_large },
};

const struct demo_size *
demo_size_find(const char *name, char *err, size_t errlen)
{
	size_t len;

	for (size_t i = 0; i < nitems(presets); i++)
		if (strcmp(presets[i].name, name) == 0)
			return presets[i].size;
	len = (size_t)snprintf(err, errlen, "unknown demo scale '%s' (the "
	    "scales are", name);
	for (size_t i = 0; i < nitems(presets) && len < errlen; i++)
		len += (size_t)snprintf(err + len, errlen - len, "%s %s",
		    i == 0 ? "" : i + 1 == nitems(presets) ? " and" : ",",
		    presets[i].name);
	if (len < errlen)
		snprintf(err + len, errlen - len, ")");
	return NULL;
}

int
demo_parse_now(const char *s, int64_t *now)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < 1000000000LL ||
	    v > 4102444800LL)
		return -1;
	*now = v;
	return 0;
}

#define MINUTE	60
#define HOUR	3600
#define DAY	86400
#define NONE	INT64_MIN	/* an optional integer bound as NULL */

/* ---- PRNG: splitmix64 seeds xoshiro256** ------------------------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed, uint64_t stage)
{
	uint64_t x = seed ^ (stage * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rnd(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in [0, n); the multiply-shift bias is far below what demo data
 * could show. */
static int
below(struct rng *r, int n)
{
	if (n <= 0)
		return 0;
	return (int)(((rnd(r) >> 32) * (uint64_t)n) >> 32);
}

static int
between(struct rng *r, int lo, int hi)
{
	return hi <= lo ? lo : lo + below(r, hi - lo + 1);
}

static int
chance(struct rng *r, int percent)
{
	return below(r, 100) < percent;
}

/* Uniform in [0, 1).  Only + and * are applied to it, which IEEE makes
 * exact across machines, so the data does not depend on libm. */
static double
unit(struct rng *r)
{
	return (double)(rnd(r) >> 11) * 0x1p-53;
}

/* ---- small containers ----------------------------------------------------- */

#define GROW(arr, n, cap) do {						\
	if ((n) >= (cap)) {						\
		(cap) = (cap) != 0 ? (cap) * 2 : 64;			\
		(arr) = xreallocarray((arr), (size_t)(cap), sizeof *(arr)); \
	}								\
} while (0)

/* Strings that live until the end of the run. */
struct arena {
	char	**blk;
	int	  nblk;
	size_t	  used, cap;
};

static char *
arena_alloc(struct arena *a, size_t n)
{
	char *p;

	if (a->nblk == 0 || a->used + n > a->cap) {
		a->cap = n > 65536 ? n : 65536;
		a->blk = xreallocarray(a->blk, (size_t)a->nblk + 1,
		    sizeof *a->blk);
		a->blk[a->nblk++] = xmalloc(a->cap);
		a->used = 0;
	}
	p = a->blk[a->nblk - 1] + a->used;
	a->used += n;
	return p;
}

static char *arena_printf(struct arena *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static void
arena_free(struct arena *a)
{
	for (int i = 0; i < a->nblk; i++)
		free(a->blk[i]);
	free(a->blk);
	memset(a, 0, sizeof *a);
}

/* Keeps the first block, so a scratch arena costs no allocation per use. */
static void
arena_reset(struct arena *a)
{
	for (int i = 1; i < a->nblk; i++)
		free(a->blk[i]);
	if (a->nblk > 1) {
		a->nblk = 1;
		a->cap = 65536;
	}
	a->used = 0;
}

/* One KB row's cells as JSON, built with cJSON and printed into p. */
struct sbuf {
	cJSON	*obj;
	char	*p;
	size_t	 len;
};

static void
js_begin(struct sbuf *b)
{
	cJSON_Delete(b->obj);
	b->obj = cJSON_CreateObject();
}

static void
js_str(struct sbuf *b, const char *key, const char *v)
{
	cJSON_AddStringToObject(b->obj, key, v);
}

/* Exact: every demo integer is far below 2^53. */
static void
js_int(struct sbuf *b, const char *key, int64_t v)
{
	cJSON_AddNumberToObject(b->obj, key, (double)v);
}

static void
js_bool(struct sbuf *b, const char *key, int v)
{
	cJSON_AddBoolToObject(b->obj, key, v);
}

static void
js_list(struct sbuf *b, const char *key, const char *const *v, int n)
{
	cJSON_AddItemToObject(b->obj, key, cJSON_CreateStringArray(v, n));
}

static void
js_end(struct sbuf *b)
{
	cJSON_free(b->p);
	b->p = cJSON_PrintUnformatted(b->obj);
	if (b->p == NULL) {
		fputs("mkt: out of memory\n", stderr);
		abort();
	}
	b->len = strlen(b->p);
	cJSON_Delete(b->obj);
	b->obj = NULL;
}

/* ---- corpora ---------------------------------------------------------------- */

#define MAXF 8

struct entry {
	const char	*f[MAXF];
	int		 nf;
};

struct corpus {
	char		*text;
	struct entry	*e;
	int		 n;
};

/* Entries of a corpus whose first field is a tag (a topic, a language). */
struct pool {
	const struct entry	**e;
	int			  n;
};

static const char *
fld(const struct entry *e, int i)
{
	return i < e->nf ? e->f[i] : "";
}

static int64_t
fnum(const struct entry *e, int i)
{
	return strtoll(fld(e, i), NULL, 10);
}

static int
corpus_load(struct corpus *c, const char *name, int nf, char *err,
    size_t errlen)
{
	const char *src = embedded_find(embedded_assets, name);
	int cap = 0, lineno = 0;
	char *line, *next;

	if (src == NULL) {
		snprintf(err, errlen, "demo corpus %s is not built in", name);
		return -1;
	}
	c->text = xstrdup(src);
	for (line = c->text; line != NULL; line = next) {
		struct entry *e;
		size_t len;
		char *f;

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		len = strlen(line);
		while (len > 0 && (line[len - 1] == '\r' ||
		    line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		GROW(c->e, c->n, cap);
		e = &c->e[c->n++];
		e->nf = 0;
		for (f = line;;) {
			char *bar;

			e->f[e->nf++] = f;
			if (e->nf == MAXF || (bar = strchr(f, '|')) == NULL)
				break;
			*bar = '\0';
			f = bar + 1;
		}
		if (e->nf < nf) {
			snprintf(err, errlen, "demo corpus %s:%d: %d fields, "
			    "expected %d", name, lineno, e->nf, nf);
			return -1;
		}
	}
	if (c->n == 0) {
		snprintf(err, errlen, "demo corpus %s is empty", name);
		return -1;
	}
	return 0;
}

static void
corpus_free(struct corpus *c)
{
	free(c->text);
	free(c->e);
}

static void
pool_build(struct pool *p, const struct corpus *c, const char *tag)
{
	p->n = 0;
	p->e = xreallocarray(NULL, (size_t)c->n, sizeof *p->e);
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->e[i].f[0], tag) == 0)
			p->e[p->n++] = &c->e[i];
}

/* For each line of q, the lines of a (whose first field starts with
 * atag, if given) that share its key, the third field. */
static struct pool *
answers(const struct corpus *q, const struct corpus *a, const char *atag)
{
	struct pool *p = xcalloc((size_t)q->n + 1, sizeof *p);

	for (int i = 0; i < q->n; i++) {
		const char *key = fld(&q->e[i], 2);

		if (*key == '\0')
			continue;
		for (int j = 0; j < a->n; j++) {
			if (strcmp(fld(&a->e[j], 2), key) != 0 ||
			    (atag != NULL && strncmp(a->e[j].f[0], atag,
			    strlen(atag)) != 0))
				continue;
			if (p[i].e == NULL)
				p[i].e = xreallocarray(NULL, (size_t)a->n,
				    sizeof *p[i].e);
			p[i].e[p[i].n++] = &a->e[j];
		}
	}
	return p;
}

static void
answers_free(struct pool *p, int n)
{
	for (int i = 0; p != NULL && i < n; i++)
		free(p[i].e);
	free(p);
}

static const struct entry *
pick(struct rng *r, const struct corpus *c)
{
	return &c->e[below(r, c->n)];
}

static const struct entry *
pool_pick(struct rng *r, const struct pool *p)
{
	return p->n > 0 ? p->e[below(r, p->n)] : NULL;
}

/* ---- dates ------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
/* Months are counted as year * 12 + month - 1. */
static int
month_of(int64_t day)
{
	int y, m, d;

	billing_civil_from_day((int32_t)day, &y, &m, &d);
	return y * 12 + m - 1;
}

static int64_t
month_first(int mi)
{
	return billing_day_from_civil(mi / 12, mi % 12 + 1, 1);
}

static void
fmt_date(char *buf, size_t len, int64_t day)
{
	int y, m, d;

	if (day == NONE) {
		buf[0] = '\0';
		return;
	}
	billing_civil_from_day((int32_t)day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

/* ---- the domain ------------------------------------------------------------- */

enum lang { RU, ES, AR, EN, NLANG };
static const char *const lang_code[NLANG] = { "ru", "es", "ar", "en" };

enum topic {
	T_ANY, T_SHOP, T_BEAUTY, T_PETS, T_GREET, T_HUMAN, T_THANKS,
	T_PAYLINK, T_PAID, T_BYE, NTOPIC
};
static const char *const topic_name[NTOPIC] = {
	"any", "shop", "beauty", "pets", "greet", "human", "thanks",
	"paylink", "paid", "bye"
};

enum event { EV_ASSIGN, EV_HANDOFF, EV_ACCEPT, EV_START, EV_REOPEN, NEV };
static const char *const event_name[NEV] = {
	"assign", "handoff", "accept", "start", "reopen"
};

/* Company archetypes, one per seed platform.  The cycle repeats as the
 * company count grows; its first eight cover every commission type. */
enum arch { A_FLOWERS, A_BEAUTY, A_MONTAJ, A_PETS_RU, A_PETS_EU, A_DEPTH,
	NARCH };
static const char *const arch_name[NARCH] = {
	"flowers", "beauty", "montaj", "pets_ru", "pets_eu", "depth"
};
static const int arch_cycle[] = {
	A_FLOWERS, A_BEAUTY, A_MONTAJ, A_PETS_RU, A_PETS_EU, A_DEPTH,
	A_PETS_EU, A_PETS_RU
};
#define NCYCLE ((int)nitems(arch_cycle))

/* Language mix of each archetype's customers, in percent ru/es/ar/en. */
static const int arch_langs[NARCH][NLANG] = {
	[A_FLOWERS] = { 15, 45, 15, 25 },
	[A_BEAUTY]  = { 15, 50, 15, 20 },
	[A_MONTAJ]  = { 100, 0, 0, 0 },
	[A_PETS_RU] = { 100, 0, 0, 0 },
	[A_PETS_EU] = { 0, 65, 0, 35 },
	[A_DEPTH]   = { 0, 0, 85, 15 },
};

/* How many of the non-order conversations each archetype gets. */
static const int arch_conv_weight[NARCH] = {
	[A_FLOWERS] = 12, [A_BEAUTY] = 8, [A_MONTAJ] = 0,
	[A_PETS_RU] = 2, [A_PETS_EU] = 3, [A_DEPTH] = 3,
};

struct chanspec {
	const char	*platform;
	const char	*status;
	int		 weight;	/* share of the company's chats */
};

static const struct chanspec ch_flowers[] = {
	{ "whatsapp", "connected", 40 }, { "instagram", "connected", 22 },
	{ "facebook", "connected", 8 }, { "telegram", "error", 8 },
	{ "email", "connected", 8 }, { "tiktok", "connecting", 14 },
};
static const struct chanspec ch_beauty[] = {
	{ "whatsapp", "connected", 45 }, { "instagram", "error", 25 },
	{ "facebook", "connected", 10 }, { "tiktok", "connected", 12 },
	{ "email", "disconnected", 8 },
};
static const struct chanspec ch_montaj[] = {
	{ "order_chat", "connected", 0 }, { "telegram", "connected", 0 },
};
static const struct chanspec ch_pets_ru[] = {
	{ "telegram", "connected", 60 }, { "whatsapp", "connected", 40 },
};
static const struct chanspec ch_pets_eu[] = {
	{ "whatsapp", "connected", 60 }, { "email", "connected", 25 },
	{ "instagram", "disconnected", 15 },
};
static const struct chanspec ch_depth[] = {
	{ "whatsapp", "connected", 60 }, { "instagram", "connected", 30 },
	{ "facebook", "error", 10 },
};

static const struct {
	const struct chanspec	*spec;
	int			 n;
} arch_channels[NARCH] = {
	[A_FLOWERS] = { ch_flowers, (int)nitems(ch_flowers) },
	[A_BEAUTY] = { ch_beauty, (int)nitems(ch_beauty) },
	[A_MONTAJ] = { ch_montaj, (int)nitems(ch_montaj) },
	[A_PETS_RU] = { ch_pets_ru, (int)nitems(ch_pets_ru) },
	[A_PETS_EU] = { ch_pets_eu, (int)nitems(ch_pets_eu) },
	[A_DEPTH] = { ch_depth, (int)nitems(ch_depth) },
};

enum terms { TERMS_DEFAULT, TERMS_PERCENT, TERMS_FIXED, TERMS_HYBRID,
	TERMS_TIERED };

struct person {
	int64_t		 id;
	const char	*name, *first, *email, *phone;
	int		 lang;
	int64_t		 created_at;
};

struct contact {
	int64_t		 id;
	const char	*name, *first, *phone, *email;
	int		 lang;
	int64_t		 created_at;
};

struct channel {
	int64_t		 id;
	const char	*platform, *status;
	int		 weight;
};

struct company {
	int64_t		 id;
	int		 arch, nth;	/* nth company of its archetype */
	const char	*name, *city, *country, *slug, *currency, *kind;
	const char	*status, *block;
	int		 lang;		/* language the business writes in */
	int		 is_eu, vat_verified, vat_bp, deferral;
	const char	*vat_number;
	struct person	*manager, *owner;
	int64_t		 created_at;
	struct channel	 ch[8];
	int		 nch, nconv;
	int		 terms, percent_bp;
	int64_t		 min_minor, max_minor;
	int64_t		 fixed_minor;
	int64_t		 logistics, free_delivery;	/* checkout, minor */
	int		 reminder_h;
	struct contact	 last;		/* who may write again */
	int		 cust0, ncust;	/* its marketplace customers */
	int		 ninv;		/* planned monthly invoices */
};

/* A marketplace order that has an executor, for its order chat. */
struct mkorder {
	int64_t		 id;
	int		 company, customer, executor;
	const char	*number;
	int64_t		 accepted_at, started_at, ended_at;
};

enum { K_TEXT, K_NOTE, K_SYSTEM };
enum { AU_CONTACT, AU_USER, AU_AI, AU_SYSTEM };
static const char *const author_name[] = { "contact", "user", "ai", "system" };
enum { R_PLAIN, R_HUMAN_ASK, R_THANKS, R_BYE, R_PAYLINK, R_PAID, R_ASSIGN,
	R_HANDOFF, R_ACCEPT, R_START, R_REOPEN, R_NOTE };

struct msg {
	int		 in, kind, author, role;
	struct person	*user;
	const char	*body;
	char		 buf[640];
	const char	*att_type;
	char		 att_url[128];
	int64_t		 att_size;
	const char	*x8, *delivery;
	int64_t		 at;
};

enum { CS_OPEN, CS_PENDING, CS_SNOOZED, CS_RESOLVED };
static const char *const conv_status[] = {
	"open", "pending", "snoozed", "resolved"
};
enum { PAY_NONE, PAY_LINK, PAY_PAID };
static const char *const pay_status[] = {
	"no_payment_link", "payment_link_sent", "paid"
};

struct seen;

struct conv {
	struct company	*co;
	struct channel	*ch;
	struct contact	 ct;
	int		 new_contact;
	int		 lang, topic, n;
	struct msg	*m;		/* its n messages */
	int		 part;		/* of a long chat, from 0 */
	struct seen	*seen;		/* a long chat's, across its parts */
	struct mkorder	*mo;		/* order chats */
	int64_t		 lo, last;	/* window of the messages */
	int		 status, handoff, pay, reminder, assign_at;
	const char	*priority;
	struct person	*assignee;
	int		 human;
	int64_t		 order_id;
	const char	*order_no;
	const char	*handle, *lead;	/* a new contact's, until written */
	char		 total[48];
	char		 link[64];
};

enum { IS_DRAFT, IS_SENT, IS_PAID, IS_OVERDUE, IS_CANCELLED };
static const char *const inv_status[] = {
	"draft", "sent", "paid", "overdue", "cancelled"
};

struct inv {
	int		 company, seq;
	int64_t		 project_id;
	const char	*kind, *currency, *notes, *cancel_reason;
	int		 status, want_paid, partial, refunded, failed, pending;
	int		 parts;
	int64_t		 subtotal, discount, tax, total, paid;
	int64_t		 issue, due, pstart, pend;	/* days or NONE */
	int64_t		 created_at, updated_at;
	int		 line0, nlines;
	int64_t		 id;
	char		 number[24];
};

struct invline {
	const char	*desc, *ref_kind, *ref_id, *fee;
	int64_t		 qty, unit, amount;
};

/* A line of a names corpus taken apart for recombining:
 * "María José Sánchez|mariajose.sanchez". */
struct nameparts {
	const char	*first, *last;		/* María José, Sánchez */
	const char	*lfirst, *llast;	/* mariajose, sanchez */
	int		 female;		/* Russian surnames agree */
};

/* A name as the rows use it: full, first name, and the latin handle
 * that makes e-mail addresses. */
struct pname {
	const char	*full, *first, *latin;
};

enum {
	S_USER, S_COMPANY, S_TERMS, S_CHANNEL, S_CONTACT, S_ORDER, S_ORDER_LINE,
	S_OFFER, S_PURCHASE, S_REVIEW, S_CONV, S_LABEL, S_MSG, S_KB_TABLE,
	S_KB_COL, S_KB_ROW, S_PROJECT, S_INVOICE, S_INV_LINE, S_PAYMENT,
	S_NOTIFY, S_AUDIT, S_CANNED, NSTMT
};

static const char *const stmt_sql[NSTMT] = {
	[S_USER] = "INSERT INTO users(id,email,name,role,language,created_at)"
	    " VALUES (?,?,?,?,?,?)",
	[S_COMPANY] = "INSERT INTO companies(id,code,name,kind,status,"
	    "manager_id,owner_id,country,is_eu,vat_number,vat_verified,"
	    "invoice_currency,deferral_days,block_state,created_at,updated_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_TERMS] = "INSERT INTO commission_terms(company_id,type,percent_bp,"
	    "fixed_minor,currency,min_minor,max_minor,tiers,valid_from,valid_to)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?)",
	[S_CHANNEL] = "INSERT INTO channels(id,company_id,platform,name,status,"
	    "last_error,error_count,updated_at) VALUES (?,?,?,?,?,?,?,?)",
	[S_CONTACT] = "INSERT INTO contacts(id,company_id,name,phone,email,"
	    "handle,language,lead_source,created_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?)",
	[S_ORDER] = "INSERT INTO orders(id,number,kind,company_id,customer_id,"
	    "contact_id,customer_name,customer_phone,customer_email,title,"
	    "description,city,currency,budget_minor,status,executor_id,"
	    "work_started_at,cancel_work_reason,products_sum_minor,"
	    "delivery_minor,free_delivery_minor,total_minor,payment_status,"
	    "payment_reminder_hours,created_at,updated_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_ORDER_LINE] = "INSERT INTO order_lines(order_id,sku,name,quantity,"
	    "unit_price_minor,amount_minor) VALUES (?,?,?,?,?,?)",
	[S_OFFER] = "INSERT INTO offers(id,order_id,performer_id,message,"
	    "price_minor,currency,status,created_at) VALUES (?,?,?,?,?,?,?,?)",
	[S_PURCHASE] = "INSERT INTO contact_purchases(order_id,performer_id,"
	    "price_minor,currency,status,created_at,paid_at)"
	    " VALUES (?,?,?,?,?,?,?)",
	[S_REVIEW] = "INSERT INTO reviews(order_id,author_id,rating,body,"
	    "created_at) VALUES (?,?,?,?,?)",
	[S_CONV] = "INSERT INTO conversations(id,company_id,channel_id,"
	    "contact_id,order_id,status,snoozed_until,priority,assignee_id,"
	    "handler,handoff_requested,unread_count,last_activity_at,"
	    "waiting_since,last_message_preview,payment_status,"
	    "payment_reminder,created_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_LABEL] = "INSERT INTO conversation_labels(conversation_id,label)"
	    " VALUES (?,?)",
	[S_MSG] = "INSERT INTO messages(conversation_id,direction,kind,"
	    "author_kind,author_id,body,attachment_url,attachment_type,"
	    "attachment_size,x8_type,delivery,created_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_KB_TABLE] = "INSERT INTO kb_tables(id,company_id,name,kind,"
	    "created_at,updated_at) VALUES (?,?,?,?,?,?)",
	[S_KB_COL] = "INSERT INTO kb_columns(table_id,position,name,type,"
	    "required,enum_values) VALUES (?,?,?,?,?,?)",
	[S_KB_ROW] = "INSERT INTO kb_rows(table_id,position,cells,updated_at)"
	    " VALUES (?,?,?,?)",
	[S_PROJECT] = "INSERT INTO projects(id,company_id,name,status,currency,"
	    "budget_minor,agency_fee_bp,fee_breakdown,created_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?)",
	[S_INVOICE] = "INSERT INTO invoices(id,company_id,project_id,kind,"
	    "number,status,currency,subtotal_minor,discount_minor,tax_minor,"
	    "total_minor,amount_paid_minor,amount_due_minor,issue_date,"
	    "due_date,period_start,period_end,notes,cancel_reason,created_at,"
	    "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_INV_LINE] = "INSERT INTO invoice_lines(invoice_id,position,"
	    "description,quantity,unit_price_minor,amount_minor,ref_kind,"
	    "ref_id,fee_breakdown) VALUES (?,?,?,?,?,?,?,?,?)",
	[S_PAYMENT] = "INSERT INTO payments(invoice_id,amount_minor,currency,"
	    "method,reference,paid_at,status,verified_by,created_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?)",
	[S_NOTIFY] = "INSERT INTO notifications(user_id,kind,title,ref_type,"
	    "ref_id,created_at,read_at) VALUES (?,?,?,?,?,?,?)",
	[S_AUDIT] = "INSERT INTO audit_log(actor_id,on_behalf_of_id,action,"
	    "ref_type,ref_id,detail,created_at) VALUES (?,?,?,?,?,?,?)",
	[S_CANNED] = "INSERT INTO canned_responses(company_id,short_code,"
	    "content,updated_at) VALUES (?,?,?,?)",
};

struct gen {
	sqlite3			*db;
	const struct demo_size	*sz;
	uint64_t		 seed;
	int64_t			 now, today;
	char			*err;
	size_t			 errlen;
	int			 failed;
	sqlite3_stmt		*st[NSTMT];
	struct arena		 a;	/* lives for the whole run */
	struct arena		 tmp;	/* reset for every chat */
	struct rng		 r;
	struct sbuf		 sb;

	struct corpus		 names[NLANG], msg_in[NLANG], msg_out[NLANG];
	struct corpus		 order_chat, notes, events, canned, labels;
	struct corpus		 leads, chan_err, company_names, cities_es;
	struct corpus		 cities_ru, cities_iq, products, beauty, pets;
	struct corpus		 installer, offer_msgs, reviews, cancel;
	struct corpus		 projects, depth_items, plans, promo, inv_notes;
	struct corpus		 company_patterns;
	struct pool		 in[NLANG][NTOPIC], out[NLANG][NTOPIC];
	struct pool		 order_in, order_out, order_in_end, order_out_end;
	struct pool		 ev[NEV], canned_by[NLANG];
	struct pool		 pets_by[NLANG], rating[6], plan_kind[2];
	struct pool		 notes_by[NLANG];
	struct pool		*ans[NLANG];	/* per msg_in line */
	struct pool		*ans_order;	/* per order_chat line */
	struct nameparts	*np[NLANG];	/* per names[] line */
	struct pool		 surnames[NLANG][2];	/* see person_name */
	int			 compose;	/* more people than names */

	struct person		*admin, *billing0, *support0;
	struct person		*managers, *support, *billing, *owners;
	struct person		*performers, *customers;
	int			 nmanagers, nsupport, nbilling, nowners;
	int			 nperformers, ncustomers;
	struct contact		*cust_contacts;

	struct company		*co;
	int			 nco;
	struct mkorder		*mk;
	int			 nmk, capmk;
	struct msg		*msgs;

	int			 n_market, n_checkout, checkout_left;
	int			 subs_each, depth_total, comm_total, npets;
	int64_t			 next_user, next_contact, next_order;
	int64_t			 next_offer, next_conv, next_project;
	int			 market_no, checkout_no;
	int64_t			 latest;	/* of any chat's last activity */
};

/* ---- statements ------------------------------------------------------------- */

struct row {
	struct gen	*g;
	sqlite3_stmt	*st;
	int		 i;
};

static struct row
row_begin(struct gen *g, int s)
{
	struct row r = { g, g->st[s], 0 };

	return r;
}

static void
put_int(struct row *r, int64_t v)
{
	if (v == NONE)
		sqlite3_bind_null(r->st, ++r->i);
	else
		sqlite3_bind_int64(r->st, ++r->i, v);
}

/* The text must stay valid until row_end(), which steps at once. */
static void
put_text(struct row *r, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(r->st, ++r->i);
	else
		sqlite3_bind_text(r->st, ++r->i, s, -1, SQLITE_STATIC);
}

static void
put_textn(struct row *r, const char *s, int n)
{
	sqlite3_bind_text(r->st, ++r->i, s, n, SQLITE_STATIC);
}

static void
put_date(struct row *r, int64_t day, char *buf, size_t len)
{
	fmt_date(buf, len, day);
	put_text(r, day == NONE ? NULL : buf);
}

static void
row_end(struct row *r)
{
	struct gen *g = r->g;
	int rc;

	if (r->i != sqlite3_bind_parameter_count(r->st) && !g->failed) {
		snprintf(g->err, g->errlen, "demo: %d of %d values bound for %s",
		    r->i, sqlite3_bind_parameter_count(r->st),
		    sqlite3_sql(r->st));
		g->failed = 1;
	}
	rc = sqlite3_step(r->st);
	if (rc != SQLITE_DONE && !g->failed) {
		snprintf(g->err, g->errlen, "demo: %s (%s)",
		    sqlite3_errmsg(g->db), sqlite3_sql(r->st));
		g->failed = 1;
	}
	sqlite3_reset(r->st);
}

/* ---- shared helpers ---------------------------------------------------------- */


/* Money for invoice text: "2,500.00 RUB", "1,250,000 IQD". */
static const char *
money(struct gen *g, int64_t minor, const char *currency)
{
	char buf[48];

	money_format(buf, sizeof buf, minor, currency);
	return arena_printf(&g->a, "%s", buf);
}

/* Money the way a customer reads it in a chat, in the chat's language. */
static void
chat_money(char *buf, size_t len, int64_t minor, const char *currency,
    int lang)
{
	long long u = (long long)(minor / 100), c = (long long)(minor % 100);

	if (money_exponent(currency) == 0)
		snprintf(buf, len, "%lld %s", (long long)minor,
		    lang == AR ? "د.ع" : "IQD");
	else if (strcmp(currency, "RUB") == 0)
		snprintf(buf, len, "%lld,%02lld ₽", u, c);
	else if (lang == EN)
		snprintf(buf, len, "€%lld.%02lld", u, c);
	else if (lang == AR)
		snprintf(buf, len, "%lld.%02lld €", u, c);
	else
		snprintf(buf, len, "%lld,%02lld €", u, c);
}

/* "5 %", "2.5 %", "3.75 %" */
static const char *
percent(struct gen *g, int bp)
{
	if (bp % 100 == 0)
		return arena_printf(&g->a, "%d %%", bp / 100);
	if (bp % 10 == 0)
		return arena_printf(&g->a, "%d.%d %%", bp / 100, bp % 100 / 10);
	return arena_printf(&g->a, "%d.%02d %%", bp / 100, bp % 100);
}

static const char *
first_word(struct gen *g, const char *s)
{
	size_t n = strcspn(s, " ");
	char *p = arena_alloc(&g->a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Copies tmpl into buf with each {key} among keys replaced by its value
 * in vals; other braces stay.  A template without braces is returned as
 * it is. */
static const char *
fill(char *buf, size_t cap, const char *tmpl, const char *const *keys,
    const char *const *vals, int n)
{
	size_t o = 0;
	const char *p;

	if (strchr(tmpl, '{') == NULL)
		return tmpl;
	for (p = tmpl; *p != '\0' && o + 1 < cap;) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		const char *val = NULL;

		for (int k = 0; end != NULL && k < n; k++)
			if ((size_t)(end - p - 1) == strlen(keys[k]) &&
			    strncmp(p + 1, keys[k], (size_t)(end - p - 1)) == 0)
				val = vals[k];
		if (val != NULL) {
			size_t len = strlen(val);

			if (o + len + 1 > cap)
				break;
			memcpy(buf + o, val, len);
			o += len;
			p = end + 1;
		} else
			buf[o++] = *p++;
	}
	/* When the buffer ran out, never end inside a UTF-8 sequence. */
	if (*p != '\0') {
		while (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
			o--;
		if (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0xC0)
			o--;
	}
	buf[o] = '\0';
	return buf;
}

/* Splits every line of the names corpora.  The surname is the last
 * word, with the particle before it in "عبد الله" and "بن علي". */
static void
name_parts(struct gen *g)
{
	for (int l = 0; l < NLANG; l++) {
		const struct corpus *c = &g->names[l];

		g->np[l] = xcalloc((size_t)c->n + 1, sizeof *g->np[l]);
		for (int i = 0; i < c->n; i++) {
			struct nameparts *n = &g->np[l][i];
			const char *full = fld(&c->e[i], 0), *latin;
			const char *sp = strrchr(full, ' '), *dot;
			size_t len;

			if (sp == NULL)
				sp = full + strlen(full);
			else if (sp > full) {
				const char *w = sp;

				while (w > full && w[-1] != ' ')
					w--;
				if (w > full && (strncmp(w, "عبد ", 7) == 0 ||
				    strncmp(w, "بن ", 5) == 0))
					sp = w - 1;
			}
			n->first = arena_printf(&g->a, "%.*s", (int)(sp - full),
			    full);
			n->last = *sp == ' ' ? sp + 1 : "";
			latin = fld(&c->e[i], 1);
			dot = strchr(latin, '.');
			n->lfirst = arena_printf(&g->a, "%.*s", dot != NULL ?
			    (int)(dot - latin) : (int)strlen(latin), latin);
			n->llast = dot != NULL ? dot + 1 : "";
			len = strlen(n->last);
			n->female = l == RU && len >= 2 &&
			    (strcmp(n->last + len - 2, "а") == 0 ||
			    strcmp(n->last + len - 2, "я") == 0);
		}
		for (int f = 0; f < 2; f++) {
			struct pool *p = &g->surnames[l][f];

			p->e = xreallocarray(NULL, (size_t)c->n + 1,
			    sizeof *p->e);
			for (int i = 0; i < c->n; i++)
				if (g->np[l][i].female == f)
					p->e[p->n++] = &c->e[i];
		}
	}
}

/* A surname of lang that goes with the first name of f. */
static const struct nameparts *
surname_for(struct gen *g, struct rng *r, int lang,
    const struct nameparts *f)
{
	const struct pool *sur = &g->surnames[lang][f->female];

	if (sur->n == 0)
		sur = &g->surnames[lang][!f->female];
	return &g->np[lang][pool_pick(r, sur) - g->names[lang].e];
}

/* A person's name in lang: a line of the corpus as it is; or, in a demo
 * with far more people than the corpus has names, the first name of one
 * line and the surname of another (of the same gender in Russian, and
 * often two surnames in Spanish), so thousands of contacts are not the
 * same two hundred people.  One draw either way for the line. */
static void
person_name(struct gen *g, struct rng *r, int lang, struct pname *out)
{
	const struct corpus *c = &g->names[lang];
	int i = below(r, c->n);
	const struct nameparts *f = &g->np[lang][i], *s, *s2 = NULL;

	if (!g->compose) {
		out->full = fld(&c->e[i], 0);
		out->first = NULL;
		out->latin = fld(&c->e[i], 1);
		return;
	}
	s = surname_for(g, r, lang, f);
	if (lang == ES && chance(r, 50))
		s2 = &g->np[lang][below(r, c->n)];
	out->first = f->first;
	out->full = s2 != NULL && s2 != s && *s2->last != '\0' ?
	    arena_printf(&g->a, "%s %s %s", f->first, s->last, s2->last) :
	    arena_printf(&g->a, "%s %s", f->first, s->last);
	out->latin = arena_printf(&g->a, "%s.%s", f->lfirst, s->llast);
}

static void
rand_token(struct rng *r, char *buf, int n)
{
	static const char set[] = "abcdefghijkmnpqrstuvwxyz23456789";

	for (int i = 0; i < n; i++)
		buf[i] = set[below(r, (int)sizeof set - 1)];
	buf[n] = '\0';
}

/* Counts in [lo, hi] summing to exactly total, keeping the shape of the
 * caller's draws; total is clamped to what the bounds allow. */
static void
balance(struct rng *r, int *c, int n, int lo, int hi, long total)
{
	long sum = 0;

	if (n <= 0)
		return;
	if (hi < lo)
		hi = lo;
	if (total < (long)lo * n)
		total = (long)lo * n;
	if (total > (long)hi * n)
		total = (long)hi * n;
	for (int i = 0; i < n; i++) {
		c[i] = c[i] < lo ? lo : c[i] > hi ? hi : c[i];
		sum += c[i];
	}
	while (sum != total) {
		int step = sum < total ? 1 : -1, i = below(r, n), k;

		/* Random probes keep the shape; a sweep ends a long miss. */
		for (k = 0; k < n; k++, i = (i + 1) % n)
			if ((step > 0 && c[i] < hi) || (step < 0 && c[i] > lo))
				break;
		c[i] += step;
		sum += step;
	}
}

static const char *
phone_for(struct rng *r, struct arena *a, const char *country)
{
	if (strcmp(country, "RU") == 0)
		return arena_printf(a, "+7 9%02d %03d-%02d-%02d", below(r, 100),
		    below(r, 1000), below(r, 100), below(r, 100));
	if (strcmp(country, "IQ") == 0)
		return arena_printf(a, "+964 7%d%d %03d %04d", between(r, 5, 9),
		    below(r, 10), below(r, 1000), below(r, 10000));
	if (strcmp(country, "DE") == 0)
		return arena_printf(a, "+49 15%d %07d", below(r, 10),
		    below(r, 10000000));
	if (strcmp(country, "PT") == 0)
		return arena_printf(a, "+351 9%d%d %03d %03d", between(r, 1, 6),
		    below(r, 10), below(r, 1000), below(r, 1000));
	if (strcmp(country, "IT") == 0)
		return arena_printf(a, "+39 3%02d %03d %04d", below(r, 100),
		    below(r, 1000), below(r, 10000));
	if (strcmp(country, "FR") == 0)
		return arena_printf(a, "+33 6 %02d %02d %02d %02d",
		    below(r, 100), below(r, 100), below(r, 100), below(r, 100));
	if (strcmp(country, "GB") == 0)
		return arena_printf(a, "+44 7%03d %06d", below(r, 1000),
		    below(r, 1000000));
	if (strcmp(country, "AE") == 0)
		return arena_printf(a, "+971 5%d %03d %04d", below(r, 10),
		    below(r, 1000), below(r, 10000));
	if (strcmp(country, "MA") == 0)
		return arena_printf(a, "+212 6%02d-%06d", below(r, 100),
		    below(r, 1000000));
	return arena_printf(a, "+34 6%02d %03d %03d", below(r, 100),
	    below(r, 1000), below(r, 1000));
}

static int
pick_lang(struct rng *r, const int *mix)
{
	int x = below(r, 100), acc = 0;

	for (int l = 0; l < NLANG; l++)
		if (x < (acc += mix[l]))
			return l;
	return ES;
}

static void
notify(struct gen *g, struct person *u, const char *kind, const char *title,
    const char *ref_type, int64_t ref_id, int64_t at)
{
	struct row r = row_begin(g, S_NOTIFY);
	int64_t read_at = NONE;

	if (at > g->now)
		at = g->now;
	/* Older notifications have been read; the fresh ones wait. */
	if (g->now - at > 2 * DAY || chance(&g->r, 30))
		read_at = at + between(&g->r, 60, 2 * DAY);
	if (read_at != NONE && read_at > g->now)
		read_at = g->now;
	put_int(&r, u->id);
	put_text(&r, kind);
	put_text(&r, title);
	put_text(&r, ref_type);
	put_int(&r, ref_id);
	put_int(&r, at);
	put_int(&r, read_at);
	row_end(&r);
}

static void
audit(struct gen *g, struct person *actor, struct person *for_whom,
    const char *action, const char *ref_type, int64_t ref_id,
    const char *detail, int64_t at)
{
	struct row r = row_begin(g, S_AUDIT);

	put_int(&r, actor != NULL ? actor->id : NONE);
	put_int(&r, for_whom != NULL ? for_whom->id : NONE);
	put_text(&r, action);
	put_text(&r, ref_type);
	put_int(&r, ref_id);
	put_text(&r, detail);
	put_int(&r, at > g->now ? g->now : at);
	row_end(&r);
}

/* A manager or support agent, usually one who speaks lang: chats are
 * routed by language. */
static struct person *
any_staff(struct gen *g, int lang)
{
	int n = g->nmanagers + g->nsupport;
	struct person *p = NULL;

	for (int t = 0; t < 8; t++) {
		int i = below(&g->r, n);

		p = i < g->nmanagers ? &g->managers[i] :
		    &g->support[i - g->nmanagers];
		if (p->lang == lang || (t == 0 && chance(&g->r, 30)))
			break;
	}
	return p;
}

/* ---- users --------------------------------------------------------------- */

static const struct {
	const char	*email, *name, *role;
	int		 lang;
} login_users[] = {
	{ "admin@demo.mkt", "Андрей Соколов", "admin", RU },
	{ "manager@demo.mkt", "Мария Петрова", "manager", RU },
	{ "billing@demo.mkt", "Laura Martínez", "billing", ES },
	{ "support@demo.mkt", "ليلى حسن", "support", AR },
	{ "client@demo.mkt", "Carmen Ruiz", "client", ES },
	{ "performer@demo.mkt", "Игорь Смирнов", "performer", RU },
};

const char *
demo_login_role(const char *email)
{
	for (size_t i = 0; i < nitems(login_users); i++)
		if (strcasecmp(login_users[i].email, email) == 0)
			return login_users[i].role;
	return NULL;
}

static void
insert_user(struct gen *g, struct person *p, const char *role)
{
	struct row r = row_begin(g, S_USER);

	put_int(&r, p->id);
	put_text(&r, p->email);
	put_text(&r, p->name);
	put_text(&r, role);
	put_text(&r, lang_code[p->lang]);
	put_int(&r, p->created_at);
	row_end(&r);
}

/* A person with a name from the corpus of lang.  Staff get @demo.mkt
 * addresses; everyone else lives on the example domains. */
static void
make_person(struct gen *g, struct person *p, int lang, const char *domain,
    const char *country, int64_t created_at)
{
	static const char *const domains[] = {
		"example.com", "example.org", "example.net", "mail.example.com"
	};
	struct pname n;

	person_name(g, &g->r, lang, &n);
	p->id = g->next_user++;
	p->lang = lang;
	p->name = n.full;
	p->first = n.first != NULL ? n.first : first_word(g, p->name);
	p->email = arena_printf(&g->a, "%s.%lld@%s", n.latin,
	    (long long)p->id, domain != NULL ? domain :
	    domains[below(&g->r, (int)nitems(domains))]);
	p->phone = phone_for(&g->r, &g->a, country);
	p->created_at = created_at;
}

/* Languages of the staff hired after the login users, in turn. */
static const int staff_lang[NLANG] = { ES, EN, AR, RU };

static void
gen_users(struct gen *g)
{
	struct rng *r = &g->r;
	int C = g->nco, nmont = 0, per;
	struct person *fixed[nitems(login_users)];

	rng_seed(r, g->seed, 1);
	g->nmanagers = 2 + C / 4;
	g->nsupport = 1 + C / 8;
	g->nbilling = 1 + C / 8;
	g->nowners = C;
	g->nperformers = 12 + g->sz->orders / 8;
	if (g->nperformers < 12)
		g->nperformers = 12;
	g->managers = xcalloc((size_t)g->nmanagers, sizeof *g->managers);
	g->support = xcalloc((size_t)g->nsupport, sizeof *g->support);
	g->billing = xcalloc((size_t)g->nbilling, sizeof *g->billing);
	g->owners = xcalloc((size_t)C + 1, sizeof *g->owners);
	g->performers = xcalloc((size_t)g->nperformers, sizeof *g->performers);
	g->admin = xcalloc(1, sizeof *g->admin);

	/* The login users come first, with ids 1..6 and fixed names. */
	fixed[0] = g->admin;
	fixed[1] = &g->managers[0];
	fixed[2] = &g->billing[0];
	fixed[3] = &g->support[0];
	fixed[4] = &g->owners[0];
	fixed[5] = &g->performers[0];
	for (size_t i = 0; i < nitems(login_users); i++) {
		struct person *p = fixed[i];

		p->id = g->next_user++;
		p->name = login_users[i].name;
		p->first = first_word(g, p->name);
		p->email = login_users[i].email;
		p->lang = login_users[i].lang;
		p->phone = NULL;
		p->created_at = g->now - (int64_t)between(r, 500, 900) * DAY;
		insert_user(g, p, login_users[i].role);
	}
	g->billing0 = &g->billing[0];
	g->support0 = &g->support[0];

	for (int i = 1; i < g->nmanagers; i++) {
		make_person(g, &g->managers[i], staff_lang[(i - 1) % NLANG],
		    "demo.mkt",
		    "ES", g->now - (int64_t)between(r, 100, 700) * DAY);
		insert_user(g, &g->managers[i], "manager");
	}
	for (int i = 1; i < g->nsupport; i++) {
		make_person(g, &g->support[i], staff_lang[(i + 1) % NLANG],
		    "demo.mkt", "ES",
		    g->now - (int64_t)between(r, 60, 600) * DAY);
		insert_user(g, &g->support[i], "support");
	}
	for (int i = 1; i < g->nbilling; i++) {
		make_person(g, &g->billing[i], staff_lang[i % NLANG],
		    "demo.mkt",
		    "ES", g->now - (int64_t)between(r, 60, 600) * DAY);
		insert_user(g, &g->billing[i], "billing");
	}
	/* Owners: client@demo.mkt owns exactly the first company.  From
	 * the second cycle on, some owners run a second business like
	 * their first. */
	for (int k = 1; k < C; k++) {
		struct company *c = &g->co[k];

		if (k >= NCYCLE && k % 4 == 1 && k - NCYCLE > 0) {
			g->owners[k] = g->owners[k - NCYCLE];
			continue;
		}
		make_person(g, &g->owners[k], c->lang, NULL, c->country,
		    c->created_at - (int64_t)between(r, 1, 30) * DAY);
		insert_user(g, &g->owners[k], "client");
	}
	for (int i = 1; i < g->nperformers; i++) {
		make_person(g, &g->performers[i], chance(r, 90) ? RU : EN, NULL,
		    "RU", g->now - (int64_t)between(r, 30, 700) * DAY);
		insert_user(g, &g->performers[i], "performer");
	}
	/* Marketplace customers, about three orders each. */
	for (int k = 0; k < C; k++)
		nmont += g->co[k].arch == A_MONTAJ;
	per = nmont > 0 ? g->n_market / nmont / 3 : 0;
	if (per < 4)
		per = 4;
	g->ncustomers = per * nmont;
	g->customers = xcalloc((size_t)g->ncustomers + 1,
	    sizeof *g->customers);
	g->cust_contacts = xcalloc((size_t)g->ncustomers + 1,
	    sizeof *g->cust_contacts);
	for (int k = 0, o = 0; k < C; k++) {
		struct company *c = &g->co[k];

		if (c->arch != A_MONTAJ)
			continue;
		c->cust0 = o;
		c->ncust = per;
		for (int i = 0; i < per; i++, o++) {
			make_person(g, &g->customers[o], RU, NULL, "RU",
			    g->now - (int64_t)between(r, 62, 500) * DAY);
			insert_user(g, &g->customers[o], "client");
		}
	}
}

/* ---- companies, terms, channels --------------------------------------------- */

static const char *
vat_number(struct rng *r, struct arena *a, const char *country)
{
	if (strcmp(country, "ES") == 0)
		return arena_printf(a, "ESB%08d", below(r, 100000000));
	if (strcmp(country, "IT") == 0)
		return arena_printf(a, "IT%05d%06d", below(r, 100000),
		    below(r, 1000000));
	if (strcmp(country, "FR") == 0)
		return arena_printf(a, "FR%02d%09d", below(r, 100),
		    below(r, 1000000000));
	if (strcmp(country, "NL") == 0)
		return arena_printf(a, "NL%09dB01", below(r, 1000000000));
	return arena_printf(a, "%s%09d", country, below(r, 1000000000));
}

static int
vat_rate(const char *country)
{
	static const struct { const char *c; int bp; } rates[] = {
		{ "ES", 2100 }, { "DE", 1900 }, { "PT", 2300 }, { "IT", 2200 },
		{ "FR", 2000 }, { "NL", 2100 },
	};

	for (size_t i = 0; i < nitems(rates); i++)
		if (strcmp(rates[i].c, country) == 0)
			return rates[i].bp;
	return 2100;
}

/* A company beyond the named ones.  A big demo names it after an owner,
 * the way small businesses are, in a city of its country
 * (company_patterns.txt); a small one, or an archetype without patterns,
 * numbers the named one: "ЗооСтиль 3". */
static void
company_name(struct gen *g, struct company *c, int round)
{
	static const char *const keys[] = {
		"first", "last", "i", "city", "lfirst", "llast", "Lfirst"
	};
	const char *vals[nitems(keys)];
	const struct corpus *cities = strcmp(c->country, "ES") == 0 ?
	    &g->cities_es : strcmp(c->country, "RU") == 0 ? &g->cities_ru :
	    strcmp(c->country, "IQ") == 0 ? &g->cities_iq : NULL;
	const struct nameparts *f, *s;
	const struct entry *pat;
	struct pool p;
	char tag[32], initial[8], cap[64], name[256], slug[128];
	int n;

	snprintf(tag, sizeof tag, "%s:%s", arch_name[c->arch], c->country);
	pool_build(&p, &g->company_patterns, tag);
	pat = g->compose ? pool_pick(&g->r, &p) : NULL;
	free(p.e);
	if (pat == NULL) {
		c->name = arena_printf(&g->a, "%s %d", c->name, round + 1);
		c->slug = arena_printf(&g->a, "%s%d", c->slug, round + 1);
		return;
	}
	if (cities != NULL)
		c->city = fld(pick(&g->r, cities), 0);
	f = &g->np[c->lang][below(&g->r, g->names[c->lang].n)];
	s = surname_for(g, &g->r, c->lang, f);
	n = f->first[0] != '\0';
	while (n > 0 && ((unsigned char)f->first[n] & 0xC0) == 0x80)
		n++;
	snprintf(initial, sizeof initial, "%.*s.", n, f->first);
	snprintf(cap, sizeof cap, "%s", f->lfirst);
	if (cap[0] >= 'a' && cap[0] <= 'z')
		cap[0] = (char)(cap[0] - 'a' + 'A');
	vals[0] = f->first;
	vals[1] = s->last;
	vals[2] = initial;
	vals[3] = c->city;
	vals[4] = f->lfirst;
	vals[5] = s->llast;
	vals[6] = cap;
	c->name = arena_printf(&g->a, "%s", fill(name, sizeof name, fld(pat, 1),
	    keys, vals, (int)nitems(keys)));
	c->slug = arena_printf(&g->a, "%s", fill(slug, sizeof slug,
	    fld(pat, 2), keys, vals, (int)nitems(keys)));
}

/* Everything about the companies that other stages need, decided before
 * any row is written (owners are users and must exist first). */
static void
plan_companies(struct gen *g, int months)
{
	struct rng *r = &g->r;
	int count[NARCH] = { 0 }, pets = 0;

	rng_seed(r, g->seed, 2);
	g->co = xcalloc((size_t)g->nco + 1, sizeof *g->co);
	for (int k = 0; k < g->nco; k++) {
		struct company *c = &g->co[k];
		int arch = arch_cycle[k % NCYCLE], cyc = k / NCYCLE, j = 0;
		const struct entry *e = NULL;
		int seen = 0, total = 0;

		c->id = k + 1;
		c->arch = arch;
		c->nth = count[arch]++;
		for (int i = 0; i < g->company_names.n; i++)
			if (strcmp(g->company_names.e[i].f[0],
			    arch_name[arch]) == 0)
				total++;
		for (int i = 0; i < g->company_names.n; i++) {
			if (strcmp(g->company_names.e[i].f[0],
			    arch_name[arch]) != 0)
				continue;
			if (total == 0 || seen++ == c->nth % total) {
				e = &g->company_names.e[i];
				break;
			}
		}
		if (e == NULL)
			e = &g->company_names.e[0];
		j = total > 0 ? c->nth / total : 0;
		c->name = fld(e, 1);
		c->city = fld(e, 2);
		c->country = fld(e, 3);
		c->slug = fld(e, 4);
		c->status = "active";
		c->block = "none";
		c->deferral = -1;
		c->is_eu = 0;
		c->vat_number = NULL;
		c->created_at = g->now - (int64_t)between(r, 200, 500) * DAY;
		switch (arch) {
		case A_FLOWERS:
		case A_BEAUTY:
			c->kind = arch == A_FLOWERS ? "product" : "service";
			c->currency = "EUR";
			c->lang = ES;
			c->is_eu = 1;
			c->vat_number = vat_number(r, &g->a, c->country);
			c->vat_verified = (c->nth + arch) % 2 == 0;
			/* Later cycles: a trial that ran out. */
			if (arch == A_BEAUTY && cyc % 3 == 2)
				c->status = "inactive";
			break;
		case A_MONTAJ:
			c->kind = "service";
			c->currency = "RUB";
			c->lang = RU;
			c->created_at = g->now - (int64_t)between(r, 600, 800) *
			    DAY;
			break;
		case A_PETS_RU:
		case A_PETS_EU:
			c->kind = "service";
			c->lang = arch == A_PETS_RU ? RU :
			    strcmp(c->country, "ES") == 0 ? ES : EN;
			c->currency = arch == A_PETS_RU ? "RUB" : "EUR";
			if (arch == A_PETS_EU) {
				c->is_eu = 1;
				c->vat_number = vat_number(r, &g->a, c->country);
				c->vat_verified = c->nth % 2 == 0;
			}
			c->created_at = g->now - ((int64_t)months * 31 +
			    between(r, 20, 120)) * DAY;
			/* Debt drives the block state; invoices follow it. */
			switch (pets++ % 5) {
			case 1:
				c->block = "notified";
				break;
			case 2:
				c->block = "hidden";
				c->deferral = 30;
				break;
			case 3:
				c->block = "blocked";
				c->status = "suspended";
				c->deferral = 10;
				break;
			}
			c->terms = (int []){ TERMS_HYBRID, TERMS_PERCENT,
			    TERMS_TIERED, TERMS_FIXED, TERMS_DEFAULT }[
			    (pets - 1) % 5];
			break;
		case A_DEPTH:
			c->kind = "hybrid";
			c->currency = "IQD";
			c->lang = AR;
			c->created_at = g->now - ((int64_t)months * 31 +
			    between(r, 60, 120)) * DAY;
			break;
		}
		if (j > 0)
			company_name(g, c, j);
		c->vat_bp = vat_rate(c->country);
		c->logistics = 490 + 100 * below(r, 6);
		c->free_delivery = 5000 + 1000 * below(r, 4);
		c->reminder_h = (int []){ 2, 4, 12, 24 }[below(r, 4)];
		/* Percent 2 % but at least 50 RUB (1 EUR) and at most 1,000
		 * RUB (20 EUR) a booking; hybrid 50 RUB + 3 %; tiered like the
		 * seed's 10/8/5 %; fixed 200 RUB per booking. */
		switch (c->terms) {
		case TERMS_PERCENT:
			c->percent_bp = 200;
			c->min_minor = strcmp(c->currency, "RUB") == 0 ?
			    5000 : 100;
			c->max_minor = strcmp(c->currency, "RUB") == 0 ?
			    100000 : 2000;
			break;
		case TERMS_HYBRID:
			c->percent_bp = 300;
			c->fixed_minor = strcmp(c->currency, "RUB") == 0 ?
			    5000 : 50;
			break;
		case TERMS_FIXED:
			c->fixed_minor = strcmp(c->currency, "RUB") == 0 ?
			    20000 : 200;
			break;
		}
	}
}

static void
manager_of(struct gen *g, struct company *c, int k)
{
	/* manager@demo.mkt (managers[0]) has some companies, not all. */
	static const int first[NCYCLE] = { 0, 0, 1, 2, 0, 1, -1, 2 };
	int m = k < NCYCLE ? first[k] : k % 7 == 6 ? -1 :
	    k % 3 == 0 ? 0 : 1 + k % (g->nmanagers - 1);

	if (m >= g->nmanagers)
		m = g->nmanagers - 1;
	c->manager = m < 0 ? NULL : &g->managers[m];
}

/* The company's special terms as billing.c takes them; companies
 * without any pay the default 5 %. */
static void
terms_of(const struct company *c, struct commission_terms *t)
{
	static const struct commission_tier rub[] = {
		{ 0, 1000 }, { 1000000, 800 }, { 5000000, 500 } };
	static const struct commission_tier eur[] = {
		{ 0, 1000 }, { 5000, 800 }, { 10000, 500 } };

	*t = commission_default;
	switch (c->terms) {
	case TERMS_PERCENT:
		t->type = COMMISSION_PERCENT;
		t->percent_bp = c->percent_bp;
		t->min_minor = c->min_minor;
		t->max_minor = c->max_minor;
		break;
	case TERMS_FIXED:
		t->type = COMMISSION_FIXED;
		t->percent_bp = 0;
		t->fixed_minor = c->fixed_minor;
		break;
	case TERMS_HYBRID:
		t->type = COMMISSION_HYBRID;
		t->percent_bp = c->percent_bp;
		t->fixed_minor = c->fixed_minor;
		break;
	case TERMS_TIERED:
		t->type = COMMISSION_TIERED;
		t->percent_bp = 0;
		t->ntiers = 3;
		memcpy(t->tiers, strcmp(c->currency, "RUB") == 0 ? rub : eur,
		    sizeof rub);
		break;
	}
	if (c->terms != TERMS_DEFAULT)
		snprintf(t->currency, sizeof t->currency, "%s", c->currency);
}

static void
insert_terms(struct gen *g, struct company *c)
{
	struct row r = row_begin(g, S_TERMS);
	struct commission_terms t;
	char from[16], to[16];
	cJSON *tiers = NULL;
	char *tiers_json = NULL;

	terms_of(c, &t);
	if (t.type == COMMISSION_TIERED) {
		tiers = cJSON_CreateArray();
		for (int i = 0; i < t.ntiers; i++) {
			cJSON *tier = cJSON_CreateObject();
			cJSON_AddNumberToObject(tier, "from_minor",
			    (double)t.tiers[i].from_minor);
			cJSON_AddNumberToObject(tier, "percent_bp",
			    t.tiers[i].percent_bp);
			cJSON_AddItemToArray(tiers, tier);
		}
		tiers_json = cJSON_PrintUnformatted(tiers);
		cJSON_Delete(tiers);
	}
	put_int(&r, c->id);
	put_text(&r, commission_type_name(t.type));
	put_int(&r, c->terms == TERMS_PERCENT || c->terms == TERMS_HYBRID ?
	    c->percent_bp : NONE);
	put_int(&r, c->terms == TERMS_FIXED || c->terms == TERMS_HYBRID ?
	    c->fixed_minor : NONE);
	put_text(&r, c->currency);
	put_int(&r, c->terms == TERMS_PERCENT ? c->min_minor : NONE);
	put_int(&r, c->terms == TERMS_PERCENT ? c->max_minor : NONE);
	put_text(&r, tiers_json);
	put_date(&r, c->created_at / DAY, from, sizeof from);
	put_date(&r, c->terms == TERMS_FIXED ? g->today + 180 : NONE, to,
	    sizeof to);
	row_end(&r);
	cJSON_free(tiers_json);
}

/* The commission on one booking, rounded half-up, and why. */
static int64_t
commission(struct gen *g, const struct company *c, int64_t value,
    int64_t volume_before, const char **why)
{
	struct commission_terms t;
	const char *of = money(g, value, c->currency);
	int64_t fee = 0;

	terms_of(c, &t);
	/* The demo's terms are valid by construction; a failure here is a
	 * bug in them, and shows as a zero line rather than a crash. */
	if (commission_line(&t, c->currency, value, volume_before, &fee) != 0)
		fee = 0;
	switch (t.type) {
	case COMMISSION_FIXED:
		*why = arena_printf(&g->a, "fixed %s per booking",
		    money(g, c->fixed_minor, c->currency));
		break;
	case COMMISSION_HYBRID:
		*why = arena_printf(&g->a, "%s + %s of %s",
		    money(g, c->fixed_minor, c->currency),
		    percent(g, c->percent_bp), of);
		break;
	case COMMISSION_TIERED:
		*why = arena_printf(&g->a, "tiered scale on %s (month volume "
		    "before it %s)", of, money(g, volume_before, c->currency));
		break;
	default:
		*why = t.min_minor > 0 || t.max_minor > 0 ?
		    arena_printf(&g->a, "%s of %s, within %s..%s",
		    percent(g, t.percent_bp), of,
		    money(g, t.min_minor, c->currency),
		    money(g, t.max_minor, c->currency)) :
		    arena_printf(&g->a, "%s of %s", percent(g, t.percent_bp),
		    of);
		break;
	}
	return fee;
}

static const char *
channel_name(struct gen *g, const struct company *c, const char *platform)
{
	if (strcmp(platform, "whatsapp") == 0)
		return phone_for(&g->r, &g->a, c->country);
	if (strcmp(platform, "telegram") == 0)
		return arena_printf(&g->a, "@%s_bot", c->slug);
	if (strcmp(platform, "instagram") == 0 ||
	    strcmp(platform, "tiktok") == 0)
		return arena_printf(&g->a, "@%s", c->slug);
	if (strcmp(platform, "email") == 0)
		return arena_printf(&g->a, "%s@%s.example.com",
		    c->lang == ES ? "hola" : c->lang == EN ? "hello" : "info",
		    c->slug);
	if (strcmp(platform, "order_chat") == 0)
		return "Чаты заказов";
	return c->name;
}

static void
gen_companies(struct gen *g)
{
	struct rng *r = &g->r;
	int64_t next_channel = 1;

	rng_seed(r, g->seed, 3);
	for (int k = 0; k < g->nco; k++) {
		struct company *c = &g->co[k];
		struct row row;
		const struct chanspec *spec = arch_channels[c->arch].spec;

		manager_of(g, c, k);
		c->owner = &g->owners[k];
		row = row_begin(g, S_COMPANY);
		put_int(&row, c->id);
		put_text(&row, arena_printf(&g->a, "COMP%03d", k + 1));
		put_text(&row, c->name);
		put_text(&row, c->kind);
		put_text(&row, c->status);
		put_int(&row, c->manager != NULL ? c->manager->id : NONE);
		put_int(&row, c->owner->id);
		put_text(&row, c->country);
		put_int(&row, c->is_eu);
		put_text(&row, c->vat_number);
		put_int(&row, c->vat_verified);
		put_text(&row, c->currency);
		put_int(&row, c->deferral < 0 ? NONE : c->deferral);
		put_text(&row, c->block);
		put_int(&row, c->created_at);
		put_int(&row, g->now - (int64_t)between(r, HOUR, 20 * DAY));
		row_end(&row);
		if (c->terms != TERMS_DEFAULT)
			insert_terms(g, c);
		if (strcmp(c->block, "none") != 0)
			audit(g, NULL, NULL, "company.block_state", "company",
			    c->id, arena_printf(&g->a, "block state → %s "
			    "(overdue commission invoices)", c->block),
			    g->now - (int64_t)between(r, HOUR, 5 * DAY));

		c->nch = arch_channels[c->arch].n;
		for (int i = 0; i < c->nch; i++) {
			struct channel *ch = &c->ch[i];
			const char *status = spec[i].status, *why = NULL;
			int errors = 0;

			/* Later cycles shuffle the health of the channels. */
			if (k >= NCYCLE && chance(r, 20))
				status = (const char *[]){ "connected",
				    "error", "disconnected",
				    "connecting" }[below(r, 4)];
			if (strcmp(c->status, "inactive") == 0)
				status = "disconnected";
			if (strcmp(status, "error") == 0) {
				struct pool p;

				pool_build(&p, &g->chan_err, spec[i].platform);
				why = p.n > 0 ? fld(pool_pick(r, &p), 1) :
				    "connection lost";
				free(p.e);
				errors = between(r, 1, 14);
			} else if (strcmp(status, "connected") == 0 &&
			    chance(r, 25))
				errors = between(r, 1, 2);	/* recovered */
			ch->id = next_channel++;
			ch->platform = spec[i].platform;
			ch->status = status;
			ch->weight = spec[i].weight;
			row = row_begin(g, S_CHANNEL);
			put_int(&row, ch->id);
			put_int(&row, c->id);
			put_text(&row, ch->platform);
			put_text(&row, channel_name(g, c, ch->platform));
			put_text(&row, status);
			put_text(&row, why);
			put_int(&row, errors);
			put_int(&row, g->now - (int64_t)between(r, MINUTE,
			    30 * DAY));
			row_end(&row);
		}
	}
}

/* ---- marketplace orders -------------------------------------------------- */

static void
insert_contact(struct gen *g, int64_t company_id, const struct contact *ct,
    const char *handle, const char *lead)
{
	struct row r = row_begin(g, S_CONTACT);

	put_int(&r, ct->id);
	put_int(&r, company_id);
	put_text(&r, ct->name);
	put_text(&r, ct->phone);
	put_text(&r, ct->email);
	put_text(&r, handle);
	put_text(&r, lang_code[ct->lang]);
	put_text(&r, lead);
	put_int(&r, ct->created_at);
	row_end(&r);
}

static int
pick_performer(struct gen *g, const int *taken, int n)
{
	for (;;) {
		/* performer@demo.mkt is busy: a fifth of all first picks. */
		int p = n == 0 && chance(&g->r, 20) ? 0 :
		    below(&g->r, g->nperformers), dup = 0;

		for (int i = 0; i < n; i++)
			dup |= taken[i] == p;
		if (!dup)
			return p;
	}
}

enum { OS_OPEN, OS_PROGRESS, OS_DONE, OS_CANCELLED };
static const char *const order_status[] = {
	"open", "in_progress", "completed", "cancelled"
};

static void
gen_market_order(struct gen *g, struct company *c, int noffers)
{
	struct rng *r = &g->r;
	const struct entry *t = pick(r, &g->installer);
	int ci = c->cust0 + below(r, c->ncust), status, accepted = -1;
	struct person *cust = &g->customers[ci];
	struct contact *cc = &g->cust_contacts[ci];
	int64_t id = g->next_order++, budget = NONE, base, created, acc = NONE;
	int64_t started = NONE, ended = NONE, updated;
	int taken[16], purchase;
	const char *number, *reason = NULL;
	struct row row;

	if (noffers > g->nperformers)
		noffers = g->nperformers;
	if (noffers > (int)nitems(taken))
		noffers = (int)nitems(taken);
	for (int i = 0; i < noffers; i++)
		taken[i] = pick_performer(g, taken, i);
	base = fnum(t, 1) * 100;
	if (chance(r, 85))
		budget = (base * between(r, 70, 140) / 100 + 25000) /
		    50000 * 50000;
	if (noffers == 0)
		status = chance(r, 80) ? OS_OPEN : OS_CANCELLED;
	else {
		int x = below(r, 100);

		status = x < 35 ? OS_OPEN : x < 62 ? OS_PROGRESS :
		    x < 90 ? OS_DONE : OS_CANCELLED;
	}
	/* Finished work needs room behind it; open orders are recent. */
	if (status == OS_DONE)
		created = g->now - 4 * DAY - (int64_t)(unit(r) * 55 * DAY);
	else if (status == OS_PROGRESS)
		created = g->now - 3 * HOUR - (int64_t)(unit(r) * 35 * DAY);
	else
		created = g->now - 10 * MINUTE -
		    (int64_t)(unit(r) * unit(r) * 58 * DAY);
	if (created < cust->created_at)
		created = cust->created_at + HOUR;
	updated = created;
	if (status == OS_PROGRESS || status == OS_DONE) {
		accepted = below(r, noffers);
		acc = created + between(r, HOUR, 2 * DAY);
		if (acc > g->now - HOUR)
			acc = g->now - HOUR;
		if (status == OS_DONE || chance(r, 60))
			started = acc + between(r, HOUR, 2 * DAY);
		if (started != NONE && started > g->now - 10 * MINUTE)
			started = g->now - 10 * MINUTE;
		if (status == OS_DONE) {
			ended = started + between(r, 3 * HOUR, 4 * DAY);
			if (ended > g->now - 5 * MINUTE)
				ended = g->now - 5 * MINUTE;
		}
		updated = ended != NONE ? ended : started != NONE ? started :
		    acc;
	} else if (status == OS_OPEN && noffers > 0 && chance(r, 20))
		reason = fld(pick(r, &g->cancel), 0);	/* returned to open */
	if (status == OS_CANCELLED)
		updated = created + between(r, HOUR, 3 * DAY);
	if (updated > g->now)
		updated = g->now;
	number = arena_printf(&g->a, "M-%06d", g->market_no++);

	row = row_begin(g, S_ORDER);
	put_int(&row, id);
	put_text(&row, number);
	put_text(&row, "marketplace");
	put_int(&row, c->id);
	put_int(&row, cust->id);
	put_int(&row, cc->id);
	put_text(&row, cust->name);
	put_text(&row, cust->phone);
	put_text(&row, cust->email);
	put_text(&row, fld(t, 0));
	put_text(&row, fld(t, 2));
	put_text(&row, fld(pick(r, &g->cities_ru), 0));
	put_text(&row, "RUB");
	put_int(&row, budget);
	put_text(&row, order_status[status]);
	put_int(&row, accepted >= 0 ? g->performers[taken[accepted]].id :
	    NONE);
	put_int(&row, started);
	put_text(&row, reason);
	for (int i = 0; i < 4; i++)
		put_int(&row, NONE);	/* checkout sums */
	put_text(&row, NULL);
	put_int(&row, NONE);
	put_int(&row, created);
	put_int(&row, updated);
	row_end(&row);

	for (int i = 0; i < noffers; i++) {
		struct person *p = &g->performers[taken[i]];
		const char *st = "pending";
		int64_t at, price = NONE;

		at = created + between(r, 5 * MINUTE, 20 * HOUR);
		if (acc != NONE && at >= acc)
			at = created + (acc - created) * (i + 1) /
			    (noffers + 1);
		if (at > g->now)
			at = g->now - between(r, 1, 5 * MINUTE);
		if (chance(r, 80))
			price = ((budget != NONE ? budget : base) *
			    between(r, 75, 125) / 100 + 5000) / 10000 * 10000;
		if (accepted >= 0)
			st = i == accepted ? (status == OS_DONE ? "completed" :
			    "accepted") : "rejected";
		else if (status == OS_CANCELLED)
			st = "rejected";
		else if (reason != NULL && i == 0)
			st = "rejected";	/* the one who walked away */
		row = row_begin(g, S_OFFER);
		put_int(&row, g->next_offer);
		put_int(&row, id);
		put_int(&row, p->id);
		put_text(&row, fld(pick(r, &g->offer_msgs), 0));
		put_int(&row, price);
		put_text(&row, price != NONE ? "RUB" : NULL);
		put_text(&row, st);
		put_int(&row, at);
		row_end(&row);
		if (chance(r, 10) || (taken[i] == 0 && i == accepted))
			notify(g, taken[i] == 0 && i == accepted ? p : cust,
			    i == accepted ? "offer_accepted" : "new_offer",
			    arena_printf(&g->a, i == accepted ?
			    "Your offer on %s «%s» was accepted" :
			    "New offer on %s «%s»", number, fld(t, 0)),
			    "offer", g->next_offer, i == accepted ? acc : at);
		g->next_offer++;
	}
	if (reason != NULL)
		audit(g, &g->performers[taken[0]], NULL, "order.cancel_work",
		    "order", id, reason, updated);

	purchase = accepted >= 0 && chance(r, 55);
	if (purchase) {
		int paid = chance(r, 80);
		int64_t at = acc + between(r, MINUTE, 3 * HOUR);

		if (at > g->now)
			at = g->now;
		row = row_begin(g, S_PURCHASE);
		put_int(&row, id);
		put_int(&row, g->performers[taken[accepted]].id);
		put_int(&row, 500);	/* 5 EUR to see the contacts */
		put_text(&row, "EUR");
		put_text(&row, paid ? "paid" : "pending");
		put_int(&row, at);
		put_int(&row, paid ? (at + 40 > g->now ? g->now : at + 40) :
		    NONE);
		row_end(&row);
	}
	if (status == OS_DONE) {
		int x = below(r, 100), rating = x < 55 ? 5 : x < 80 ? 4 :
		    x < 90 ? 3 : x < 96 ? 2 : 1;
		const struct entry *rv = pool_pick(r, &g->rating[rating]);

		row = row_begin(g, S_REVIEW);
		put_int(&row, id);
		put_int(&row, cust->id);
		put_int(&row, rating);
		put_text(&row, rv != NULL ? fld(rv, 1) : NULL);
		put_int(&row, ended);
		row_end(&row);
	}
	if (accepted >= 0) {
		struct mkorder *m;

		GROW(g->mk, g->nmk, g->capmk);
		m = &g->mk[g->nmk++];
		m->id = id;
		m->company = (int)(c - g->co);
		m->customer = ci;
		m->executor = taken[accepted];
		m->number = number;
		m->accepted_at = acc;
		m->started_at = started;
		m->ended_at = ended;
	}
}

static void
gen_marketplace(struct gen *g)
{
	struct rng *r = &g->r;
	int *offers, nm = 0, *mont, ci = 0;

	rng_seed(r, g->seed, 4);
	if (g->n_market == 0)
		return;
	mont = xcalloc((size_t)g->nco, sizeof *mont);
	for (int k = 0; k < g->nco; k++)
		if (g->co[k].arch == A_MONTAJ)
			mont[nm++] = k;
	/* Each customer is also a contact of the installer company, which is
	 * who the order chat talks to. */
	for (int k = 0; k < nm; k++) {
		struct company *c = &g->co[mont[k]];

		for (int i = 0; i < c->ncust; i++, ci++) {
			struct person *p = &g->customers[c->cust0 + i];
			struct contact *ct = &g->cust_contacts[c->cust0 + i];

			ct->id = g->next_contact++;
			ct->name = p->name;
			ct->first = p->first;
			ct->phone = p->phone;
			ct->email = p->email;
			ct->lang = RU;
			ct->created_at = p->created_at;
			insert_contact(g, c->id, ct, NULL, "marketplace");
		}
	}
	offers = xcalloc((size_t)g->n_market, sizeof *offers);
	{
		double mean = (double)g->sz->offers / g->n_market;
		int hi = (int)(2.5 * mean) + 1;

		if (hi > g->nperformers)
			hi = g->nperformers;
		if (hi > 16)
			hi = 16;
		for (int i = 0; i < g->n_market; i++)
			offers[i] = chance(r, 10) ? 0 :
			    (int)(unit(r) * 2 * mean + 0.5);
		balance(r, offers, g->n_market, 0, hi, g->sz->offers);
	}
	for (int i = 0; i < g->n_market && !g->failed; i++)
		gen_market_order(g, &g->co[mont[i % nm]], offers[i]);
	free(offers);
	free(mont);
}

/* ---- conversations ----------------------------------------------------------- */

enum { V_AGENT, V_CONTACT, V_ORDER, V_TOTAL, V_LINK, NVAR };

struct vars {
	const char *v[NVAR];
};

/* Copies tmpl into buf with {agent}, {contact}, {order}, {total} and
 * {link} filled in; a line without braces is used as it is. */
static const char *
expand(char *buf, size_t cap, const char *tmpl, const struct vars *v)
{
	static const char *const keys[NVAR] = {
		"agent", "contact", "order", "total", "link"
	};

	return fill(buf, cap, tmpl, keys, v->v, NVAR);
}

/* Lines already used in this thread, so it never says a line twice.  A
 * long one says more lines than a topic has: it only keeps off the last
 * window of them, fewer than a pool holds, or it would repeat at will. */
struct seen {
	const struct entry	*e[64];
	int			 n;
	int			 window;	/* 0: all 64 */
};

static const struct entry *
pick_fresh(struct gen *g, const struct pool *p, struct seen *s)
{
	const int cap = (int)nitems(s->e);
	const struct entry *e = NULL;
	int have = s->window > 0 && s->window < cap ? s->window : cap;

	if (p == NULL || p->n == 0)
		return NULL;
	if (have > s->n)
		have = s->n;
	for (int t = 0; t < 6; t++) {
		int dup = 0;

		e = p->e[below(&g->r, p->n)];
		for (int i = 1; i <= have; i++)
			dup |= s->e[(s->n - i) % cap] == e;
		if (!dup)
			break;
	}
	s->e[s->n++ % cap] = e;
	return e;
}

static const struct entry *
pick_line(struct gen *g, const struct pool *topic, const struct pool *any,
    int topic_pct, struct seen *s)
{
	return pick_fresh(g, topic->n > 0 && chance(&g->r, topic_pct) ?
	    topic : any, s);
}

static int
out_slot(struct msg *m, int from, int to)
{
	for (int k = from; k < to; k++)
		if (!m[k].in && m[k].kind == K_TEXT && m[k].role == R_PLAIN)
			return k;
	return -1;
}

/* Directions first, then the special messages take over plain slots, so
 * the thread keeps its length whatever happens in it. */
static void
thread_shape(struct gen *g, struct conv *cv)
{
	struct rng *r = &g->r;
	struct msg *m = cv->m;
	int n = cv->n, end_in, reopen, k;

	for (k = 0; k < n; k++) {
		m[k].in = k == 0 ? 1 : m[k - 1].in ? chance(r, 25) :
		    !chance(r, 12);
		m[k].kind = K_TEXT;
		m[k].role = R_PLAIN;
		m[k].user = NULL;
		m[k].att_type = NULL;
		m[k].x8 = NULL;
		m[k].delivery = NULL;
	}
	end_in = cv->handoff || (cv->status == CS_OPEN && chance(r, 65)) ||
	    (cv->status == CS_SNOOZED && chance(r, 30));
	if (cv->status == CS_RESOLVED || cv->status == CS_PENDING)
		end_in = 0;
	if (n >= 2)
		m[n - 1].in = end_in;
	cv->assign_at = -1;
	if (cv->mo != NULL) {
		/* Times are known already (order_times): the chat opens
		 * with the acceptance and shows the start of work when it
		 * happened. */
		if (n >= 3) {
			m[0].in = 0;
			m[0].kind = K_SYSTEM;
			m[0].role = R_ACCEPT;
			m[1].in = 1;
		}
		for (k = 2; cv->mo->started_at != NONE && k < n - 1; k++)
			if (m[k].at >= cv->mo->started_at) {
				m[k].in = 0;
				m[k].kind = K_SYSTEM;
				m[k].role = R_START;
				m[k].at = cv->mo->started_at;
				break;
			}
		return;
	}
	/* A long chat's next part: the customer wrote again and reopened
	 * what the last part resolved. */
	if (cv->part > 0 && n >= 3) {
		m[1].in = 0;
		m[1].kind = K_SYSTEM;
		m[1].role = R_REOPEN;
	}
	if (cv->handoff && n >= 3) {
		m[n - 3].in = 1;
		m[n - 3].role = R_HUMAN_ASK;
		m[n - 2].in = 0;
		m[n - 2].kind = K_SYSTEM;
		m[n - 2].role = R_HANDOFF;
		m[n - 1].in = 1;
		m[n - 1].role = R_HUMAN_ASK;
	}
	/* A long chat was assigned once, in its first part. */
	if (cv->assignee != NULL && cv->part == 0 && n >= 3 &&
	    (k = out_slot(m, 1 + below(r, (n - 1) / 2 + 1), n - 1)) >= 0) {
		m[k].kind = K_SYSTEM;
		m[k].role = R_ASSIGN;
		cv->assign_at = k;
	}
	if (cv->pay != PAY_NONE) {
		int p = out_slot(m, n / 2 > 1 ? n / 2 : 1, n);

		if (p < 0)
			p = out_slot(m, 1, n);
		if (p < 0)
			cv->pay = PAY_NONE;
		else {
			m[p].role = R_PAYLINK;
			if (cv->pay == PAY_PAID) {
				int q = out_slot(m, p + 1, n);

				if (q < 0)
					cv->pay = PAY_LINK;
				else
					m[q].role = R_PAID;
			}
		}
	}
	/* A chat said goodbye once and was reopened by the customer's next
	 * message. */
	reopen = n >= 6 && cv->status != CS_RESOLVED && chance(r, 15);
	for (k = n / 2; reopen && k < n - 2; k++)
		if (k >= 2 && !m[k - 1].in && m[k - 1].role == R_PLAIN &&
		    m[k].in && m[k].role == R_PLAIN && !m[k + 1].in &&
		    m[k + 1].kind == K_TEXT && m[k + 1].role == R_PLAIN) {
			m[k - 1].role = R_BYE;
			m[k + 1].kind = K_SYSTEM;
			m[k + 1].role = R_REOPEN;
			break;
		}
	/* A private note, by whoever has the chat by then. */
	if (n >= 4 && chance(r, 15)) {
		int from = 1 + below(r, n - 2);

		if (from <= cv->assign_at)
			from = cv->assign_at + 1;
		if ((k = out_slot(m, from, n - 1)) >= 0) {
			m[k].kind = K_NOTE;
			m[k].role = R_NOTE;
		}
	}
	if (cv->status == CS_RESOLVED) {
		if (!m[n - 1].in && m[n - 1].role == R_PLAIN)
			m[n - 1].role = R_BYE;
		if (n >= 3 && m[n - 2].in && m[n - 2].role == R_PLAIN)
			m[n - 2].role = R_THANKS;
	}
}

static int64_t
gap(struct gen *g, const struct conv *cv, const struct msg *prev,
    const struct msg *cur)
{
	struct rng *r = &g->r;
	double u = unit(r);

	if (cv->mo != NULL)
		return 60 + (int64_t)(u * u * u * 20 * HOUR);
	if (cur->kind != K_TEXT)
		return between(r, 5, 400);
	if (!cur->in) {
		if (!prev->in)
			return between(r, 5, 240);
		if (cur->author == AU_AI)
			return between(r, 4, 75);
		return 45 + (int64_t)(u * u * u * 5 * HOUR);
	}
	if (prev->in)
		return between(r, 8, 900);
	return 40 + (int64_t)(u * u * u * u * 2 * DAY);
}

/* The replies that answer a customer line, if its key has any. */
static const struct pool *
answer_for(struct gen *g, const struct conv *cv, const struct entry *e)
{
	const struct corpus *c = cv->mo != NULL ? &g->order_chat :
	    &g->msg_in[cv->lang];
	const struct pool *a = cv->mo != NULL ? g->ans_order : g->ans[cv->lang];

	if (e == NULL || e < c->e || e >= c->e + c->n)
		return NULL;
	a += e - c->e;
	return a->n > 0 ? a : NULL;
}

/* Who says what.  A reply answers the customer's last question when the
 * corpus has an answer for it (the line's key), which keeps threads
 * readable. */
static void
thread_text(struct gen *g, struct conv *cv)
{
	struct rng *r = &g->r;
	struct msg *m = cv->m;
	int n = cv->n, l = cv->lang, greeted = 0, last_in = -1, last_out = -1;
	const struct pool *answer = NULL;
	struct seen own, *seen = cv->seen != NULL ? cv->seen : &own;
	struct vars v;

	/* A finished order's chat ends with thanks for the work. */
	if (cv->mo != NULL && cv->mo->ended_at != NONE) {
		for (int k = n / 2; k < n; k++)
			if (m[k].in)
				last_in = k;
		for (int k = n / 2; k < last_in; k++)
			if (!m[k].in && m[k].kind == K_TEXT)
				last_out = k;
	}
	own.n = own.window = 0;
	v.v[V_CONTACT] = cv->ct.first;
	v.v[V_ORDER] = cv->order_no != NULL ? cv->order_no : "";
	v.v[V_TOTAL] = cv->total;
	v.v[V_LINK] = cv->link;
	for (int k = 0; k < n; k++) {
		struct msg *x = &m[k];
		const struct entry *e = NULL;

		if (x->in)
			x->author = AU_CONTACT;
		else if (x->kind == K_SYSTEM)
			x->author = AU_SYSTEM;
		else if (x->kind == K_NOTE) {
			x->author = AU_USER;
			x->user = cv->assignee != NULL ? cv->assignee :
			    cv->co->manager != NULL ? cv->co->manager :
			    g->support0;
		} else if (cv->mo != NULL) {
			x->author = AU_USER;
			x->user = &g->performers[cv->mo->executor];
		} else if (cv->assignee != NULL && (cv->assign_at < 0 ?
		    cv->human : k > cv->assign_at)) {
			x->author = AU_USER;
			x->user = cv->assignee;
		} else
			x->author = AU_AI;
		v.v[V_AGENT] = cv->assignee != NULL ? cv->assignee->first :
		    x->user != NULL ? x->user->first : "";

		switch (x->role) {
		case R_ACCEPT:
		case R_START:
			v.v[V_AGENT] = g->performers[cv->mo->executor].first;
			e = pick_fresh(g, &g->ev[x->role == R_ACCEPT ?
			    EV_ACCEPT : EV_START], seen);
			break;
		case R_ASSIGN:
			e = pick_fresh(g, &g->ev[EV_ASSIGN], seen);
			break;
		case R_HANDOFF:
			e = pick_fresh(g, &g->ev[EV_HANDOFF], seen);
			break;
		case R_REOPEN:
			e = pick_fresh(g, &g->ev[EV_REOPEN], seen);
			break;
		case R_NOTE:
			/* Staff write notes in their own language. */
			e = pick_fresh(g, &g->notes_by[chance(r, 75) ?
			    x->user->lang : EN], seen);
			break;
		case R_HUMAN_ASK:
			e = pick_line(g, &g->in[l][T_HUMAN], &g->in[l][T_ANY],
			    100, seen);
			break;
		case R_THANKS:
			e = pick_line(g, &g->in[l][T_THANKS], &g->in[l][T_ANY],
			    100, seen);
			break;
		case R_BYE:
			e = pick_line(g, &g->out[l][T_BYE], &g->out[l][T_ANY],
			    100, seen);
			break;
		case R_PAYLINK:
			e = pick_line(g, &g->out[l][T_PAYLINK],
			    &g->out[l][T_ANY], 100, seen);
			x->x8 = "TYPE2";
			break;
		case R_PAID:
			e = pick_line(g, &g->out[l][T_PAID], &g->out[l][T_ANY],
			    100, seen);
			x->x8 = "TYPE3";
			break;
		default:
			if (k == last_in && k > 0)
				e = pick_fresh(g, &g->order_in_end, seen);
			else if (k == last_out)
				e = pick_fresh(g, &g->order_out_end, seen);
			else if (cv->mo != NULL && x->in)
				e = pick_fresh(g, &g->order_in, seen);
			else if (x->in && k == 0 && n > 1 && chance(r, 35))
				e = pick_fresh(g, &g->in[l][T_GREET], seen);
			else if (x->in)
				e = pick_line(g, &g->in[l][cv->topic],
				    &g->in[l][T_ANY], 60, seen);
			else if (x->author == AU_USER && !greeted &&
			    cv->assign_at >= 0) {
				/* An agent who takes over says who they are. */
				e = pick_line(g, &g->out[l][T_HUMAN],
				    &g->out[l][T_ANY], 100, seen);
				greeted = 1;
			} else if (answer != NULL && chance(r, 85))
				e = pick_fresh(g, answer, seen);
			else if (cv->mo != NULL)
				e = pick_fresh(g, &g->order_out, seen);
			else if (x->author == AU_USER && chance(r, 25) &&
			    g->canned_by[l].n > 0)
				e = pick_fresh(g, &g->canned_by[l], seen);
			else
				e = pick_line(g, &g->out[l][cv->topic],
				    &g->out[l][T_ANY], 55, seen);
			if (x->author == AU_AI && chance(r, 60))
				x->x8 = "TYPE1";
		}
		x->body = expand(x->buf, sizeof x->buf, fld(e, 1), &v);
		if (x->kind == K_TEXT && x->in) {
			const struct pool *a = answer_for(g, cv, e);

			if (a != NULL)
				answer = a;
		} else if (x->kind == K_TEXT)
			answer = NULL;
	}
}

/* Message times run back from the last activity, then squeeze into the
 * window when a long thread would start before it. */
static void
thread_times(struct gen *g, struct conv *cv)
{
	struct msg *m = cv->m;
	int n = cv->n;
	int64_t first, span, room;

	m[n - 1].at = cv->last;
	for (int k = n - 1; k > 0; k--)
		m[k - 1].at = m[k].at - gap(g, cv, &m[k - 1], &m[k]);
	first = m[0].at;
	if (first < cv->lo) {
		span = cv->last - first;
		room = cv->last - cv->lo;
		for (int k = 0; k < n; k++)
			m[k].at = cv->lo + (m[k].at - first) * room / span;
	}
}

/* An order chat runs forward from the acceptance: to the completion
 * (and the thanks a little after it), or to now. */
static void
order_times(struct gen *g, struct conv *cv)
{
	struct msg *m = cv->m;
	int64_t start = cv->mo->accepted_at, end = g->now;
	int n = cv->n;

	if (cv->mo->ended_at != NONE)
		end = cv->mo->ended_at + between(&g->r, HOUR, DAY);
	else {
		/* Work in progress: the chat went quiet a while ago. */
		double u = unit(&g->r);

		end = g->now - (int64_t)(u * u * (double)(g->now - start) *
		    0.7);
	}
	if (end > g->now)
		end = g->now;
	if (end < start + (int64_t)n * 60)
		end = start + (int64_t)n * 60 < g->now ?
		    start + (int64_t)n * 60 : g->now;
	m[0].at = start;
	for (int k = 1; k < n; k++) {
		double u = unit(&g->r);

		m[k].at = m[k - 1].at + 60 + (int64_t)(u * u * u * 20 * HOUR);
	}
	if (m[n - 1].at > end && m[n - 1].at > start) {
		int64_t span = m[n - 1].at - start, room = end - start;

		for (int k = 0; k < n; k++)
			m[k].at = start + (m[k].at - start) * room / span;
	}
	cv->last = m[n - 1].at;
}

static void
thread_details(struct gen *g, struct conv *cv)
{
	struct rng *r = &g->r;
	struct msg *m = cv->m;
	int n = cv->n, email = strcmp(cv->ch->platform, "email") == 0;
	int broken = strcmp(cv->ch->status, "error") == 0;
	char tok[20];

	for (int k = 0; k < n; k++) {
		struct msg *x = &m[k];
		int64_t age = g->now - x->at;

		if (x->kind != K_TEXT)
			continue;
		rand_token(r, tok, 16);
		if (x->in && chance(r, cv->mo != NULL ? 12 : 5)) {
			x->att_type = "image/jpeg";
			snprintf(x->att_url, sizeof x->att_url,
			    "https://files.example.com/%s/%s.jpg",
			    cv->ch->platform, tok);
			x->att_size = between(r, 45000, 3800000);
		} else if (!x->in && x->author == AU_USER && chance(r, 4)) {
			x->att_type = "application/pdf";
			snprintf(x->att_url, sizeof x->att_url,
			    "https://files.example.com/%s/%s.pdf",
			    cv->co->slug, tok);
			x->att_size = between(r, 80000, 2400000);
		} else if (!x->in && x->author == AU_AI &&
		    cv->topic == T_SHOP && chance(r, 6)) {
			x->att_type = "image/jpeg";
			snprintf(x->att_url, sizeof x->att_url,
			    "https://img.example.com/%s/%d.jpg", cv->co->slug,
			    1000 + below(r, g->products.n));
			x->att_size = between(r, 60000, 900000);
		}
		if (x->in)
			continue;
		/* A reply after it means the customer saw it. */
		if (k + 1 < n && m[k + 1].in && !email)
			x->delivery = "read";
		else if (email)
			x->delivery = age < MINUTE ? "sent" : "delivered";
		else if (age < 2 * MINUTE)
			x->delivery = "sent";
		else if (age < HOUR)
			x->delivery = chance(r, 50) ? "delivered" : "read";
		else if ((broken && k == n - 1) || chance(r, 2))
			x->delivery = "failed";
		else
			x->delivery = chance(r, 85) ? "read" : "delivered";
	}
}

static const char *
contact_handle(struct gen *g, const char *platform, const char *latin,
    const struct contact *ct)
{
	struct rng *r = &g->r;

	if (strcmp(platform, "whatsapp") == 0) {
		char *d = arena_alloc(&g->tmp, strlen(ct->phone) + 1), *o = d;

		for (const char *p = ct->phone; *p != '\0'; p++)
			if (*p >= '0' && *p <= '9')
				*o++ = *p;
		*o = '\0';
		return d;
	}
	if (strcmp(platform, "email") == 0)
		return ct->email;
	if (strcmp(platform, "facebook") == 0)
		return arena_printf(&g->tmp, "%s.%d", latin,
		    between(r, 10, 9999));
	if (strcmp(platform, "instagram") == 0)
		return arena_printf(&g->tmp, "@%s_%02d", latin, below(r, 100));
	if (chance(r, 50))
		return arena_printf(&g->tmp, "@%s", latin);
	return arena_printf(&g->tmp, "@%s%d", latin, below(r, 1000));
}

/* Who a new end customer is: a name in lang, reachable the way the
 * channel allows.  The row is written once the first message's time is
 * known (contact_insert). */
static void
contact_identity(struct gen *g, struct conv *cv, int lang)
{
	static const char *const abroad[NLANG] = { "RU", "GB", "MA", "GB" };
	static const char *const domains[] = {
		"example.com", "example.org", "example.net"
	};
	struct rng *r = &g->r;
	const struct entry *src = NULL;
	struct contact *ct = &cv->ct;
	const char *country = cv->co->country, *latin;
	const char *platform = cv->ch->platform;
	int wa = strcmp(platform, "whatsapp") == 0;
	struct pname n;

	person_name(g, r, lang, &n);
	latin = n.latin;
	if (lang != cv->co->lang && chance(r, 30))
		country = abroad[lang];
	ct->id = 0;
	ct->name = n.full;
	ct->first = n.first != NULL ? n.first : first_word(g, ct->name);
	ct->lang = lang;
	ct->phone = wa || chance(r, 35) ? phone_for(r, &g->tmp, country) :
	    NULL;
	ct->email = NULL;
	if (strcmp(platform, "email") == 0 || chance(r, 20)) {
		if (chance(r, 50))
			ct->email = arena_printf(&g->tmp, "%s@%s", latin,
			    domains[below(r, (int)nitems(domains))]);
		else
			ct->email = arena_printf(&g->tmp, "%s%d@%s", latin,
			    between(r, 1, 99),
			    domains[below(r, (int)nitems(domains))]);
	}
	cv->handle = contact_handle(g, platform, latin, ct);
	cv->lead = NULL;
	if (strcmp(platform, "tiktok") == 0)
		cv->lead = "tiktok ad";
	else if (chance(r, 55)) {
		/* Sources are tagged with the channel they lead to. */
		for (int i = 0; i < g->leads.n && src == NULL; i++) {
			const struct entry *x = &g->leads.e[below(r,
			    g->leads.n)];

			if (strcmp(x->f[0], platform) == 0 ||
			    strcmp(x->f[0], "any") == 0)
				src = x;
		}
		cv->lead = src != NULL ? fld(src, 1) : NULL;
	}
}

static void
contact_insert(struct gen *g, struct conv *cv, int64_t at)
{
	cv->ct.id = g->next_contact++;
	cv->ct.created_at = at;
	insert_contact(g, cv->co->id, &cv->ct, cv->handle, cv->lead);
	cv->co->last = cv->ct;
	cv->co->last.phone = cv->co->last.email = NULL;	/* scratch */
}

struct cart {
	int			 n, sku[3], qty[3];
	const struct entry	*p[3];
	int64_t			 sum, delivery;
};

static void
plan_cart(struct gen *g, const struct company *c, struct cart *k)
{
	struct rng *r = &g->r;
	int want = between(r, 1, 3);

	k->n = 0;
	k->sum = 0;
	while (k->n < want) {
		int i = below(r, g->products.n), dup = 0;

		for (int j = 0; j < k->n; j++)
			dup |= k->sku[j] == 1000 + i;
		if (dup)
			break;		/* a repeat ends the cart */
		k->sku[k->n] = 1000 + i;
		k->p[k->n] = &g->products.e[i];
		k->qty[k->n] = chance(r, 70) ? 1 : between(r, 2, 4);
		k->sum += k->qty[k->n] * fnum(k->p[k->n], 2);
		k->n++;
	}
	/* Delivery is charged once, and waived at the threshold. */
	k->delivery = k->sum >= c->free_delivery ? 0 : c->logistics;
}

/* A checkout order for a cart discussed in a chat or placed on the web
 * shop; created is when the payment link went out. */
static int64_t
insert_checkout(struct gen *g, struct company *c, const struct contact *ct,
    const struct cart *k, int pay, int64_t created, int64_t paid_at)
{
	struct rng *r = &g->r;
	int64_t id = g->next_order++, updated = created;
	char desc[512], title[256];
	size_t dl = 0;
	int status;
	struct row row;

	for (int i = 0; i < k->n; i++) {
		int w = snprintf(desc + dl, sizeof desc - dl, "%s%d× %s",
		    i > 0 ? "; " : "", k->qty[i], fld(k->p[i], 0));

		if (w < 0 || (size_t)w >= sizeof desc - dl)
			break;
		dl += (size_t)w;
	}
	if (k->n > 1)
		snprintf(title, sizeof title, "%s +%d", fld(k->p[0], 0),
		    k->n - 1);
	else
		snprintf(title, sizeof title, "%s", fld(k->p[0], 0));
	if (pay == PAY_PAID) {
		status = g->now - paid_at < 2 * DAY ? OS_PROGRESS : OS_DONE;
		updated = status == OS_DONE ?
		    paid_at + between(r, 3 * HOUR, 2 * DAY) : paid_at;
	} else if (g->now - created > 3 * DAY && chance(r, 30)) {
		status = OS_CANCELLED;	/* the link was never paid */
		updated = created + (int64_t)c->reminder_h * HOUR + DAY;
	} else
		status = OS_OPEN;
	if (updated > g->now)
		updated = g->now;

	row = row_begin(g, S_ORDER);
	put_int(&row, id);
	put_text(&row, arena_printf(&g->tmp, "X8-%06d", g->checkout_no++));
	put_text(&row, "checkout");
	put_int(&row, c->id);
	put_int(&row, NONE);
	put_int(&row, ct->id);
	put_text(&row, ct->name);
	put_text(&row, ct->phone);
	put_text(&row, ct->email);
	put_text(&row, title);
	put_text(&row, desc);
	put_text(&row, chance(r, 70) ? c->city :
	    fld(pick(r, &g->cities_es), 0));
	put_text(&row, c->currency);
	put_int(&row, NONE);
	put_text(&row, order_status[status]);
	put_int(&row, NONE);
	put_int(&row, NONE);
	put_text(&row, NULL);
	put_int(&row, k->sum);
	put_int(&row, k->delivery);
	put_int(&row, c->free_delivery);
	put_int(&row, k->sum + k->delivery);
	put_text(&row, pay_status[pay]);
	put_int(&row, c->reminder_h);
	put_int(&row, created);
	put_int(&row, updated);
	row_end(&row);
	for (int i = 0; i < k->n; i++) {
		row = row_begin(g, S_ORDER_LINE);
		put_int(&row, id);
		put_int(&row, k->sku[i]);
		put_text(&row, fld(k->p[i], 0));
		put_int(&row, k->qty[i]);
		put_int(&row, fnum(k->p[i], 2));
		put_int(&row, k->qty[i] * fnum(k->p[i], 2));
		row_end(&row);
	}
	g->checkout_left--;
	return id;
}

/* The price a service chat quotes when it sends a payment link. */
static void
service_total(struct gen *g, struct conv *cv)
{
	struct company *c = cv->co;
	int64_t v;

	if (c->arch == A_PETS_RU || c->arch == A_PETS_EU) {
		const struct entry *e = pool_pick(&g->r, &g->pets_by[c->lang]);

		v = e != NULL ? fnum(e, 5) : 3000;
	} else {
		v = fnum(pick(&g->r, &g->beauty), 6);
		if (strcmp(c->currency, "IQD") == 0)
			v = (v * 16 + 500) / 1000 * 1000;	/* ≈ EUR rate */
	}
	chat_money(cv->total, sizeof cv->total, v, c->currency, cv->lang);
}

static void
insert_labels(struct gen *g, const struct conv *cv, int64_t id)
{
	struct rng *r = &g->r;
	const char *lab[8];
	int n = 0;

	if (cv->topic == T_SHOP && chance(r, 35))
		lab[n++] = "delivery";
	if ((cv->topic == T_BEAUTY || cv->topic == T_PETS) && chance(r, 45))
		lab[n++] = "booking";
	if ((strcmp(cv->priority, "urgent") == 0 ||
	    strcmp(cv->priority, "high") == 0) && chance(r, 50))
		lab[n++] = "complaint";
	if (cv->pay == PAY_PAID && chance(r, 30))
		lab[n++] = "vip";
	if (cv->mo == NULL && chance(r, 7))
		lab[n++] = "refund";
	if (cv->topic == T_SHOP && chance(r, 6))
		lab[n++] = "wholesale";
	if (chance(r, 20))
		lab[n++] = fld(pick(r, &g->labels), 0);
	for (int i = 0; i < n; i++) {
		struct row row;
		int dup = 0;

		for (int j = 0; j < i; j++)
			dup |= strcmp(lab[i], lab[j]) == 0;
		if (dup)
			continue;
		row = row_begin(g, S_LABEL);
		put_int(&row, id);
		put_text(&row, lab[i]);
		row_end(&row);
	}
}

/* Bytes of the first n characters of a UTF-8 string. */
static int
utf8_prefix(const char *s, int n)
{
	const char *p = s;

	for (int cp = 0; *p != '\0' && cp < n; cp++) {
		p++;
		while (((unsigned char)*p & 0xC0) == 0x80)
			p++;
	}
	return (int)(p - s);
}

static void
insert_thread(struct gen *g, struct conv *cv)
{
	struct rng *r = &g->r;
	struct msg *m = cv->m;
	int n = cv->n, last_reply = -1, unread = 0;
	int64_t id = g->next_conv++, waiting = NONE, snooze = NONE;
	struct row row;

	/* A reply is outbound text; notes and events are not replies. */
	for (int k = 0; k < n; k++)
		if (!m[k].in && m[k].kind == K_TEXT)
			last_reply = k;
	for (int k = last_reply + 1; k < n; k++)
		if (m[k].in) {
			waiting = m[k].at;
			break;
		}
	/* Unread: the trailing inbound run, unless someone opened it. */
	if (m[n - 1].in && cv->status != CS_RESOLVED && chance(r, 85))
		for (int k = n - 1; k >= 0 && m[k].in; k--)
			unread++;
	if (cv->status == CS_SNOOZED)
		snooze = g->now + between(r, HOUR, 3 * DAY);

	row = row_begin(g, S_CONV);
	put_int(&row, id);
	put_int(&row, cv->co->id);
	put_int(&row, cv->ch->id);
	put_int(&row, cv->ct.id);
	put_int(&row, cv->order_id);
	put_text(&row, conv_status[cv->status]);
	put_int(&row, snooze);
	put_text(&row, cv->priority);
	put_int(&row, cv->assignee != NULL ? cv->assignee->id : NONE);
	put_text(&row, cv->human ? "human" : "ai");
	put_int(&row, cv->handoff);
	put_int(&row, unread);
	put_int(&row, m[n - 1].at);
	put_int(&row, waiting);
	put_textn(&row, m[n - 1].body, utf8_prefix(m[n - 1].body, 120));
	put_text(&row, pay_status[cv->pay]);
	put_int(&row, cv->reminder);
	put_int(&row, m[0].at);
	row_end(&row);
	insert_labels(g, cv, id);
	if (m[n - 1].at > g->latest)
		g->latest = m[n - 1].at;

	for (int k = 0; k < n; k++) {
		struct msg *x = &m[k];

		row = row_begin(g, S_MSG);
		put_int(&row, id);
		put_text(&row, x->in ? "in" : "out");
		put_text(&row, x->kind == K_TEXT ? "text" :
		    x->kind == K_NOTE ? "note" : "system");
		put_text(&row, author_name[x->author]);
		put_int(&row, x->author == AU_USER ? x->user->id : NONE);
		put_text(&row, x->body);
		put_text(&row, x->att_type != NULL ? x->att_url : NULL);
		put_text(&row, x->att_type);
		put_int(&row, x->att_type != NULL ? x->att_size : NONE);
		put_text(&row, x->x8);
		put_text(&row, x->delivery);
		put_int(&row, x->at);
		row_end(&row);
	}
	if (cv->assignee != NULL && cv->assign_at >= 0) {
		if (chance(r, 25))
			notify(g, cv->assignee, "assigned", arena_printf(&g->tmp,
			    "%s (%s) was assigned to you", cv->ct.name,
			    cv->ch->platform), "conversation", id,
			    m[cv->assign_at].at);
		if (chance(r, 10))
			audit(g, cv->co->manager != NULL ? cv->co->manager :
			    g->admin, NULL, "conversation.assign",
			    "conversation", id, arena_printf(&g->tmp,
			    "assignee → %s", cv->assignee->name),
			    m[cv->assign_at].at);
	}
}

/* The state of a chat, decided before its messages: status, who handles
 * it, whether money changed hands. */
static void
conv_state(struct gen *g, struct conv *cv)
{
	struct rng *r = &g->r;
	int x = below(r, 100);
	char tok[16];

	cv->assignee = NULL;
	cv->human = 0;
	cv->handoff = 0;
	cv->pay = PAY_NONE;
	cv->reminder = 0;
	cv->order_id = NONE;
	cv->order_no = NULL;
	cv->total[0] = '\0';
	rand_token(r, tok, 10);
	snprintf(cv->link, sizeof cv->link, "https://pay.example.com/c/%s",
	    tok);
	if (cv->mo != NULL) {
		cv->status = cv->mo->ended_at != NONE ? CS_RESOLVED :
		    chance(r, 70) ? CS_OPEN : CS_PENDING;
		cv->priority = chance(r, 80) ? "none" : "medium";
		cv->human = 1;
		cv->order_id = cv->mo->id;
		cv->order_no = cv->mo->number;
		return;
	}
	if (cv->n == 1)
		cv->status = chance(r, 85) ? CS_OPEN : CS_SNOOZED;
	else if (g->now - cv->last < HOUR && chance(r, 80))
		cv->status = CS_OPEN;
	else
		cv->status = x < 32 ? CS_RESOLVED : x < 62 ? CS_OPEN :
		    x < 80 ? CS_PENDING : CS_SNOOZED;
	x = below(r, 100);
	cv->priority = x < 50 ? "none" : x < 62 ? "low" : x < 80 ? "medium" :
	    x < 94 ? "high" : "urgent";
	if (cv->n >= 3 && cv->status == CS_OPEN && chance(r, 12)) {
		cv->handoff = 1;	/* waiting for a human, nobody yet */
		cv->human = 1;
	} else if (chance(r, 45)) {
		cv->assignee = cv->co->manager != NULL && chance(r, 40) ?
		    cv->co->manager : any_staff(g, cv->lang);
		cv->human = chance(r, 90);
	}
	if (cv->n >= 3) {
		x = below(r, 100);
		cv->pay = x < 22 ? PAY_LINK : x < 40 ? PAY_PAID : PAY_NONE;
	}
}

/* The messages of a chat whose state is decided (conv_state), and what
 * they bring about: the contact, the order behind a payment link. */
static void
chat_body(struct gen *g, struct conv *cv)
{
	struct cart cart;
	int order = 0;
	int64_t link_at = 0, paid_at = NONE;

	/* A shop's payment link is for a cart that becomes an order; its
	 * number and total are in the messages. */
	if (cv->pay != PAY_NONE && cv->co->arch == A_FLOWERS) {
		plan_cart(g, cv->co, &cart);
		chat_money(cv->total, sizeof cv->total, cart.sum +
		    cart.delivery, cv->co->currency, cv->lang);
		if ((order = g->checkout_left > 0))
			cv->order_no = arena_printf(&g->tmp, "X8-%06d",
			    g->checkout_no);
	} else if (cv->pay != PAY_NONE)
		service_total(g, cv);
	if (cv->new_contact)
		contact_identity(g, cv, cv->lang);
	if (cv->mo != NULL)
		order_times(g, cv);
	thread_shape(g, cv);
	thread_text(g, cv);
	if (cv->mo == NULL)
		thread_times(g, cv);
	thread_details(g, cv);
	if (cv->new_contact)
		contact_insert(g, cv, cv->m[0].at - between(&g->r, 0, 60));
	for (int k = 0; k < cv->n; k++) {
		if (cv->m[k].role == R_PAYLINK)
			link_at = cv->m[k].at;
		if (cv->m[k].role == R_PAID)
			paid_at = cv->m[k].at;
	}
	if (order && cv->pay != PAY_NONE)
		cv->order_id = insert_checkout(g, cv->co, &cv->ct, &cart,
		    cv->pay, link_at, paid_at);
	if (cv->pay == PAY_LINK)
		cv->reminder = chance(&g->r, 75);
}

static void
gen_thread(struct gen *g, struct conv *cv)
{
	conv_state(g, cv);
	chat_body(g, cv);
	insert_thread(g, cv);
}

static int
pick_channel(struct gen *g, struct company *c)
{
	int total = 0, x, i;

	/* The first chats of a company go one per channel, so every platform
	 * it has shows up. */
	for (i = 0; i < c->nch; i++)
		if (c->ch[i].weight > 0 && c->nconv == i)
			return i;
	for (i = 0; i < c->nch; i++)
		total += c->ch[i].weight;
	x = below(&g->r, total);
	for (i = 0; i < c->nch; i++)
		if ((x -= c->ch[i].weight) < 0)
			return i;
	return 0;
}

/* Carts never discussed in a chat came through the web shop. */
static void
gen_web_orders(struct gen *g)
{
	struct rng *r = &g->r;
	int *shops, n = 0;

	shops = xcalloc((size_t)g->nco, sizeof *shops);
	for (int k = 0; k < g->nco; k++)
		if (g->co[k].arch == A_FLOWERS)
			shops[n++] = k;
	for (int i = 0; n > 0 && g->checkout_left > 0 && !g->failed; i++) {
		struct company *c = &g->co[shops[i % n]];
		struct conv cv;
		struct cart cart;
		int pay = chance(r, 60) ? PAY_PAID : PAY_LINK;
		int64_t at = g->now - 5 * MINUTE -
		    (int64_t)(unit(r) * 58 * DAY), paid = NONE;

		arena_reset(&g->tmp);
		memset(&cv, 0, sizeof cv);
		cv.co = c;
		cv.ch = &c->ch[0];
		contact_identity(g, &cv, pick_lang(r, arch_langs[c->arch]));
		cv.lead = "website";
		contact_insert(g, &cv, at - between(r, MINUTE, HOUR));
		plan_cart(g, c, &cart);
		if (pay == PAY_PAID)
			paid = at + between(r, MINUTE, 4 * HOUR);
		if (paid != NONE && paid > g->now)
			paid = g->now;
		insert_checkout(g, c, &cv.ct, &cart, pay, at, paid);
	}
	free(shops);
}

static int
chat_topic(const struct company *c)
{
	return c->arch == A_FLOWERS ? T_SHOP : c->arch == A_PETS_RU ||
	    c->arch == A_PETS_EU ? T_PETS : T_BEAUTY;
}

/* A chat of an end customer with one of the businesses, picked by the
 * archetype weights cw (summing to total). */
static void
customer_chat(struct gen *g, struct conv *cv, const int *cw, int total)
{
	struct rng *r = &g->r;
	int x = below(r, total), k;
	double u = unit(r);

	for (k = 0; k < g->nco - 1; k++)
		if ((x -= cw[k]) < 0)
			break;
	cv->co = &g->co[k];
	cv->ch = &cv->co->ch[pick_channel(g, cv->co)];
	cv->co->nconv++;
	cv->topic = chat_topic(cv->co);
	/* Recent chats are dense: the cube puts about a tenth of them in
	 * the last hour. */
	cv->last = g->now - 20 - (int64_t)(u * u * u * 60 * DAY);
	if (cv->co->last.id != 0 && chance(r, 12)) {
		cv->ct = cv->co->last;		/* writes again */
		cv->lang = cv->ct.lang;
		if (cv->lo < cv->ct.created_at)
			cv->lo = cv->ct.created_at;
		if (cv->last < cv->lo + HOUR)
			cv->last = cv->lo + HOUR;
	} else {
		int mix[NLANG];

		memcpy(mix, arch_langs[cv->co->arch], sizeof mix);
		if (cv->co->arch == A_PETS_EU && cv->co->lang == EN) {
			mix[ES] = 10;
			mix[EN] = 90;
		}
		cv->new_contact = 1;
		cv->lang = pick_lang(r, mix);
	}
	if (cv->last > g->now)
		cv->last = g->now;
	if (cv->last <= cv->lo)
		cv->last = cv->lo + 1;
}

/* A preset's long chats: a business customer who has written to one
 * company for months, one order after another.  They are made last and
 * the first of them last of all, so it is the latest chat; every one
 * stays within 90 days, the history a seeded cache keeps by default.
 * from and to are days before now. */
static const struct {
	int	arch, lang, from, to;
} long_chats[] = {
	{ A_FLOWERS, ES, 85, 0 },	/* a hotel's flowers, twice a week */
	{ A_PETS_RU, RU, 84, 2 },	/* a kennel's grooming */
	{ A_BEAUTY, AR, 86, 9 },	/* a wedding planner's brides */
};

#define LONG_PARTS	25	/* the orders of a long chat */

/* Each part is a chat of its own, decided and written as any other
 * (conv_state, chat_body): resolved, then reopened by the customer's next
 * message, and answered by the one person the account was assigned to.
 * The conversation row is the last part's state over every message. */
static void
long_chat(struct gen *g, int which, const int *cw)
{
	struct rng *r = &g->r;
	int spec = which % (int)nitems(long_chats), len[LONG_PARTS], k;
	int arch = long_chats[spec].arch, off = 0;
	struct person *agent;
	struct conv cv, pc;
	struct seen seen;
	int64_t lo, to, end;

	/* The archetype's first company, else the first that has chats. */
	for (k = 0; k < g->nco && g->co[k].arch != arch; k++)
		;
	for (int i = 0; k == g->nco && i < g->nco; i++)
		if (cw[i] > 0)
			k = i;
	if (k == g->nco)
		return;
	arena_reset(&g->tmp);
	memset(&cv, 0, sizeof cv);
	seen.n = 0;
	seen.window = 12;
	cv.co = &g->co[k];
	cv.ch = &cv.co->ch[0];		/* the company's main channel */
	cv.co->nconv++;
	cv.lang = long_chats[spec].lang;
	cv.topic = chat_topic(cv.co);
	cv.m = g->msgs;
	cv.seen = &seen;
	lo = g->now - (int64_t)long_chats[spec].from * DAY;
	to = g->now - (int64_t)long_chats[spec].to * DAY - between(r, 5, 90);
	/* Other chats may end at now itself: a tie goes to the higher id,
	 * which the last chat made has. */
	if (which == 0 && to <= g->latest)
		to = g->latest + 1 < g->now ? g->latest + 1 : g->now;
	agent = any_staff(g, cv.lang);
	for (int p = 0; p < LONG_PARTS; p++)
		len[p] = between(r, 8, 32);
	balance(r, len, LONG_PARTS, 6, 40, DEMO_LONG_THREAD);
	end = lo;
	for (int p = 0; p < LONG_PARTS && !g->failed; p++) {
		pc = cv;
		pc.m = cv.m + off;
		pc.n = len[p];
		pc.part = p;
		pc.new_contact = p == 0;
		/* Each part ends a little before its share of the months,
		 * talked over in a day or two; the days between are quiet. */
		pc.last = p == LONG_PARTS - 1 ? to : lo + (to - lo) * (p + 1) /
		    LONG_PARTS - between(r, 0, (int)((to - lo) / LONG_PARTS / 3));
		pc.lo = pc.last - between(r, 6 * HOUR, 2 * DAY);
		if (pc.lo < end + HOUR)
			pc.lo = end + HOUR;
		if (pc.last < pc.lo + HOUR)
			pc.last = pc.lo + HOUR;
		conv_state(g, &pc);
		pc.assignee = agent;
		pc.human = 1;
		pc.handoff = 0;
		if (p < LONG_PARTS - 1) {
			pc.status = CS_RESOLVED;
			if (pc.pay == PAY_LINK)
				pc.pay = PAY_PAID;	/* settled since */
		}
		chat_body(g, &pc);
		if (p == 0) {
			cv.ct = pc.ct;
			cv.assign_at = pc.assign_at;
		}
		end = pc.m[pc.n - 1].at;
		off += pc.n;
	}
	cv.n = off;
	cv.status = pc.status;
	cv.priority = pc.priority;
	cv.assignee = pc.assignee;
	cv.human = pc.human;
	cv.pay = pc.pay;
	cv.reminder = pc.reminder;
	cv.order_id = pc.order_id;
	insert_thread(g, &cv);
}

static void
gen_conversations(struct gen *g)
{
	struct rng *r = &g->r;
	int N = g->sz->conversations, *counts, norder, *cw, total = 0, hi;
	int nlong = g->sz->long_threads;
	long M = g->sz->messages;
	double mean;

	rng_seed(r, g->seed, 5);
	if (N <= 0) {
		gen_web_orders(g);
		return;
	}
	/* The long chats' messages are the others' fewer. */
	if (nlong < 0 || nlong >= N ||
	    (long)nlong * DEMO_LONG_THREAD + N - nlong > M)
		nlong = 0;
	N -= nlong;
	M -= (long)nlong * DEMO_LONG_THREAD;
	/* Messages per chat: many short ones, a few long, exact total. */
	counts = xcalloc((size_t)N, sizeof *counts);
	mean = (double)M / N;
	if (mean < 1)
		mean = 1;
	hi = mean * 3 > 30 ? (int)(mean * 3) : 30;
	for (int i = 0; i < N; i++)
		counts[i] = 1 + (int)(3 * (mean - 1) * unit(r) * unit(r));
	balance(r, counts, N, 1, hi, M);
	g->msgs = xcalloc((size_t)(nlong > 0 && hi < DEMO_LONG_THREAD ?
	    DEMO_LONG_THREAD : hi), sizeof *g->msgs);

	cw = xcalloc((size_t)g->nco, sizeof *cw);
	for (int k = 0; k < g->nco; k++)
		total += cw[k] = arch_conv_weight[g->co[k].arch];
	norder = g->nmk < N / 4 ? g->nmk : N / 4;
	if (total == 0)
		norder = N < g->nmk ? N : g->nmk;
	for (int i = 0; i < N && !g->failed; i++) {
		struct conv cv;

		arena_reset(&g->tmp);
		memset(&cv, 0, sizeof cv);
		cv.n = counts[i];
		cv.m = g->msgs;
		cv.lo = g->now - 62 * DAY;
		if (i < norder) {
			struct mkorder *mo = &g->mk[i];
			struct company *c = &g->co[mo->company];

			cv.co = c;
			cv.ch = &c->ch[0];	/* order_chat */
			cv.mo = mo;
			cv.ct = g->cust_contacts[mo->customer];
			cv.lang = RU;
			gen_thread(g, &cv);	/* timed by order_times() */
			continue;
		}
		if (total == 0)
			break;
		customer_chat(g, &cv, cw, total);
		gen_thread(g, &cv);
	}
	for (int j = nlong - 1; j >= 0 && total > 0 && !g->failed; j--)
		long_chat(g, j, cw);
	arena_reset(&g->tmp);
	gen_web_orders(g);
	free(cw);
	free(counts);
}

/* ---- canned responses ---------------------------------------------------- */

/* Each company's saved replies: the everyday ones in the language the
 * business writes in, one for its own trade, and a greeting in each other
 * language its customers write in ("greeting-en"), at most eight.  No
 * PRNG stream: the set follows from the company alone. */
enum { CR_GREETING, CR_CHECKING, CR_TRADE, CR_CALLBACK, CR_THANKS,
	CR_SORRY, NCR };
static const char *const canned_code[NCR] = {
	"greeting", "checking", NULL, "call-back", "thanks", "sorry"
};
/* In enum lang order: ru, es, ar, en.  %s is the company's name. */
static const char *const canned_text[NCR][NLANG] = {
	[CR_GREETING] = {
		"Здравствуйте! Спасибо, что написали в %s. Чем можем помочь?",
		"¡Hola! Gracias por escribir a %s. ¿En qué podemos ayudarte?",
		"أهلاً وسهلاً! شكراً لتواصلك مع %s. كيف نقدر نساعدك؟",
		"Hi! Thanks for contacting %s. How can we help you today?",
	},
	[CR_CHECKING] = {
		"Сейчас проверю и напишу вам через пару минут.",
		"Ahora mismo lo compruebo y te digo algo en unos minutos.",
		"لحظة أتحقق من الموضوع وأرجع لك خلال دقائق.",
		"Let me check that for you; I'll get back to you in a few "
		    "minutes.",
	},
	[CR_CALLBACK] = {
		"Можем вам перезвонить — подскажите, в какое время удобно?",
		"¿Te llamamos? Dinos a qué hora te viene bien.",
		"تحب نتصل بيك؟ قول لنا الوقت المناسب لك.",
		"Would you like us to call you? Tell us a time that suits you.",
	},
	[CR_THANKS] = {
		"Спасибо вам! Если что-то понадобится — пишите 😊",
		"¡Gracias a ti! Si necesitas algo más, aquí estamos 😊",
		"شكراً لك! إذا تحتاج أي شي ثاني احنا موجودين 😊",
		"Thank you! If you need anything else, we're here 😊",
	},
	[CR_SORRY] = {
		"Извините за неудобства. Решим сегодня же и сообщим вам.",
		"Disculpa las molestias. Lo resolvemos hoy mismo y te avisamos.",
		"نعتذر عن الإزعاج، راح نحلها اليوم ونبلغك.",
		"Sorry for the trouble. We'll sort it out today and let you "
		    "know.",
	},
};
/* The reply of each trade, in the languages its businesses write in. */
static const struct {
	const char	*code;
	const char	*text[NLANG];
} canned_trade[NARCH] = {
	[A_FLOWERS] = { "delivery-times", {
		[ES] = "Los pedidos hechos antes de las 14:00 se entregan el "
		    "mismo día; los demás salen a primera hora del día "
		    "siguiente.",
		[EN] = "Orders placed before 2 pm are delivered the same day; "
		    "later ones go out first thing the next morning." } },
	[A_BEAUTY] = { "booking", {
		[ES] = "Para reservar, dinos el servicio, el día y la hora que "
		    "prefieras y te confirmamos la cita enseguida.",
		[EN] = "To book, tell us the service, the day and the time you "
		    "prefer and we'll confirm your appointment right away." } },
	[A_MONTAJ] = { "visit", {
		[RU] = "Мастер приедет на замер в удобный вам день. Напишите, "
		    "пожалуйста, адрес и удобное время.",
		[EN] = "Our installer can come to measure on a day that suits "
		    "you. Please send us the address and a good time." } },
	[A_PETS_RU] = { "appointment", {
		[RU] = "Записаться можно на любой день, кроме воскресенья. "
		    "Напишите породу и возраст питомца и удобное время.",
		[EN] = "We take appointments every day but Sunday. Tell us "
		    "your pet's breed and age and a time that suits you." } },
	[A_PETS_EU] = { "appointment", {
		[ES] = "Tenemos citas de lunes a sábado. Dinos la raza y la "
		    "edad de tu mascota y la hora que prefieras.",
		[EN] = "We have appointments Monday to Saturday. Tell us your "
		    "pet's breed and age and the time that suits you." } },
	[A_DEPTH] = { "quote", {
		[AR] = "نرسل لك عرض السعر خلال يومين عمل بعد ما نستلم كل "
		    "التفاصيل.",
		[EN] = "We'll send you a quote within two working days of "
		    "receiving all the details." } },
};
#define CANNED_MAX	8

static void
insert_canned(struct gen *g, const struct company *c, const char *code,
    const char *text, int64_t at)
{
	struct row row = row_begin(g, S_CANNED);

	put_int(&row, c->id);
	put_text(&row, code);
	put_text(&row, text);
	put_int(&row, at);
	row_end(&row);
}

static void
gen_canned(struct gen *g)
{
	for (int k = 0; k < g->nco && !g->failed; k++) {
		const struct company *c = &g->co[k];
		const int *mix = arch_langs[c->arch];
		int other[NLANG], nother = 0, n = 0, last;
		int64_t at = g->now - (int64_t)(30 + k) * DAY;

		/* The customers' other languages, most spoken first. */
		for (int l = 0; l < NLANG; l++)
			if (l != c->lang && mix[l] > 0)
				other[nother++] = l;
		for (int i = 1; i < nother; i++)
			for (int j = i; j > 0 && mix[other[j]] >
			    mix[other[j - 1]]; j--) {
				int t = other[j];

				other[j] = other[j - 1];
				other[j - 1] = t;
			}
		/* A business with one language gets an apology as well. */
		last = nother == 0 ? CR_SORRY : CR_THANKS;
		for (int i = 0; i <= last && n < CANNED_MAX; i++) {
			const char *code = canned_code[i], *text;

			text = canned_text[i][c->lang];
			if (i == CR_TRADE) {
				code = canned_trade[c->arch].code;
				text = canned_trade[c->arch].text[c->lang];
				if (text == NULL)
					text = canned_trade[c->arch].text[EN];
			}
			insert_canned(g, c, code, i == CR_GREETING ?
			    arena_printf(&g->a, text, c->name) : text,
			    at + (int64_t)n * HOUR);
			n++;
		}
		for (int i = 0; i < nother && n < CANNED_MAX; i++, n++)
			insert_canned(g, c, arena_printf(&g->a, "greeting-%s",
			    lang_code[other[i]]), arena_printf(&g->a,
			    canned_text[CR_GREETING][other[i]], c->name),
			    at + (int64_t)n * HOUR);
	}
}

/* ---- knowledge base ------------------------------------------------------------ */

struct kbcol {
	const char	*name, *type;
	int		 required;
	const char	*enums;
};

static const struct kbcol cols_product[] = {
	{ "product_name", "text", 1, NULL }, { "sku", "integer", 1, NULL },
	{ "description", "text", 1, NULL }, { "unit", "text", 0, NULL },
	{ "price_eur", "money", 1, NULL },
	{ "logistics_price_eur", "money", 0, NULL },
	{ "free_delivery", "money", 0, NULL },
	{ "stock_units", "integer", 0, NULL },
	{ "delivery_time_hours", "integer", 0, NULL },
	{ "payment_reminder", "integer", 0, NULL },
	{ "cities", "json_list", 1, NULL }, { "website_url", "url", 0, NULL },
	{ "image_url", "url", 0, NULL }, { "video_url", "url", 0, NULL },
	{ "supplier_contact", "text", 0, NULL },
	{ "warehouse_address", "text", 0, NULL },
};
static const struct kbcol cols_service[] = {
	{ "service_name", "text", 1, NULL },
	{ "service_category", "text", 0, NULL },
	{ "service_subcategory", "text", 0, NULL },
	{ "sku", "integer", 1, NULL }, { "unit", "text", 0, NULL },
	{ "duration", "text", 0, NULL },
	{ "format", "enum", 0, "[\"offline\",\"video-call\",\"home visit\"]" },
	{ "description", "text", 1, NULL }, { "price_eur", "money", 1, NULL },
	{ "location", "text", 0, NULL },
	{ "slots_available", "integer", 0, NULL },
	{ "payment_reminder", "integer", 0, NULL },
	{ "specialist_initials", "text", 0, NULL },
	{ "website_url", "url", 0, NULL }, { "image_url", "url", 0, NULL },
};
static const struct kbcol cols_promo[] = {
	{ "code", "text", 1, NULL }, { "discount_percent", "integer", 1, NULL },
	{ "channel", "enum", 0,
	    "[\"all\",\"whatsapp\",\"instagram\",\"telegram\",\"tiktok\"]" },
	{ "active", "boolean", 0, NULL }, { "valid_until", "text", 0, NULL },
};
static const struct kbcol cols_zones[] = {
	{ "zone", "text", 1, NULL }, { "cities", "json_list", 1, NULL },
	{ "delivery_price_eur", "money", 0, NULL },
	{ "same_day", "boolean", 0, NULL }, { "cutoff_time", "text", 0, NULL },
};

enum { KB_PRODUCT, KB_SERVICE, KB_PETS, KB_PROMO, KB_ZONES };

static const struct {
	const struct kbcol	*cols;
	int			 n;
	const char		*kind;
} kb_sets[] = {
	[KB_PRODUCT] = { cols_product, (int)nitems(cols_product), "product" },
	[KB_SERVICE] = { cols_service, (int)nitems(cols_service), "service" },
	[KB_PETS] = { cols_service, (int)nitems(cols_service), "service" },
	[KB_PROMO] = { cols_promo, (int)nitems(cols_promo), "custom" },
	[KB_ZONES] = { cols_zones, (int)nitems(cols_zones), "custom" },
};

struct kbtpl {
	const char	*name[NLANG];	/* by the company's language */
	int		 set;
};

static const struct kbtpl tpl_flowers[] = {
	{ { NULL, "Catálogo de flores", NULL, NULL }, KB_PRODUCT },
	{ { NULL, "Zonas de entrega", NULL, NULL }, KB_ZONES },
	{ { NULL, "Plantas y regalos", NULL, NULL }, KB_PRODUCT },
};
static const struct kbtpl tpl_beauty[] = {
	{ { NULL, "Servicios del salón", NULL, NULL }, KB_SERVICE },
	{ { NULL, "Códigos promocionales", NULL, NULL }, KB_PROMO },
	{ { NULL, "Bonos y packs", NULL, NULL }, KB_SERVICE },
};
static const struct kbtpl tpl_pets[] = {
	{ { NULL, "Servicios de peluquería canina", NULL,
	    "Grooming services" }, KB_PETS },
	{ { NULL, "Códigos promocionales", NULL, "Promo codes" }, KB_PROMO },
};

static void
kb_cities(struct gen *g, const struct company *c, const char **city, int *n)
{
	city[0] = c->city;
	*n = 1;
	for (int want = below(&g->r, 4); *n <= want;) {
		const char *x = fld(pick(&g->r, &g->cities_es), 0);
		int dup = 0;

		for (int i = 0; i < *n; i++)
			dup |= strcmp(city[i], x) == 0;
		if (dup)
			break;
		city[(*n)++] = x;
	}
}

/* Catalogues longer than the corpus repeat it as variants: large,
 * mini, premium, special edition.  Free stays free. */
static int64_t
variant_price(int64_t price, int v)
{
	static const int pct[5] = { 100, 150, 60, 180, 130 };

	return (price * pct[v] / 100 + 5) / 10 * 10;
}

/* Catalogues longer than five rounds of the corpus (the large demo's
 * 10,000-row tables) go on combining: an option and a detail after the
 * variant, each option with its price, and SKUs of their own. */
struct kbopt {
	const char	*text;
	int		 pct;		/* of the variant's price */
};

static const struct kbopt opt_product[] = {
	{ " en caja regalo", 115 }, { " con jarrón de cristal", 125 },
	{ " con bombones", 120 }, { " con globo", 110 },
	{ " con tarjeta personalizada", 105 }, { " en cesta de mimbre", 130 },
	{ " con peluche", 120 }, { " para empresas", 100 },
	{ " de temporada", 95 }, { " con vela aromática", 115 },
};
static const char *const detail_product[] = {
	"", " · envoltorio kraft", " · envoltorio blanco", " · lazo rojo",
	" · lazo dorado", " · entrega urgente", " · entrega programada",
};
static const struct kbopt opt_service_es[] = {
	{ " — sesión de tarde", 100 }, { " — fin de semana", 115 },
	{ " — con producto premium", 125 }, { " — bono 5 sesiones", 450 },
	{ " — bono 10 sesiones", 850 }, { " — con estilista sénior", 120 },
	{ " — primera visita", 85 }, { " — en pareja", 180 },
	{ " — para eventos", 140 }, { " — exprés", 90 },
};
static const struct kbopt opt_service_en[] = {
	{ " — evening slot", 100 }, { " — weekend", 115 },
	{ " — premium products", 125 }, { " — pack of 5", 450 },
	{ " — pack of 10", 850 }, { " — senior stylist", 120 },
	{ " — first visit", 85 }, { " — for two", 180 },
	{ " — for events", 140 }, { " — express", 90 },
};
static const struct kbopt opt_pets_es[] = {
	{ " — fin de semana", 115 }, { " — cachorro", 90 },
	{ " — pelo largo", 130 }, { " — con deslanado", 135 },
	{ " — mascota sénior", 105 }, { " — primera visita", 85 },
	{ " — bono 5 sesiones", 450 }, { " — bono 10 sesiones", 850 },
	{ " — champú hipoalergénico", 110 },
	{ " — recogida a domicilio", 125 },
};
static const struct kbopt opt_pets_en[] = {
	{ " — weekend", 115 }, { " — puppy", 90 },
	{ " — long-haired breed", 130 }, { " — with deshedding", 135 },
	{ " — senior pet", 105 }, { " — first visit", 85 },
	{ " — pack of 5", 450 }, { " — pack of 10", 850 },
	{ " — hypoallergenic shampoo", 110 },
	{ " — pick-up and drop-off", 125 },
};
static const char *const detail_service_es[] = {
	"", " (reserva online)", " (sin cita)", " · tarjeta regalo",
	" · precio socio", " · tarifa fidelidad",
};
static const char *const detail_service_en[] = {
	"", " (book online)", " (walk-in)", " · gift card",
	" · member price", " · loyalty rate",
};

struct kbmore {
	const struct kbopt	*opt;
	int			 nopt;
	const char *const	*detail;
	int			 ndetail;
};
#define KBMORE(o, d)	{ o, (int)nitems(o), d, (int)nitems(d) }

static const struct kbmore more_product =
    KBMORE(opt_product, detail_product);
static const struct kbmore more_service[2] = {	/* Spanish, English */
	KBMORE(opt_service_es, detail_service_es),
	KBMORE(opt_service_en, detail_service_en),
};
static const struct kbmore more_pets[2] = {
	KBMORE(opt_pets_es, detail_service_es),
	KBMORE(opt_pets_en, detail_service_en),
};

/* For round >= 5 of a catalogue: the suffix after the variant, and the
 * percentage of its price. */
static int
kb_more(struct gen *g, int round, const struct kbmore *m,
    const char **suffix)
{
	int k = round / 5 - 1;

	*suffix = arena_printf(&g->tmp, "%s%s", m->opt[k % m->nopt].text,
	    m->detail[k / m->nopt % m->ndetail]);
	return m->opt[k % m->nopt].pct;
}

static void
kb_row_cells(struct gen *g, const struct company *c, int set, int i,
    int base)
{
	static const char *const variant_es[] = {
		"", " (grande)", " (mini)", " premium", " edición especial"
	};
	static const char *const service_es[] = {
		"", " express", " a domicilio", " premium", " + tratamiento"
	};
	static const char *const service_en[] = {
		"", " express", " (home visit)", " premium", " + spa"
	};
	struct rng *r = &g->r;
	struct sbuf *b = &g->sb;
	const char *cities[5];
	char url[160], date[16];
	int nc, v;

	js_begin(b);
	switch (set) {
	case KB_PRODUCT: {
		int idx = (base + i) % g->products.n;
		int round = (base + i) / g->products.n, pct = 100;
		const struct entry *e = &g->products.e[idx];
		int sku = 1000 + idx + 100 * (round % 5);
		const char *more = "";
		int64_t price;

		v = round % 5;
		if (round >= 5 && g->compose) {
			pct = kb_more(g, round, &more_product, &more);
			sku = 100000 + base + i;
		}
		price = variant_price(fnum(e, 2), v);
		if (pct != 100)
			price = (price * pct / 100 + 5) / 10 * 10;
		js_str(b, "product_name", arena_printf(&g->tmp, "%s%s%s",
		    fld(e, 0), variant_es[v], more));
		js_int(b, "sku", sku);
		js_str(b, "description", fld(e, 3));
		js_str(b, "unit", fld(e, 1));
		js_int(b, "price_eur", price);
		js_int(b, "logistics_price_eur", c->logistics);
		js_int(b, "free_delivery", c->free_delivery);
		js_int(b, "stock_units", below(r, 121));
		js_int(b, "delivery_time_hours",
		    (int []){ 4, 24, 24, 48 }[below(r, 4)]);
		js_int(b, "payment_reminder", c->reminder_h);
		kb_cities(g, c, cities, &nc);
		js_list(b, "cities", cities, nc);
		snprintf(url, sizeof url, "https://%s.example.com/p/%d",
		    c->slug, sku);
		js_str(b, "website_url", chance(r, 70) ? url : "");
		snprintf(url, sizeof url, "https://img.example.com/%s/%d.jpg",
		    c->slug, sku);
		js_str(b, "image_url", chance(r, 80) ? url : "");
		snprintf(url, sizeof url,
		    "https://video.example.com/%s/%d.mp4", c->slug, sku);
		js_str(b, "video_url", chance(r, 10) ? url : "");
		js_str(b, "supplier_contact", chance(r, 60) ?
		    arena_printf(&g->tmp, "%s, %s",
		    fld(pick(r, &g->names[ES]), 0),
		    phone_for(r, &g->tmp, "ES")) : "");
		js_str(b, "warehouse_address", arena_printf(&g->tmp,
		    "Almacén %s, nave %d", c->city, between(r, 1, 24)));
		break;
	}
	case KB_SERVICE:
	case KB_PETS: {
		const struct entry *e;
		const char *const *variant = c->lang == EN ? service_en :
		    service_es;
		const char *format, *more = "";
		int n, idx, round, pct = 100, sku;
		int64_t price;

		if (set == KB_PETS && g->pets_by[c->lang].n > 0) {
			const struct pool *p = &g->pets_by[c->lang];

			n = p->n;
			e = p->e[(base + i) % n];
			idx = (base + i) % n;
		} else {
			n = g->beauty.n;
			idx = (base + i) % n;
			e = &g->beauty.e[idx];
		}
		round = (base + i) / n;
		v = round % 5;
		if (!g->compose)
			round %= 5;
		if (round >= 5)
			pct = kb_more(g, round, set == KB_PETS ?
			    &more_pets[c->lang == EN] :
			    &more_service[c->lang == EN], &more);
		if (set == KB_PETS && g->pets_by[c->lang].n > 0) {
			/* lang|category|name|unit|duration|price|description */
			sku = round >= 5 ? 100000 + base + i :
			    3000 + idx + 100 * v;
			price = variant_price(fnum(e, 5), v);
			if (pct != 100)
				price = (price * pct / 100 + 5) / 10 * 10;
			js_str(b, "service_name", arena_printf(&g->tmp,
			    "%s%s%s", fld(e, 2), variant[v], more));
			js_str(b, "service_category", fld(e, 1));
			js_str(b, "service_subcategory", "");
			js_int(b, "sku", sku);
			js_str(b, "unit", fld(e, 3));
			js_str(b, "duration", fld(e, 4));
			format = v == 2 ? "home visit" : "offline";
			js_str(b, "format", format);
			js_str(b, "description", fld(e, 6));
			js_int(b, "price_eur", price);
		} else {
			/* category|subcategory|name|unit|duration|format|
			 * price|description */
			js_str(b, "service_name", arena_printf(&g->tmp,
			    "%s%s%s", fld(e, 2), variant[v], more));
			js_str(b, "service_category", fld(e, 0));
			js_str(b, "service_subcategory", fld(e, 1));
			sku = round >= 5 ? 100000 + base + i :
			    2000 + idx + 100 * v;
			price = variant_price(fnum(e, 6), v);
			if (pct != 100)
				price = (price * pct / 100 + 5) / 10 * 10;
			js_int(b, "sku", sku);
			js_str(b, "unit", fld(e, 3));
			js_str(b, "duration", fld(e, 4));
			format = v == 2 ? "home visit" : fld(e, 5);
			js_str(b, "format", format);
			js_str(b, "description", fld(e, 7));
			js_int(b, "price_eur", price);
		}
		js_str(b, "location", strcmp(format, "video-call") == 0 ?
		    "Online" : strcmp(format, "home visit") == 0 ?
		    arena_printf(&g->tmp, "%s (%s)", c->city, c->lang == EN ?
		    "home visit" : "a domicilio") : c->city);
		js_int(b, "slots_available", below(r, 13));
		js_int(b, "payment_reminder", c->reminder_h);
		js_str(b, "specialist_initials", arena_printf(&g->tmp, "%c.%c.",
		    'A' + below(r, 26), 'A' + below(r, 26)));
		snprintf(url, sizeof url, "https://%s.example.com/s/%d",
		    c->slug, idx);
		js_str(b, "website_url", chance(r, 60) ? url : "");
		snprintf(url, sizeof url, "https://img.example.com/%s/s%d.jpg",
		    c->slug, idx);
		js_str(b, "image_url", chance(r, 50) ? url : "");
		break;
	}
	case KB_PROMO: {
		int pct = 5 * between(r, 1, 6), round = (base + i) / g->promo.n;
		const char *stem = fld(&g->promo.e[(base + i) % g->promo.n], 0);

		/* The number in the code is the discount: VERANO20. */
		js_str(b, "code", round == 0 ? arena_printf(&g->tmp, "%s%d",
		    stem, pct) : arena_printf(&g->tmp, "%s%d%c", stem, pct,
		    'A' + round % 26));
		js_int(b, "discount_percent", pct);
		js_str(b, "channel", (const char *[]){ "all", "whatsapp",
		    "instagram", "telegram", "tiktok" }[below(r, 5)]);
		js_bool(b, "active", chance(r, 70));
		fmt_date(date, sizeof date, g->today + between(r, -60, 90));
		js_str(b, "valid_until", date);
		break;
	}
	case KB_ZONES: {
		const char *city[1];

		city[0] = fld(&g->cities_es.e[(base + i) % g->cities_es.n], 0);
		js_str(b, "zone", arena_printf(&g->tmp, "Zona %d — %s", i + 1,
		    city[0]));
		js_list(b, "cities", city, 1);
		js_int(b, "delivery_price_eur", i == 0 ? 0 :
		    c->logistics + 100 * below(r, 4));
		js_bool(b, "same_day", chance(r, 40));
		js_str(b, "cutoff_time", (const char *[]){ "12:00", "14:00",
		    "16:00", "18:00" }[below(r, 4)]);
		break;
	}
	}
	js_end(b);
}

static void
gen_kb(struct gen *g)
{
	struct rng *r = &g->r;
	int T = g->sz->kb_tables, R = g->sz->kb_rows, nkb = 0, *kbco, *rows;
	int *sets, wsum = 0;
	int64_t next_table = 1;

	rng_seed(r, g->seed, 6);
	kbco = xcalloc((size_t)g->nco + 1, sizeof *kbco);
	for (int k = 0; k < g->nco; k++)
		if (g->co[k].arch == A_FLOWERS || g->co[k].arch == A_BEAUTY ||
		    g->co[k].arch == A_PETS_EU)
			kbco[nkb++] = k;
	if (nkb == 0 || T <= 0) {
		free(kbco);
		return;
	}
	rows = xcalloc((size_t)T, sizeof *rows);
	sets = xcalloc((size_t)T, sizeof *sets);
	for (int t = 0; t < T; t++) {
		const struct company *c = &g->co[kbco[t % nkb]];
		int nt = c->arch == A_FLOWERS ? (int)nitems(tpl_flowers) :
		    c->arch == A_BEAUTY ? (int)nitems(tpl_beauty) :
		    (int)nitems(tpl_pets);
		const struct kbtpl *tp = c->arch == A_FLOWERS ? tpl_flowers :
		    c->arch == A_BEAUTY ? tpl_beauty : tpl_pets;

		sets[t] = tp[t / nkb % nt].set;
		/* Catalogues are long; custom tables are short. */
		rows[t] = sets[t] == KB_PROMO || sets[t] == KB_ZONES ? 1 : 5;
		wsum += rows[t];
	}
	for (int t = 0; t < T; t++)
		rows[t] = (int)((long)R * rows[t] / wsum);
	balance(r, rows, T, 0, R, R);
	for (int t = 0; t < T && !g->failed; t++) {
		struct company *c = &g->co[kbco[t % nkb]];
		int nt = c->arch == A_FLOWERS ? (int)nitems(tpl_flowers) :
		    c->arch == A_BEAUTY ? (int)nitems(tpl_beauty) :
		    (int)nitems(tpl_pets);
		const struct kbtpl *tp = (c->arch == A_FLOWERS ? tpl_flowers :
		    c->arch == A_BEAUTY ? tpl_beauty : tpl_pets) + t / nkb % nt;
		const char *name = tp->name[c->lang] != NULL ?
		    tp->name[c->lang] : tp->name[ES];
		int round = t / nkb / nt, set = tp->set;
		int64_t id = next_table++;
		int64_t created = c->created_at + between(r, DAY, 30 * DAY);
		struct row row;

		if (round > 0)
			name = arena_printf(&g->a, "%s %d", name, round + 1);
		if (created > g->now - DAY)
			created = g->now - DAY;
		row = row_begin(g, S_KB_TABLE);
		put_int(&row, id);
		put_int(&row, c->id);
		put_text(&row, name);
		put_text(&row, kb_sets[set].kind);
		put_int(&row, created);
		put_int(&row, g->now - between(r, HOUR, 20 * DAY));
		row_end(&row);
		for (int i = 0; i < kb_sets[set].n; i++) {
			const struct kbcol *col = &kb_sets[set].cols[i];

			row = row_begin(g, S_KB_COL);
			put_int(&row, id);
			put_int(&row, i + 1);
			put_text(&row, col->name);
			put_text(&row, col->type);
			put_int(&row, col->required);
			put_text(&row, col->enums);
			row_end(&row);
		}
		for (int i = 0; i < rows[t] && !g->failed; i++) {
			/* Two catalogues of one shop start at different
			 * products.  A row's text lives until it is
			 * written. */
			arena_reset(&g->tmp);
			kb_row_cells(g, c, set, i, round * 7 + t / nkb * 13);
			row = row_begin(g, S_KB_ROW);
			put_int(&row, id);
			put_int(&row, i + 1);
			put_textn(&row, g->sb.p, (int)g->sb.len);
			put_int(&row, created + (int64_t)((g->now - created) *
			    unit(r)));
			row_end(&row);
		}
		if (chance(r, 60))
			audit(g, g->support0, c->owner, "kb_row.update",
			    "kb_table", id, "price_eur updated on request",
			    g->now - between(r, HOUR, 10 * DAY));
	}
	free(sets);
	free(rows);
	free(kbco);
}

/* ---- projects, invoices, payments ---------------------------------------------- */

struct billing {
	struct inv	*inv;
	int		 ninv, capinv;
	struct invline	*line;
	int		 nline, capline;
	int		 comm0;		/* first commission invoice */
};

static struct inv *
new_invoice(struct gen *g, struct billing *b, int company, const char *kind)
{
	struct inv *v;

	GROW(b->inv, b->ninv, b->capinv);
	v = &b->inv[b->ninv];
	memset(v, 0, sizeof *v);
	v->seq = b->ninv++;
	v->company = company;
	v->kind = kind;
	v->currency = g->co[company].currency;
	v->project_id = NONE;
	v->issue = v->due = v->pstart = v->pend = NONE;
	v->line0 = b->nline;
	return v;
}

static void
add_line(struct billing *b, struct inv *v, const char *desc, int64_t qty,
    int64_t unit_minor, const char *ref_kind, const char *ref_id,
    const char *fee)
{
	struct invline *l;

	GROW(b->line, b->nline, b->capline);
	l = &b->line[b->nline++];
	l->desc = desc;
	l->qty = qty;
	l->unit = unit_minor;
	l->amount = qty * unit_minor;
	l->ref_kind = ref_kind;
	l->ref_id = ref_id;
	l->fee = fee;
	v->nlines++;
	v->subtotal += l->amount;
}

/* A note of the kind, in the company's language when the corpus has
 * it (kind_es, kind_en), else in any. */
static const char *
inv_note(struct gen *g, const char *kind, int lang)
{
	struct pool p;
	const char *s = NULL;
	char tag[48];

	snprintf(tag, sizeof tag, "%s_%s", kind, lang_code[lang]);
	pool_build(&p, &g->inv_notes, tag);
	if (p.n == 0 && lang != EN) {
		free(p.e);
		snprintf(tag, sizeof tag, "%s_en", kind);
		pool_build(&p, &g->inv_notes, tag);
	}
	if (p.n == 0) {
		free(p.e);
		pool_build(&p, &g->inv_notes, kind);
	}
	if (p.n > 0)
		s = fld(pool_pick(&g->r, &p), 1);
	free(p.e);
	return s;
}

/* Issued invoices fall due after Net 15 or the company's deferral. */
static void
issue(struct gen *g, struct inv *v, int64_t day)
{
	const struct company *c = &g->co[v->company];

	if (day > g->today)
		day = g->today;
	v->status = IS_SENT;	/* settled when the invoice is written */
	v->issue = day;
	v->due = day + (c->deferral > 0 ? c->deferral : 15);
	v->created_at = day * DAY + 8 * HOUR + between(&g->r, 0, 3 * HOUR);
	if (v->created_at > g->now)
		v->created_at = g->now - between(&g->r, 60, 600);
}

static void
totals(struct inv *v, int tax_bp, int disc_bp)
{
	v->discount = disc_bp > 0 ? money_percent(v->subtotal, disc_bp) : 0;
	v->tax = tax_bp > 0 ? money_percent(v->subtotal - v->discount, tax_bp) : 0;
	v->total = v->subtotal - v->discount + v->tax;
}

static void
gen_subscriptions(struct gen *g, struct billing *b)
{
	struct rng *r = &g->r;
	int cur = month_of(g->today);

	for (int k = 0; k < g->nco; k++) {
		struct company *c = &g->co[k];
		const struct entry *plan;
		int n = g->subs_each;

		if (c->arch != A_FLOWERS && c->arch != A_BEAUTY)
			continue;
		plan = pool_pick(r, &g->plan_kind[0]);
		for (int i = 0; i < n; i++) {
			int mi = cur - n + 1 + i;
			struct inv *v = new_invoice(g, b, k, "subscription");

			v->pstart = month_first(mi);
			v->pend = month_first(mi + 1) - 1;
			issue(g, v, v->pstart);
			add_line(b, v, arena_printf(&g->a, "%s — %s",
			    fld(plan, 1), arena_printf(&g->a, "%04d-%02d",
			    mi / 12, mi % 12 + 1)), 1, fnum(plan, 2), NULL,
			    NULL, NULL);
			if (i == 0 && g->plan_kind[1].n > 0) {
				const struct entry *s = pool_pick(r,
				    &g->plan_kind[1]);

				add_line(b, v, fld(s, 1), 1, fnum(s, 2), NULL,
				    NULL, NULL);
			}
			totals(v, c->vat_bp, 0);
			v->notes = inv_note(g, "subscription", c->lang);
			v->want_paid = i < n - 1 || chance(r, 50);
			if (strcmp(c->status, "inactive") == 0 && i == n - 1)
				v->want_paid = 0;
		}
	}
}

/* A Depth-style agency fee: base 20 plus modifiers, clamped to 10..50. */
static int
project_fee(struct gen *g, const char **why)
{
	struct agency_modifier mods[AGENCY_MAX_MODIFIERS];
	const char *factor = NULL;
	char buf[256];
	size_t n = 0;
	int bp = AGENCY_BASE_BP, skip = 0;

	/* At most one modifier per factor, each factor applying to about
	 * half of the projects, from the seed's own table. */
	for (const struct agency_factor *f = agency_factors;
	    f->factor != NULL && n < nitems(mods); f++) {
		if (factor == NULL || strcmp(factor, f->factor) != 0) {
			factor = f->factor;
			skip = chance(&g->r, 50) ? -1 : below(&g->r, 4);
		}
		if (skip-- == 0 && f->mod.bp != 0)
			mods[n++] = f->mod;
	}
	if (agency_fee(mods, n, &bp, buf, sizeof buf) != 0)
		snprintf(buf, sizeof buf, "agency fee %d %%", bp / 100);
	*why = arena_printf(&g->a, "%s", buf);
	return bp;
}

static void
gen_projects(struct gen *g, struct billing *b, int months)
{
	struct rng *r = &g->r;
	int left = g->depth_total, nd = 0, *dep;
	int64_t span = (int64_t)months * 30;

	dep = xcalloc((size_t)g->nco + 1, sizeof *dep);
	for (int k = 0; k < g->nco; k++)
		if (g->co[k].arch == A_DEPTH)
			dep[nd++] = k;
	for (int j = 0; left > 0 && nd > 0 && !g->failed; j++) {
		int k = dep[j % nd], status, nitems_ = 0, fee_bp;
		struct company *c = &g->co[k];
		int64_t start, age, S = 0, F, T, D, M = 0, id;
		const char *why, *name;
		const struct entry *items[4];
		int64_t qty[4];
		struct inv *v;
		struct row row;

		/* Spread by the invoices still to make, so the last
		 * projects are recent: active ones and open quotes. */
		start = g->today - span * (left - 1) / g->depth_total -
		    between(r, 0, 6);
		if (start > g->today)
			start = g->today;
		age = g->today - start;
		status = age > 75 ? (chance(r, 85) ? 2 : 3) : age > 12 ? 1 :
		    chance(r, 60) ? 0 : 1;
		name = arena_printf(&g->a, "%s · %s",
		    fld(pick(r, &g->projects), 0),
		    fld(pick(r, &g->cities_iq), 0));
		/* A client with dozens of projects tells them apart by
		 * when they started. */
		if (g->compose) {
			int y, m, d;

			billing_civil_from_day((int32_t)start, &y, &m, &d);
			name = arena_printf(&g->a, "%s · %02d/%04d", name, m,
			    y);
		}
		for (int i = between(r, 2, 4); nitems_ < i; nitems_++) {
			const struct entry *e = pick(r, &g->depth_items);

			/* A repeated service would be one line with a
			 * larger quantity. */
			for (int t = 0; t < 8; t++) {
				int dup = 0;

				for (int o = 0; o < nitems_; o++)
					dup |= items[o] == e;
				if (!dup)
					break;
				e = pick(r, &g->depth_items);
			}
			items[nitems_] = e;
			qty[nitems_] = between(r, 1, (int)fnum(e, 2));
			S += qty[nitems_] * fnum(e, 1);
		}
		fee_bp = project_fee(g, &why);
		F = money_percent(S, fee_bp);
		T = S + F;
		D = (T + 1) / 2;	/* 50 % upfront, rounded half-up */
		id = g->next_project++;
		row = row_begin(g, S_PROJECT);
		put_int(&row, id);
		put_int(&row, c->id);
		put_text(&row, name);
		put_text(&row, (const char *[]){ "quote", "active",
		    "completed", "cancelled" }[status]);
		put_text(&row, "IQD");
		put_int(&row, T);
		put_int(&row, fee_bp);
		put_text(&row, why);
		put_int(&row, start * DAY + 10 * HOUR);
		row_end(&row);

		/* Deposit: a draft while the quote is open. */
		v = new_invoice(g, b, k, "deposit");
		v->project_id = id;
		add_line(b, v, arena_printf(&g->a, "Deposit 50 %% — %s", name),
		    1, D, NULL, NULL, NULL);
		totals(v, 0, 0);
		v->notes = inv_note(g, "depth", AR);
		if (status == 0) {
			v->status = IS_DRAFT;
			v->created_at = start * DAY + 11 * HOUR;
		} else {
			issue(g, v, start + 1);
			v->want_paid = status != 1 || age > 20 || chance(r, 60);
		}
		left--;
		if (left > 0 && (status == 2 || (status == 1 && age > 25)) &&
		    chance(r, 60)) {
			M = money_percent(T, 2500);
			v = new_invoice(g, b, k, "milestone");
			v->project_id = id;
			add_line(b, v, arena_printf(&g->a,
			    "Milestone: shoot delivered — %s", name), 1, M,
			    NULL, NULL, NULL);
			totals(v, 0, 0);
			v->notes = inv_note(g, "depth", AR);
			issue(g, v, start + 22);
			v->want_paid = status == 2 || chance(r, 50);
			left--;
		} else if (left > 0 && status == 3 && chance(r, 50)) {
			v = new_invoice(g, b, k, "milestone");
			v->project_id = id;
			M = money_percent(T, 2500);
			add_line(b, v, arena_printf(&g->a,
			    "Milestone: shoot delivered — %s", name), 1, M,
			    NULL, NULL, NULL);
			totals(v, 0, 0);
			issue(g, v, start + 20);
			v->status = IS_CANCELLED;
			v->cancel_reason = "Project cancelled by the client "
			    "before the shoot";
			v->refunded = chance(r, 30);
			left--;
		}
		if (left > 0 && (status == 2 || (status == 1 && age > 45))) {
			v = new_invoice(g, b, k, "final");
			v->project_id = id;
			for (int i = 0; i < nitems_; i++)
				add_line(b, v, fld(items[i], 0), qty[i],
				    fnum(items[i], 1), NULL, NULL, NULL);
			add_line(b, v, arena_printf(&g->a,
			    "Variable agency fee (%d %%)", fee_bp / 100), 1, F,
			    NULL, NULL, arena_printf(&g->a,
			    "agency fee %d %% = %s", fee_bp / 100, why));
			add_line(b, v, "Less: deposit paid (50 %)", 1, -D,
			    NULL, NULL, NULL);
			if (M > 0)
				add_line(b, v, "Less: milestone invoice", 1, -M,
				    NULL, NULL, NULL);
			totals(v, 0, chance(r, 30) ? 500 : 0);
			v->notes = inv_note(g, "depth", AR);
			if (status == 2) {
				issue(g, v, start + between(r, 45, 70));
				v->want_paid = g->today - v->issue > 20 ||
				    chance(r, 50);
			} else {
				v->status = IS_DRAFT;
				v->created_at = g->now - between(r, HOUR,
				    5 * DAY);
			}
			left--;
		}
		if (chance(r, 20))
			audit(g, g->admin, c->owner, "project.quote_accept",
			    "project", id, "quote accepted for the client by "
			    "phone", start * DAY + 12 * HOUR);
	}
	free(dep);
}

/* Monthly commission invoices per pet-care provider, their debt shaped
 * by the company's block state. */
static void
gen_commissions(struct gen *g, struct billing *b)
{
	struct rng *r = &g->r;
	int cur = month_of(g->today), pets = 0;

	b->comm0 = b->ninv;
	for (int k = 0; k < g->nco; k++) {
		struct company *c = &g->co[k];
		int draft, unpaid;

		if (c->arch != A_PETS_RU && c->arch != A_PETS_EU)
			continue;
		draft = pets++ % 2 == 0;
		unpaid = strcmp(c->block, "notified") == 0 ? 2 :
		    strcmp(c->block, "hidden") == 0 ? 3 :
		    strcmp(c->block, "blocked") == 0 ? 4 : 1;
		for (int i = 0; i < c->ninv; i++) {
			int back = draft ? i : i + 1, mi = cur - back;
			struct inv *v = new_invoice(g, b, k, "commission");

			v->pstart = month_first(mi);
			v->pend = month_first(mi + 1) - 1;
			if (back == 0) {
				v->status = IS_DRAFT;
				v->created_at = g->now - between(r, HOUR,
				    2 * DAY);
			} else {
				issue(g, v, v->pend + 1 + between(r, 0, 2));
				v->want_paid = back > unpaid ||
				    (back == 1 && unpaid == 1 && chance(r, 45));
				v->partial = !v->want_paid && chance(r, 30);
				if (back >= 3 && chance(r, 4)) {
					v->status = IS_CANCELLED;
					v->cancel_reason = inv_note(g,
					    "cancel", c->lang);
					v->refunded = chance(r, 25);
				}
			}
			v->notes = inv_note(g, c->arch == A_PETS_RU ?
			    "commission_ru" : c->vat_verified ?
			    "reverse_charge" : "vat", c->lang);
		}
	}
}

/* A preset's long invoices: a busy provider's last months, this one's
 * draft and those before it, DEMO_LONG_INVOICE bookings each.  The
 * provider is the first that drafts this month's invoice; its months
 * follow the draft in b, none old enough to have been cancelled
 * (gen_commissions).  The index of the draft, or -1 with *nlong 0. */
static int
long_invoices(struct gen *g, struct billing *b, int *nlong)
{
	int want = g->sz->long_invoices, i = b->comm0;

	*nlong = 0;
	while (i < b->ninv && b->inv[i].status != IS_DRAFT)
		i++;
	if (want <= 0 || i == b->ninv)
		return -1;
	while (*nlong < want && i + *nlong < b->ninv &&
	    b->inv[i + *nlong].company == b->inv[i].company &&
	    b->inv[i + *nlong].status != IS_CANCELLED)
		(*nlong)++;
	return i;
}

/* The long draft is the newest, so it leads the invoice list, whose
 * drafts come first, latest id first (ids follow by_issue). */
static void
newest_draft(struct inv *v, const struct billing *b)
{
	for (int i = 0; i < b->ninv; i++)
		if (&b->inv[i] != v && b->inv[i].status == IS_DRAFT &&
		    b->inv[i].created_at >= v->created_at)
			v->created_at = b->inv[i].created_at + 1;
}

static void
commission_lines(struct gen *g, struct billing *b, int nlines)
{
	struct rng *r = &g->r;
	int n = b->ninv - b->comm0, *cnt, first, nlong, rest;
	double mean;

	if (n <= 0)
		return;
	/* The long ones' lines are the others' fewer. */
	first = long_invoices(g, b, &nlong);
	if (nlong >= n || (long)nlong * DEMO_LONG_INVOICE + n - nlong >
	    nlines)
		nlong = 0;
	rest = nlines - nlong * DEMO_LONG_INVOICE;
	cnt = xcalloc((size_t)n, sizeof *cnt);
	mean = (double)rest / (n - nlong);
	if (mean < 1)
		mean = 1;	/* every commission invoice bills a booking */
	for (int i = 0; i < n - nlong; i++)
		cnt[i] = 1 + (int)(2 * (mean - 1) * unit(r));
	balance(r, cnt, n - nlong, 1, (int)(3 * mean) + 2, rest);
	/* The long ones take their places in cnt. */
	if (nlong > 0) {
		int at = first - b->comm0;

		memmove(cnt + at + nlong, cnt + at, (size_t)(n - nlong - at) *
		    sizeof *cnt);
		for (int i = 0; i < nlong; i++)
			cnt[at + i] = DEMO_LONG_INVOICE;
		newest_draft(&b->inv[first], b);
	}
	/* Lines are appended after every other invoice's, so line0 moves. */
	for (int i = 0; i < n; i++) {
		struct inv *v = &b->inv[b->comm0 + i];
		struct company *c = &g->co[v->company];
		int64_t last = v->pend < g->today ? v->pend : g->today;
		int busy = nlong > 0 && b->comm0 + i >= first &&
		    b->comm0 + i < first + nlong;
		int64_t volume = 0;	/* the provider's volume so far */

		v->line0 = b->nline;
		v->nlines = 0;
		v->subtotal = 0;
		for (int j = 0; j < cnt[i]; j++) {
			const struct entry *e = pool_pick(r,
			    &g->pets_by[c->lang]);
			int64_t value = e != NULL ? fnum(e, 5) : 200000, day;
			const char *why, *ref, *desc;
			int64_t fee = commission(g, c, value, volume, &why);
			char date[16];
			int y, mo, d;

			day = v->pstart + (last - v->pstart) * (j + 1) /
			    (cnt[i] + 1);
			billing_civil_from_day((int32_t)day, &y, &mo, &d);
			fmt_date(date, sizeof date, day);
			/* Booking numbers grow with the date, as ids do; a
			 * busy month's, many a day, are numbered in turn. */
			ref = arena_printf(&g->a, "B-%07lld",
			    (long long)((day - 18000) * 97 + (busy ? j :
			    below(r, 97))));
			if (c->lang == RU)
				desc = arena_printf(&g->a, "%s · бронь %s от "
				    "%02d.%02d.%04d", e != NULL ? fld(e, 2) :
				    "Услуга", ref, d, mo, y);
			else if (c->lang == ES)
				desc = arena_printf(&g->a, "%s · reserva %s, "
				    "%s", e != NULL ? fld(e, 2) : "Servicio",
				    ref, date);
			else
				desc = arena_printf(&g->a, "%s · booking %s, %s",
				    e != NULL ? fld(e, 2) : "Service", ref,
				    date);
			add_line(b, v, desc, 1, fee, "booking", ref, why);
			volume += value;
		}
		totals(v, c->arch == A_PETS_EU && !c->vat_verified ? c->vat_bp :
		    0, 0);
	}
	free(cnt);
}

/* Payment counts first (one per paid or part-paid invoice), then the
 * extra ones that make up the target: installments, failed card tries,
 * transfers waiting to be verified. */
static void
plan_payments(struct gen *g, struct billing *b)
{
	struct rng *r = &g->r;
	long have = 0, extra;

	for (int i = 0; i < b->ninv; i++) {
		struct inv *v = &b->inv[i];

		if (v->status == IS_DRAFT || v->status == IS_CANCELLED) {
			have += v->refunded;
			continue;
		}
		v->parts = v->want_paid || v->partial;
		have += v->parts;
	}
	extra = b->ninv > 0 ? g->sz->payments - have : 0;
	for (long tries = 0; extra > 0 && tries < 40L * b->ninv + 100;
	    tries++) {
		struct inv *v = &b->inv[below(r, b->ninv)];

		if (v->status == IS_DRAFT || v->status == IS_CANCELLED)
			continue;
		if (v->want_paid && v->total >= 4 && v->parts < 4 &&
		    chance(r, 60))
			v->parts++;
		else if (v->failed < 1 && chance(r, 50))
			v->failed++;
		else if (!v->want_paid && v->pending < 1)
			v->pending++;
		else
			continue;
		extra--;
	}
}

static const char *
pay_method(struct gen *g, const struct inv *v)
{
	int x = below(&g->r, 100);

	if (strcmp(v->currency, "IQD") == 0)
		return v->parts > 1 && x < 50 ? "installments" :
		    x < 35 ? "bank_transfer" : x < 65 ? "cash" :
		    x < 90 ? "mobile_wallet" : "installments";
	if (strcmp(v->kind, "subscription") == 0)
		return "card";
	if (strcmp(v->currency, "RUB") == 0)
		return x < 70 ? "bank_transfer" : "card";
	return x < 50 ? "bank_transfer" : "card";
}

static const char *
pay_reference(struct gen *g, const struct inv *v, const char *method,
    int part)
{
	struct rng *r = &g->r;
	char tok[24];

	rand_token(r, tok, 14);
	if (strcmp(method, "card") == 0)
		return arena_printf(&g->a, "pi_%s", tok);
	if (strcmp(method, "mobile_wallet") == 0)
		return arena_printf(&g->a, "FastPay %04d-%06d", below(r, 10000),
		    below(r, 1000000));
	if (strcmp(method, "cash") == 0)
		return strcmp(v->currency, "RUB") == 0 ?
		    arena_printf(&g->a, "ПКО № %d", between(r, 100, 9999)) :
		    arena_printf(&g->a, "Receipt %d", between(r, 1000, 99999));
	if (strcmp(method, "installments") == 0)
		return arena_printf(&g->a, "Installment %d of %d", part + 1,
		    v->parts);
	if (strcmp(v->currency, "RUB") == 0)
		return arena_printf(&g->a, "п/п № %d", between(r, 100, 99999));
	if (strcmp(v->currency, "IQD") == 0)
		return arena_printf(&g->a, "BBAG-%08d", below(r, 100000000));
	return arena_printf(&g->a, "SEPA %s", tok);
}

struct pay {
	int64_t		 amount, at;
	const char	*method, *status;
	int		 part;
};

/* The payments of one invoice, decided before its row is written so the
 * row carries the amounts paid and due from the start. */
static int
plan_invoice_payments(struct gen *g, struct inv *v, struct pay *p)
{
	struct rng *r = &g->r;
	int64_t start = v->created_at, end, left, at;
	const char *method = pay_method(g, v);
	int n = 0;

	v->paid = 0;
	v->updated_at = v->created_at;
	if (v->status == IS_DRAFT)
		return 0;
	/* Paid invoices are mostly paid by the due date. */
	end = v->want_paid ? v->due * DAY + (chance(r, 80) ? 0 : 20 * DAY) :
	    g->now;
	if (end > g->now)
		end = g->now;
	if (end <= start)
		end = start + 1;
	at = start + (end - start) * between(r, 5, 60) / 100;
	if (v->failed > 0) {
		p[n++] = (struct pay){ v->total, at, chance(r, 50) ? "card" :
		    "mobile_wallet", "failed", 0 };
		at += between(r, MINUTE, DAY);
	}
	if (v->refunded) {
		p[n++] = (struct pay){ v->total, at, method, "refunded", 0 };
		return n;
	}
	left = v->want_paid ? v->total : v->partial ?
	    v->total * between(r, 20, 70) / 100 : 0;
	if (v->partial && !v->want_paid && left < 1)
		left = 1;
	for (int i = 0; i < v->parts && left > 0; i++) {
		int64_t part = i == v->parts - 1 || !v->want_paid ? left :
		    left * between(r, 30, 60) / 100;

		if (part < 1)
			part = 1;
		if (part > left)
			part = left;
		if (at > g->now)
			at = g->now;
		p[n++] = (struct pay){ part, at, method, "confirmed", i };
		v->paid += part;
		left -= part;
		if (at > v->updated_at)
			v->updated_at = at;
		at += (end - at) * between(r, 20, 60) / 100 + MINUTE;
	}
	if (v->pending > 0 && v->total > v->paid)
		p[n++] = (struct pay){ v->total - v->paid, g->now -
		    between(r, HOUR, 3 * DAY), "bank_transfer", "pending", 0 };
	return n;
}

static void
insert_payment(struct gen *g, struct inv *v, const struct pay *p)
{
	struct row row = row_begin(g, S_PAYMENT);
	int confirmed = strcmp(p->status, "confirmed") == 0;
	int manual = strcmp(p->method, "card") != 0;
	int64_t at = p->at < v->created_at ? v->created_at : p->at, created;

	if (at > g->now)
		at = g->now;
	/* Manual entries are typed in a little after the money arrived. */
	created = at + (manual ? between(&g->r, 0, 6 * HOUR) : 0);
	if (created > g->now)
		created = g->now;
	put_int(&row, v->id);
	put_int(&row, p->amount);
	put_text(&row, v->currency);
	put_text(&row, p->method);
	put_text(&row, pay_reference(g, v, p->method, p->part));
	put_int(&row, at);
	put_text(&row, p->status);
	put_int(&row, manual && confirmed ?
	    g->billing[below(&g->r, g->nbilling)].id : NONE);
	put_int(&row, created);
	row_end(&row);
	if (confirmed && chance(&g->r, 8))
		notify(g, g->billing0, "payment_received", arena_printf(&g->a,
		    "Payment received: %s for %s", money(g, p->amount,
		    v->currency), v->number), "invoice", v->id, at);
}

static int
by_issue(const void *a, const void *b)
{
	const struct inv *x = a, *y = b;
	int64_t kx = x->status == IS_DRAFT ? INT64_MAX : x->issue;
	int64_t ky = y->status == IS_DRAFT ? INT64_MAX : y->issue;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	if (x->created_at != y->created_at)
		return x->created_at < y->created_at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
insert_invoice(struct gen *g, struct billing *b, struct inv *v)
{
	struct company *c = &g->co[v->company];
	struct pay p[8];
	int np = plan_invoice_payments(g, v, p);
	char d1[16], d2[16], d3[16], d4[16];
	struct row row = row_begin(g, S_INVOICE);

	put_int(&row, v->id);
	put_int(&row, c->id);
	put_int(&row, v->project_id);
	put_text(&row, v->kind);
	put_text(&row, v->status == IS_DRAFT ? NULL : v->number);
	put_text(&row, inv_status[v->status]);
	put_text(&row, v->currency);
	put_int(&row, v->subtotal);
	put_int(&row, v->discount);
	put_int(&row, v->tax);
	put_int(&row, v->total);
	put_int(&row, v->paid);
	put_int(&row, v->total - v->paid);
	put_date(&row, v->status == IS_DRAFT ? NONE : v->issue, d1,
	    sizeof d1);
	put_date(&row, v->status == IS_DRAFT ? NONE : v->due, d2, sizeof d2);
	put_date(&row, v->pstart, d3, sizeof d3);
	put_date(&row, v->pend, d4, sizeof d4);
	put_text(&row, v->notes);
	put_text(&row, v->cancel_reason);
	put_int(&row, v->created_at);
	put_int(&row, v->updated_at);
	row_end(&row);
	for (int j = 0; j < v->nlines; j++) {
		struct invline *l = &b->line[v->line0 + j];

		row = row_begin(g, S_INV_LINE);
		put_int(&row, v->id);
		put_int(&row, j + 1);
		put_text(&row, l->desc);
		put_int(&row, l->qty);
		put_int(&row, l->unit);
		put_int(&row, l->amount);
		put_text(&row, l->ref_kind);
		put_text(&row, l->ref_id);
		put_text(&row, l->fee);
		row_end(&row);
	}
	for (int j = 0; j < np; j++)
		insert_payment(g, v, &p[j]);
}

/* Invoices are written in issue order, which is also the order of their
 * numbers: INV-YYYY-NNNNNN, gapless within each year. */
static void
gen_billing(struct gen *g, int months)
{
	struct billing b;
	struct rng *r = &g->r;
	int year = 0, no = 0;

	rng_seed(r, g->seed, 7);
	memset(&b, 0, sizeof b);
	gen_subscriptions(g, &b);
	gen_projects(g, &b, months);
	gen_commissions(g, &b);
	commission_lines(g, &b, g->sz->invoice_lines - b.nline);
	plan_payments(g, &b);
	if (b.ninv > 0)
		qsort(b.inv, (size_t)b.ninv, sizeof *b.inv, by_issue);
	for (int i = 0; i < b.ninv && !g->failed; i++) {
		struct inv *v = &b.inv[i];
		struct company *c = &g->co[v->company];
		int y, m, d;

		v->id = i + 1;
		if (v->status != IS_DRAFT) {
			billing_civil_from_day((int32_t)v->issue, &y, &m, &d);
			if (y != year) {
				year = y;
				no = 0;
			}
			snprintf(v->number, sizeof v->number, "INV-%04d-%06d",
			    y, ++no);
			if (v->status != IS_CANCELLED)
				v->status = v->want_paid ? IS_PAID :
				    v->due < g->today ? IS_OVERDUE : IS_SENT;
		}
		insert_invoice(g, &b, v);
		if (v->status == IS_OVERDUE && chance(r, 50))
			notify(g, g->billing0, "invoice_overdue",
			    arena_printf(&g->a, "%s is overdue (%lld days): %s",
			    v->number, (long long)(g->today - v->due),
			    c->name), "invoice", v->id,
			    (v->due + 1) * DAY + 9 * HOUR);
		if (v->status != IS_DRAFT && strcmp(v->kind,
		    "subscription") == 0 && chance(r, 50))
			notify(g, c->owner, "invoice_issued",
			    arena_printf(&g->a, "New invoice %s: %s",
			    v->number, money(g, v->total, v->currency)),
			    "invoice", v->id, v->created_at);
		if (v->status == IS_CANCELLED)
			audit(g, g->billing0, NULL, "invoice.cancel",
			    "invoice", v->id, v->cancel_reason,
			    v->created_at + between(r, HOUR, 10 * DAY));
		else if (v->status != IS_DRAFT && chance(r, 10))
			audit(g, &g->billing[below(r, g->nbilling)], NULL,
			    "invoice.issue", "invoice", v->id, v->number,
			    v->created_at);
	}
	free(b.inv);
	free(b.line);
}

/* ---- the run ----------------------------------------------------------------- */

/* How many invoices of each kind, and so how many months of history the
 * monthly commission invoices need.  Only the archetype cycle is used:
 * the companies are planned after this. */
static int
plan_invoices(struct gen *g)
{
	int ni = g->sz->invoices > 0 ? g->sz->invoices : 0;
	int nx8 = 0, ndepth = 0, months;

	g->npets = 0;
	for (int k = 0; k < g->nco; k++) {
		int a = arch_cycle[k % NCYCLE];

		nx8 += a == A_FLOWERS || a == A_BEAUTY;
		g->npets += a == A_PETS_RU || a == A_PETS_EU;
		ndepth += a == A_DEPTH;
	}
	/* "A few" subscriptions: at most the last six months. */
	g->subs_each = nx8 > 0 ? ni / 10 / nx8 : 0;
	if (g->subs_each > 6)
		g->subs_each = 6;
	g->depth_total = ndepth > 0 ? ni * 35 / 100 : 0;
	g->comm_total = ni - g->subs_each * nx8 - g->depth_total;
	if (g->npets == 0) {
		if (ndepth > 0)
			g->depth_total += g->comm_total;
		else if (nx8 > 0)
			g->subs_each += g->comm_total / nx8;
		g->comm_total = 0;
	}
	months = g->npets > 0 ? (g->comm_total + g->npets - 1) / g->npets + 1 :
	    12;
	return months < 12 ? 12 : months;
}

/* The commission invoices spread over the providers; the remainder goes
 * to the first ones. */
static void
assign_commissions(struct gen *g)
{
	int p = 0;

	for (int k = 0; k < g->nco; k++) {
		struct company *c = &g->co[k];

		if (c->arch == A_PETS_RU || c->arch == A_PETS_EU)
			c->ninv = g->comm_total / g->npets +
			    (p++ < g->comm_total % g->npets);
	}
}

static int
load_corpora(struct gen *g)
{
	static const struct {
		size_t		 off;
		const char	*file;
		int		 nf;
	} tab[] = {
		{ offsetof(struct gen, order_chat), "msg_order_ru.txt", 2 },
		{ offsetof(struct gen, notes), "notes.txt", 2 },
		{ offsetof(struct gen, events), "system_events.txt", 2 },
		{ offsetof(struct gen, canned), "canned_replies.txt", 2 },
		{ offsetof(struct gen, labels), "labels.txt", 1 },
		{ offsetof(struct gen, leads), "lead_sources.txt", 2 },
		{ offsetof(struct gen, chan_err), "channel_errors.txt", 2 },
		{ offsetof(struct gen, company_names), "companies.txt", 5 },
		{ offsetof(struct gen, cities_es), "cities_es.txt", 1 },
		{ offsetof(struct gen, cities_ru), "cities_ru.txt", 1 },
		{ offsetof(struct gen, cities_iq), "cities_iq.txt", 1 },
		{ offsetof(struct gen, products), "products.txt", 4 },
		{ offsetof(struct gen, beauty), "services_beauty.txt", 8 },
		{ offsetof(struct gen, pets), "services_pets.txt", 7 },
		{ offsetof(struct gen, installer), "installer_titles.txt", 3 },
		{ offsetof(struct gen, offer_msgs), "offers_ru.txt", 1 },
		{ offsetof(struct gen, reviews), "reviews_ru.txt", 2 },
		{ offsetof(struct gen, cancel), "cancel_reasons_ru.txt", 1 },
		{ offsetof(struct gen, projects), "depth_projects.txt", 1 },
		{ offsetof(struct gen, depth_items), "depth_items.txt", 3 },
		{ offsetof(struct gen, plans), "saas_plans.txt", 3 },
		{ offsetof(struct gen, promo), "promo_codes.txt", 1 },
		{ offsetof(struct gen, inv_notes), "invoice_notes.txt", 2 },
		{ offsetof(struct gen, company_patterns),
		  "company_patterns.txt", 3 },
	};
	char file[32];

	for (size_t i = 0; i < nitems(tab); i++)
		if (corpus_load((struct corpus *)((char *)g + tab[i].off),
		    tab[i].file, tab[i].nf, g->err, g->errlen) != 0)
			return -1;
	for (int l = 0; l < NLANG; l++) {
		snprintf(file, sizeof file, "names_%s.txt", lang_code[l]);
		if (corpus_load(&g->names[l], file, 2, g->err, g->errlen) != 0)
			return -1;
		snprintf(file, sizeof file, "msg_in_%s.txt", lang_code[l]);
		if (corpus_load(&g->msg_in[l], file, 2, g->err,
		    g->errlen) != 0)
			return -1;
		snprintf(file, sizeof file, "msg_out_%s.txt", lang_code[l]);
		if (corpus_load(&g->msg_out[l], file, 2, g->err,
		    g->errlen) != 0)
			return -1;
		for (int t = 0; t < NTOPIC; t++) {
			pool_build(&g->in[l][t], &g->msg_in[l], topic_name[t]);
			pool_build(&g->out[l][t], &g->msg_out[l],
			    topic_name[t]);
		}
		if (g->in[l][T_ANY].n == 0 || g->out[l][T_ANY].n == 0) {
			snprintf(g->err, g->errlen, "demo corpus msg_*_%s.txt "
			    "has no 'any' lines", lang_code[l]);
			return -1;
		}
		pool_build(&g->canned_by[l], &g->canned, lang_code[l]);
		pool_build(&g->pets_by[l], &g->pets, lang_code[l]);
	}
	for (int l = 0; l < NLANG; l++)
		g->ans[l] = answers(&g->msg_in[l], &g->msg_out[l], NULL);
	g->ans_order = answers(&g->order_chat, &g->order_chat, "out");
	for (int l = 0; l < NLANG; l++)
		pool_build(&g->notes_by[l], &g->notes, lang_code[l]);
	pool_build(&g->order_in_end, &g->order_chat, "in_end");
	pool_build(&g->order_out_end, &g->order_chat, "out_end");
	pool_build(&g->order_in, &g->order_chat, "in");
	pool_build(&g->order_out, &g->order_chat, "out");
	for (int e = 0; e < NEV; e++) {
		pool_build(&g->ev[e], &g->events, event_name[e]);
		if (g->ev[e].n == 0) {
			snprintf(g->err, g->errlen, "demo corpus "
			    "system_events.txt has no '%s' lines",
			    event_name[e]);
			return -1;
		}
	}
	for (int i = 1; i <= 5; i++) {
		char tag[4];

		snprintf(tag, sizeof tag, "%d", i);
		pool_build(&g->rating[i], &g->reviews, tag);
	}
	g->rating[0].e = NULL;
	pool_build(&g->plan_kind[0], &g->plans, "plan");
	pool_build(&g->plan_kind[1], &g->plans, "setup");
	name_parts(g);
	if (g->order_in.n == 0 || g->order_out.n == 0 ||
	    g->order_in_end.n == 0 || g->order_out_end.n == 0 ||
	    g->plan_kind[0].n == 0) {
		snprintf(g->err, g->errlen, "demo corpora msg_order_ru.txt or "
		    "saas_plans.txt lack a section");
		return -1;
	}
	return 0;
}

static void
free_gen(struct gen *g)
{
	struct corpus *all[] = {
		&g->order_chat, &g->notes, &g->events, &g->canned, &g->labels,
		&g->leads, &g->chan_err, &g->company_names, &g->cities_es,
		&g->cities_ru, &g->cities_iq, &g->products, &g->beauty,
		&g->pets, &g->installer, &g->offer_msgs, &g->reviews,
		&g->cancel, &g->projects, &g->depth_items, &g->plans,
		&g->promo, &g->inv_notes, &g->company_patterns,
	};

	for (size_t i = 0; i < nitems(all); i++)
		corpus_free(all[i]);
	for (int l = 0; l < NLANG; l++) {
		corpus_free(&g->names[l]);
		corpus_free(&g->msg_in[l]);
		corpus_free(&g->msg_out[l]);
		for (int t = 0; t < NTOPIC; t++) {
			free(g->in[l][t].e);
			free(g->out[l][t].e);
		}
		free(g->canned_by[l].e);
		free(g->pets_by[l].e);
		answers_free(g->ans[l], g->msg_in[l].n);
	}
	answers_free(g->ans_order, g->order_chat.n);
	for (int l = 0; l < NLANG; l++) {
		free(g->notes_by[l].e);
		free(g->np[l]);
		free(g->surnames[l][0].e);
		free(g->surnames[l][1].e);
	}
	free(g->order_in_end.e);
	free(g->order_out_end.e);
	free(g->order_in.e);
	free(g->order_out.e);
	for (int e = 0; e < NEV; e++)
		free(g->ev[e].e);
	for (int i = 0; i < 6; i++)
		free(g->rating[i].e);
	free(g->plan_kind[0].e);
	free(g->plan_kind[1].e);
	for (int s = 0; s < NSTMT; s++)
		sqlite3_finalize(g->st[s]);
	free(g->managers);
	free(g->support);
	free(g->billing);
	free(g->owners);
	free(g->performers);
	free(g->customers);
	free(g->cust_contacts);
	free(g->admin);
	free(g->co);
	free(g->mk);
	free(g->msgs);
	cJSON_free(g->sb.p);
	arena_free(&g->a);
	arena_free(&g->tmp);
}

/* Full-text triggers set aside during the load, and how each index is
 * then built in one pass.  kb_rows_fts and contacts_fts are external-
 * content tables ('rebuild'); messages_fts is contentless, keyed as its
 * trigger keys it (db/005_search.sql); invoices_fts keeps its own copy,
 * written whole, lines and all, in one INSERT: a row per invoice through
 * its trigger and an UPDATE per line cost the large demo 15 seconds. */
static const struct {
	const char	*trigger, *drop, *rebuild;
} fts_bulk[] = {
	{ "messages_fts_ai", "DROP TRIGGER messages_fts_ai",
	  "INSERT INTO messages_fts(rowid, body) SELECT (conversation_id << "
	  "32) | (id & 4294967295), body FROM messages" },
	{ "contacts_fts_ai", "DROP TRIGGER contacts_fts_ai",
	  "INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')" },
	{ "kb_rows_fts_ai", "DROP TRIGGER kb_rows_fts_ai",
	  "INSERT INTO kb_rows_fts(kb_rows_fts) VALUES ('rebuild')" },
	{ "invoices_fts_ai", "DROP TRIGGER invoices_fts_ai",
	  "INSERT INTO invoices_fts(rowid, number, company, notes, lines) "
	  "SELECT i.id, i.number, c.code || ' ' || c.name, i.notes, "
	  "ifnull((SELECT group_concat(description, ' ') FROM invoice_lines "
	  "WHERE invoice_id = i.id), '') FROM invoices i JOIN companies c "
	  "ON c.id = i.company_id" },
	{ "invoice_lines_fts_ai", "DROP TRIGGER invoice_lines_fts_ai", NULL },
};

/* The schema's SQL for a trigger, or NULL when there is none. */
static char *
trigger_sql(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	char *sql = NULL;

	if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE "
	    "type = 'trigger' AND name = ?", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		sql = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return sql;
}

int
demo_generate(sqlite3 *db, uint64_t seed, const struct demo_size *size,
    int64_t now, char *err, size_t errlen)
{
	struct gen g;
	int months, rc = -1;
	long long cache = 0, rows;
	char why[512], *fts_sql[nitems(fts_bulk)] = { NULL };

	memset(&g, 0, sizeof g);
	g.db = db;
	g.sz = size;
	g.seed = seed;
	g.now = now;
	g.today = now / DAY;
	g.err = err;
	g.errlen = errlen;
	g.nco = size->companies > 0 ? size->companies : 1;
	/* The corpora have some two hundred names: a demo of a few hundred
	 * people uses them as they are, a bigger one recombines them. */
	g.compose = (long)size->conversations + size->orders > 1000;
	g.next_user = g.next_contact = g.next_order = 1;
	g.next_offer = g.next_conv = g.next_project = 1;
	g.market_no = 101;
	g.checkout_no = 41;

	/* Explicit ids need an empty cache; a demo never merges. */
	rows = store_scalar(db, "SELECT (SELECT count(*) FROM users) + "
	    "(SELECT count(*) FROM companies)");
	if (rows < 0) {
		snprintf(err, errlen, "demo: the database is not migrated: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (rows > 0) {
		snprintf(err, errlen, "demo: the database is not empty");
		return -1;
	}
	if (load_corpora(&g) != 0)
		goto out;
	for (int s = 0; s < NSTMT; s++)
		if (sqlite3_prepare_v2(db, stmt_sql[s], -1, &g.st[s], NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "demo: %s", sqlite3_errmsg(db));
			goto out;
		}

	/* Orders split between the installers' marketplace and the shops'
	 * checkout, as far as the company cycle has both. */
	{
		int market = 0, shop = 0, orders = size->orders > 0 ?
		    size->orders : 0;

		for (int k = 0; k < g.nco; k++) {
			market |= arch_cycle[k % NCYCLE] == A_MONTAJ;
			shop |= arch_cycle[k % NCYCLE] == A_FLOWERS;
		}
		g.n_checkout = !shop ? 0 : market ? orders * 3 / 10 : orders;
		g.n_market = market ? orders - g.n_checkout : 0;
		g.checkout_left = g.n_checkout;
	}

	/* A bulk load that outgrows the page cache spills the same pages
	 * to the WAL over and over; a bigger cache for the run makes it
	 * several times faster.  The connection's setting comes back. */
	cache = store_scalar(db, "PRAGMA cache_size");
	store_exec(db, "PRAGMA cache_size = -262144", why, sizeof why);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "demo: %s", sqlite3_errmsg(db));
		goto out;
	}
	/* FTS5 indexing one row at a time through the triggers is ~40
	 * times slower than building each index once.  The triggers are
	 * set aside for the load and the indexes built after it, in the
	 * same transaction: the schema is unchanged after COMMIT, and a
	 * failure rolls all of it back. */
	for (size_t i = 0; i < nitems(fts_bulk); i++) {
		fts_sql[i] = trigger_sql(db, fts_bulk[i].trigger);
		if (fts_sql[i] != NULL && store_exec(db, fts_bulk[i].drop, why,
		    sizeof why) != 0) {
			snprintf(err, errlen, "demo: %s", why);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			goto out;
		}
	}
	months = plan_invoices(&g);
	plan_companies(&g, months);
	assign_commissions(&g);
	gen_users(&g);
	gen_companies(&g);
	gen_marketplace(&g);
	if (!g.failed)
		gen_conversations(&g);
	if (!g.failed)
		gen_kb(&g);
	if (!g.failed)
		gen_canned(&g);
	if (!g.failed)
		gen_billing(&g, months);

	for (size_t i = 0; i < nitems(fts_bulk) && !g.failed; i++)
		if (fts_sql[i] != NULL && ((fts_bulk[i].rebuild != NULL &&
		    store_exec(db, fts_bulk[i].rebuild, why, sizeof why) !=
		    0) || store_exec(db, fts_sql[i], why, sizeof why) != 0)) {
			snprintf(err, errlen, "demo: %s: %s",
			    fts_bulk[i].trigger, why);
			g.failed = 1;
		}
	if (g.failed) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(why, sizeof why, "%s", sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		snprintf(err, errlen, "demo: commit: %s", why);
		goto out;
	}
	rc = 0;
out:
	if (cache != 0) {
		snprintf(why, sizeof why, "PRAGMA cache_size = %lld", cache);
		store_exec(db, why, why, sizeof why);
	}
	for (size_t i = 0; i < nitems(fts_bulk); i++)
		free(fts_sql[i]);
	free_gen(&g);
	return rc;
}
