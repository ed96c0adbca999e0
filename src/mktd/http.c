/* libmicrohttpd glue.  Each request goes: route lookup (404/405) → body
 * limit (413) → bearer token (401) → JSON body (400) → Idempotency-Key →
 * the handler, under srv->lock and, for writes, in a transaction → the
 * response, gzip'd when the client accepts it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>
#include <zlib.h>

#include "api.h"
#include "auth.h"
#include "http.h"
#include "idem.h"

/* Request bodies are held in memory whole; 1 MiB is far more than any
 * JSON action needs and small enough that 256 connections fit. */
#define BODY_LIMIT	(1u << 20)
#define CONN_LIMIT	256
/* Idle seconds between requests before a connection is dropped.  The
 * time a handler holds the connection (a long-poll, up to an hour) does
 * not count: each connection has its thread, and MHD's clock for it
 * runs only while that thread is in MHD. */
#define CONN_TIMEOUT	90
/* Smaller bodies are not worth the gzip header. */
#define GZIP_MIN	256

/* JSON is UTF-8 by definition (RFC 8259 defines no charset parameter). */
#define JSON_TYPE	"application/json"

/* Every domain's route table.  A new domain file adds its table here
 * (and its extern in api.h): the route list is this array. */
static const struct route *const route_tables[] = {
	auth_routes,
	feed_routes,
	notification_routes,
	order_routes,
	conversation_routes,
	canned_routes,
	kb_routes,
	invoice_routes,
	report_routes,
	NULL
};

/* Routes whose body is not a small JSON object.  raw: the body is given
 * to the handler as received (req->raw_body) and parsed as JSON only when
 * it is sent as application/json. */
static const struct body_rule {
	const char	*method, *pattern;
	size_t		 limit;
	bool		 raw;
} body_rules[] = {
	{ "POST", "/api/v1/kb/tables/{id}/import", 8u << 20, true },
};

struct http {
	struct server	*srv;
	bool		 verbose;
};

/* One request, from its headers to the completion callback. */
struct conn {
	const struct route *route;
	int64_t		 ids[MAX_PATH_PARAMS];
	int		 nids;
	size_t		 limit;
	bool		 raw;
	bool		 too_big;
	char		*body;
	size_t		 len, cap;
	char		 if_match[32];
	char		 etag[32];
	char		*replay_type;	/* content type of a replayed result */
	struct timespec	 start;
};

static struct http http;

/* ---- routing ------------------------------------------------------------ */

/* path against pattern; each {…} segment must be a positive int64. */
static bool
match(const char *p, const char *s, int64_t *ids, int *nids)
{
	*nids = 0;
	while (*p != '\0') {
		if (*p == '{') {
			int64_t v = 0;

			if ((p = strchr(p, '}')) == NULL || *s < '1' ||
			    *s > '9' || *nids == MAX_PATH_PARAMS)
				return false;
			p++;
			for (; *s >= '0' && *s <= '9'; s++) {
				if (v > (INT64_MAX - (*s - '0')) / 10)
					return false;
				v = v * 10 + (*s - '0');
			}
			ids[(*nids)++] = v;
		} else if (*p++ != *s++)
			return false;
	}
	return *s == '\0';
}

/* The route for method and path, or NULL: then allow lists the methods
 * the path does have (empty: no such path). */
static const struct route *
route_find(const char *method, const char *path, struct conn *c,
    char *allow, size_t allowlen)
{
	int64_t ids[MAX_PATH_PARAMS];
	int nids;

	allow[0] = '\0';
	for (size_t t = 0; route_tables[t] != NULL; t++)
		for (const struct route *r = route_tables[t]; r->method != NULL;
		    r++) {
			if (!match(r->pattern, path, ids, &nids))
				continue;
			if (strcmp(r->method, method) == 0) {
				memcpy(c->ids, ids, sizeof ids);
				c->nids = nids;
				return r;
			}
			if (strstr(allow, r->method) == NULL) {
				size_t n = strlen(allow);

				snprintf(allow + n, allowlen - n, "%s%s",
				    n > 0 ? ", " : "", r->method);
			}
		}
	return NULL;
}

static const struct body_rule *
body_rule(const struct route *r)
{
	for (size_t i = 0; i < sizeof body_rules / sizeof *body_rules; i++)
		if (strcmp(body_rules[i].method, r->method) == 0 &&
		    strcmp(body_rules[i].pattern, r->pattern) == 0)
			return &body_rules[i];
	return NULL;
}

const char *
api_query(const struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

bool
api_client_gone(const struct request *req)
{
	const union MHD_ConnectionInfo *ci;
	char c;
	ssize_t n;

	ci = MHD_get_connection_info(req->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return false;
	/* EOF is a close; a byte would be a pipelined request, still a
	 * client; an error is a reset. */
	n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

static const char *
header(struct MHD_Connection *mc, const char *name)
{
	return MHD_lookup_connection_value(mc, MHD_HEADER_KIND, name);
}

/* ---- responses ---------------------------------------------------------- */

/* Whether Accept-Encoding admits gzip: listed (or "*") without q=0. */
static bool
accepts_gzip(const char *ae)
{
	int gzip = -1, star = -1;

	while (ae != NULL && *ae != '\0') {
		size_t n = strcspn(ae, ",");
		char item[64], *t = item, *semi, *q;
		int ok = 1;

		snprintf(item, sizeof item, "%.*s", (int)(n < 63 ? n : 63), ae);
		if ((semi = strchr(item, ';')) != NULL) {
			*semi = '\0';
			if ((q = strstr(semi + 1, "q=")) != NULL)
				ok = strtod(q + 2, NULL) > 0;
		}
		t += strspn(t, " \t");
		t[strcspn(t, " \t")] = '\0';
		if (strcasecmp(t, "gzip") == 0 || strcasecmp(t, "x-gzip") == 0)
			gzip = ok;
		else if (strcmp(t, "*") == 0)
			star = ok;
		ae += n + (ae[n] == ',');
	}
	return gzip >= 0 ? gzip == 1 : star == 1;
}

static char *
gzip(const char *in, size_t n, size_t *outlen)
{
	z_stream z;
	char *out;
	size_t cap;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)n);
	if ((out = malloc(cap)) == NULL) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

/* v's decimal digits, NUL-terminated, into buf[24]. */
static void
decimal(int64_t v, char *buf)
{
	char tmp[24];
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int n = 0;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*buf++ = '-';
	while (n > 0)
		*buf++ = tmp[--n];
	*buf = '\0';
}

/*
 * This cJSON prints each number with printf("%1.15g") and reads it back
 * with sscanf() to check it, most of the cost of printing a page of the
 * feed, which is thousands of ids, times and amounts.  Integers (all
 * this API sends, within 2^53) are printed here instead, as raw text,
 * with the same digits.
 */
static void
integers_as_text(cJSON *j)
{
	char buf[24];

	for (cJSON *e = j != NULL ? j->child : NULL; e != NULL; e = e->next) {
		double d = e->valuedouble;

		if (cJSON_IsArray(e) || cJSON_IsObject(e))
			integers_as_text(e);
		else if (cJSON_IsNumber(e) && d >= -9007199254740992.0 &&
		    d <= 9007199254740992.0 && d == (double)(int64_t)d) {
			decimal((int64_t)d, buf);
			if ((e->valuestring = cJSON_malloc(strlen(buf) + 1)) ==
			    NULL)
				continue;
			memcpy(e->valuestring, buf, strlen(buf) + 1);
			e->type = cJSON_Raw;
		}
	}
}

/* resp->json becomes resp->text.  A body that is one versioned row gets
 * its version as the ETag, the value If-Match takes back. */
static void
flatten(struct conn *c, struct response *resp)
{
	cJSON *v;

	if (resp->json == NULL)
		return;
	v = cJSON_GetObjectItemCaseSensitive(resp->json, "version");
	if (cJSON_IsNumber(v))
		snprintf(c->etag, sizeof c->etag, "\"%.0f\"", v->valuedouble);
	integers_as_text(resp->json);
	free(resp->text);
	resp->text = cJSON_PrintUnformatted(resp->json);
	resp->content_type = JSON_TYPE;
	cJSON_Delete(resp->json);
	resp->json = NULL;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

struct extra_headers {
	const char	*allow;		/* 405 */
	const char	*www;		/* 401 */
	bool		 replayed;
};

static enum MHD_Result
respond(struct MHD_Connection *mc, struct conn *c, const char *method,
    const char *url, struct response *resp, const struct extra_headers *x)
{
	struct MHD_Response *r;
	enum MHD_Result rc;
	char *body, *z, num[24];
	size_t len, plain_len, zlen;
	int status = resp->status > 0 ? resp->status : 200;
	bool zipped = false;

	flatten(c, resp);
	body = resp->text;
	resp->text = NULL;
	if (status == 204 || body == NULL) {
		free(body);
		body = NULL;
	}
	len = plain_len = body != NULL ? strlen(body) : 0;
	if (len > GZIP_MIN && accepts_gzip(header(mc, "Accept-Encoding")) &&
	    (z = gzip(body, len, &zlen)) != NULL) {
		free(body);
		body = z;
		len = zlen;
		zipped = true;
	}
	r = body != NULL ? MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_FREE) : MHD_create_response_from_buffer(0, "",
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	if (body != NULL)
		MHD_add_response_header(r, "Content-Type",
		    resp->content_type != NULL ? resp->content_type : JSON_TYPE);
	/* Only a body that gzip would take varies with Accept-Encoding; an
	 * idle long-poll's is smaller, and it goes out once a cycle. */
	if (plain_len > GZIP_MIN)
		MHD_add_response_header(r, "Vary", "Accept-Encoding");
	if (zipped)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == 429 && resp->retry_after > 0) {
		snprintf(num, sizeof num, "%d", resp->retry_after);
		MHD_add_response_header(r, "Retry-After", num);
	}
	if (x->www != NULL)
		MHD_add_response_header(r, "WWW-Authenticate", x->www);
	if (x->allow != NULL)
		MHD_add_response_header(r, "Allow", x->allow);
	if (x->replayed)
		MHD_add_response_header(r, "Idempotent-Replay", "true");
	if (c->etag[0] != '\0' && status < 300)
		MHD_add_response_header(r, "ETag", c->etag);
	rc = MHD_queue_response(mc, (unsigned)status, r);
	MHD_destroy_response(r);
	if (http.verbose)
		fprintf(stderr, "mktd: %s %s %d %.1f ms %zu B%s\n", method, url,
		    status, ms_since(&c->start), len, zipped ? " gzip" : "");
	return rc;
}

static enum MHD_Result
respond_error(struct MHD_Connection *mc, struct conn *c, const char *method,
    const char *url, int status, const char *code, const char *msg,
    const struct extra_headers *x)
{
	static const struct extra_headers none;
	struct response resp;

	memset(&resp, 0, sizeof resp);
	api_error(&resp, status, code, msg, NULL);
	return respond(mc, c, method, url, &resp, x != NULL ? x : &none);
}

/* ---- running a request -------------------------------------------------- */

static int
exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int
call(struct server *srv, const struct route *r, struct request *req,
    struct response *resp)
{
	int status = r->fn(srv, req, resp);

	if (status <= 0)
		status = resp->status > 0 ? resp->status : 200;
	resp->status = status;
	return status;
}

/* A write: Idempotency-Key, then the handler in a savepoint inside one
 * transaction that also stores the result.  A rejected write (>= 400)
 * is rolled back to the savepoint, so its stored error is still kept and
 * a retry gets the same answer. */
static void
run_write(struct server *srv, struct conn *c, struct request *req,
    struct response *resp, const char *key, bool *replayed)
{
	char hash[IDEM_HASH_LEN + 1];
	struct idem_result ir;
	bool keyed = key != NULL && req->user != NULL;
	int64_t seq0;
	int status;

	pthread_mutex_lock(&srv->lock);
	seq0 = srv->last_seq;
	if (exec(srv->db, "BEGIN IMMEDIATE") != 0) {
		api_error(resp, 503, "busy", "the database is busy", NULL);
		goto out;
	}
	if (keyed) {
		idem_request_hash(req->method, req->path, req->raw_body,
		    req->body_len, hash);
		switch (idem_lookup(srv->db, req->user->id, key, hash, &ir)) {
		case IDEM_REPLAY:
			resp->status = ir.status;
			resp->text = ir.body;
			c->replay_type = ir.content_type;
			resp->content_type = ir.content_type;
			*replayed = true;
			/* Keeps the replay count, the only change made. */
			if (exec(srv->db, "COMMIT") != 0)
				exec(srv->db, "ROLLBACK");
			goto out;
		case IDEM_REUSED:
			api_error(resp, 422, "idempotency_key_reused", "this "
			    "Idempotency-Key was used for a different request",
			    NULL);
			exec(srv->db, "ROLLBACK");
			goto out;
		case IDEM_ERROR:
			api_error(resp, 500, "internal", "idempotency lookup "
			    "failed", NULL);
			exec(srv->db, "ROLLBACK");
			goto out;
		case IDEM_NEW:
			break;
		}
	}
	if (exec(srv->db, "SAVEPOINT handler") != 0) {
		exec(srv->db, "ROLLBACK");
		api_error(resp, 500, "internal", "cannot start", NULL);
		goto out;
	}
	status = call(srv, c->route, req, resp);
	if (status >= 400) {
		exec(srv->db, "ROLLBACK TO handler");
		srv->last_seq = seq0;
	}
	exec(srv->db, "RELEASE handler");
	if (keyed && status < 500 && status != 429) {
		flatten(c, resp);
		ir.status = status;
		ir.content_type = (char *)(uintptr_t)resp->content_type;
		ir.body = resp->text;
		ir.len = resp->text != NULL ? strlen(resp->text) : 0;
		if (idem_store(srv->db, req->user->id, key, req->method,
		    req->path, hash, &ir, status < 400, req->now) != 0) {
			exec(srv->db, "ROLLBACK");
			srv->last_seq = seq0;
			api_error(resp, 500, "internal", "cannot store the "
			    "result", NULL);
			goto out;
		}
	}
	if (exec(srv->db, "COMMIT") != 0) {
		fprintf(stderr, "mktd: commit: %s\n", sqlite3_errmsg(srv->db));
		exec(srv->db, "ROLLBACK");
		srv->last_seq = seq0;
		api_error(resp, 500, "internal", "cannot commit", NULL);
	} else if (srv->last_seq != seq0)
		pthread_cond_broadcast(&srv->changed);
out:
	pthread_mutex_unlock(&srv->lock);
}

/* The body as JSON into req->body; 0, or an error set on resp. */
static int
parse_body(struct MHD_Connection *mc, struct conn *c, struct request *req,
    struct response *resp)
{
	const char *ctype = header(mc, "Content-Type");
	const char *end = NULL;

	req->raw_body = c->body != NULL ? c->body : "";
	req->body_len = c->len;
	if (c->len == 0)
		return 0;
	if (c->raw && (ctype == NULL ||
	    strncasecmp(ctype, "application/json", 16) != 0))
		return 0;
	if (strlen(c->body) != c->len)
		return api_error(resp, 400, "bad_json",
		    "the body contains a NUL byte", NULL);
	req->body = cJSON_ParseWithOpts(c->body, &end, 1);
	if (req->body == NULL) {
		char msg[96];

		snprintf(msg, sizeof msg, "malformed JSON at byte %td",
		    end != NULL && end >= c->body ? end - c->body : (ptrdiff_t)0);
		return api_error(resp, 400, "bad_json", msg, NULL);
	}
	if (!cJSON_IsObject(req->body))
		return api_error(resp, 400, "bad_json",
		    "the body must be a JSON object", NULL);
	return 0;
}

/* "12", 12 and W/"12" all mean version 12. */
static void
parse_if_match(const char *v, char *out, size_t outlen)
{
	size_t n;

	while (*v == ' ')
		v++;
	if (strncmp(v, "W/", 2) == 0)
		v += 2;
	if (*v == '"')
		v++;
	n = strcspn(v, "\" ,");
	snprintf(out, outlen, "%.*s", (int)(n < outlen - 1 ? n : outlen - 1),
	    v);
}

static enum MHD_Result
serve(struct MHD_Connection *mc, struct conn *c, const char *url,
    const char *method)
{
	struct server *srv = http.srv;
	struct extra_headers x = { NULL, NULL, false };
	struct request req;
	struct response resp;
	struct user user;
	const char *v, *key;
	enum MHD_Result rc;

	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	req.method = method;
	req.path = url;
	memcpy(req.ids, c->ids, sizeof req.ids);
	req.nids = c->nids;
	req.conn = mc;
	req.now = (int64_t)time(NULL);
	if ((v = header(mc, "If-Match")) != NULL) {
		parse_if_match(v, c->if_match, sizeof c->if_match);
		req.if_match = c->if_match;
	}

	if (!(c->route->flags & ROUTE_PUBLIC)) {
		const char *code = NULL;
		int64_t uid = 0;
		int found = -1;

		if (auth_bearer(srv, header(mc, "Authorization"), req.now,
		    &uid, &code) == 0) {
			pthread_mutex_lock(&srv->lock);
			found = auth_load_user(srv->db, uid, &user);
			pthread_mutex_unlock(&srv->lock);
			if (found != 0)
				code = "invalid_token";
		}
		if (found != 0) {
			x.www = strcmp(code, "unauthorized") == 0 ?
			    "Bearer realm=\"mktd\"" :
			    "Bearer realm=\"mktd\", error=\"invalid_token\"";
			api_error(&resp, 401, code,
			    strcmp(code, "unauthorized") == 0 ?
			    "a bearer token is required" :
			    strcmp(code, "token_expired") == 0 ?
			    "the access token has expired; refresh it" :
			    "the access token is not valid", NULL);
			goto send;
		}
		req.user = &user;
	}
	if (parse_body(mc, c, &req, &resp) != 0)
		goto send;
	key = header(mc, "Idempotency-Key");
	if (key != NULL && (c->route->flags & ROUTE_WRITE) &&
	    !idem_key_valid(key)) {
		api_error(&resp, 400, "invalid_idempotency_key",
		    "Idempotency-Key must be 1 to 128 printable ASCII "
		    "characters", NULL);
		goto send;
	}

	if (c->route->flags & ROUTE_STREAM)
		call(srv, c->route, &req, &resp);
	else if (c->route->flags & ROUTE_WRITE)
		run_write(srv, c, &req, &resp, key, &x.replayed);
	else {
		pthread_mutex_lock(&srv->lock);
		call(srv, c->route, &req, &resp);
		pthread_mutex_unlock(&srv->lock);
	}
send:
	rc = respond(mc, c, method, url, &resp, &x);
	cJSON_Delete(req.body);
	cJSON_Delete(resp.json);
	free(resp.text);
	return rc;
}

/* The first call, with the headers: unknown routes and bodies declared
 * too big are answered before any of the body is read. */
static enum MHD_Result
begin(struct MHD_Connection *mc, struct conn *c, const char *url,
    const char *method)
{
	const struct body_rule *rule;
	struct extra_headers x = { NULL, NULL, false };
	const char *cl;
	char allow[64];

	c->route = route_find(method, url, c, allow, sizeof allow);
	if (c->route == NULL && allow[0] == '\0')
		return respond_error(mc, c, method, url, 404, "not_found",
		    "no such resource", NULL);
	if (c->route == NULL) {
		x.allow = allow;
		return respond_error(mc, c, method, url, 405,
		    "method_not_allowed", "the resource does not allow this "
		    "method", &x);
	}
	rule = body_rule(c->route);
	c->limit = rule != NULL ? rule->limit : BODY_LIMIT;
	c->raw = rule != NULL && rule->raw;
	cl = header(mc, "Content-Length");
	if (cl != NULL && strtoull(cl, NULL, 10) > c->limit)
		return respond_error(mc, c, method, url, 413, "too_large",
		    "the request body is over the limit", NULL);
	return MHD_YES;
}

static void
take(struct conn *c, const char *data, size_t n)
{
	if (c->too_big || c->len + n > c->limit) {
		/* Keep reading so the answer can still be sent; drop it. */
		c->too_big = true;
		free(c->body);
		c->body = NULL;
		c->len = c->cap = 0;
		return;
	}
	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap > 0 ? c->cap : 4096;
		char *p;

		while (cap < c->len + n + 1)
			cap *= 2;
		if ((p = realloc(c->body, cap)) == NULL) {
			c->too_big = true;
			return;
		}
		c->body = p;
		c->cap = cap;
	}
	memcpy(c->body + c->len, data, n);
	c->len += n;
	c->body[c->len] = '\0';
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct conn *c = *con_cls;

	(void)cls;
	(void)version;
	if (c == NULL) {
		if ((c = calloc(1, sizeof *c)) == NULL)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &c->start);
		*con_cls = c;
		return begin(mc, c, url, method);
	}
	if (*upload_size > 0) {
		take(c, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (c->too_big)
		return respond_error(mc, c, method, url, 413, "too_large",
		    "the request body is over the limit", NULL);
	return serve(mc, c, url, method);
}

static void
on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
    enum MHD_RequestTerminationCode why)
{
	struct conn *c = *con_cls;

	(void)cls;
	(void)mc;
	(void)why;
	if (c == NULL)
		return;
	free(c->body);
	free(c->replay_type);
	free(c);
	*con_cls = NULL;
}

struct MHD_Daemon *
http_start(struct server *srv, const char *addr, int port, bool verbose,
    int *bound, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "%s: not an IPv4 address", addr);
		return NULL;
	}
	http.srv = srv;
	http.verbose = verbose;
	/* A long-poll blocks its thread for up to an hour, so each
	 * connection gets its own thread; the limit bounds them, and a
	 * poll whose client left ends within seconds (feed.c). */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, on_request, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d", addr, port);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info != NULL ? info->port : port;
	return d;
}

void
http_stop(struct MHD_Daemon *d)
{
	if (d != NULL)
		MHD_stop_daemon(d);
}
