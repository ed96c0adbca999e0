/* The change feed's server side: what db.c needs besides the routes
 * (feed_routes) and the handler helpers (feed_record, feed_render) that
 * api.h declares. */
#ifndef MKTD_FEED_H
#define MKTD_FEED_H

#include <stdint.h>

struct server;

/* One upsert entry per row of every synced type, parents before children,
 * inside the caller's transaction.  0 or -1. */
int	feed_seed(struct server *srv, int64_t now);

/* Finalizes the statements the feed keeps prepared. */
void	feed_close(void);

#endif
