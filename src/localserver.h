/* The embedded default: a private mktd on loopback with demo data, for
 * `mkt --demo` (and so `make run`).  It lives in a fresh directory that
 * is removed when it stops, so every demo starts the same. */
#ifndef MKT_LOCALSERVER_H
#define MKT_LOCALSERVER_H

#include <stddef.h>
#include <sys/types.h>

struct localserver {
	pid_t	 pid;
	char	*dir;		/* mkdtemp'd: the server's db and log */
	char	*url;		/* http://127.0.0.1:PORT */
	char	*cache;		/* a cache file for mkt, in dir */
	char	*token;		/* a token file for mkt, in dir */
};

/* Starts mktd (next to this executable, else $MKTD, else on PATH) and
 * waits up to ten seconds for its "listening on" line.  0, or -1 with a
 * message; nothing is left running on failure. */
int	localserver_start(struct localserver *ls, char *err, size_t errlen);

/* Stops it (SIGTERM, then SIGKILL after two seconds) and removes dir. */
void	localserver_stop(struct localserver *ls);

#endif
