#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embed.h"
#include "store.h"
#include "text.h"
#include "util.h"

int
store_schema_version(void)
{
	int n = 0;

	while (embedded_migrations[n].name != NULL)
		n++;
	return n;
}

int
store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

long long
store_scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
store_run(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	va_start(ap, types);
	for (int i = 0; types[i] != '\0'; i++) {
		if (types[i] == 'i')
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else {
			const char *s = va_arg(ap, const char *);

			if (s != NULL)
				sqlite3_bind_text(st, i + 1, s, -1,
				    SQLITE_TRANSIENT);
		}
	}
	va_end(ap);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int
store_begin(sqlite3 *db, char *err, size_t errlen)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "cannot write the cache: %s",
	    sqlite3_errmsg(db));
	return -1;
}

int
store_commit(sqlite3 *db, char *err, size_t errlen)
{
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "cannot write the cache: %s",
	    sqlite3_errmsg(db));
	store_rollback(db);
	return -1;
}

void
store_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Migration files are named NNN_what.sql and embedded in name order, so
 * migration i (1-based) takes the schema from version i-1 to i. */
int
store_migrate(sqlite3 *db, char *err, size_t errlen)
{
	int have = (int)store_scalar(db, "PRAGMA user_version");
	int want = store_schema_version();
	char sql[64];

	if (have < 0) {
		snprintf(err, errlen, "cannot read schema version: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (have > want) {
		snprintf(err, errlen, "cache schema version %d is newer than "
		    "this mkt understands (%d); upgrade mkt or remove the cache",
		    have, want);
		return -1;
	}
	for (int v = have; v < want; v++) {
		const struct embedded_file *m = &embedded_migrations[v];
		char why[512];

		if (store_exec(db, "BEGIN IMMEDIATE", err, errlen) != 0)
			return -1;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (store_exec(db, m->text, why, sizeof why) != 0 ||
		    store_exec(db, sql, why, sizeof why) != 0) {
			store_exec(db, "ROLLBACK", NULL, 0);
			snprintf(err, errlen, "migration %s: %s", m->name, why);
			return -1;
		}
		if (store_exec(db, "COMMIT", err, errlen) != 0)
			return -1;
	}
	return 0;
}

int
store_open(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char why[512];

	*out = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	/* WAL lets the sync thread write while the UI reads; NORMAL sync is
	 * durable across process kills, which is the failure we design for. */
	if (store_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;", why, sizeof why) != 0 ||
	    store_migrate(db, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

static const char *const side_files[] = { "-wal", "-shm", "-journal" };

void
store_remove(const char *path)
{
	unlink(path);
	for (size_t i = 0; i < nitems(side_files); i++) {
		char *p = xasprintf("%s%s", path, side_files[i]);

		unlink(p);
		free(p);
	}
}

int
store_open_bulk(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char why[512];

	*out = NULL;
	store_remove(path);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	/* Exclusive: nobody else reads a half-built file, and SQLite
	 * skips the shared-memory locks on every statement. */
	if (store_exec(db, "PRAGMA journal_mode = MEMORY;"
	    "PRAGMA synchronous = OFF;"
	    "PRAGMA locking_mode = EXCLUSIVE;"
	    "PRAGMA foreign_keys = OFF;", why, sizeof why) != 0 ||
	    store_migrate(db, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

int
store_install(const char *tmp, const char *path, char *err, size_t errlen)
{
	int fd;

	/* The build skipped every fsync; one here puts the whole file on
	 * disk before it has the real name. */
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) == -1 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	for (size_t i = 0; i < nitems(side_files); i++) {
		char *p = xasprintf("%s%s", path, side_files[i]);

		unlink(p);
		free(p);
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* A URL becomes a file name: keep [A-Za-z0-9.-], map the rest to '_'.
 * The cache and the session token share it, so one server's files are
 * easy to find (and remove) together. */
char *
store_server_name(const char *server_or_demo)
{
	char *safe = xstrdup(server_or_demo);

	for (char *p = safe; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '_';
	return safe;
}

char *
store_server_file(const char *env, const char *fallback, const char *what,
    const char *server, const char *ext, char *err, size_t errlen)
{
	char *dir, *name, *path;

	if ((dir = xdg_dir(env, fallback, "mkt")) == NULL) {
		snprintf(err, errlen, "cannot create %s directory: neither %s "
		    "nor HOME is set", what, env);
		return NULL;
	}
	/* 0700: the directory lists which servers this user works with. */
	if (mkdir_p(dir, 0700) != 0) {
		snprintf(err, errlen, "cannot create %s directory %s: %s",
		    what, dir, strerror(errno));
		free(dir);
		return NULL;
	}
	name = store_server_name(server);
	path = xasprintf("%s/%s%s", dir, name, ext);
	free(name);
	free(dir);
	return path;
}

char *
store_cache_path(const char *name, char *err, size_t errlen)
{
	return store_server_file("XDG_CACHE_HOME", ".cache", "cache", name,
	    ".db", err, errlen);
}

int64_t
store_user_id(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	/* Only a user the cache holds: ids from another server's cache
	 * must not match anyone here. */
	if (sqlite3_prepare_v2(db, "SELECT CAST(value AS INTEGER) FROM "
	    "sync_state WHERE key = 'user_id' AND EXISTS (SELECT 1 FROM users "
	    "WHERE id = CAST(value AS INTEGER))", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

char *
store_column_text(sqlite3_stmt *st, int i, unsigned flags)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	if (s == NULL)
		return NULL;
	return text_sanitize_dup(s, (size_t)sqlite3_column_bytes(st, i),
	    flags);
}

void
store_column_copy(char *dst, size_t len, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	if (s == NULL)
		dst[0] = '\0';
	else
		text_sanitize(dst, len, s, (size_t)sqlite3_column_bytes(st, i),
		    TEXT_ONELINE);
}
