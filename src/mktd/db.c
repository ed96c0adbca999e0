#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "db.h"
#include "demo.h"
#include "embed.h"
#include "feed.h"
#include "store.h"
#include "util.h"

static int
exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	return store_exec(db, sql, err, errlen);
}

static int
migration_applied(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int found = -1;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM server_migrations "
	    "WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		found = 1;
		break;
	case SQLITE_DONE:
		found = 0;
		break;
	}
	sqlite3_finalize(st);
	return found;
}

/* A name in server_migrations that this build does not embed was written
 * by a newer mktd; guessing at its schema could corrupt it. */
static int
check_unknown_migrations(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(db, "SELECT name FROM server_migrations",
	    -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (name != NULL &&
		    embedded_find(embedded_server_migrations, name) == NULL) {
			snprintf(err, errlen, "server migration %s is newer "
			    "than this mktd; upgrade mktd", name);
			rc = -1;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* Server migrations are tracked by name in their own table: PRAGMA
 * user_version counts the cache schema, which store_open() owns. */
static int
migrate_server(sqlite3 *db, char *err, size_t errlen)
{
	const struct embedded_file *m;
	char why[256];

	if (exec(db, "CREATE TABLE IF NOT EXISTS server_migrations ("
	    "name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) WITHOUT ROWID",
	    err, errlen) != 0 || check_unknown_migrations(db, err, errlen) != 0)
		return -1;
	for (m = embedded_server_migrations; m->name != NULL; m++) {
		sqlite3_stmt *st;
		int done = migration_applied(db, m->name), ok;

		if (done < 0) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(db));
			return -1;
		}
		if (done)
			continue;
		if (exec(db, "BEGIN IMMEDIATE", err, errlen) != 0)
			return -1;
		if (exec(db, m->text, why, sizeof why) != 0) {
			exec(db, "ROLLBACK", NULL, 0);
			snprintf(err, errlen, "server migration %s: %s",
			    m->name, why);
			return -1;
		}
		ok = sqlite3_prepare_v2(db, "INSERT INTO server_migrations"
		    "(name, applied_at) VALUES (?, ?)", -1, &st, NULL) ==
		    SQLITE_OK;
		if (ok) {
			sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
			ok = sqlite3_step(st) == SQLITE_DONE;
		}
		sqlite3_finalize(st);
		if (!ok || exec(db, "COMMIT", why, sizeof why) != 0) {
			snprintf(err, errlen, "server migration %s: %s",
			    m->name, sqlite3_errmsg(db));
			exec(db, "ROLLBACK", NULL, 0);
			return -1;
		}
	}
	return 0;
}

static int
read_urandom(unsigned char *buf, size_t n)
{
	size_t got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0 && errno != EINTR) {
			close(fd);
			return -1;
		}
		if (r > 0)
			got += (size_t)r;
	}
	close(fd);
	return 0;
}

/* The JWT key lives in the database so tokens survive a restart. */
static int
load_jwt_key(struct server *srv, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(srv->db, "SELECT value FROM settings "
	    "WHERE key = 'jwt_key'", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == (int)sizeof srv->jwt_key) {
		memcpy(srv->jwt_key, sqlite3_column_blob(st, 0),
		    sizeof srv->jwt_key);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);

	if (read_urandom(srv->jwt_key, sizeof srv->jwt_key) != 0) {
		snprintf(err, errlen, "/dev/urandom: %s", strerror(errno));
		return -1;
	}
	if (sqlite3_prepare_v2(srv->db, "INSERT OR REPLACE INTO settings"
	    "(key, value) VALUES ('jwt_key', ?)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_blob(st, 1, srv->jwt_key, sizeof srv->jwt_key,
	    SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	if (rc == 0)
		return 0;
fail:
	snprintf(err, errlen, "settings: %s", sqlite3_errmsg(srv->db));
	return -1;
}

/* One yescrypt hash for every demo user: hashing each of them would cost
 * seconds at every start, and they all share the password anyway. */
static int
set_demo_passwords(sqlite3 *db, char *err, size_t errlen)
{
	char hash[256];
	sqlite3_stmt *st;
	int ok;

	if (auth_hash_password("demo", hash, sizeof hash) != 0) {
		snprintf(err, errlen, "cannot hash the demo password");
		return -1;
	}
	if (sqlite3_prepare_v2(db, "UPDATE users SET password_hash = ?", -1,
	    &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	return ok ? 0 : -1;
}

/* What the fill was, for whoever seeds a cache to match (mkt seed
 * --now) or wonders what a database holds. */
static int
note_demo(sqlite3 *db, const struct db_demo *demo)
{
	char now[32];

	snprintf(now, sizeof now, "%lld", (long long)demo->now);
	return store_run(db, "INSERT OR REPLACE INTO settings(key, value) "
	    "VALUES ('demo_scale', ?), ('demo_now', ?)", "tt", demo->scale,
	    now);
}

static int
fill_demo(struct server *srv, const struct db_demo *demo, char *err,
    size_t errlen)
{
	char why[512];

	if (demo_generate(srv->db, DEMO_SEED, demo->size, demo->now, why,
	    sizeof why) != 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (exec(srv->db, "BEGIN IMMEDIATE", err, errlen) != 0)
		return -1;
	why[0] = '\0';
	if (set_demo_passwords(srv->db, why, sizeof why) != 0 ||
	    feed_seed(srv, demo->now) != 0 || note_demo(srv->db, demo) != 0) {
		if (why[0] == '\0')
			snprintf(why, sizeof why, "feed: %s",
			    sqlite3_errmsg(srv->db));
		exec(srv->db, "ROLLBACK", NULL, 0);
		snprintf(err, errlen, "demo: %s", why);
		return -1;
	}
	return exec(srv->db, "COMMIT", err, errlen);
}

/* The demo is built in a file of its own and renamed over path once
 * complete: at the large scale that takes minutes, and a mktd stopped
 * meanwhile must leave nothing that looks like a database with users.
 * Building aside also lets the load skip the journal and every fsync. */
static int
build_demo(struct server *srv, const char *path, const struct db_demo *demo,
    char *err, size_t errlen)
{
	char *tmp = xasprintf("%s.demo", path);
	int rc = -1;

	if (store_open_bulk(tmp, &srv->db, err, errlen) == 0) {
		if (migrate_server(srv->db, err, errlen) == 0 &&
		    fill_demo(srv, demo, err, errlen) == 0)
			rc = 0;
		if (sqlite3_close(srv->db) != SQLITE_OK && rc == 0) {
			snprintf(err, errlen, "%s: %s", tmp,
			    sqlite3_errmsg(srv->db));
			rc = -1;
		}
		srv->db = NULL;
	}
	if (rc == 0)
		rc = store_install(tmp, path, err, errlen);
	if (rc != 0)
		store_remove(tmp);
	free(tmp);
	return rc;
}

/* A database filled by something other than mktd (or a demo fill cut
 * short) has rows but no feed; one entry per row makes it syncable. */
static int
seed_feed_if_empty(struct server *srv, int64_t now, char *err, size_t errlen)
{
	if (store_scalar(srv->db, "SELECT EXISTS (SELECT 1 FROM changes)") !=
	    0 ||
	    store_scalar(srv->db, "SELECT count(*) FROM users") <= 0)
		return 0;
	if (exec(srv->db, "BEGIN IMMEDIATE", err, errlen) != 0)
		return -1;
	if (feed_seed(srv, now) != 0) {
		snprintf(err, errlen, "feed: %s", sqlite3_errmsg(srv->db));
		exec(srv->db, "ROLLBACK", NULL, 0);
		return -1;
	}
	return exec(srv->db, "COMMIT", err, errlen);
}

int
db_open(struct server *srv, const char *path, const struct db_demo *demo,
    char *err, size_t errlen)
{
	char why[512] = "";
	int64_t now = (int64_t)time(NULL);
	long long users;

	if (store_open(path, &srv->db, err, errlen) != 0)
		return -1;
	if (migrate_server(srv->db, why, sizeof why) != 0)
		goto fail;
	users = store_scalar(srv->db, "SELECT count(*) FROM users");
	if (demo != NULL && users == 0) {
		sqlite3_close(srv->db);
		srv->db = NULL;
		if (build_demo(srv, path, demo, why, sizeof why) != 0 ||
		    store_open(path, &srv->db, why, sizeof why) != 0)
			goto fail;
	}
	if (load_jwt_key(srv, why, sizeof why) != 0 ||
	    seed_feed_if_empty(srv, now, why, sizeof why) != 0)
		goto fail;
	srv->last_seq = store_scalar(srv->db,
	    "SELECT coalesce(max(seq), 0) FROM changes");
	if (srv->last_seq < 0) {
		snprintf(why, sizeof why, "%s", sqlite3_errmsg(srv->db));
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, why);
	db_close(srv);
	return -1;
}

void
db_close(struct server *srv)
{
	feed_close();
	if (srv->db != NULL && sqlite3_close(srv->db) != SQLITE_OK)
		fprintf(stderr, "mktd: closing the database: %s\n",
		    sqlite3_errmsg(srv->db));
	srv->db = NULL;
}
