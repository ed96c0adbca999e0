/* The demo generator: sizes, coherence of every domain, determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "billing.h"
#include "demo.h"
#include "lists.h"
#include "store.h"

#define SEED	0x5eedULL
#define NOW	1763700000LL	/* 2025-11-21 04:40 UTC */

static sqlite3 *db;		/* the default set, shared by the read-only tests */
static sqlite3 *small;		/* the small preset, made by the first test
				   that asks for it (small_set) */

static sqlite3 *
generate(uint64_t seed, const struct demo_size *size)
{
	sqlite3 *d;
	char err[512];

	if (store_open(":memory:", &d, err, sizeof err) != 0)
		fail_msg("store_open: %s", err);
	if (demo_generate(d, seed, size, NOW, err, sizeof err) != 0)
		fail_msg("demo_generate: %s", err);
	return d;
}

static int
setup(void **state)
{
	(void)state;
	db = generate(SEED, &demo_size_default);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sqlite3_close(db);
	sqlite3_close(small);
	return 0;
}

static sqlite3 *
small_set(void)
{
	const struct demo_size *s;
	char err[256];

	if (small == NULL) {
		if ((s = demo_size_find("small", err, sizeof err)) == NULL)
			fail_msg("%s", err);
		small = generate(SEED, s);
	}
	return small;
}

static long long
q(sqlite3 *d, const char *sql)
{
	long long v = store_scalar(d, sql);

	if (v < 0)
		fail_msg("query failed: %s: %s", sql, sqlite3_errmsg(d));
	return v;
}

/* The first column of every row, as text, handed to fn. */
static void
each_text(sqlite3 *d, const char *sql, void (*fn)(const char *, void *),
    void *arg)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(d, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(st, 0), arg);
	sqlite3_finalize(st);
}

/* FNV-1a over every column of every row of a query. */
static uint64_t
hash_query(sqlite3 *d, const char *sql)
{
	sqlite3_stmt *st;
	uint64_t h = 0xcbf29ce484222325ULL;

	assert_int_equal(sqlite3_prepare_v2(d, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			for (; t != NULL && *t != '\0'; t++)
				h = (h ^ *t) * 0x100000001b3ULL;
			h = (h ^ 0xff) * 0x100000001b3ULL;
		}
	sqlite3_finalize(st);
	return h;
}

static uint64_t
fingerprint(sqlite3 *d)
{
	return hash_query(d, "SELECT id, conversation_id, body, created_at "
	    "FROM messages ORDER BY id") ^ hash_query(d, "SELECT id, number, "
	    "total_minor, amount_due_minor FROM invoices ORDER BY id") ^
	    hash_query(d, "SELECT id, cells FROM kb_rows ORDER BY id");
}

static void
assert_no_fk_violation(sqlite3 *d)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(d, "PRAGMA foreign_key_check",
	    -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		fail_msg("foreign key violation in %s",
		    sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* ---- sizes ---------------------------------------------------------------- */

static void
test_default_set_meets_the_minimum_counts(void **state)
{
	(void)state;
	assert_true(q(db, "SELECT count(*) FROM companies") >= 6);
	assert_true(q(db, "SELECT count(*) FROM conversations") >= 320);
	assert_true(q(db, "SELECT count(*) FROM messages") >= 3200);
	assert_true(q(db, "SELECT count(*) FROM orders") >= 160);
	assert_true(q(db, "SELECT count(*) FROM offers") >= 450);
	assert_true(q(db, "SELECT count(*) FROM kb_tables") >= 6);
	assert_true(q(db, "SELECT count(*) FROM kb_rows") >= 420);
	assert_true(q(db, "SELECT count(*) FROM invoices") >= 210);
	assert_true(q(db, "SELECT count(*) FROM invoice_lines") >= 950);
	assert_true(q(db, "SELECT count(*) FROM payments") >= 280);
	assert_true(q(db, "SELECT count(*) FROM projects") > 0);
	assert_true(q(db, "SELECT count(*) FROM notifications") > 0);
	assert_true(q(db, "SELECT count(*) FROM audit_log") > 0);
	assert_true(q(db, "SELECT count(*) FROM commission_terms") >= 4);
	assert_int_equal(q(db, "SELECT count(DISTINCT type) FROM "
	    "commission_terms"), 4);
}

static void
test_doubled_size_doubles_every_count(void **state)
{
	struct demo_size s = demo_size_default;
	sqlite3 *d;

	(void)state;
	s.companies *= 2;
	s.conversations *= 2;
	s.messages *= 2;
	s.orders *= 2;
	s.offers *= 2;
	s.kb_tables *= 2;
	s.kb_rows *= 2;
	s.invoices *= 2;
	s.invoice_lines *= 2;
	s.payments *= 2;
	d = generate(SEED, &s);
	assert_int_equal(q(d, "SELECT count(*) FROM companies"), s.companies);
	assert_int_equal(q(d, "SELECT count(*) FROM conversations"),
	    s.conversations);
	assert_int_equal(q(d, "SELECT count(*) FROM messages"), s.messages);
	assert_int_equal(q(d, "SELECT count(*) FROM orders"), s.orders);
	assert_int_equal(q(d, "SELECT count(*) FROM offers"), s.offers);
	assert_int_equal(q(d, "SELECT count(*) FROM kb_tables"), s.kb_tables);
	assert_int_equal(q(d, "SELECT count(*) FROM kb_rows"), s.kb_rows);
	assert_int_equal(q(d, "SELECT count(*) FROM invoices"), s.invoices);
	/* Lines and payments follow the plan closely, not to the row. */
	assert_in_range(q(d, "SELECT count(*) FROM invoice_lines"),
	    s.invoice_lines * 9 / 10, s.invoice_lines * 11 / 10);
	assert_in_range(q(d, "SELECT count(*) FROM payments"),
	    s.payments * 8 / 10, s.payments * 12 / 10);
	assert_no_fk_violation(d);
	sqlite3_close(d);
}

static void
test_scales_are_found_by_name(void **state)
{
	const struct demo_size *s;
	char err[256] = "";

	(void)state;
	assert_ptr_equal(demo_size_find("default", err, sizeof err),
	    &demo_size_default);
	assert_non_null(s = demo_size_find("large", err, sizeof err));
	assert_int_equal(s->conversations, 200000);
	assert_int_equal(s->messages, 2000000);
	assert_int_equal(s->orders, 100000);
	assert_int_equal(s->offers, 300000);
	assert_int_equal(s->kb_tables, 50);
	assert_int_equal(s->kb_rows, 500000);
	assert_int_equal(s->invoices, 200000);
	assert_int_equal(s->invoice_lines, 1000000);
	assert_int_equal(s->payments, 300000);
	assert_null(demo_size_find("huge", err, sizeof err));
	assert_string_equal(err, "unknown demo scale 'huge' (the scales are "
	    "default, small and large)");
	assert_null(demo_size_find("", err, sizeof err));
	assert_null(demo_size_find("Large", err, sizeof err));
}

/* Every count is the preset's, to the row: a benchmark reads the scale
 * as a contract. */
static void
test_small_scale_has_exactly_its_counts(void **state)
{
	static const struct {
		const char	*table;
		size_t		 field;
	} counts[] = {
		{ "companies", offsetof(struct demo_size, companies) },
		{ "conversations", offsetof(struct demo_size, conversations) },
		{ "messages", offsetof(struct demo_size, messages) },
		{ "orders", offsetof(struct demo_size, orders) },
		{ "offers", offsetof(struct demo_size, offers) },
		{ "kb_tables", offsetof(struct demo_size, kb_tables) },
		{ "kb_rows", offsetof(struct demo_size, kb_rows) },
		{ "invoices", offsetof(struct demo_size, invoices) },
		{ "invoice_lines", offsetof(struct demo_size, invoice_lines) },
		{ "payments", offsetof(struct demo_size, payments) },
	};
	const struct demo_size *s;
	char err[256], sql[64];
	sqlite3 *d;

	(void)state;
	assert_non_null(s = demo_size_find("small", err, sizeof err));
	assert_int_equal(s->conversations, 2000);
	assert_int_equal(s->messages, 20000);
	assert_int_equal(s->kb_rows, 5000);
	d = small_set();
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s",
		    counts[i].table);
		if (q(d, sql) != *(const int *)(const void *)((const char *)s +
		    counts[i].field))
			fail_msg("%s: %lld rows", counts[i].table, q(d, sql));
	}
	assert_no_fk_violation(d);

	/* Bigger than the corpora, it recombines them instead of
	 * repeating: contacts are mostly different people, companies beyond
	 * the named ones are not numbered copies, a catalogue's SKUs are
	 * its own. */
	assert_true(q(d, "SELECT count(DISTINCT name) * 100 / count(*) FROM "
	    "contacts") >= 75);
	assert_int_equal(q(d, "SELECT count(*) FROM companies a JOIN "
	    "companies b ON a.name GLOB b.name || ' [0-9]*'"), 0);
	assert_int_equal(q(d, "SELECT count(*) FROM (SELECT table_id, "
	    "json_extract(cells, '$.sku') k FROM kb_rows GROUP BY 1, 2 "
	    "HAVING count(*) > 1)"), 0);
	assert_true(q(d, "SELECT count(DISTINCT coalesce(json_extract(cells, "
	    "'$.product_name'), json_extract(cells, '$.service_name'))) FROM "
	    "kb_rows") >= 3000);
	/* Russian surnames agree with the first name: no Мария Петров. */
	assert_int_equal(q(d, "SELECT count(*) FROM contacts WHERE language = "
	    "'ru' AND (name LIKE 'Мария %' OR name LIKE 'Анна %') AND "
	    "substr(name, -1) NOT IN ('а', 'я')"), 0);
}

/* A benchmark opens a long thread and a long invoice without knowing
 * ids: the first row of the conversations' All view by activity (its
 * default, src/queue.c) and the first of the invoice list. */
static void
test_small_scale_leads_with_a_long_thread_and_invoice(void **state)
{
	struct billing_line line[DEMO_LONG_INVOICE + 1];
	struct invoice_totals t;
	sqlite3 *d = small_set();
	sqlite3_stmt *st;
	char sql[512];
	long long top;
	size_t n = 0;

	(void)state;
	top = q(d, "SELECT id FROM conversations ORDER BY last_activity_at "
	    "DESC, id DESC LIMIT 1");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE "
	    "conversation_id = %lld", top);
	assert_int_equal(q(d, sql), DEMO_LONG_THREAD);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT 1 FROM "
	    "messages GROUP BY conversation_id HAVING count(*) = %d)",
	    DEMO_LONG_THREAD);
	assert_true(q(d, sql) >= 3);
	/* A cache keeps 90 days of messages: the long threads are whole
	 * in it, and so is every other. */
	assert_int_equal(q(d, "SELECT count(*) FROM messages WHERE created_at "
	    "< 1763700000 - 90 * 86400"), 0);
	/* Months of a customer's orders, not one burst: both ways, events
	 * between them, and languages of their own. */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT 1 FROM "
	    "messages m JOIN conversations c ON c.id = m.conversation_id "
	    "JOIN contacts k ON k.id = c.contact_id GROUP BY c.id HAVING "
	    "count(*) = %d AND max(m.created_at) - min(m.created_at) > 60 * "
	    "86400 AND sum(m.direction = 'in') > 150 AND sum(m.direction = "
	    "'out' AND m.kind = 'text') > 150 AND sum(m.kind = 'system') > 10)",
	    DEMO_LONG_THREAD);
	assert_true(q(d, sql) >= 3);
	snprintf(sql, sizeof sql, "SELECT count(DISTINCT k.language) FROM "
	    "conversations c JOIN contacts k ON k.id = c.contact_id WHERE "
	    "(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) "
	    "= %d", DEMO_LONG_THREAD);
	assert_int_equal(q(d, sql), 3);

	/* The invoice list's own order. */
	snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s %s, %s %s "
	    "LIMIT 1", list_invoices.id, list_invoices.from, list_invoices.key,
	    list_invoices.desc ? "DESC" : "ASC", list_invoices.id,
	    list_invoices.desc ? "DESC" : "ASC");
	top = q(d, sql);
	snprintf(sql, sizeof sql, "SELECT quantity, unit_price_minor, "
	    "amount_minor FROM invoice_lines WHERE invoice_id = %lld ORDER BY "
	    "position", top);
	assert_int_equal(sqlite3_prepare_v2(d, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW &&
	    n < sizeof line / sizeof *line) {
		line[n].quantity = sqlite3_column_int64(st, 0);
		line[n].unit_price_minor = sqlite3_column_int64(st, 1);
		line[n++].amount_minor = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	assert_int_equal(n, DEMO_LONG_INVOICE);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(line[i].amount_minor, line[i].quantity *
		    line[i].unit_price_minor);
	/* A Russian provider's commission: no VAT, no discount. */
	assert_int_equal(invoice_compute(line, n, NULL, &t), BILLING_OK);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM invoices WHERE id = "
	    "%lld AND status = 'draft' AND kind = 'commission' AND "
	    "subtotal_minor = %lld AND discount_minor = 0 AND tax_minor = 0 "
	    "AND total_minor = %lld", top, (long long)t.subtotal_minor,
	    (long long)t.total_minor);
	assert_int_equal(q(d, sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT 1 FROM "
	    "invoice_lines GROUP BY invoice_id HAVING count(*) = %d)",
	    DEMO_LONG_INVOICE);
	assert_true(q(d, sql) >= 3);
}

static void
test_now_and_login_roles_parse(void **state)
{
	int64_t now = 0;

	(void)state;
	assert_int_equal(demo_parse_now("1763700000", &now), 0);
	assert_int_equal(now, 1763700000);
	assert_int_equal(demo_parse_now("-1", &now), -1);
	assert_int_equal(demo_parse_now("17637e5", &now), -1);
	assert_int_equal(demo_parse_now("999", &now), -1);
	assert_int_equal(demo_parse_now("", &now), -1);
	assert_int_equal(demo_parse_now(" 1763700000", &now), -1);
	assert_string_equal(demo_login_role("Admin@Demo.mkt"), "admin");
	assert_string_equal(demo_login_role("performer@demo.mkt"),
	    "performer");
	assert_null(demo_login_role("nobody@demo.mkt"));
}

/* ---- users and companies ------------------------------------------------ */

static void
test_login_users_exist_with_their_roles(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(*) FROM users WHERE "
	    "(email, role) IN (VALUES ('admin@demo.mkt', 'admin'), "
	    "('manager@demo.mkt', 'manager'), ('billing@demo.mkt', 'billing'),"
	    " ('support@demo.mkt', 'support'), ('client@demo.mkt', 'client'), "
	    "('performer@demo.mkt', 'performer'))"), 6);
	assert_true(q(db, "SELECT count(*) FROM users WHERE role = 'manager'")
	    > 1);
	assert_true(q(db, "SELECT count(*) FROM users WHERE role = "
	    "'performer'") > 10);
}

static void
test_demo_manager_has_some_companies_and_client_owns_one(void **state)
{
	long long mine, all;

	(void)state;
	mine = q(db, "SELECT count(*) FROM companies WHERE manager_id = "
	    "(SELECT id FROM users WHERE email = 'manager@demo.mkt')");
	all = q(db, "SELECT count(*) FROM companies");
	assert_true(mine > 0 && mine < all);
	assert_int_equal(q(db, "SELECT count(*) FROM companies WHERE owner_id "
	    "= (SELECT id FROM users WHERE email = 'client@demo.mkt')"), 1);
}

static void
test_companies_cover_every_seed_platform(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(*) FROM companies WHERE code NOT "
	    "GLOB 'COMP[0-9][0-9][0-9]*'"), 0);
	assert_true(q(db, "SELECT count(*) FROM companies WHERE "
	    "invoice_currency = 'RUB' AND country = 'RU'") >= 2);
	assert_true(q(db, "SELECT count(*) FROM companies WHERE "
	    "invoice_currency = 'IQD' AND country = 'IQ'") >= 1);
	assert_true(q(db, "SELECT count(*) FROM companies WHERE is_eu = 1 AND "
	    "vat_number IS NOT NULL AND vat_verified = 1") >= 1);
	assert_int_equal(q(db, "SELECT count(DISTINCT kind) FROM companies"),
	    3);
	assert_true(q(db, "SELECT count(DISTINCT block_state) FROM companies")
	    >= 3);
	assert_true(q(db, "SELECT count(DISTINCT status) FROM companies") >= 2);
}

static void
test_blocked_companies_have_overdue_invoices(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(*) FROM companies c WHERE "
	    "block_state != 'none' AND NOT EXISTS (SELECT 1 FROM invoices i "
	    "WHERE i.company_id = c.id AND i.status = 'overdue')"), 0);
}

/* ---- channels and conversations ----------------------------------------- */

static void
test_every_platform_has_conversations(void **state)
{
	static const char *const platforms[] = {
		"whatsapp", "telegram", "instagram", "facebook", "email",
		"tiktok", "order_chat"
	};
	sqlite3_stmt *st;

	(void)state;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
	    "conversations c JOIN channels h ON h.id = c.channel_id WHERE "
	    "h.platform = ?", -1, &st, NULL), SQLITE_OK);
	for (size_t i = 0; i < sizeof platforms / sizeof *platforms; i++) {
		sqlite3_bind_text(st, 1, platforms[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		if (sqlite3_column_int(st, 0) == 0)
			fail_msg("no conversations on %s", platforms[i]);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

static void
test_channels_have_mixed_health_with_errors_explained(void **state)
{
	(void)state;
	assert_true(q(db, "SELECT count(DISTINCT status) FROM channels") >= 3);
	assert_true(q(db, "SELECT count(*) FROM channels WHERE status = "
	    "'error'") > 0);
	assert_int_equal(q(db, "SELECT count(*) FROM channels WHERE status = "
	    "'error' AND (last_error IS NULL OR error_count = 0)"), 0);
}

struct scripts {
	int cyrillic, arabic, spanish, emoji, fe0f;
};

static void
scan_scripts(const char *s, void *arg)
{
	struct scripts *k = arg;
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p >= 0xD0 && *p <= 0xD3)
			k->cyrillic = 1;
		if (*p >= 0xD8 && *p <= 0xDB)
			k->arabic = 1;
		/* ñ ¿ ¡ á é í ó ú */
		if ((p[0] == 0xC3 && (p[1] == 0xB1 || p[1] == 0xA1 ||
		    p[1] == 0xA9 || p[1] == 0xAD || p[1] == 0xB3 ||
		    p[1] == 0xBA)) || (p[0] == 0xC2 && (p[1] == 0xBF ||
		    p[1] == 0xA1)))
			k->spanish = 1;
		if (p[0] == 0xF0 && p[1] == 0x9F)
			k->emoji = 1;
		if (p[0] == 0xEF && p[1] == 0xB8 && p[2] == 0x8F)
			k->fe0f = 1;
	}
}

static void
test_messages_mix_cyrillic_arabic_spanish_and_emoji(void **state)
{
	struct scripts k = { 0 };

	(void)state;
	each_text(db, "SELECT body FROM messages", scan_scripts, &k);
	assert_true(k.cyrillic);
	assert_true(k.arabic);
	assert_true(k.spanish);
	assert_true(k.emoji);
	assert_false(k.fe0f);	/* no variation selectors */
}

static void
test_customer_messages_are_in_the_contacts_language(void **state)
{
	static const struct {
		const char	*lang;
		int		 cyrillic, arabic;
	} want[] = { { "ru", 1, 0 }, { "ar", 0, 1 }, { "es", 0, 0 },
	    { "en", 0, 0 } };
	char sql[256];

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		struct scripts k = { 0 };

		snprintf(sql, sizeof sql, "SELECT m.body FROM messages m JOIN "
		    "conversations c ON c.id = m.conversation_id JOIN contacts t "
		    "ON t.id = c.contact_id WHERE m.author_kind = 'contact' AND "
		    "t.language = '%s'", want[i].lang);
		each_text(db, sql, scan_scripts, &k);
		if (k.cyrillic != want[i].cyrillic ||
		    k.arabic != want[i].arabic)
			fail_msg("contacts in %s: cyrillic %d, arabic %d",
			    want[i].lang, k.cyrillic, k.arabic);
	}
}

static void
test_conversation_fields_agree_with_their_messages(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(*) FROM conversations c WHERE "
	    "last_activity_at != (SELECT max(created_at) FROM messages m "
	    "WHERE m.conversation_id = c.id)"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM conversations c WHERE "
	    "last_message_preview IS NOT substr((SELECT body FROM messages m "
	    "WHERE m.conversation_id = c.id ORDER BY created_at DESC, id DESC "
	    "LIMIT 1), 1, 120)"), 0);
	/* The oldest inbound message with no outbound reply after it. */
	assert_int_equal(q(db, "SELECT count(*) FROM conversations c WHERE "
	    "waiting_since IS NOT (SELECT min(m.created_at) FROM messages m "
	    "WHERE m.conversation_id = c.id AND m.direction = 'in' AND NOT "
	    "EXISTS (SELECT 1 FROM messages o WHERE o.conversation_id = c.id "
	    "AND o.direction = 'out' AND o.kind = 'text' AND (o.created_at > "
	    "m.created_at OR (o.created_at = m.created_at AND o.id > m.id))))"),
	    0);
	assert_int_equal(q(db, "SELECT count(*) FROM conversations c WHERE "
	    "unread_count > 0 AND (SELECT direction FROM messages m WHERE "
	    "m.conversation_id = c.id ORDER BY created_at DESC, id DESC "
	    "LIMIT 1) != 'in'"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM conversations WHERE "
	    "(status = 'snoozed') != (snoozed_until IS NOT NULL AND "
	    "snoozed_until > 1763700000)"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM conversations WHERE "
	    "created_at != (SELECT min(created_at) FROM messages m WHERE "
	    "m.conversation_id = conversations.id)"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM conversations c JOIN "
	    "contacts t ON t.id = c.contact_id WHERE t.company_id != "
	    "c.company_id"), 0);
}

static void
test_conversations_vary_in_state_and_people(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(DISTINCT status) FROM "
	    "conversations"), 4);
	assert_int_equal(q(db, "SELECT count(DISTINCT priority) FROM "
	    "conversations"), 5);
	assert_int_equal(q(db, "SELECT count(DISTINCT payment_status) FROM "
	    "conversations"), 3);
	assert_true(q(db, "SELECT count(*) FROM conversations WHERE "
	    "handoff_requested = 1 AND handler = 'human'") > 0);
	assert_true(q(db, "SELECT count(*) FROM conversations WHERE "
	    "assignee_id IS NULL") > 0);
	assert_true(q(db, "SELECT count(*) FROM conversations WHERE "
	    "assignee_id IS NOT NULL") > 0);
	assert_true(q(db, "SELECT count(*) FROM conversations WHERE "
	    "payment_reminder = 1") > 0);
	assert_int_equal(q(db, "SELECT count(*) FROM conversations c JOIN "
	    "users u ON u.id = c.assignee_id WHERE u.role NOT IN ('admin', "
	    "'manager', 'support')"), 0);
	assert_true(q(db, "SELECT count(DISTINCT label) FROM "
	    "conversation_labels WHERE label IN ('refund', 'vip', 'delivery', "
	    "'booking', 'complaint', 'wholesale')") >= 5);
	/* Message variety: notes, system events, attachments, X8 types. */
	assert_true(q(db, "SELECT count(*) FROM messages WHERE kind = 'note' "
	    "AND direction = 'out' AND author_kind = 'user'") > 0);
	assert_true(q(db, "SELECT count(*) FROM messages WHERE kind = "
	    "'system' AND (body LIKE 'Assigned to %' OR body = "
	    "'AI handed off to a human')") > 0);
	assert_true(q(db, "SELECT count(*) FROM messages WHERE "
	    "attachment_type = 'image/jpeg' AND attachment_size > 0 AND "
	    "attachment_url LIKE 'https://%example.com/%'") > 0);
	assert_true(q(db, "SELECT count(*) FROM messages WHERE "
	    "attachment_type = 'application/pdf'") > 0);
	assert_int_equal(q(db, "SELECT count(DISTINCT x8_type) FROM messages"),
	    3);
	assert_int_equal(q(db, "SELECT count(*) FROM messages WHERE delivery "
	    "IS NOT NULL AND direction = 'in'"), 0);
	assert_true(q(db, "SELECT count(DISTINCT delivery) FROM messages") >=
	    4);
}

static void
test_times_are_in_the_last_sixty_days_and_dense_recently(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(*) FROM messages WHERE "
	    "created_at > 1763700000"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM conversations WHERE "
	    "last_activity_at < 1763700000 - 63 * 86400"), 0);
	assert_true(q(db, "SELECT count(*) FROM conversations WHERE "
	    "last_activity_at > 1763700000 - 3600") >= 5);
	assert_int_equal(q(db, "SELECT count(*) FROM orders WHERE created_at "
	    "> 1763700000 OR updated_at > 1763700000"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM payments WHERE paid_at "
	    "> 1763700000"), 0);
}

/* ---- orders ----------------------------------------------------------------- */

static void
test_marketplace_orders_agree_with_their_offers(void **state)
{
	(void)state;
	assert_true(q(db, "SELECT count(*) FROM orders WHERE kind = "
	    "'marketplace' AND status = 'in_progress'") > 0);
	assert_int_equal(q(db, "SELECT count(*) FROM (SELECT order_id, "
	    "performer_id FROM offers GROUP BY 1, 2 HAVING count(*) > 1)"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM orders o WHERE status = "
	    "'in_progress' AND kind = 'marketplace' AND ((SELECT count(*) "
	    "FROM offers f WHERE f.order_id = o.id AND f.status = 'accepted') "
	    "!= 1 OR executor_id IS NOT (SELECT performer_id FROM offers f "
	    "WHERE f.order_id = o.id AND f.status = 'accepted'))"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM orders o WHERE status = "
	    "'completed' AND kind = 'marketplace' AND (executor_id IS NULL OR "
	    "NOT EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = o.id))"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM orders WHERE status IN "
	    "('open', 'cancelled') AND (executor_id IS NOT NULL OR "
	    "work_started_at IS NOT NULL)"), 0);
	assert_true(q(db, "SELECT count(*) FROM orders WHERE status = 'open' "
	    "AND cancel_work_reason IS NOT NULL") > 0);
	assert_true(q(db, "SELECT count(*) FROM orders WHERE status = "
	    "'in_progress' AND work_started_at IS NOT NULL") > 0);
	/* Only the chosen performer buys the contacts. */
	assert_int_equal(q(db, "SELECT count(*) FROM contact_purchases p JOIN "
	    "orders o ON o.id = p.order_id WHERE p.performer_id IS NOT "
	    "o.executor_id"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM offers f JOIN orders o ON "
	    "o.id = f.order_id WHERE f.created_at < o.created_at"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM orders WHERE number NOT "
	    "GLOB 'M-[0-9][0-9][0-9][0-9][0-9][0-9]' AND number NOT GLOB "
	    "'X8-[0-9][0-9][0-9][0-9][0-9][0-9]'"), 0);
}

static void
test_checkout_totals_charge_delivery_once_below_the_threshold(void **state)
{
	(void)state;
	assert_true(q(db, "SELECT count(*) FROM orders WHERE kind = "
	    "'checkout'") > 0);
	assert_int_equal(q(db, "SELECT count(*) FROM order_lines WHERE "
	    "amount_minor != quantity * unit_price_minor"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM orders o WHERE kind = "
	    "'checkout' AND (products_sum_minor != (SELECT sum(amount_minor) "
	    "FROM order_lines l WHERE l.order_id = o.id) OR total_minor != "
	    "products_sum_minor + delivery_minor OR (products_sum_minor >= "
	    "free_delivery_minor AND delivery_minor != 0) OR "
	    "(products_sum_minor < free_delivery_minor AND delivery_minor = "
	    "0))"), 0);
	assert_true(q(db, "SELECT count(*) FROM orders WHERE kind = "
	    "'checkout' AND delivery_minor = 0") > 0);
	assert_true(q(db, "SELECT count(*) FROM orders WHERE kind = "
	    "'checkout' AND delivery_minor > 0") > 0);
	assert_int_equal(q(db, "SELECT count(*) FROM conversations c JOIN "
	    "orders o ON o.id = c.order_id WHERE o.kind = 'checkout' AND "
	    "c.payment_status != o.payment_status"), 0);
}

/* ---- knowledge base ------------------------------------------------------ */

static void
test_kb_rows_hold_typed_json_cells(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(DISTINCT kind) FROM kb_tables"),
	    3);
	assert_int_equal(q(db, "SELECT count(*) FROM kb_rows WHERE "
	    "json_type(cells) != 'object'"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM kb_rows r JOIN kb_columns "
	    "c ON c.table_id = r.table_id WHERE c.type = 'money' AND "
	    "(json_type(r.cells, '$.' || c.name) != 'integer' OR "
	    "json_extract(r.cells, '$.' || c.name) < 0)"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM kb_rows r JOIN kb_columns "
	    "c ON c.table_id = r.table_id WHERE c.type = 'json_list' AND "
	    "json_type(r.cells, '$.' || c.name) != 'array'"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM kb_rows r JOIN kb_columns "
	    "c ON c.table_id = r.table_id WHERE c.type = 'integer' AND "
	    "json_type(r.cells, '$.' || c.name) != 'integer'"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM kb_rows r JOIN kb_columns "
	    "c ON c.table_id = r.table_id WHERE c.type = 'enum' AND NOT EXISTS "
	    "(SELECT 1 FROM json_each(c.enum_values) WHERE value = "
	    "json_extract(r.cells, '$.' || c.name))"), 0);
	assert_true(q(db, "SELECT count(*) FROM kb_rows WHERE "
	    "json_extract(cells, '$.price_eur') = 0") > 0);
	assert_true(q(db, "SELECT count(*) FROM kb_rows WHERE "
	    "json_extract(cells, '$.website_url') = ''") > 0);
	assert_true(q(db, "SELECT count(*) FROM kb_columns WHERE name IN "
	    "('product_name', 'sku', 'price_eur', 'logistics_price_eur', "
	    "'free_delivery', 'cities', 'service_name', 'duration')") >= 8);
}

/* ---- invoices ------------------------------------------------------------ */

static void
test_invoices_in_rub_eur_iqd_with_iqd_deposits_on_projects(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(DISTINCT currency) FROM invoices "
	    "WHERE currency IN ('RUB', 'EUR', 'IQD')"), 3);
	assert_true(q(db, "SELECT count(*) FROM invoices WHERE currency = "
	    "'IQD' AND kind = 'deposit'") > 0);
	assert_int_equal(q(db, "SELECT count(*) FROM invoices WHERE kind IN "
	    "('deposit', 'milestone', 'final') AND (project_id IS NULL OR "
	    "currency != 'IQD')"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM projects WHERE "
	    "agency_fee_bp NOT BETWEEN 1000 AND 5000 OR fee_breakdown NOT LIKE "
	    "'agency fee % = base 20%'"), 0);
	assert_true(q(db, "SELECT count(*) FROM invoices WHERE kind = "
	    "'subscription' AND currency = 'EUR'") > 0);
	assert_true(q(db, "SELECT count(*) FROM invoices WHERE kind = "
	    "'commission' AND currency = 'RUB'") > 0);
	assert_true(q(db, "SELECT count(*) FROM invoices WHERE kind = "
	    "'commission' AND currency = 'EUR'") > 0);
}

static void
test_commission_invoices_have_one_booking_line_per_booking(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(*) FROM invoices i WHERE kind = "
	    "'commission' AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE "
	    "l.invoice_id = i.id)"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM invoice_lines l JOIN "
	    "invoices i ON i.id = l.invoice_id WHERE i.kind = 'commission' "
	    "AND (l.ref_kind IS NOT 'booking' OR l.ref_id IS NULL OR "
	    "l.amount_minor <= 0)"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM invoices WHERE kind = "
	    "'commission' AND (period_start NOT LIKE '%-01' OR "
	    "date(period_start, '+1 month', '-1 day') != period_end)"), 0);
}

static void
test_invoice_totals_equal_lines_minus_discount_plus_tax(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(*) FROM invoices i WHERE "
	    "subtotal_minor != (SELECT coalesce(sum(amount_minor), 0) FROM "
	    "invoice_lines l WHERE l.invoice_id = i.id) OR total_minor != "
	    "subtotal_minor - discount_minor + tax_minor"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM invoice_lines WHERE "
	    "amount_minor != quantity * unit_price_minor"), 0);
	assert_true(q(db, "SELECT count(*) FROM invoices WHERE tax_minor > 0")
	    > 0);
	assert_true(q(db, "SELECT count(*) FROM invoices WHERE discount_minor "
	    "> 0") > 0);
}

static void
test_amount_due_is_total_minus_confirmed_payments(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(*) FROM invoices i WHERE "
	    "amount_paid_minor != (SELECT coalesce(sum(amount_minor), 0) FROM "
	    "payments p WHERE p.invoice_id = i.id AND p.status = 'confirmed') "
	    "OR amount_due_minor != total_minor - amount_paid_minor"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM invoices WHERE status = "
	    "'paid' AND amount_due_minor != 0"), 0);
	assert_true(q(db, "SELECT count(*) FROM invoices WHERE status IN "
	    "('sent', 'overdue') AND amount_paid_minor > 0") > 0);
	assert_int_equal(q(db, "SELECT count(*) FROM payments p JOIN invoices i "
	    "ON i.id = p.invoice_id WHERE p.currency != i.currency"), 0);
	assert_true(q(db, "SELECT count(DISTINCT method) FROM payments") >= 4);
	assert_true(q(db, "SELECT count(DISTINCT status) FROM payments") >= 3);
}

static void
test_invoice_status_follows_dates_and_numbers_are_gapless(void **state)
{
	(void)state;
	assert_int_equal(q(db, "SELECT count(DISTINCT status) FROM invoices"),
	    5);
	assert_int_equal(q(db, "SELECT count(*) FROM invoices WHERE status = "
	    "'draft' AND (number IS NOT NULL OR issue_date IS NOT NULL OR "
	    "due_date IS NOT NULL)"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM invoices WHERE status != "
	    "'draft' AND (number IS NULL OR issue_date IS NULL)"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM invoices WHERE status = "
	    "'sent' AND due_date < '2025-11-21'"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM invoices WHERE status = "
	    "'overdue' AND due_date >= '2025-11-21'"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM invoices WHERE status = "
	    "'cancelled' AND cancel_reason IS NULL"), 0);
	/* Net 15 unless the company defers longer. */
	assert_int_equal(q(db, "SELECT count(*) FROM invoices i JOIN companies "
	    "c ON c.id = i.company_id WHERE i.issue_date IS NOT NULL AND "
	    "i.due_date != date(i.issue_date, '+' || coalesce(c.deferral_days,"
	    " 15) || ' days')"), 0);
	/* INV-YYYY-NNNNNN: 1..n within each year, in issue order. */
	assert_int_equal(q(db, "SELECT count(*) FROM invoices WHERE number IS "
	    "NOT NULL AND (number NOT GLOB 'INV-[0-9][0-9][0-9][0-9]-"
	    "[0-9][0-9][0-9][0-9][0-9][0-9]' OR substr(number, 5, 4) != "
	    "substr(issue_date, 1, 4))"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM (SELECT substr(number, 5, "
	    "4) y, count(*) n, max(CAST(substr(number, 10) AS INTEGER)) hi "
	    "FROM invoices WHERE number IS NOT NULL GROUP BY y) WHERE n != hi"),
	    0);
	assert_int_equal(q(db, "SELECT count(*) FROM invoices a JOIN invoices b "
	    "ON substr(a.number, 5, 4) = substr(b.number, 5, 4) AND a.number "
	    "< b.number WHERE a.issue_date > b.issue_date"), 0);
}

/* ---- the database as a whole ------------------------------------------- */

static void
test_foreign_key_check_is_empty(void **state)
{
	(void)state;
	assert_no_fk_violation(db);
	assert_int_equal(q(db, "SELECT count(*) FROM pragma_integrity_check "
	    "WHERE integrity_check != 'ok'"), 0);
}

static void
test_search_indexes_are_built_and_triggers_kept(void **state)
{
	char err[256];

	(void)state;
	assert_true(q(db, "SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'gracias'") > 0);
	assert_true(q(db, "SELECT count(*) FROM kb_rows_fts WHERE "
	    "kb_rows_fts MATCH 'rosas'") > 0);
	assert_true(q(db, "SELECT count(*) FROM invoices_fts WHERE "
	    "invoices_fts MATCH 'lines:booking OR lines:reserva OR "
	    "lines:бронь'") > 0);
	assert_int_equal(q(db, "SELECT count(*) FROM sqlite_master WHERE type "
	    "= 'trigger' AND name IN ('messages_fts_ai', 'kb_rows_fts_ai', "
	    "'invoices_fts_ai', 'invoice_lines_fts_ai')"), 4);
	/* Every invoice is found by its number and its company. */
	assert_int_equal(q(db, "SELECT count(*) FROM invoices_fts"),
	    q(db, "SELECT count(*) FROM invoices"));
	assert_true(q(db, "SELECT count(*) FROM invoices_fts WHERE "
	    "invoices_fts MATCH 'company:COMP001'") > 0);
	/* The message trigger works again after the load. */
	assert_int_equal(store_exec(db, "SAVEPOINT t; INSERT INTO messages("
	    "conversation_id, direction, author_kind, body, created_at) VALUES "
	    "(1, 'in', 'contact', 'zanahoria', 1763700000)", err, sizeof err),
	    0);
	assert_int_equal(q(db, "SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'zanahoria'"), 1);
	assert_int_equal(store_exec(db, "ROLLBACK TO t; RELEASE t", err,
	    sizeof err), 0);
}

/* The default demo is the one the README and the other suites describe:
 * what the presets gain (long threads and invoices) leaves it row for
 * row as it was.  A change to it must be meant, and pinned again. */
static void
test_default_set_is_pinned(void **state)
{
	static const char *const sql[] = {
		"SELECT id, company_id, channel_id, contact_id, order_id, "
		"status, priority, assignee_id, unread_count, last_activity_at, "
		"last_message_preview, payment_status, created_at FROM "
		"conversations ORDER BY id",
		"SELECT id, conversation_id, direction, kind, author_kind, "
		"author_id, body, attachment_url, delivery, x8_type, created_at "
		"FROM messages ORDER BY id",
		"SELECT id, company_id, name, phone, email, handle, created_at "
		"FROM contacts ORDER BY id",
		"SELECT id, number, status, total_minor, created_at, updated_at "
		"FROM orders ORDER BY id",
		"SELECT id, company_id, kind, number, status, subtotal_minor, "
		"tax_minor, total_minor, amount_paid_minor, issue_date, "
		"due_date, created_at FROM invoices ORDER BY id",
		"SELECT invoice_id, position, description, quantity, "
		"unit_price_minor, ref_id, fee_breakdown FROM invoice_lines "
		"ORDER BY invoice_id, position",
		"SELECT invoice_id, amount_minor, method, reference, status, "
		"paid_at FROM payments ORDER BY id",
		"SELECT id, cells FROM kb_rows ORDER BY id",
	};
	uint64_t h = 0;

	(void)state;
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++)
		h = h * 31 + hash_query(db, sql[i]);
	if (h != 0x413ed086f0ad7d64ULL)
		fail_msg("the default demo changed: %#llx",
		    (unsigned long long)h);
	assert_true(q(db, "SELECT count(*) FROM messages GROUP BY "
	    "conversation_id ORDER BY 1 DESC") < DEMO_LONG_THREAD);
	assert_true(q(db, "SELECT count(*) FROM invoice_lines GROUP BY "
	    "invoice_id ORDER BY 1 DESC") < DEMO_LONG_INVOICE);
}

static void
test_same_seed_gives_identical_data(void **state)
{
	sqlite3 *a, *b;

	(void)state;
	a = generate(SEED, &demo_size_default);
	b = generate(SEED, &demo_size_default);
	assert_true(fingerprint(a) == fingerprint(b));
	assert_true(fingerprint(a) == fingerprint(db));
	sqlite3_close(a);
	sqlite3_close(b);
}

static void
test_different_seed_gives_different_data(void **state)
{
	sqlite3 *a;

	(void)state;
	a = generate(SEED + 1, &demo_size_default);
	assert_true(fingerprint(a) != fingerprint(db));
	assert_int_equal(q(a, "SELECT count(*) FROM messages"),
	    q(db, "SELECT count(*) FROM messages"));
	sqlite3_close(a);
}

static void
test_generation_refuses_a_database_with_data(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(demo_generate(db, SEED, &demo_size_default, NOW, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "not empty"));
	assert_int_equal(q(db, "SELECT count(*) FROM companies"),
	    demo_size_default.companies);
}

static void
test_generation_restores_the_connection_cache_size(void **state)
{
	struct demo_size s = { 0 };
	sqlite3 *d;
	char err[512];

	(void)state;
	s.companies = 1;
	assert_int_equal(store_open(":memory:", &d, err, sizeof err), 0);
	assert_int_equal(store_exec(d, "PRAGMA cache_size = -1234", err,
	    sizeof err), 0);
	assert_int_equal(demo_generate(d, SEED, &s, NOW, err, sizeof err), 0);
	assert_int_equal(store_scalar(d, "PRAGMA cache_size"), -1234);
	sqlite3_close(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_set_meets_the_minimum_counts),
		cmocka_unit_test(test_doubled_size_doubles_every_count),
		cmocka_unit_test(test_scales_are_found_by_name),
		cmocka_unit_test(test_small_scale_has_exactly_its_counts),
		cmocka_unit_test(
		    test_small_scale_leads_with_a_long_thread_and_invoice),
		cmocka_unit_test(test_now_and_login_roles_parse),
		cmocka_unit_test(test_login_users_exist_with_their_roles),
		cmocka_unit_test(
		    test_demo_manager_has_some_companies_and_client_owns_one),
		cmocka_unit_test(test_companies_cover_every_seed_platform),
		cmocka_unit_test(test_blocked_companies_have_overdue_invoices),
		cmocka_unit_test(test_every_platform_has_conversations),
		cmocka_unit_test(
		    test_channels_have_mixed_health_with_errors_explained),
		cmocka_unit_test(
		    test_messages_mix_cyrillic_arabic_spanish_and_emoji),
		cmocka_unit_test(
		    test_customer_messages_are_in_the_contacts_language),
		cmocka_unit_test(
		    test_conversation_fields_agree_with_their_messages),
		cmocka_unit_test(test_conversations_vary_in_state_and_people),
		cmocka_unit_test(
		    test_times_are_in_the_last_sixty_days_and_dense_recently),
		cmocka_unit_test(test_marketplace_orders_agree_with_their_offers),
		cmocka_unit_test(
		    test_checkout_totals_charge_delivery_once_below_the_threshold),
		cmocka_unit_test(test_kb_rows_hold_typed_json_cells),
		cmocka_unit_test(
		    test_invoices_in_rub_eur_iqd_with_iqd_deposits_on_projects),
		cmocka_unit_test(
		    test_commission_invoices_have_one_booking_line_per_booking),
		cmocka_unit_test(
		    test_invoice_totals_equal_lines_minus_discount_plus_tax),
		cmocka_unit_test(test_amount_due_is_total_minus_confirmed_payments),
		cmocka_unit_test(
		    test_invoice_status_follows_dates_and_numbers_are_gapless),
		cmocka_unit_test(test_foreign_key_check_is_empty),
		cmocka_unit_test(test_search_indexes_are_built_and_triggers_kept),
		cmocka_unit_test(test_default_set_is_pinned),
		cmocka_unit_test(test_same_seed_gives_identical_data),
		cmocka_unit_test(test_different_seed_gives_different_data),
		cmocka_unit_test(test_generation_refuses_a_database_with_data),
		cmocka_unit_test(
		    test_generation_restores_the_connection_cache_size),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
