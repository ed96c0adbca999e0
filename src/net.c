#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "net.h"
#include "util.h"

/* Answers bigger than this are refused: a feed page is at most a few
 * megabytes, and a runaway body must not eat the machine. */
#define NET_BODY_MAX	(64u << 20)

struct net {
	CURLM		*multi;
	CURL		*easy;
	char		*base_url;
	atomic_bool	 woken;		/* net_wakeup() since the last check */
	atomic_bool	 cancelled;	/* net_cancel(): end everything */
};

struct buffer {
	char	*data;
	size_t	 len, cap;
	bool	 overflow;
};

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
	/* Settings that hold for every request; the handle is reused so the
	 * connection stays alive between requests. */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, opt->connect_timeout);
	/* A connection that delivers nothing for this long is dead, even
	 * in the middle of an answer; long-polls get a whole-request
	 * timeout instead, as the server says nothing while it waits. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, opt->low_speed_time);
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

	h = curl_slist_append(h, "Accept: application/json");
	if (req->body != NULL)
		h = curl_slist_append(h, "Content-Type: application/json");
	else
		h = curl_slist_append(h, "Content-Type:");
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

/* Runs the transfer through the multi handle so that net_wakeup() can
 * end the wait.  0 when the transfer finished (*result says how), -1
 * when interrupted. */
static int
perform(struct net *n, bool interruptible, CURLcode *result)
{
	int running = 1;

	*result = CURLE_FAILED_INIT;
	if (curl_multi_add_handle(n->multi, n->easy) != CURLM_OK)
		return 0;
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
		    (interruptible && atomic_exchange(&n->woken, false))) {
			curl_multi_remove_handle(n->multi, n->easy);
			return -1;
		}
	}
	curl_multi_remove_handle(n->multi, n->easy);
	return 0;
}

enum net_result
net_send(struct net *n, const struct net_request *req,
    struct net_reply *reply)
{
	struct buffer body = { 0 };
	struct curl_slist *hdrs;
	CURL *e = n->easy;
	CURLcode rc;
	curl_off_t retry = -1;
	char *url;
	int how;

	memset(reply, 0, sizeof *reply);
	reply->retry_after = -1;
	if (atomic_load(&n->cancelled) ||
	    (req->interruptible && atomic_exchange(&n->woken, false)))
		return NET_INTERRUPTED;
	url = xasprintf("%s%s", n->base_url, req->path);
	hdrs = request_headers(req);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
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
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
	reply->error[0] = '\0';
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, reply->error);

	how = perform(n, req->interruptible, &rc);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	free(url);
	if (how < 0) {
		free(body.data);
		snprintf(reply->error, sizeof reply->error, "interrupted");
		return NET_INTERRUPTED;
	}
	if (rc != CURLE_OK) {
		free(body.data);
		if (body.overflow)
			snprintf(reply->error, sizeof reply->error,
			    "answer larger than %u MiB", NET_BODY_MAX >> 20);
		else if (reply->error[0] == '\0')
			snprintf(reply->error, sizeof reply->error, "%s",
			    curl_easy_strerror(rc));
		return NET_TRANSPORT;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply->status);
	if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK &&
	    retry > 0)
		reply->retry_after = (long)retry;
	reply->body = body.data != NULL ? body.data : xstrdup("");
	reply->len = body.len;
	return NET_OK;
}
