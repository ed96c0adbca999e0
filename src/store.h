/* The local cache: one SQLite database in WAL mode with foreign keys on,
 * migrated to the schema in db/.  All SQL in mkt goes through prepared
 * statements; the UI reaches the data only through src/ modules. */
#ifndef MKT_STORE_H
#define MKT_STORE_H

#include <stdint.h>
#include <sqlite3.h>

/* Opens (creating if needed) and migrates the cache at path.  Returns 0,
 * or -1 with a message naming the file. */
int store_open(const char *path, sqlite3 **out, char *err, size_t errlen);

/* A database built in one go and swapped in when complete: path is
 * created afresh (whatever was there goes) and migrated, with the journal
 * in memory, no fsync and foreign keys off, so a bulk load runs several
 * times faster and a crash leaves only a broken file nobody uses.  Close
 * it, then store_install() it.  0, or -1 with a message naming the
 * file. */
int store_open_bulk(const char *path, sqlite3 **out, char *err,
    size_t errlen);

/* Syncs the closed database built at tmp to disk and renames it over
 * path, removing path's WAL first: a stale WAL would be replayed into the
 * new file.  Nobody may have path open.  0, or -1 with a message. */
int store_install(const char *tmp, const char *path, char *err,
    size_t errlen);

/* Removes path and the files SQLite keeps beside it. */
void store_remove(const char *path);

/* Applies, in order, each embedded migration newer than the database's
 * PRAGMA user_version, each in its own transaction.  A database from a
 * newer mkt is refused rather than guessed at. */
int store_migrate(sqlite3 *db, char *err, size_t errlen);

/* The schema version this build migrates to. */
int store_schema_version(void);

/* The cache file for a server URL, or "demo" for the demo cache:
 * $XDG_CACHE_HOME/mkt/<name>.db, creating the directory.  Malloc'd. */
char *store_cache_path(const char *server_or_demo, char *err, size_t errlen);

/* $env/mkt/<name><ext>, or under $HOME/fallback when env is unset,
 * creating the directory 0700; what names the directory in a message
 * ("cache", "state").  Malloc'd, or NULL with a message. */
char *store_server_file(const char *env, const char *fallback,
    const char *what, const char *server, const char *ext, char *err,
    size_t errlen);

/* The <name> part of a server's files: the URL with everything but
 * [A-Za-z0-9.-] mapped to '_'.  Malloc'd. */
char *store_server_name(const char *server_or_demo);

/* Runs one statement with no result rows and no parameters. */
int store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);

/* SELECT count(*)-style helper: the first column of the first row of a
 * parameterless query, or -1 on error. */
long long store_scalar(sqlite3 *db, const char *sql);

/* Runs one statement with parameters from the arguments, one letter of
 * types each: 'i' an int64_t, 't' a const char * (NULL binds NULL).  0
 * when it ran to the end, -1 on an error. */
int store_run(sqlite3 *db, const char *sql, const char *types, ...);

/* The signed-in user's id, as the sync engine recorded it when it
 * logged in, or 0 when unknown (no server, or not synced yet). */
int64_t store_user_id(sqlite3 *db);

/* Column i of a row as sanitized text (text_sanitize()'s flags), which
 * the caller frees; NULL stays NULL. */
char	*store_column_text(sqlite3_stmt *st, int i, unsigned flags);
/* Column i into a fixed field, sanitized to one line and cut to fit; ""
 * for NULL. */
void	 store_column_copy(char *dst, size_t len, sqlite3_stmt *st, int i);

/* A write transaction (BEGIN IMMEDIATE) and its end.  0, or -1 with a
 * message; a failed commit is rolled back.  store_rollback does nothing
 * outside a transaction. */
int store_begin(sqlite3 *db, char *err, size_t errlen);
int store_commit(sqlite3 *db, char *err, size_t errlen);
void store_rollback(sqlite3 *db);

#endif
