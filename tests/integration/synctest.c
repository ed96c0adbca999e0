#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "synctest.h"
#include "util.h"

/* The tables the feed mirrors, with the columns to compare as JSON
 * values (the cache re-serialises what the server stored as text). */
static const char *const mirrored[] = {
	"users", "companies", "commission_terms", "channels", "contacts",
	"orders", "order_lines", "offers", "contact_purchases", "reviews",
	"conversations", "conversation_labels", "messages", "kb_tables",
	"kb_columns", "kb_rows", "projects", "invoices", "invoice_lines",
	"payments", "canned_responses", NULL
};

static bool
json_column(const char *name)
{
	return strcmp(name, "cells") == 0 || strcmp(name, "tiers") == 0 ||
	    strcmp(name, "enum_values") == 0;
}

void
client_init(struct client *c, int port, const char *user,
    const char *password)
{
	char url[64];

	memset(c, 0, sizeof *c);
	snprintf(c->dir, sizeof c->dir, "/tmp/mkt-client.XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->cache, sizeof c->cache, "%s/cache.db", c->dir);
	snprintf(c->token, sizeof c->token, "%s/token", c->dir);
	config_defaults(&c->cfg);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	c->cfg.url = xstrdup(url);
	c->cfg.user = xstrdup(user);
	if (password != NULL)
		c->cfg.password = xstrdup(password);
	c->cfg.history_days = 0;
	c->cfg.poll_wait = 5;
}

void
client_free(struct client *c)
{
	char cmd[160];

	config_free(&c->cfg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "synctest: could not remove %s\n", c->dir);
}

struct syncer *
client_syncer(struct client *c)
{
	char err[512];
	struct syncer *s = sync_new(&c->cfg, c->cache, c->token, err,
	    sizeof err);

	if (s == NULL)
		fail_msg("sync_new: %s", err);
	return s;
}

void
client_sync(struct client *c, enum sync_result want)
{
	struct syncer *s = client_syncer(c);
	struct sync_counts counts;
	char err[512] = "";
	enum sync_result got = sync_once(s, &counts, err, sizeof err);

	sync_free(s);
	if (got != want)
		fail_msg("sync_once gave %d, wanted %d: %s", got, want, err);
}

int64_t
file_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

void
assert_integrity(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* "a, json(b), c": the cache's columns of table but pending. */
static char *
column_list(sqlite3 *db, const char *table)
{
	char sql[128], *list = xstrdup("");
	sqlite3_stmt *st;

	snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s')",
	    table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		char *next;

		if (strcmp(c, "pending") == 0)
			continue;
		next = xasprintf(json_column(c) ? "%s%sjson(%s)" : "%s%s%s",
		    list, list[0] != '\0' ? ", " : "", c);
		free(list);
		list = next;
	}
	sqlite3_finalize(st);
	return list;
}

void
assert_cache_matches(const char *cache, const char *server_db)
{
	sqlite3 *db;
	char *attach;

	assert_int_equal(sqlite3_open_v2(cache, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_URI, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	attach = xasprintf("ATTACH 'file:%s?mode=ro' AS srv", server_db);
	assert_int_equal(sqlite3_exec(db, attach, NULL, NULL, NULL),
	    SQLITE_OK);
	free(attach);
	for (int i = 0; mirrored[i] != NULL; i++) {
		const char *t = mirrored[i];
		char *cols = column_list(db, t), *sql;
		int64_t here, there, missing, extra;

		sql = xasprintf("SELECT count(*) FROM main.%s", t);
		here = db_int(db, -1, sql, 0);
		free(sql);
		sql = xasprintf("SELECT count(*) FROM srv.%s", t);
		there = db_int(db, -1, sql, 0);
		free(sql);
		/* Every field of every row, both ways. */
		sql = xasprintf("SELECT count(*) FROM (SELECT %s FROM srv.%s "
		    "EXCEPT SELECT %s FROM main.%s)", cols, t, cols, t);
		missing = db_int(db, -1, sql, 0);
		free(sql);
		sql = xasprintf("SELECT count(*) FROM (SELECT %s FROM main.%s "
		    "EXCEPT SELECT %s FROM srv.%s)", cols, t, cols, t);
		extra = db_int(db, -1, sql, 0);
		free(sql);
		free(cols);
		if (here != there || missing != 0 || extra != 0)
			fail_msg("%s: cache %lld rows, server %lld; %lld server "
			    "rows differ or are missing, %lld cache rows are "
			    "not on the server", t, (long long)here,
			    (long long)there, (long long)missing,
			    (long long)extra);
	}
	sqlite3_close(db);
}

static void
exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg != NULL ? msg : "?");
}

/* Every full-text index of the database at path emptied, then filled
 * again row by row through the schema's own insert triggers, over the
 * rows as they are: what the triggers would hold for these tables. */
static void
index_through_triggers(const char *path)
{
	static const char *const tables[] = {
		/* invoices before their lines, whose triggers append */
		"contacts", "kb_rows", "invoices", "invoice_lines", "messages",
	};
	sqlite3 *db;
	sqlite3_stmt *st;
	char *sql[64];
	int n = 0;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name, sql FROM "
	    "sqlite_master WHERE type = 'trigger' ORDER BY name", -1, &st,
	    NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && n < 64) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		char *drop = xasprintf("DROP TRIGGER %s", name);

		assert_non_null(strstr(name, "_fts_"));
		if (strcmp(name + strlen(name) - 3, "_ai") == 0)
			sql[n++] = xstrdup((const char *)
			    sqlite3_column_text(st, 1));
		exec_ok(db, drop);
		free(drop);
	}
	sqlite3_finalize(st);
	exec_ok(db, "INSERT INTO messages_fts(messages_fts) VALUES "
	    "('delete-all');"
	    "INSERT INTO contacts_fts(contacts_fts) VALUES ('delete-all');"
	    "INSERT INTO kb_rows_fts(kb_rows_fts) VALUES ('delete-all');"
	    "DELETE FROM invoices_fts;");
	for (int i = 0; i < n; i++) {
		exec_ok(db, sql[i]);
		free(sql[i]);
	}
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		const char *t = tables[i];
		char *q = xasprintf("CREATE TEMP TABLE copy AS SELECT * "
		    "FROM %s; DELETE FROM %s; INSERT INTO %s SELECT * FROM "
		    "temp.copy ORDER BY %s; DROP TABLE temp.copy", t, t, t,
		    strcmp(t, "invoice_lines") == 0 ?
		    "invoice_id, position, id" : "rowid");

		exec_ok(db, q);
		free(q);
	}
	sqlite3_close(db);
}

void
assert_search_rebuilt(const char *cache)
{
	static const char *const indexes[] = {
		"messages_fts", "contacts_fts", "kb_rows_fts", "invoices_fts",
	};
	char ref[160], *q;
	sqlite3 *db;

	snprintf(ref, sizeof ref, "%s.ref", cache);
	unlink(ref);
	assert_int_equal(sqlite3_open(cache, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	q = xasprintf("VACUUM INTO '%s'", ref);
	exec_ok(db, q);
	free(q);
	index_through_triggers(ref);
	q = xasprintf("ATTACH '%s' AS ref", ref);
	exec_ok(db, q);
	free(q);
	assert_int_equal(db_int(db, -1, "SELECT count(*) FROM sync_state "
	    "WHERE key = 'fts_stale'", 0), 0);
	for (size_t i = 0; i < sizeof indexes / sizeof *indexes; i++) {
		const char *x = indexes[i];
		int64_t here, there, differ;

		/* The index is sound, then equal to the reference term by
		 * term: each word, row, column and position. */
		q = xasprintf("INSERT INTO main.%s(%s) VALUES "
		    "('integrity-check'); CREATE VIRTUAL TABLE temp.here USING "
		    "fts5vocab(main, %s, instance); CREATE VIRTUAL TABLE "
		    "temp.there USING fts5vocab(ref, %s, instance)", x, x, x,
		    x);
		exec_ok(db, q);
		free(q);
		here = db_int(db, -1, "SELECT count(*) FROM temp.here", 0);
		there = db_int(db, -1, "SELECT count(*) FROM temp.there", 0);
		differ = db_int(db, -1, "SELECT count(*) FROM (SELECT * FROM "
		    "temp.here EXCEPT SELECT * FROM temp.there)", 0);
		exec_ok(db, "DROP TABLE temp.here; DROP TABLE temp.there");
		if (here == 0 || here != there || differ != 0)
			fail_msg("%s: %lld terms, %lld through the triggers, "
			    "%lld differ", x, (long long)here, (long long)there,
			    (long long)differ);
	}
	/* The invoice index keeps its own text: the same text too. */
	assert_int_equal(db_int(db, -1, "SELECT count(*) FROM (SELECT rowid, "
	    "* FROM main.invoices_fts EXCEPT SELECT rowid, * FROM "
	    "ref.invoices_fts)", 0), 0);
	sqlite3_close(db);
	unlink(ref);
}
