/* Server rows into the cache: the client's mirror of the change feed's
 * types (src/mktd/feed.c).  A feed entry or a write's answer is one row
 * as the server renders it, keyed by column name, with its children
 * embedded (an order's and an invoice's "lines", a conversation's
 * "labels", a KB table's "columns"); applying it replaces the row and
 * its children.
 *
 * All functions run inside the caller's transaction on the caller's
 * connection.  Column names come from the cache's own schema (PRAGMA
 * table_info), never from the network: a key the cache does not know is
 * ignored, so a newer server adding a field does not break an older
 * client.  Values are bound, never spliced. */
#ifndef MKT_APPLY_H
#define MKT_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

/* Which panes a change touches, for the wake-up pipe. */
enum apply_kind {
	KIND_CONVERSATIONS	= 1 << 0,
	KIND_ORDERS		= 1 << 1,
	KIND_KB			= 1 << 2,
	KIND_INVOICES		= 1 << 3,
	KIND_OTHER		= 1 << 4,	/* users, companies, notifications */
	KIND_OUTBOX		= 1 << 5,	/* pending counts, sync problems */
	KIND_STATUS		= 1 << 6,	/* online state, progress */
};

struct applier;

struct applier *applier_new(sqlite3 *db);
void	 applier_free(struct applier *a);
/* The connection the applier writes to. */
sqlite3	*applier_db(struct applier *a);

/* The kinds a feed type touches; 0 for an unknown type. */
unsigned apply_type_kind(const char *type);
/* Whether the feed type is one the client mirrors. */
bool	 apply_type_known(const char *type);
/* The cache table of the i-th type the client mirrors, NULL past the
 * last.  Each row of these is one entry of a freshly seeded feed. */
const char *apply_type_table(size_t i);

/* Brackets the entries of one feed page, applied in one write
 * transaction: when the outbox then holds nothing unacknowledged (no
 * other connection can add to it meanwhile) no entry looks it up. */
void	 apply_page_begin(struct applier *a);
void	 apply_page_end(struct applier *a);

/* One change-feed entry {"seq","type","id","op","data"}.  An upsert of a
 * row that has unacknowledged outbox entries does not overwrite what the
 * user sees: the server's row becomes the base those entries roll back
 * to (the oldest one's undo).  A delete of such a row does delete it.
 * Unknown types are skipped.  *kinds gains the kinds touched.
 * 0, or -1 with a message (malformed entry or SQL error). */
int	 apply_change(struct applier *a, const cJSON *change, unsigned *kinds,
	    char *err, size_t errlen);

/* Writes a server row of type (with embedded children) as it is,
 * whatever the pending state; the row's pending mark is recomputed from
 * the outbox.  0 or -1. */
int	 apply_upsert(struct applier *a, const char *type, const cJSON *row,
	    unsigned *kinds, char *err, size_t errlen);

/* Deletes a row and the children apply owns.  A missing row is fine. */
int	 apply_delete(struct applier *a, const char *type, int64_t id,
	    unsigned *kinds, char *err, size_t errlen);

/* The cached row as apply_upsert() takes it back (children embedded,
 * "pending" left out), or NULL when there is no such row. */
cJSON	*apply_row_json(struct applier *a, const char *type, int64_t id);

/* Sets the row's pending column to the number of its queued or in-flight
 * outbox entries (rows of types without the column are left alone). */
int	 apply_recount_pending(struct applier *a, const char *type,
	    int64_t id);

#endif
