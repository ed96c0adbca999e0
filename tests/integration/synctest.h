/* What the sync tests share: a client (config, cache, token) pointed at
 * a server, and comparisons of the cache with the server's database. */
#ifndef MKT_SYNCTEST_H
#define MKT_SYNCTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "harness.h"
#include "sync.h"

struct client {
	char			 dir[64];
	char			 cache[128];
	char			 token[128];
	struct mkt_config	 cfg;
};

/* A fresh client of http://127.0.0.1:port as user, with password (NULL:
 * none in the config) and every message in history (history_days 0). */
void	client_init(struct client *c, int port, const char *user,
	    const char *password);
void	client_free(struct client *c);
struct syncer *client_syncer(struct client *c);

/* sync_once, asserting the result. */
void	client_sync(struct client *c, enum sync_result want);

/* One value from the cache (or any database file). */
int64_t	file_int(const char *path, const char *sql);

/* Asserts the cache holds, table by table, the rows the server holds
 * for an administrator, and that sampled rows agree field by field. */
void	assert_cache_matches(const char *cache, const char *server_db);

/* Asserts PRAGMA integrity_check answers ok. */
void	assert_integrity(const char *path);

/* Asserts every full-text index of the cache is sound and holds, term by
 * term, what the schema's triggers would have put there for its rows,
 * and that no rebuild is still owed (src/fts.h). */
void	assert_search_rebuilt(const char *cache);

#endif
