/* The cache: migrations from empty, the pragmas it runs under, and the
 * triggers that keep the full-text indexes in step. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static char dbpath[64];

static int
setup(void **state)
{
	int fd;

	(void)state;
	snprintf(dbpath, sizeof dbpath, "/tmp/mkt-test-store-XXXXXX");
	if ((fd = mkstemp(dbpath)) < 0)
		return -1;
	close(fd);
	unlink(dbpath);
	return 0;
}

static int
teardown(void **state)
{
	char side[80];

	(void)state;
	unlink(dbpath);
	snprintf(side, sizeof side, "%s-wal", dbpath);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", dbpath);
	unlink(side);
	return 0;
}

static long long
scalar(sqlite3 *db, const char *sql)
{
	long long v = store_scalar(db, sql);

	assert_true(v >= 0);
	return v;
}

static void
test_migrations_from_empty_reach_the_latest_version(void **state)
{
	sqlite3 *db;
	char err[256];
	const char *tables[] = { "users", "companies", "commission_terms",
	    "channels", "contacts", "orders", "order_lines", "offers",
	    "contact_purchases", "reviews", "conversations",
	    "conversation_labels", "messages", "kb_tables", "kb_columns",
	    "kb_rows", "projects", "invoices", "invoice_lines", "payments",
	    "notifications", "audit_log", "outbox", "sync_state",
	    "messages_fts", "kb_rows_fts", "invoices_fts" };

	(void)state;
	assert_int_equal(store_open(dbpath, &db, err, sizeof err), 0);
	assert_true(store_schema_version() >= 1);
	assert_int_equal(scalar(db, "PRAGMA user_version"),
	    store_schema_version());
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
		    "sqlite_schema WHERE name = ?", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_text(st, 1, tables[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		if (sqlite3_column_int(st, 0) != 1)
			fail_msg("table %s is missing", tables[i]);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

static void
test_reopening_a_migrated_cache_changes_nothing(void **state)
{
	sqlite3 *db;
	char err[256];
	long long objects;

	(void)state;
	assert_int_equal(store_open(dbpath, &db, err, sizeof err), 0);
	objects = scalar(db, "SELECT count(*) FROM sqlite_schema");
	assert_int_equal(store_exec(db, "INSERT INTO sync_state VALUES "
	    "('cursor', '42')", err, sizeof err), 0);
	sqlite3_close(db);

	assert_int_equal(store_open(dbpath, &db, err, sizeof err), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM sqlite_schema"),
	    objects);
	assert_int_equal(scalar(db, "SELECT value FROM sync_state WHERE "
	    "key = 'cursor'"), 42);
	sqlite3_close(db);
}

static void
test_cache_runs_in_wal_with_foreign_keys_on(void **state)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char err[256];

	(void)state;
	assert_int_equal(store_open(dbpath, &db, err, sizeof err), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(scalar(db, "PRAGMA foreign_keys"), 1);
	/* A message for a conversation that does not exist is refused. */
	assert_int_not_equal(store_exec(db, "INSERT INTO messages(conversation_id,"
	    " direction, author_kind, body, created_at) VALUES "
	    "(999, 'in', 'contact', 'x', 0)", err, sizeof err), 0);
	assert_non_null(strstr(err, "FOREIGN KEY"));
	sqlite3_close(db);
}

static void
test_a_cache_from_a_newer_mkt_is_refused(void **state)
{
	sqlite3 *db;
	char err[256], sql[64];

	(void)state;
	assert_int_equal(store_open(dbpath, &db, err, sizeof err), 0);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
	    store_schema_version() + 1);
	assert_int_equal(store_exec(db, sql, err, sizeof err), 0);
	sqlite3_close(db);

	assert_int_equal(store_open(dbpath, &db, err, sizeof err), -1);
	assert_null(db);
	assert_non_null(strstr(err, "newer than this mkt"));
	assert_non_null(strstr(err, dbpath));
}

static void
test_an_unopenable_path_names_the_file(void **state)
{
	sqlite3 *db;
	char err[256];

	(void)state;
	assert_int_equal(store_open("/nonexistent-dir/x/cache.db", &db, err,
	    sizeof err), -1);
	assert_null(db);
	assert_non_null(strstr(err, "/nonexistent-dir/x/cache.db"));
}

static void
test_fts_indexes_follow_inserts_updates_and_deletes(void **state)
{
	sqlite3 *db;
	char err[256];

	(void)state;
	assert_int_equal(store_open(dbpath, &db, err, sizeof err), 0);
	assert_int_equal(store_exec(db,
	    "INSERT INTO users VALUES (1, 'a@x', 'A', 'admin', NULL, 0);"
	    "INSERT INTO companies(id, code, name, kind, created_at, updated_at)"
	    "  VALUES (1, 'COMP001', 'Flores Sol', 'product', 0, 0);"
	    "INSERT INTO channels(id, company_id, platform, name, updated_at)"
	    "  VALUES (1, 1, 'whatsapp', '+34', 0);"
	    "INSERT INTO contacts(id, company_id, name, created_at)"
	    "  VALUES (1, 1, 'Мария', 0);"
	    "INSERT INTO conversations(id, company_id, channel_id, contact_id,"
	    "  last_activity_at, created_at) VALUES (1, 1, 1, 1, 0, 0);"
	    "INSERT INTO messages(id, conversation_id, direction, author_kind,"
	    "  body, created_at) VALUES (1, 1, 'in', 'contact',"
	    "  'Здравствуйте, есть доставка в Казань?', 0);"
	    "INSERT INTO invoices(id, company_id, kind, currency, created_at,"
	    "  updated_at, notes) VALUES (1, 1, 'commission', 'EUR', 0, 0, 'march');"
	    "INSERT INTO invoice_lines(invoice_id, position, description,"
	    "  unit_price_minor, amount_minor) VALUES (1, 1, 'grooming', 100, 100);"
	    "INSERT INTO kb_tables(id, company_id, name, kind, created_at,"
	    "  updated_at) VALUES (1, 1, 'Flowers', 'product', 0, 0);"
	    "INSERT INTO kb_rows(id, table_id, position, cells, updated_at)"
	    "  VALUES (1, 1, 1, '{\"product_name\":\"Rosas rojas\"}', 0);",
	    err, sizeof err), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'казань'"), 1);
	assert_int_equal(scalar(db, "SELECT count(*) FROM invoices_fts WHERE "
	    "invoices_fts MATCH 'grooming AND COMP001'"), 1);
	assert_int_equal(scalar(db, "SELECT count(*) FROM kb_rows_fts WHERE "
	    "kb_rows_fts MATCH 'rosas'"), 1);

	assert_int_equal(store_exec(db, "UPDATE messages SET body = 'hola' "
	    "WHERE id = 1; DELETE FROM invoice_lines; DELETE FROM kb_rows;",
	    err, sizeof err), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'казань'"), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'hola'"), 1);
	assert_int_equal(scalar(db, "SELECT count(*) FROM invoices_fts WHERE "
	    "invoices_fts MATCH 'grooming'"), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM kb_rows_fts WHERE "
	    "kb_rows_fts MATCH 'rosas'"), 0);
	sqlite3_close(db);
}

static void
test_run_binds_ints_texts_and_null_and_rollback_undoes(void **state)
{
	sqlite3 *db;
	char err[256];

	(void)state;
	assert_int_equal(store_open(dbpath, &db, err, sizeof err), 0);
	assert_int_equal(store_begin(db, err, sizeof err), 0);
	assert_int_equal(store_run(db, "INSERT INTO sync_state VALUES (?, ?)",
	    "tt", "a", (const char *)NULL), 0);
	assert_int_equal(store_run(db, "INSERT INTO sync_state VALUES (?, "
	    "? + 1)", "ti", "b", (int64_t)41), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM sync_state WHERE "
	    "key = 'a' AND value IS NULL"), 1);
	assert_int_equal(scalar(db, "SELECT value FROM sync_state WHERE "
	    "key = 'b'"), 42);
	/* a failing statement says so */
	assert_int_equal(store_run(db, "INSERT INTO sync_state VALUES (?, 1)",
	    "t", "b"), -1);
	store_rollback(db);
	assert_int_equal(scalar(db, "SELECT count(*) FROM sync_state"), 0);
	/* outside a transaction, a rollback is harmless and commit fails */
	store_rollback(db);
	assert_int_equal(store_commit(db, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot write the cache"));
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_migrations_from_empty_reach_the_latest_version),
		T(test_reopening_a_migrated_cache_changes_nothing),
		T(test_cache_runs_in_wal_with_foreign_keys_on),
		T(test_a_cache_from_a_newer_mkt_is_refused),
		T(test_an_unopenable_path_names_the_file),
		T(test_fts_indexes_follow_inserts_updates_and_deletes),
		T(test_run_binds_ints_texts_and_null_and_rollback_undoes),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
