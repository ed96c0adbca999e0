/* The outbox: local actions queued for the server, in order.
 *
 * An action is one local transaction that changes the cache the way the
 * server is expected to (the optimistic apply) and appends one entry
 * here with a fresh idempotency key.  The sync thread sends entries
 * oldest first with that key, so a retry after a lost answer is answered
 * by the server from its store and never applied twice.
 *
 * Entry states: queued → inflight (sent at least once) → done, or
 * rejected (the server refused it: it rolled back locally and waits in
 * "sync problems" for retry, edit or discard).  Nothing leaves the table
 * but a done entry being pruned or a rejected one being discarded. */
#ifndef MKT_OUTBOX_H
#define MKT_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "apply.h"

/* What an action asks of the server and which cached rows it touched:
 * the row it changed (rolled back to the server's version if refused),
 * and the row it created, if any, with a temporary negative id
 * (outbox_temp_id) until the server's answer replaces it. */
struct outbox_action {
	const char	*method;
	const char	*path;
	const char	*body;		/* JSON, or NULL */
	int64_t		 if_match;	/* row version, or 0 */
	const char	*ref_type;	/* feed type of the row: "conversation" */
	int64_t		 ref_id;
	const char	*temp_type;	/* feed type of the created row, or NULL */
	int64_t		 temp_id;
	const char	*summary;	/* for people: "resolve conversation 12" */
};

struct outbox_entry {
	int64_t		 id;
	char		 idem_key[33];
	char		*method, *path, *body;
	int64_t		 if_match;
	char		*ref_type;
	int64_t		 ref_id;
	char		*temp_type;	/* NULL when the action created no row */
	int64_t		 temp_id;
	char		*summary;
	char		*undo;		/* the server's row to roll back to */
	int		 attempts;
	int		 status;	/* last HTTP status, 0 none */
	char		*last_error;
	int64_t		 created_at;
};

/* Inside the action's transaction, after inserting the created row (if
 * any) and *before* changing the existing one: keeps that row as the
 * server last sent it (the undo) when this is its first unacknowledged
 * entry, appends the entry, and marks the rows pending.  0 or -1. */
int	 outbox_append(struct applier *ap, const struct outbox_action *a,
	    char *err, size_t errlen);

/* A fresh negative id for a row created locally, or 0 on error. */
int64_t	 outbox_temp_id(sqlite3 *db);

/* Entries not yet acknowledged (queued or in flight), or -1 on error. */
long long outbox_pending(sqlite3 *db);
/* Entries rejected and waiting in "sync problems", or -1 on error. */
long long outbox_problems(sqlite3 *db);

/* The oldest queued or in-flight entry: 1 and *e filled, 0 when none,
 * -1 on error.  Free with outbox_entry_free(). */
int	 outbox_next(sqlite3 *db, struct outbox_entry *e);
int	 outbox_get(sqlite3 *db, int64_t id, struct outbox_entry *e);
void	 outbox_entry_free(struct outbox_entry *e);

/* Before sending: state inflight, attempts + 1.  Committed on its own,
 * so a crash after sending leaves a record that it may have arrived. */
int	 outbox_mark_sent(sqlite3 *db, int64_t id);

/* A transient failure (network, 5xx, 429): stays in line with the
 * reason recorded. */
int	 outbox_note_failure(sqlite3 *db, int64_t id, int status,
	    const char *why);

/* The server accepted it (2xx).  In one transaction: the answer's rows
 * replace the optimistic ones (a temporary row is dropped for the
 * server's), the entry is done, and the row's pending mark recounted.
 * Later entries on the same row are rebased on the answer's version, as
 * they were made on top of this one.
 * The answer is a row of ref_type, or an object whose members are rows
 * named by type ({"payment":{…},"invoice":{…}}), or anything else
 * (nothing to apply: the change feed brings the row).  0 or -1. */
int	 outbox_settle_done(struct applier *ap, const struct outbox_entry *e,
	    const char *answer, unsigned *kinds, char *err, size_t errlen);

/* The server refused it (409, 412, 422 and other final 4xx).  In one
 * transaction: the row goes back to the undo (a temporary row is
 * deleted; a 412's current row is applied), the entry is rejected with
 * the server's message.  0 or -1. */
int	 outbox_settle_rejected(struct applier *ap,
	    const struct outbox_entry *e, int status, const char *answer,
	    unsigned *kinds, char *err, size_t errlen);

/* Sync problems, for the UI.  Retry re-queues the entry at the end of
 * the line with a new key, re-applying nothing (the row shows the
 * server's state until the answer comes).  Edit replaces the body, then
 * retries.  Discard deletes it.  0, or -1 with a message (e.g. the entry
 * is not rejected). */
int	 outbox_retry(struct applier *ap, int64_t id, char *err,
	    size_t errlen);
int	 outbox_edit(struct applier *ap, int64_t id, const char *body,
	    char *err, size_t errlen);
int	 outbox_discard(sqlite3 *db, int64_t id, char *err, size_t errlen);

/* Drops done entries older than the given age in seconds. */
int	 outbox_prune(sqlite3 *db, int64_t now, int64_t age);

#endif
