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
