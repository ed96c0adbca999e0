#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "api.h"
#include "idem.h"

bool
idem_key_valid(const char *key)
{
	size_t n = 0;

	for (; key[n] != '\0'; n++)
		if ((unsigned char)key[n] < 0x20 ||
		    (unsigned char)key[n] > 0x7e || n >= IDEM_KEY_MAX)
			return false;
	return n > 0;
}

void
idem_request_hash(const char *method, const char *path, const char *body,
    size_t len, char out[IDEM_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	/* NUL separators: "POST" "/a" "b" must not hash as "POST" "/ab". */
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, method, strlen(method) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, path, strlen(path) + 1) != 1 ||
	    (len > 0 && EVP_DigestUpdate(ctx, body, len) != 1) ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		mdlen = 0;
	EVP_MD_CTX_free(ctx);
	memset(out, '0', IDEM_HASH_LEN);
	for (unsigned i = 0; i < mdlen && i < IDEM_HASH_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[IDEM_HASH_LEN] = '\0';
}

static char *
column_dup(sqlite3_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char *s;

	if (p == NULL)
		return NULL;
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	if (len != NULL)
		*len = n;
	return s;
}

/* Counts a replay (db/server/002_idempotency_replays.sql), so "applied
 * once, retried N times" can be read from the database.  A failure is
 * not the retry's problem: the stored answer still goes out. */
static void
count_replay(sqlite3 *db, int64_t user_id, const char *key)
{
	api_exec(db, "UPDATE idempotency SET replays = replays + 1 WHERE "
	    "user_id = ? AND key = ?", "it", user_id, key);
}

enum idem_found
idem_lookup(sqlite3 *db, int64_t user_id, const char *key, const char *hash,
    struct idem_result *r)
{
	sqlite3_stmt *st;
	enum idem_found found = IDEM_ERROR;

	memset(r, 0, sizeof *r);
	if (sqlite3_prepare_v2(db, "SELECT request_hash, status, "
	    "content_type, body FROM idempotency WHERE user_id = ? AND "
	    "key = ?", -1, &st, NULL) != SQLITE_OK)
		return IDEM_ERROR;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_DONE:
		found = IDEM_NEW;
		break;
	case SQLITE_ROW:
		if (strcmp((const char *)sqlite3_column_text(st, 0), hash)) {
			found = IDEM_REUSED;
			break;
		}
		found = IDEM_REPLAY;
		r->status = sqlite3_column_int(st, 1);
		r->content_type = column_dup(st, 2, NULL);
		r->body = column_dup(st, 3, &r->len);
		break;
	}
	sqlite3_finalize(st);
	if (found == IDEM_REPLAY)
		count_replay(db, user_id, key);
	return found;
}

int
idem_store(sqlite3 *db, int64_t user_id, const char *key, const char *method,
    const char *path, const char *hash, const struct idem_result *r,
    bool applied, int64_t now)
{
	sqlite3_stmt *st;
	int ok;

	if (api_exec(db, "DELETE FROM idempotency WHERE created_at < ?", "i",
	    now - IDEM_RETENTION) < 0 ||
	    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO idempotency("
	    "user_id, key, method, path, request_hash, status, "
	    "content_type, body, applied, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, method, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, r->status);
	sqlite3_bind_text(st, 7, r->content_type, -1, SQLITE_STATIC);
	if (r->body != NULL)
		sqlite3_bind_blob64(st, 8, r->body, r->len, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, applied);
	sqlite3_bind_int64(st, 10, now);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

void
idem_result_free(struct idem_result *r)
{
	free(r->content_type);
	free(r->body);
	memset(r, 0, sizeof *r);
}
