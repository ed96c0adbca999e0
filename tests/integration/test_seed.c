/* mkt seed against a real mktd --demo --scale small: a seeded cache is
 * what a full sync from that server leaves, table for table, so the sync
 * that follows fetches nothing; and what seed refuses to do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "demo.h"
#include "seed.h"
#include "store.h"
#include "synctest.h"
#include "util.h"

#define PASSWORD	"demo"

struct fixture {
	struct mktd	*server;
	char		 now[24];
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	const char *args[] = { "--scale", "small", "--now", f->now, NULL };

	/* The server and every cache below are generated from this now. */
	snprintf(f->now, sizeof f->now, "%lld", (long long)time(NULL));
	if ((f->server = mktd_start_demo(true, args)) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	mktd_stop(f->server);
	free(f);
	return 0;
}

/* A config in c's directory for user (with the demo password), and the
 * path of the cache mkt keeps for it there. */
static void
write_conf(const struct client *c, const char *user, char *cache,
    size_t cachelen)
{
	char path[160], *key, *p, *was, err[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/mkt.conf", c->dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "[server]\nurl = %s\nuser = %s\npassword = %s\n",
	    c->cfg.url, user, PASSWORD);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	/* Where mkt, run with XDG_CACHE_HOME in c's directory, keeps it. */
	if ((was = getenv("XDG_CACHE_HOME")) != NULL)
		was = xstrdup(was);
	snprintf(path, sizeof path, "%s/cache", c->dir);
	setenv("XDG_CACHE_HOME", path, 1);
	key = xasprintf("%s@%s", user, c->cfg.url);
	p = store_cache_path(key, err, sizeof err);
	if (was != NULL)
		setenv("XDG_CACHE_HOME", was, 1);
	else
		unsetenv("XDG_CACHE_HOME");
	free(was);
	assert_non_null(p);
	snprintf(cache, cachelen, "%s", p);
	free(key);
	free(p);
}

/* Runs $MKT_BIN with c's config and files and args; its exit status,
 * with what it printed (stdout and stderr) in out. */
static int
run_mkt(const struct client *c, const char *args, char *out, size_t outlen)
{
	const char *bin = getenv("MKT_BIN");
	char cmd[1024];
	size_t len = 0, n;
	FILE *p;
	int status;

	snprintf(cmd, sizeof cmd, "XDG_CACHE_HOME='%s/cache' "
	    "XDG_STATE_HOME='%s/state' '%s' --config '%s/mkt.conf' %s 2>&1",
	    c->dir, c->dir, bin != NULL && *bin != '\0' ? bin : "./mkt",
	    c->dir, args);
	assert_non_null(p = popen(cmd, "r"));
	while (len + 1 < outlen && (n = fread(out + len, 1, outlen - 1 - len,
	    p)) > 0)
		len += n;
	out[len] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int64_t
state_int(const char *cache, const char *key)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT CAST(value AS INTEGER) FROM "
	    "sync_state WHERE key = '%s'", key);
	return file_int(cache, sql);
}

/* Every table of a and b but the full-text indexes holds the same rows,
 * and sync_state the same keys and values but the time of writing. */
static void
assert_same_cache(const char *a, const char *b)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *sql;
	int tables = 0;

	assert_int_equal(sqlite3_open_v2(a, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	sql = xasprintf("ATTACH '%s' AS b", b);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
	    "main.sqlite_master WHERE type = 'table' AND name NOT LIKE "
	    "'sqlite_%' AND name NOT LIKE '%fts%' AND name <> 'sync_state'",
	    -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		int64_t here, there, diff;

		sql = xasprintf("SELECT count(*) FROM main.\"%s\"", t);
		here = db_int(db, -1, sql, 0);
		free(sql);
		sql = xasprintf("SELECT count(*) FROM b.\"%s\"", t);
		there = db_int(db, -1, sql, 0);
		free(sql);
		sql = xasprintf("SELECT count(*) FROM (SELECT * FROM "
		    "main.\"%s\" EXCEPT SELECT * FROM b.\"%s\")", t, t);
		diff = db_int(db, -1, sql, 0);
		free(sql);
		if (here != there || diff != 0)
			fail_msg("%s: %lld rows seeded, %lld synced, %lld "
			    "differ", t, (long long)here, (long long)there,
			    (long long)diff);
		tables++;
	}
	sqlite3_finalize(st);
	assert_true(tables >= 20);
	assert_int_equal(db_int(db, -1, "SELECT count(*) FROM (SELECT * FROM "
	    "main.sync_state WHERE key <> 'last_sync_at' EXCEPT SELECT * FROM "
	    "b.sync_state)", 0), 0);
	assert_int_equal(db_int(db, -1, "SELECT count(*) FROM main.sync_state",
	    0), db_int(db, -1, "SELECT count(*) FROM b.sync_state", 0));
	/* The search indexes find the same rows. */
	assert_int_equal(db_int(db, -1, "SELECT count(*) FROM "
	    "main.messages_fts WHERE messages_fts MATCH 'hola'", 0),
	    db_int(db, -1, "SELECT count(*) FROM b.messages_fts WHERE "
	    "messages_fts MATCH 'hola'", 0));
	assert_int_equal(db_int(db, -1, "SELECT count(*) FROM "
	    "main.kb_rows_fts WHERE kb_rows_fts MATCH 'rosas'", 0),
	    db_int(db, -1, "SELECT count(*) FROM b.kb_rows_fts WHERE "
	    "kb_rows_fts MATCH 'rosas'", 0));
	assert_int_equal(db_int(db, -1, "SELECT count(*) FROM "
	    "main.invoices_fts WHERE invoices_fts MATCH 'lines:reserva OR "
	    "company:comp001'", 0), db_int(db, -1, "SELECT count(*) FROM "
	    "b.invoices_fts WHERE invoices_fts MATCH 'lines:reserva OR "
	    "company:comp001'", 0));
	sqlite3_close(db);
}

/* ---- the harness's way: mkt seed, then mkt sync --once ------------------ */

static void
seeded_cache_syncs_nothing_and_matches_the_server(void **state)
{
	struct fixture *f = *state;
	struct client c;
	char cache[256], args[128], out[4096];
	const char *srv = mktd_db_path(f->server);

	client_init(&c, mktd_port(f->server), role_email[ADMIN], PASSWORD);
	write_conf(&c, role_email[ADMIN], cache, sizeof cache);
	snprintf(args, sizeof args, "seed --scale small --now %s", f->now);
	if (run_mkt(&c, args, out, sizeof out) != 0)
		fail_msg("mkt %s: %s", args, out);
	assert_non_null(strstr(out, "seeded"));

	/* mktd seeded its feed with one entry per row: the cache's cursor
	 * is its head, and the cache is complete as a user's first sync
	 * leaves it. */
	assert_int_equal(state_int(cache, "cursor"), file_int(srv,
	    "SELECT max(seq) FROM changes"));
	assert_int_equal(state_int(cache, "complete"), 1);
	assert_int_equal(state_int(cache, "user_id"),
	    db_user_id(mktd_db(f->server), role_email[ADMIN]));
	assert_true(state_int(cache, "last_sync_at") > 0);
	assert_int_equal(file_int(cache, "SELECT count(*) FROM messages"),
	    20000);

	if (run_mkt(&c, "sync --once", out, sizeof out) != 0)
		fail_msg("mkt sync --once: %s", out);
	if (strstr(out, "pulled 0 changes, 0 deletions") == NULL)
		fail_msg("the sync after seeding fetched rows: %s", out);
	assert_cache_matches(cache, srv);
	assert_integrity(cache);
	client_free(&c);
}

/* ---- exactly what a full sync leaves ------------------------------------ */

static void
seeded_cache_equals_a_full_sync(void **state)
{
	struct fixture *f = *state;
	struct seed_options o = { 0 };
	struct client c;
	char seeded[160], err[512];

	client_init(&c, mktd_port(f->server), role_email[ADMIN], PASSWORD);
	client_sync(&c, SYNC_OK);
	snprintf(seeded, sizeof seeded, "%s/seeded.db", c.dir);
	assert_non_null(o.size = demo_size_find("small", err, sizeof err));
	assert_int_equal(demo_parse_now(f->now, &o.now), 0);
	o.user = role_email[ADMIN];
	o.history_days = c.cfg.history_days;
	if (seed_cache(seeded, &o, err, sizeof err) != SEED_OK)
		fail_msg("seed_cache: %s", err);
	assert_same_cache(seeded, c.cache);
	client_free(&c);
}

/* ---- refusals ---------------------------------------------------------- */

static void
seed_refuses_what_it_cannot_do_well(void **state)
{
	struct fixture *f = *state;
	struct client c;
	char cache[256], args[128], out[4096];
	sqlite3 *db;

	client_init(&c, mktd_port(f->server), role_email[MANAGER], PASSWORD);
	write_conf(&c, role_email[MANAGER], cache, sizeof cache);
	snprintf(args, sizeof args, "seed --now %s", f->now);
	/* A manager's view is the server's to decide. */
	assert_int_equal(run_mkt(&c, args, out, sizeof out), 2);
	assert_non_null(strstr(out, "admin@demo.mkt"));

	write_conf(&c, role_email[ADMIN], cache, sizeof cache);
	snprintf(args, sizeof args, "seed --scale huge --now %s", f->now);
	assert_int_equal(run_mkt(&c, args, out, sizeof out), 2);
	assert_non_null(strstr(out, "default, small and large"));
	/* now is never guessed. */
	assert_int_equal(run_mkt(&c, "seed", out, sizeof out), 2);
	assert_non_null(strstr(out, "--now"));

	/* A cache with an action never sent is left as it is. */
	snprintf(args, sizeof args, "seed --now %s", f->now);
	if (run_mkt(&c, args, out, sizeof out) != 0)
		fail_msg("mkt %s: %s", args, out);
	assert_int_equal(sqlite3_open(cache, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO outbox(idem_key, "
	    "method, path, ref_type, ref_id, created_at) VALUES ('k', 'POST', "
	    "'/api/v1/x', 'order', 1, 1)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(run_mkt(&c, args, out, sizeof out), 4);
	assert_non_null(strstr(out, "never sent"));
	assert_int_equal(file_int(cache, "SELECT count(*) FROM outbox"), 1);
	client_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    seeded_cache_syncs_nothing_and_matches_the_server),
		cmocka_unit_test(seeded_cache_equals_a_full_sync),
		cmocka_unit_test(seed_refuses_what_it_cannot_do_well),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
