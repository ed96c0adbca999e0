/* A warm cache: what a full sync from `mktd --demo` leaves in one
 * account's cache, written straight from the demo generator instead of
 * pulled row by row over the network, so a benchmark or a trial on the
 * large demo starts at once rather than after a first sync of four
 * million rows.
 *
 * The server and the cache are generated from the same seed, size and
 * now, so their rows agree id for id.  What only the feed decides is
 * redone here: which rows the account sees, and where the feed ends (a
 * fresh demo feed holds one entry per row, so its head is the number of
 * rows).  A sync that follows fetches only what the server changed
 * since. */
#ifndef MKT_SEED_H
#define MKT_SEED_H

#include <stddef.h>
#include <stdint.h>

struct demo_size;

struct seed_options {
	const struct demo_size	*size;
	int64_t			 now;		/* as given to mktd --now */
	const char		*user;		/* the account's e-mail */
	int			 history_days;	/* as [sync]; 0: all messages */
};

enum seed_result {
	SEED_OK,
	SEED_EUSER,	/* an account whose view only the server knows */
	SEED_EBUSY,	/* the cache holds actions never sent */
	SEED_EFAIL,	/* the cache could not be written */
};

/* The accounts a cache can be seeded for: admin@, billing@ and
 * support@demo.mkt, who see every row but other users' notifications.
 * Managers, clients and performers see a scope only the server's rules
 * decide; they have to sync. */
int	seed_user_ok(const char *user, char *err, size_t errlen);

/* Writes the cache at path for o->user, as a sync that finished at o->now
 * would leave it: every row the account sees, messages within
 * history_days of now, and sync_state (cursor at the feed's head,
 * complete, user_id, and last_sync_at the time of writing).  It is built
 * beside path and renamed over it when complete; a cache with outbox
 * entries not yet done is left alone.  Nobody may have path open. */
enum seed_result seed_cache(const char *path, const struct seed_options *o,
	    char *err, size_t errlen);

#endif
