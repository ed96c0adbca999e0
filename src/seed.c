#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "apply.h"
#include "demo.h"
#include "seed.h"
#include "store.h"
#include "util.h"

#define DAY	86400

int
seed_user_ok(const char *user, char *err, size_t errlen)
{
	const char *role = user != NULL ? demo_login_role(user) : NULL;

	if (role != NULL && (strcmp(role, "admin") == 0 ||
	    strcmp(role, "billing") == 0 || strcmp(role, "support") == 0))
		return 0;
	snprintf(err, errlen, "a cache can be seeded for admin@demo.mkt, "
	    "billing@demo.mkt or support@demo.mkt, who see every row; what "
	    "%s sees only the server can work out, so sync instead",
	    user != NULL ? user : "nobody");
	return -1;
}

/* Whether the cache at path has outbox entries not yet done: queued,
 * in flight, or refused and waiting under :problems.  1, 0 (also when
 * there is no file), or -1 with a message. */
static int
unsent_work(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	sqlite3 *db = NULL;
	long long n;

	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	n = store_scalar(db, "SELECT count(*) FROM outbox WHERE "
	    "state <> 'done'");
	if (n < 0)
		snprintf(err, errlen, "%s: cannot read its outbox (%s); "
		    "remove it to seed a new cache", path, sqlite3_errmsg(db));
	else if (n > 0)
		snprintf(err, errlen, "%s holds %lld action%s never sent or "
		    "refused by the server; sync or discard them first", path,
		    n, n == 1 ? "" : "s");
	sqlite3_close(db);
	return n < 0 ? -1 : n > 0;
}

/* The feed's head after mktd seeded it: one entry per row of every
 * mirrored table, counted before the account's scope removes any. */
static int64_t
feed_head(sqlite3 *db)
{
	int64_t head = 0;
	const char *t;

	for (size_t i = 0; (t = apply_type_table(i)) != NULL; i++) {
		char *sql = xasprintf("SELECT count(*) FROM %s", t);
		long long n = store_scalar(db, sql);

		free(sql);
		if (n < 0)
			return -1;
		head += n;
	}
	return head;
}

static int
state_set(sqlite3 *db, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%" PRId64, v);
	return store_run(db, "INSERT OR REPLACE INTO sync_state(key, value) "
	    "VALUES (?, ?)", "tt", key, buf);
}

/* What the feed leaves out for this account, then where it stands: the
 * keys the sync engine keeps (src/sync.c). */
static int
as_synced(sqlite3 *db, const struct seed_options *o, char *err,
    size_t errlen)
{
	int64_t head, me = 0;
	sqlite3_stmt *st;

	if (store_begin(db, err, errlen) != 0)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT id FROM users WHERE email = ? "
	    "COLLATE NOCASE", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, o->user, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			me = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (me == 0) {
		snprintf(err, errlen, "%s is not a user of the demo", o->user);
		goto fail;
	}
	if ((head = feed_head(db)) < 0 ||
	    store_run(db, "DELETE FROM notifications WHERE user_id <> ?", "i",
	    me) != 0 ||
	    store_run(db, "DELETE FROM audit_log", "") != 0 ||
	    (o->history_days > 0 && store_run(db, "DELETE FROM messages "
	    "WHERE created_at < ?", "i", o->now -
	    (int64_t)o->history_days * DAY) != 0) ||
	    state_set(db, "cursor", head) != 0 ||
	    state_set(db, "complete", 1) != 0 ||
	    state_set(db, "user_id", me) != 0 ||
	    state_set(db, "last_sync_at", (int64_t)time(NULL)) != 0) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		goto fail;
	}
	return store_commit(db, err, errlen);
fail:
	store_rollback(db);
	return -1;
}

enum seed_result
seed_cache(const char *path, const struct seed_options *o, char *err,
    size_t errlen)
{
	char *tmp, why[512];
	sqlite3 *db;
	int rc;

	if (seed_user_ok(o->user, err, errlen) != 0)
		return SEED_EUSER;
	if ((rc = unsent_work(path, err, errlen)) != 0)
		return rc > 0 ? SEED_EBUSY : SEED_EFAIL;
	tmp = xasprintf("%s.seed", path);
	if (store_open_bulk(tmp, &db, err, errlen) != 0) {
		free(tmp);
		return SEED_EFAIL;
	}
	rc = demo_generate(db, DEMO_SEED, o->size, o->now, why,
	    sizeof why) == 0 && as_synced(db, o, why, sizeof why) == 0;
	if (sqlite3_close(db) != SQLITE_OK && rc) {
		snprintf(why, sizeof why, "%s", sqlite3_errmsg(db));
		rc = 0;
	}
	if (!rc)
		snprintf(err, errlen, "%s: %s", tmp, why);
	if (rc && store_install(tmp, path, err, errlen) != 0)
		rc = 0;
	if (!rc)
		store_remove(tmp);
	free(tmp);
	return rc ? SEED_OK : SEED_EFAIL;
}
