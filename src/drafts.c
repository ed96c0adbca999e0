/* Drafts live in the cache beside the data they answer, but are never
 * synced: nothing here touches the outbox. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drafts.h"
#include "store.h"
#include "util.h"

char *
draft_load(sqlite3 *db, int64_t conversation, const char *kind)
{
	sqlite3_stmt *st;
	char *body = NULL;

	if (sqlite3_prepare_v2(db, "SELECT body FROM drafts WHERE "
	    "conversation_id = ? AND kind = ?", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, conversation);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) !=
	    NULL)
		body = xstrndup((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	return body;
}

/* Only blanks is nothing worth keeping: the composer opens empty. */
static int
is_blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

int
draft_save(sqlite3 *db, int64_t conversation, const char *kind,
    const char *body)
{
	if (body == NULL || is_blank(body))
		return store_run(db, "DELETE FROM drafts WHERE "
		    "conversation_id = ? AND kind = ?", "it", conversation,
		    kind);
	return store_run(db, "INSERT INTO drafts(conversation_id, kind, body, "
	    "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(conversation_id, "
	    "kind) DO UPDATE SET body = excluded.body, "
	    "updated_at = excluded.updated_at", "itti", conversation, kind,
	    body, (int64_t)time(NULL));
}
