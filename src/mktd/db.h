/* mktd's database: the cache schema shared with mkt, then mktd's own
 * migrations (db/server/), the server secret, and the demo fill. */
#ifndef MKTD_DB_H
#define MKTD_DB_H

#include <stdbool.h>
#include <stddef.h>

struct server;

/* Opens and migrates path into srv->db, loads srv->jwt_key (creating it
 * on first open) and srv->last_seq.  With demo and no users yet, fills
 * the database with the demo data set, every user's password "demo", and
 * one change-feed entry per row.  0, or -1 with a message. */
int	db_open(struct server *srv, const char *path, bool demo, char *err,
	    size_t errlen);
void	db_close(struct server *srv);

#endif
