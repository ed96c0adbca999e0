#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "net.h"
#include "util.h"

/* Answers bigger than this are refused: a feed page is at most a few
 * megabytes, and a runaway body must not eat the machine. */
#define NET_BODY_MAX	(64u << 20)

struct buffer {
	char	*data;
	size_t	 len, cap;
	bool	 overflow;
};

struct net {
	CURLM		*multi;
	CURL		*easy;
	char		*base_url;
	long		 low_speed_time;
	long		 keepalive_count;
	atomic_bool	 woken;		/* net_wakeup() since the last check */
	atomic_bool	 cancelled;	/* net_cancel(): end everything */

	/* The request in flight. */
	bool		 busy;
	struct net_request req;
	char		*url;
	struct curl_slist *hdrs;
	struct buffer	 body;
	char		 error[CURL_ERROR_SIZE];
	bool		 quiet;		/* see net_request */
	bool		 answering;	/* its answer has begun */
	bool		 stalled;	/* and then stopped */
	curl_off_t	 received;
	time_t		 last_byte;
};

static void	finish_request(struct net *);

int
net_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
net_global_cleanup(void)
{
	curl_global_cleanup();
}

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buffer *b = arg;
	size_t n = size * nmemb;

	if (b->len + n + 1 > NET_BODY_MAX) {
		b->overflow = true;
		return 0;	/* aborts the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = xreallocarray(b->data, b->cap, 1);
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static time_t
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* libcurl sets SO_KEEPALIVE, idle and interval; the count it leaves to
 * the system (9 on Linux, nine intervals: too slow to notice a link that
 * went away) before libcurl 8.9. */
static int
set_keepalive_count(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct net *n = arg;
	int count = (int)n->keepalive_count;

	(void)purpose;
#ifdef TCP_KEEPCNT
	if (count > 0)
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
#endif
	return CURL_SOCKOPT_OK;
}

static size_t
header_seen(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct net *n = arg;

	(void)ptr;
	n->answering = true;
	n->last_byte = seconds();
	return size * nmemb;
}

/* A quiet request's own low-speed rule: once the answer has begun, a
 * gap of low_speed_time seconds ends it, as for any other request. */
static int
progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct net *n = arg;
	time_t now;

	(void)dltotal;
	(void)ultotal;
	(void)ulnow;
	if (!n->quiet)
		return 0;
	now = seconds();
	if (dlnow != n->received) {
		n->received = dlnow;
		n->last_byte = now;
	}
	if (n->answering && now - n->last_byte >= n->low_speed_time) {
		n->stalled = true;
		return 1;
	}
	return 0;
}

struct net *
net_new(const struct net_options *opt, char *err, size_t errlen)
{
	struct net *n = xcalloc(1, sizeof *n);
	CURL *e;

	n->multi = curl_multi_init();
	n->easy = e = curl_easy_init();
	if (n->multi == NULL || e == NULL) {
		snprintf(err, errlen, "libcurl could not be initialised");
		net_free(n);
		return NULL;
	}
	n->base_url = xstrdup(opt->base_url);
	n->low_speed_time = opt->low_speed_time;
	n->keepalive_count = opt->keepalive_count;
	/* Settings that hold for every request; the handle is reused so the
	 * connection stays alive between requests. */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* The one encoding mktd speaks: "" would list every one libcurl
	 * knows, on every request. */
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, opt->keepalive_idle);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, opt->keepalive_interval);
	curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, set_keepalive_count);
	curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, n);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, opt->connect_timeout);
	/* A connection that delivers nothing for this long is dead, even
	 * in the middle of an answer.  A quiet request turns this off
	 * until its answer begins (progress() above). */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_seen);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, n);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, n);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "mkt/" MKT_VERSION);
	if (opt->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, opt->ca_file);
	if (opt->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	return n;
}

void
net_free(struct net *n)
{
	if (n == NULL)
		return;
	finish_request(n);
	if (n->easy != NULL)
		curl_easy_cleanup(n->easy);
	if (n->multi != NULL)
		curl_multi_cleanup(n->multi);
	free(n->base_url);
	free(n);
}

void
net_wakeup(struct net *n)
{
	atomic_store(&n->woken, true);
	curl_multi_wakeup(n->multi);
}

void
net_cancel(struct net *n)
{
	atomic_store(&n->cancelled, true);
	curl_multi_wakeup(n->multi);
}

void
net_reply_free(struct net_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

static struct curl_slist *
request_headers(const struct net_request *req)
{
	struct curl_slist *h = NULL;
	char line[256];

	if (req->body != NULL)
		h = curl_slist_append(h, "Content-Type: application/json");
	else
		h = curl_slist_append(h, "Content-Type:");
	/* No Accept, not even the one libcurl adds by itself: every answer
	 * is JSON, and an idle poll pays for each byte of its headers once
	 * a cycle. */
	h = curl_slist_append(h, "Accept:");
	/* libcurl would wait for "100 Continue" on larger bodies: a wasted
	 * round trip on a slow link. */
	h = curl_slist_append(h, "Expect:");
	if (req->token != NULL) {
		snprintf(line, sizeof line, "Authorization: Bearer %s",
		    req->token);
		h = curl_slist_append(h, line);
	}
	if (req->idem_key != NULL) {
		snprintf(line, sizeof line, "Idempotency-Key: %s",
		    req->idem_key);
		h = curl_slist_append(h, line);
	}
	if (req->if_match > 0) {
		snprintf(line, sizeof line, "If-Match: \"%lld\"",
		    (long long)req->if_match);
		h = curl_slist_append(h, line);
	}
	return h;
}

/* Drives the transfer started by net_start() to its end through the
 * multi handle, so that net_wakeup() can end the wait.  0 when it
 * finished (*result says how), -1 when interrupted. */
static int
perform(struct net *n, CURLcode *result)
{
	const struct net_request *req = &n->req;
	int running = 1;

	*result = CURLE_FAILED_INIT;
	for (;;) {
		CURLMsg *m;
		int left;

		if (curl_multi_perform(n->multi, &running) != CURLM_OK)
			break;
		while ((m = curl_multi_info_read(n->multi, &left)) != NULL)
			if (m->msg == CURLMSG_DONE)
				*result = m->data.result;
		if (!running)
			break;
		if (curl_multi_poll(n->multi, NULL, 0, 1000, NULL) !=
		    CURLM_OK)
			break;
		/* A wakeup during a push is kept for the next long-poll:
		 * a write is never abandoned half-way for a poke. */
		if (atomic_load(&n->cancelled) ||
		    (req->interruptible && atomic_exchange(&n->woken, false)))
			return -1;
		if (req->tick != NULL)
			req->tick(req->tick_arg);
	}
	return 0;
}

/* Forgets the request in flight, if any; one cut off mid-way takes its
 * connection with it. */
static void
finish_request(struct net *n)
{
	if (!n->busy)
		return;
	curl_multi_remove_handle(n->multi, n->easy);
	curl_easy_setopt(n->easy, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(n->easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(n->hdrs);
	free(n->url);
	free(n->body.data);
	n->hdrs = NULL;
	n->url = NULL;
	memset(&n->body, 0, sizeof n->body);
	n->busy = false;
}

enum net_result
net_start(struct net *n, const struct net_request *req)
{
	CURL *e = n->easy;
	int running;

	finish_request(n);
	if (atomic_load(&n->cancelled) ||
	    (req->interruptible && atomic_exchange(&n->woken, false)))
		return NET_INTERRUPTED;
	n->req = *req;
	n->url = xasprintf("%s%s", n->base_url, req->path);
	n->hdrs = request_headers(req);
	curl_easy_setopt(e, CURLOPT_URL, n->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, n->hdrs);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	if (req->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(req->body));
	} else if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)0);
	}
	curl_easy_setopt(e, CURLOPT_TIMEOUT, req->timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, req->quiet > 0 ? 0L :
	    n->low_speed_time);
	n->quiet = req->quiet > 0;
	n->answering = n->stalled = false;
	n->received = 0;
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &n->body);
	n->error[0] = '\0';
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, n->error);
	if (curl_multi_add_handle(n->multi, e) != CURLM_OK) {
		snprintf(n->error, sizeof n->error, "cannot start a request");
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
		curl_slist_free_all(n->hdrs);
		free(n->url);
		n->hdrs = NULL;
		n->url = NULL;
		return NET_TRANSPORT;
	}
	n->busy = true;
	/* Connected already (a kept-alive connection), this sends the
	 * request, and the server works on it while the caller does
	 * something else. */
	curl_multi_perform(n->multi, &running);
	return NET_OK;
}

enum net_result
net_finish(struct net *n, struct net_reply *reply)
{
	CURL *e = n->easy;
	CURLcode rc;
	curl_off_t retry = -1;
	int how;

	memset(reply, 0, sizeof *reply);
	reply->retry_after = -1;
	if (!n->busy) {
		snprintf(reply->error, sizeof reply->error, "%s",
		    n->error[0] != '\0' ? n->error : "no request");
		return NET_TRANSPORT;
	}
	how = perform(n, &rc);
	if (how < 0) {
		finish_request(n);
		snprintf(reply->error, sizeof reply->error, "interrupted");
		return NET_INTERRUPTED;
	}
	if (rc != CURLE_OK) {
		if (n->body.overflow)
			snprintf(reply->error, sizeof reply->error,
			    "answer larger than %u MiB", NET_BODY_MAX >> 20);
		else if (n->stalled)
			snprintf(reply->error, sizeof reply->error,
			    "the answer stopped for %ld seconds",
			    n->low_speed_time);
		else
			snprintf(reply->error, sizeof reply->error, "%s",
			    n->error[0] != '\0' ? n->error :
			    curl_easy_strerror(rc));
		finish_request(n);
		return NET_TRANSPORT;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply->status);
	if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK &&
	    retry > 0)
		reply->retry_after = (long)retry;
	reply->body = n->body.data != NULL ? n->body.data : xstrdup("");
	reply->len = n->body.len;
	memset(&n->body, 0, sizeof n->body);
	finish_request(n);
	return NET_OK;
}

void
net_abandon(struct net *n)
{
	finish_request(n);
}

enum net_result
net_send(struct net *n, const struct net_request *req,
    struct net_reply *reply)
{
	enum net_result nr;

	if ((nr = net_start(n, req)) != NET_OK) {
		memset(reply, 0, sizeof *reply);
		reply->retry_after = -1;
		snprintf(reply->error, sizeof reply->error, "%s",
		    nr == NET_INTERRUPTED ? "interrupted" : n->error);
		return nr;
	}
	return net_finish(n, reply);
}
