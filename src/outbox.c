#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "outbox.h"
#include "store.h"
#include "util.h"

#define UNACKED	"(state = 'queued' OR state = 'inflight')"

static int
fail(sqlite3 *db, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

long long
outbox_pending(sqlite3 *db)
{
	return store_scalar(db, "SELECT count(*) FROM outbox WHERE " UNACKED);
}

long long
outbox_problems(sqlite3 *db)
{
	return store_scalar(db, "SELECT count(*) FROM outbox WHERE "
	    "state = 'rejected'");
}

/* 128 random bits as hex: unique without coordination, so a key made
 * offline never collides with another client's. */
static int
new_key(char out[33])
{
	unsigned char raw[16];
	size_t got = 0;

	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);

		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int64_t
outbox_temp_id(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	st = prepare(db, "INSERT INTO sync_state(key, value) VALUES "
	    "('temp_id', '-1') ON CONFLICT(key) DO UPDATE SET value = "
	    "CAST(value AS INTEGER) - 1 RETURNING CAST(value AS INTEGER)");
	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* The oldest unacknowledged entry on a row, other than skip: 0 if none. */
static int64_t
oldest_unacked(sqlite3 *db, const char *type, int64_t id, int64_t skip)
{
	sqlite3_stmt *st = prepare(db, "SELECT id FROM outbox WHERE "
	    "ref_type = ? AND ref_id = ? AND id <> ? AND " UNACKED
	    " ORDER BY id LIMIT 1");
	int64_t found = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, skip);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return found;
}

int
outbox_append(struct applier *ap, const struct outbox_action *a, char *err,
    size_t errlen)
{
	sqlite3 *db = applier_db(ap);
	char key[33], *undo = NULL;
	int rc;

	if (new_key(key) != 0) {
		snprintf(err, errlen, "no randomness for an idempotency key");
		return -1;
	}
	/* Only the first entry on a row knows the server's version; later
	 * ones are made on top of the first and roll back with it. */
	if (a->ref_id > 0 && oldest_unacked(db, a->ref_type, a->ref_id,
	    0) == 0) {
		cJSON *row = apply_row_json(ap, a->ref_type, a->ref_id);

		if (row == NULL) {
			snprintf(err, errlen, "no %s %lld in the cache",
			    a->ref_type, (long long)a->ref_id);
			return -1;
		}
		undo = cJSON_PrintUnformatted(row);
		cJSON_Delete(row);
	}
	/* No If-Match is NULL, as is the temp_id of an action that
	 * created no row. */
	rc = store_run(db, "INSERT INTO outbox(idem_key, method, path, body, "
	    "if_match, ref_type, ref_id, temp_type, temp_id, undo, summary, "
	    "created_at) VALUES (?1, ?2, ?3, ?4, CASE WHEN ?5 > 0 THEN ?5 END, "
	    "?6, ?7, ?8, CASE WHEN ?8 IS NOT NULL THEN ?9 END, ?10, ?11, ?12)",
	    "tttti" "tit" "itti", key, a->method, a->path, a->body,
	    a->if_match, a->ref_type, a->ref_id, a->temp_type, a->temp_id,
	    undo, a->summary, (int64_t)time(NULL));
	free(undo);
	if (rc != 0 || apply_recount_pending(ap, a->ref_type, a->ref_id) != 0)
		return fail(db, err, errlen, "outbox");
	return 0;
}

static char *
column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

#define ENTRY_COLUMNS	"id, idem_key, method, path, body, if_match, " \
	"ref_type, ref_id, temp_type, temp_id, summary, undo, attempts, " \
	"status, last_error, created_at"

static void
entry_read(sqlite3_stmt *st, struct outbox_entry *e)
{
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(st, 0);
	snprintf(e->idem_key, sizeof e->idem_key, "%s",
	    (const char *)sqlite3_column_text(st, 1));
	e->method = column_dup(st, 2);
	e->path = column_dup(st, 3);
	e->body = column_dup(st, 4);
	e->if_match = sqlite3_column_int64(st, 5);
	e->ref_type = column_dup(st, 6);
	e->ref_id = sqlite3_column_int64(st, 7);
	e->temp_type = column_dup(st, 8);
	e->temp_id = sqlite3_column_int64(st, 9);
	e->summary = column_dup(st, 10);
	e->undo = column_dup(st, 11);
	e->attempts = sqlite3_column_int(st, 12);
	e->status = sqlite3_column_int(st, 13);
	e->last_error = column_dup(st, 14);
	e->created_at = sqlite3_column_int64(st, 15);
}

static int
entry_query(sqlite3 *db, const char *sql, int64_t id, struct outbox_entry *e)
{
	sqlite3_stmt *st = prepare(db, sql);
	int rc = -1;

	if (st == NULL)
		return -1;
	if (id != 0)
		sqlite3_bind_int64(st, 1, id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		entry_read(st, e);
		rc = 1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	}
	sqlite3_finalize(st);
	return rc;
}

int
outbox_next(sqlite3 *db, struct outbox_entry *e)
{
	return entry_query(db, "SELECT " ENTRY_COLUMNS " FROM outbox WHERE "
	    UNACKED " ORDER BY id LIMIT 1", 0, e);
}

int
outbox_get(sqlite3 *db, int64_t id, struct outbox_entry *e)
{
	return entry_query(db, "SELECT " ENTRY_COLUMNS " FROM outbox WHERE "
	    "id = ?", id, e);
}

void
outbox_entry_free(struct outbox_entry *e)
{
	free(e->method);
	free(e->path);
	free(e->body);
	free(e->ref_type);
	free(e->temp_type);
	free(e->summary);
	free(e->undo);
	free(e->last_error);
	memset(e, 0, sizeof *e);
}

int
outbox_mark_sent(sqlite3 *db, int64_t id)
{
	return store_run(db, "UPDATE outbox SET state = 'inflight', "
	    "attempts = attempts + 1 WHERE id = ?", "i", id);
}

int
outbox_note_failure(sqlite3 *db, int64_t id, int status, const char *why)
{
	return store_run(db, "UPDATE outbox SET status = ?, last_error = ? "
	    "WHERE id = ?", "iti", (int64_t)status, why, id);
}

static int
set_state(sqlite3 *db, int64_t id, const char *state, int status,
    const char *why)
{
	return store_run(db, "UPDATE outbox SET state = ?, status = ?, "
	    "last_error = ? WHERE id = ?", "titi", state, (int64_t)status,
	    why, id);
}

/* Hands a row's server version on to the row's next unacknowledged
 * entry, which becomes the one that rolls back to it. */
static int
pass_undo(sqlite3 *db, const char *type, int64_t id, int64_t after,
    const char *undo)
{
	int64_t next = oldest_unacked(db, type, id, after);

	if (next <= 0 || undo == NULL)
		return next < 0 ? -1 : 0;
	return store_run(db, "UPDATE outbox SET undo = ? WHERE id = ?", "ti",
	    undo, next);
}

/* Later entries on a row were made on top of the one just accepted:
 * they now expect the version the server gave it. */
static int
rebase(sqlite3 *db, const char *type, const cJSON *row)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "id");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, "version");

	if (!cJSON_IsNumber(id) || !cJSON_IsNumber(v))
		return 0;
	return store_run(db, "UPDATE outbox SET if_match = ? WHERE "
	    "ref_type = ? AND ref_id = ? AND if_match IS NOT NULL AND " UNACKED,
	    "iti", (int64_t)v->valuedouble, type, (int64_t)id->valuedouble);
}

/* Writes a server row the way the feed would: a row that still has
 * unacknowledged entries keeps what the user sees, and the server's
 * version becomes what those entries roll back to. */
static int
apply_answer_row(struct applier *ap, const char *type, const cJSON *row,
    unsigned *kinds, char *err, size_t errlen)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "id");
	cJSON *change;
	int rc;

	if (!cJSON_IsNumber(id))
		return 0;
	change = cJSON_CreateObject();
	cJSON_AddStringToObject(change, "type", type);
	cJSON_AddNumberToObject(change, "id", id->valuedouble);
	cJSON_AddStringToObject(change, "op", "upsert");
	cJSON_AddItemReferenceToObject(change, "data", (cJSON *)row);
	rc = apply_change(ap, change, kinds, err, errlen);
	cJSON_Delete(change);
	if (rc == 0 && rebase(applier_db(ap), type, row) != 0)
		return fail(applier_db(ap), err, errlen, "outbox");
	return rc;
}

/* The rows in a write's answer: the answer itself when it is a row of
 * the entry's type, or its members named by a feed type. */
static int
apply_answer(struct applier *ap, const struct outbox_entry *e,
    const cJSON *answer, unsigned *kinds, char *err, size_t errlen)
{
	const cJSON *m;
	const char *own = e->temp_type != NULL ? e->temp_type : e->ref_type;

	if (!cJSON_IsObject(answer))
		return 0;
	if (cJSON_HasObjectItem(answer, "id"))
		return apply_answer_row(ap, own, answer, kinds, err, errlen);
	cJSON_ArrayForEach(m, answer)
		if (cJSON_IsObject(m) && m->string != NULL &&
		    apply_type_known(m->string) &&
		    apply_answer_row(ap, m->string, m, kinds, err,
		    errlen) != 0)
			return -1;
	return 0;
}

static int
drop_temp_row(struct applier *ap, const struct outbox_entry *e,
    unsigned *kinds, char *err, size_t errlen)
{
	if (e->temp_type == NULL)
		return 0;
	return apply_delete(ap, e->temp_type, e->temp_id, kinds, err, errlen);
}

int
outbox_settle_done(struct applier *ap, const struct outbox_entry *e,
    const char *answer, unsigned *kinds, char *err, size_t errlen)
{
	sqlite3 *db = applier_db(ap);
	cJSON *j = answer != NULL ? cJSON_Parse(answer) : NULL;

	err[0] = '\0';
	if (store_begin(db, err, errlen) != 0) {
		cJSON_Delete(j);
		return -1;
	}
	if (set_state(db, e->id, "done", 200, NULL) != 0 ||
	    drop_temp_row(ap, e, kinds, err, errlen) != 0 ||
	    pass_undo(db, e->ref_type, e->ref_id, e->id, e->undo) != 0 ||
	    apply_answer(ap, e, j, kinds, err, errlen) != 0 ||
	    apply_recount_pending(ap, e->ref_type, e->ref_id) != 0) {
		if (err[0] == '\0')
			fail(db, err, errlen, "outbox");
		cJSON_Delete(j);
		store_rollback(db);
		return -1;
	}
	cJSON_Delete(j);
	*kinds |= KIND_OUTBOX | apply_type_kind(e->ref_type);
	return store_commit(db, err, errlen);
}

/* The server's words for a refusal: its error message, or the status. */
static char *
refusal_message(const cJSON *j, int status)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");

	if (cJSON_IsString(msg) && msg->valuestring[0] != '\0')
		return xstrdup(msg->valuestring);
	return xasprintf("refused by the server (HTTP %d)", status);
}

int
outbox_settle_rejected(struct applier *ap, const struct outbox_entry *e,
    int status, const char *answer, unsigned *kinds, char *err,
    size_t errlen)
{
	sqlite3 *db = applier_db(ap);
	cJSON *j = answer != NULL ? cJSON_Parse(answer) : NULL, *base = NULL;
	const cJSON *current = cJSON_GetObjectItemCaseSensitive(j, "current");
	char *why = refusal_message(j, status), *undo = NULL;
	int rc = -1;

	err[0] = '\0';
	/* A 412 says what the row is now: newer than any undo we hold. */
	if (cJSON_IsObject(current))
		base = cJSON_Duplicate(current, 1);
	else if (e->undo != NULL)
		base = cJSON_Parse(e->undo);
	if (base != NULL)
		undo = cJSON_PrintUnformatted(base);
	if (store_begin(db, err, errlen) != 0)
		goto out;
	if (set_state(db, e->id, "rejected", status, why) != 0 ||
	    drop_temp_row(ap, e, kinds, err, errlen) != 0 ||
	    (base != NULL && apply_upsert(ap, e->ref_type, base, kinds, err,
	    errlen) != 0) ||
	    pass_undo(db, e->ref_type, e->ref_id, e->id, undo) != 0 ||
	    apply_recount_pending(ap, e->ref_type, e->ref_id) != 0) {
		if (err[0] == '\0')
			fail(db, err, errlen, "outbox");
		store_rollback(db);
		goto out;
	}
	*kinds |= KIND_OUTBOX | apply_type_kind(e->ref_type);
	rc = store_commit(db, err, errlen);
out:
	cJSON_Delete(j);
	cJSON_Delete(base);
	free(why);
	free(undo);
	return rc;
}

/* ---- sync problems ------------------------------------------------------ */

static int
load_rejected(sqlite3 *db, int64_t id, struct outbox_entry *e, char *err,
    size_t errlen)
{
	int rc = outbox_get(db, id, e);

	if (rc < 0)
		return fail(db, err, errlen, "outbox");
	if (rc == 0) {
		snprintf(err, errlen, "no sync problem %lld", (long long)id);
		return -1;
	}
	return 0;
}

/* Puts a refused entry back in line, last, under a new key (the old key
 * is bound to the refused request on the server).  A stale If-Match is
 * moved to the row's current version: retrying after a conflict means
 * "apply mine over theirs". */
static int
requeue(struct applier *ap, struct outbox_entry *e, const char *body,
    char *err, size_t errlen)
{
	sqlite3 *db = applier_db(ap);
	struct outbox_action a = {
		.method = e->method, .path = e->path, .body = body,
		.ref_type = e->ref_type, .ref_id = e->ref_id,
		.summary = e->summary,
	};
	if (e->if_match > 0) {
		cJSON *row = apply_row_json(ap, e->ref_type, e->ref_id);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(row,
		    "version");

		a.if_match = cJSON_IsNumber(v) ? (int64_t)v->valuedouble :
		    e->if_match;
		cJSON_Delete(row);
	}
	if (store_begin(db, err, errlen) != 0)
		return -1;
	if (outbox_discard(db, e->id, err, errlen) != 0 ||
	    outbox_append(ap, &a, err, errlen) != 0) {
		store_rollback(db);
		return -1;
	}
	return store_commit(db, err, errlen);
}

int
outbox_retry(struct applier *ap, int64_t id, char *err, size_t errlen)
{
	struct outbox_entry e;
	int rc;

	if (load_rejected(applier_db(ap), id, &e, err, errlen) != 0)
		return -1;
	rc = requeue(ap, &e, e.body, err, errlen);
	outbox_entry_free(&e);
	return rc;
}

int
outbox_edit(struct applier *ap, int64_t id, const char *body, char *err,
    size_t errlen)
{
	struct outbox_entry e;
	cJSON *j = cJSON_Parse(body);
	int rc;

	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		snprintf(err, errlen, "the edited request is not a JSON "
		    "object");
		return -1;
	}
	cJSON_Delete(j);
	if (load_rejected(applier_db(ap), id, &e, err, errlen) != 0)
		return -1;
	rc = requeue(ap, &e, body, err, errlen);
	outbox_entry_free(&e);
	return rc;
}

int
outbox_discard(sqlite3 *db, int64_t id, char *err, size_t errlen)
{
	if (store_run(db, "DELETE FROM outbox WHERE id = ? AND "
	    "state = 'rejected'", "i", id) != 0)
		return fail(db, err, errlen, "outbox");
	if (sqlite3_changes(db) != 1) {
		snprintf(err, errlen, "sync problem %lld is not waiting for "
		    "a decision", (long long)id);
		return -1;
	}
	return 0;
}

int
outbox_prune(sqlite3 *db, int64_t now, int64_t age)
{
	return store_run(db, "DELETE FROM outbox WHERE state = 'done' AND "
	    "created_at < ?", "i", now - age);
}
