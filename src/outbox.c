#include <stddef.h>

#include "outbox.h"

long long
outbox_pending(sqlite3 *db)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox "
	    "WHERE state IN ('queued', 'inflight')", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}
