/* The embedded default: a private mktd on loopback with demo data, for
 * `mkt --demo` (and so `make run`).
 *
 * The default demo lives in a fresh directory that is removed when it
 * stops, so every demo starts the same; its cache fills by the first
 * sync.  A larger scale takes a minute to generate and far longer to
 * sync, so it lives in $XDG_CACHE_HOME/mkt/demo-SCALE/ and is kept: its
 * first start generates the server's database and seeds the cache (see
 * seed.h) side by side from one now, and later starts reuse both, the
 * cache catching up with the server through the feed like any other. */
#ifndef MKT_LOCALSERVER_H
#define MKT_LOCALSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct localserver {
	pid_t	 pid;
	char	*dir;		/* the server's db and log, the cache */
	char	*url;		/* http://127.0.0.1:PORT */
	char	*cache;		/* a cache file for mkt, in dir */
	char	*token;		/* a token file for mkt, in dir */
	bool	 keep;		/* dir outlives the server */
	int	 lock;		/* held on a kept dir while it runs, or -1 */
};

/* Starts mktd (next to this executable, else $MKTD, else on PATH) with
 * the demo at scale (see demo_size_find), and waits for its "listening
 * on" line: up to ten seconds, a minute for a kept demo, or fifteen
 * while it first generates one, whose cache is seeded for user (with
 * history_days of messages) meanwhile.  0, or -1 with a message; nothing
 * is left running on failure. */
int	localserver_start(struct localserver *ls, const char *scale,
	    const char *user, int history_days, char *err, size_t errlen);

/* Stops it (SIGTERM, then SIGKILL after two seconds) and removes dir
 * unless it is kept. */
void	localserver_stop(struct localserver *ls);

#endif
