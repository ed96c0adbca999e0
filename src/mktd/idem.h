/* Idempotency-Key: the stored result of each keyed write, so a retried
 * request is answered from the store and never applied twice. */
#ifndef MKTD_IDEM_H
#define MKTD_IDEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define IDEM_KEY_MAX	128
#define IDEM_HASH_LEN	64	/* hex SHA-256 */
/* A stored result is kept this long; a retry later than that runs again. */
#define IDEM_RETENTION	(24 * 3600)

enum idem_found {
	IDEM_ERROR = -1,
	IDEM_NEW = 0,		/* first time: run the write */
	IDEM_REPLAY = 1,	/* same request: answer with the stored result */
	IDEM_REUSED = 2,	/* the key was used for a different request */
};

struct idem_result {
	int	 status;
	char	*content_type;	/* malloc'd, or NULL */
	char	*body;		/* malloc'd, NUL-terminated, or NULL */
	size_t	 len;
};

/* 1–128 printable ASCII characters. */
bool	idem_key_valid(const char *key);

/* The hash a key is bound to: method, path and body. */
void	idem_request_hash(const char *method, const char *path,
	    const char *body, size_t len, char out[IDEM_HASH_LEN + 1]);

/* Inside the write's transaction.  On IDEM_REPLAY *r holds the result
 * and the row's replays count went up by one: commit to keep it. */
enum idem_found idem_lookup(sqlite3 *db, int64_t user_id, const char *key,
	    const char *hash, struct idem_result *r);

/* Stores the result in the same transaction as the write; applied says
 * whether the write's changes were kept.  Also drops expired results. */
int	idem_store(sqlite3 *db, int64_t user_id, const char *key,
	    const char *method, const char *path, const char *hash,
	    const struct idem_result *r, bool applied, int64_t now);

void	idem_result_free(struct idem_result *r);

#endif
