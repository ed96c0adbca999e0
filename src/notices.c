#include "notices.h"

const struct list_source list_notices = {
	.name = "notifications",
	.from = "notifications n",
	.where = "n.user_id = :scope",
	.key = "n.created_at",
	.id = "n.id",
	.cols = "n.created_at, n.kind, n.title, n.read_at IS NOT NULL,"
	    " n.ref_type, n.ref_id",
	.ncols = N_NCOLS,
	.desc = true,
};

static int64_t
scalar(sqlite3 *db, const char *sql, int64_t user)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, user);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

long long
notices_unread(sqlite3 *db, int64_t user)
{
	return scalar(db, "SELECT count(*) FROM notifications "
	    "WHERE user_id = ? AND read_at IS NULL", user);
}

int64_t
notices_newest_ringing(sqlite3 *db, int64_t user)
{
	int64_t v = scalar(db, "SELECT ifnull(max(id), 0) FROM notifications "
	    "WHERE user_id = ? AND read_at IS NULL AND kind IN ('new_message',"
	    " 'new_conversation', 'assigned')", user);

	return v > 0 ? v : 0;
}
