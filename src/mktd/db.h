/* mktd's database: the cache schema shared with mkt, then mktd's own
 * migrations (db/server/), the server secret, and the demo fill. */
#ifndef MKTD_DB_H
#define MKTD_DB_H

#include <stddef.h>
#include <stdint.h>

struct server;
struct demo_size;

/* What --demo fills an empty database with. */
struct db_demo {
	const char		*scale;	/* the size's name, for settings */
	const struct demo_size	*size;
	int64_t			 now;	/* the time the data is relative to */
};

/* Opens and migrates path into srv->db, loads srv->jwt_key (creating it
 * on first open) and srv->last_seq.  With demo and no users yet, replaces
 * the database with the demo data set (built aside, see build_demo),
 * every user's password "demo", one change-feed entry per row, and
 * settings demo_scale and demo_now.  0, or -1 with a message. */
int	db_open(struct server *srv, const char *path,
	    const struct db_demo *demo, char *err, size_t errlen);
void	db_close(struct server *srv);

#endif
