/* The cache's full-text indexes, built in one pass instead of row by row.
 *
 * FTS5 flushes its pending terms at every statement that touches it, so
 * keeping an index current through its triggers costs a new segment per
 * row: filling an empty cache that way is most of a first sync's time.
 * Instead the sync connection turns its triggers off
 * (SQLITE_DBCONFIG_ENABLE_TRIGGER, for that connection only) while it
 * fills the cache, and rebuilds every index from its table at the end.
 * A mark in sync_state, written in the same transaction as the first
 * rows the triggers missed and cleared in the one that rebuilds, makes a
 * sync killed half-way rebuild when it completes later.
 *
 * It is done only when the cache's every trigger keeps an index this
 * file knows how to rebuild, and every index is one of those; otherwise
 * the triggers stay on and nothing changes. */
#ifndef MKT_FTS_H
#define MKT_FTS_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

/* Whether the mark says the indexes are behind their tables. */
bool	fts_stale(sqlite3 *db);

/* Inside a write transaction: sets the mark and turns the triggers off
 * on db.  1 when done, 0 when the schema does not allow it (the triggers
 * stay on), -1 on error with err set. */
int	fts_defer(sqlite3 *db, char *err, size_t errlen);

/* Inside a write transaction: rebuilds every index from its table,
 * clears the mark and turns the triggers back on.  0, or -1 with err set
 * (the caller rolls back; the triggers stay off). */
int	fts_rebuild(sqlite3 *db, char *err, size_t errlen);

/* Turns db's triggers back on, as after a rollback of the rebuild that
 * leaves the mark set. */
void	fts_resume_triggers(sqlite3 *db);

#endif
