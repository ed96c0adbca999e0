/* The sync engine: keeps the cache in step with the server.
 *
 * A round pushes the outbox oldest first, then long-polls the change
 * feed and applies each page in one transaction together with the
 * cursor.  Failures back off exponentially with jitter (429 and 503 as
 * long as Retry-After says); a 401 refreshes the token once and retries.
 *
 * The engine runs either headless (sync_once, for `mkt sync --once`) or
 * as a thread beside the UI (sync_start).  The thread owns its own
 * SQLite connection and libcurl handle.  The UI never waits on it: it
 * pokes after queueing an action, reads a status snapshot, and watches
 * a pipe that becomes readable when the cache or the status changed;
 * sync_read_wake() says which kinds of rows did. */
#ifndef MKT_SYNC_H
#define MKT_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

struct syncer;

enum sync_conn {
	SYNC_CONNECTING,	/* no answer yet */
	SYNC_ONLINE,
	SYNC_OFFLINE,		/* the server cannot be reached; retrying */
	SYNC_AUTH_NEEDED,	/* no usable token: a password is needed */
	SYNC_FAILED,		/* cannot go on (cache error): see error */
};

struct sync_status {
	enum sync_conn	 conn;
	time_t		 last_sync;	/* last time the feed was drained; 0 never */
	bool		 first_sync;	/* the cache has never been complete */
	long long	 progress_done;	/* changes applied in this catch-up */
	long long	 progress_left;	/* changes the server still has */
	time_t		 retry_at;	/* next attempt when offline */
	bool		 insecure;	/* TLS verification is off */
	char		 error[320];	/* the last failure, for people */
};

/* Counts of what one sync_once() did, per feed type. */
struct sync_counts {
	long long	 pushed, rejected;
	long long	 applied, deleted;
	struct { char type[24]; long long n; } per_type[24];
	int		 ntypes;
};

/* Exit statuses of `mkt sync --once` and `mkt login` (README, mkt(1)). */
enum sync_result {
	SYNC_OK = 0,
	SYNC_ENET = 1,		/* the server could not be reached */
	SYNC_EUSAGE = 2,
	SYNC_EAUTH = 3,		/* login needed or refused */
	SYNC_ECACHE = 4,	/* the cache could not be written */
};

/* cache_path is the cache file the engine opens its own connection to;
 * token_path the refresh token's file, NULL for the default
 * (session_token_path). */
struct syncer *sync_new(const struct mkt_config *cfg, const char *cache_path,
	    const char *token_path, char *err, size_t errlen);
void	 sync_free(struct syncer *s);

/* Logs in with a password and stores the refresh token (mkt login). */
enum sync_result sync_login(struct syncer *s, const char *password,
	    char *err, size_t errlen);

/* Headless: push everything, pull until the feed is drained. */
enum sync_result sync_once(struct syncer *s, struct sync_counts *counts,
	    char *err, size_t errlen);

/* Starts the background thread; *wake_fd is the read end of the wake-up
 * pipe (non-blocking, owned by the syncer). */
int	 sync_start(struct syncer *s, int *wake_fd, char *err, size_t errlen);
/* Asks the thread to stop and joins it. */
void	 sync_stop(struct syncer *s);

/* From the UI thread; none of these block on the network. */
void	 sync_poke(struct syncer *s);		/* the outbox has news */
void	 sync_password(struct syncer *s, const char *password);
void	 sync_backfill(struct syncer *s, int64_t conversation_id);
void	 sync_get_status(struct syncer *s, struct sync_status *out);

/* Drains the wake-up pipe: the union of the kinds changed since the
 * last call (apply_kind bits). */
unsigned sync_read_wake(struct syncer *s);

#endif
