/* The HTTP transport of the sync thread: one libcurl easy handle driven
 * through a multi handle, so a request can be interrupted at once from
 * another thread (net_wakeup) instead of waiting out a long-poll.
 *
 * One struct net belongs to one thread.  Only net_wakeup() may be called
 * from elsewhere.  Every request has bounded connect and low-speed
 * timeouts, asks for gzip, keeps the connection alive, verifies TLS
 * unless the configuration says insecure, and takes proxies from the
 * environment as libcurl does.
 *
 * A long-poll is silent for as long as the server waits, so the low-speed
 * timeout cannot tell a dead peer from a quiet one there: TCP keepalive
 * does (probes after keepalive_idle seconds of silence, every
 * keepalive_interval, keepalive_count unanswered ones end the
 * connection).  The probes are TCP segments, no HTTP bytes. */
#ifndef MKT_NET_H
#define MKT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net;

struct net_options {
	const char	*base_url;	/* "http://127.0.0.1:8080" */
	const char	*ca_file;	/* NULL: the system store */
	bool		 insecure;	/* no TLS verification */
	long		 connect_timeout;	/* seconds */
	long		 low_speed_time;	/* seconds under 1 byte/s */
	long		 keepalive_idle;	/* seconds, see above */
	long		 keepalive_interval;
	long		 keepalive_count;
};

enum net_result {
	NET_OK = 0,		/* an HTTP answer came back: see status */
	NET_TRANSPORT = -1,	/* refused, reset, timed out, truncated… */
	NET_INTERRUPTED = -2,	/* net_wakeup() asked to stop waiting */
};

struct net_request {
	const char	*method;	/* GET, POST, PATCH, PUT, DELETE */
	const char	*path;		/* "/api/v1/changes?since=0" */
	const char	*token;		/* Bearer token, or NULL */
	const char	*idem_key;	/* Idempotency-Key, or NULL */
	int64_t		 if_match;	/* If-Match version, or 0 */
	const char	*body;		/* JSON, or NULL */
	long		 timeout;	/* whole request, seconds; 0: none */
	/* Seconds the server may say nothing before it answers (a
	 * long-poll's wait): low-speed checks start with the answer. */
	long		 quiet;
	bool		 interruptible;	/* may net_wakeup() abort it */
	/* Called at least once a second while it waits, or NULL. */
	void		(*tick)(void *);
	void		*tick_arg;
};

struct net_reply {
	long		 status;	/* HTTP status, 0 on a transport error */
	char		*body;		/* NUL-terminated, decoded; malloc'd */
	size_t		 len;
	long		 retry_after;	/* seconds from Retry-After, or -1 */
	char		 error[256];	/* why, on NET_TRANSPORT */
};

/* Once per process, before any thread starts. */
int	 net_global_init(void);
void	 net_global_cleanup(void);

struct net *net_new(const struct net_options *opt, char *err,
	    size_t errlen);
void	 net_free(struct net *n);

enum net_result net_send(struct net *n, const struct net_request *req,
	    struct net_reply *reply);

/* net_send() in two halves, so the caller can work while the server
 * does: net_start() sends the request (when the connection is up) and
 * returns; net_finish() waits for the answer.  One request at a time:
 * a new start, or net_abandon(), drops the one in flight.  req's strings
 * must last until the answer is in. */
enum net_result net_start(struct net *n, const struct net_request *req);
enum net_result net_finish(struct net *n, struct net_reply *reply);
void	 net_abandon(struct net *n);
void	 net_reply_free(struct net_reply *reply);

/* Thread-safe: makes a pending interruptible net_send() return
 * NET_INTERRUPTED promptly. */
void	 net_wakeup(struct net *n);

/* Thread-safe: ends the current and every later net_send() at once,
 * interruptible or not (for shutting down). */
void	 net_cancel(struct net *n);

#endif
