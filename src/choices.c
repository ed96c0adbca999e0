#include <stdlib.h>
#include <string.h>

#include "choices.h"
#include "util.h"

/* Rows of (id, label, detail, marked). */
static int
each(sqlite3 *db, const char *sql, int64_t param, choice_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, param);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    sqlite3_column_int(st, 3) != 0);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
choices_assignees(sqlite3 *db, int64_t conversation, choice_fn fn,
    void *arg)
{
	/* As the server's rule: whoever may answer this conversation. */
	return each(db, "SELECT u.id, u.name, u.role || ' · ' || u.email,"
	    " u.id IS c.assignee_id FROM conversations c"
	    " JOIN companies co ON co.id = c.company_id"
	    " JOIN users u ON u.role IN ('admin', 'support')"
	    "  OR u.id = co.manager_id OR u.id = co.owner_id"
	    " WHERE c.id = ?1 ORDER BY u.role = 'support' DESC,"
	    " u.role = 'manager' DESC, u.name", conversation, fn, arg);
}

int
choices_labels(sqlite3 *db, int64_t conversation, choice_fn fn, void *arg)
{
	return each(db, "SELECT count(*), label, count(*) || ' conversations',"
	    " max(conversation_id = ?1) FROM conversation_labels"
	    " GROUP BY label ORDER BY count(*) DESC, label", conversation,
	    fn, arg);
}

int
choices_canned(sqlite3 *db, int64_t conversation, choice_fn fn, void *arg)
{
	return each(db, "SELECT r.id, r.short_code, substr(r.content, 1, 80), 0"
	    " FROM canned_responses r WHERE r.company_id ="
	    " (SELECT company_id FROM conversations WHERE id = ?1)"
	    " ORDER BY r.short_code", conversation, fn, arg);
}

char *
choices_canned_text(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st;
	char *text = NULL;

	if (sqlite3_prepare_v2(db, "SELECT content FROM canned_responses "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		text = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return text;
}
