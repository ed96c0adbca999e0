/* faultproxy: a fault-injecting HTTP/1.1 proxy for the mkt tests.
 *
 *   faultproxy --listen 127.0.0.1:0 --upstream 127.0.0.1:PORT [--verbose]
 *
 * It sits between mkt (libcurl) and mktd on loopback.  Towards the client it
 * speaks HTTP/1.1 with keep-alive; every request goes upstream on a fresh
 * connection and the whole answer is buffered, so a fault can act on it.
 * Requests under /__fault are the control API (see control()):
 *   GET /__fault?mode=M[&count=N][&ms=T][&bps=B][&code=C][&retry_after=S]
 *                [&match=SUBSTR]
 *   GET /__fault/stats   (bytes both ways and requests, proxied ones only) */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD   (64 * 1024)
#define MAX_BODY   (16L * 1024 * 1024)
#define IO_TIMEOUT 3700  /* seconds: long polls wait up to an hour upstream */

enum mode { M_NONE, M_LATENCY, M_BANDWIDTH, M_RESET, M_RESET_BEFORE,
	    M_STATUS, M_STATUS_AFTER, M_TRUNCATE, M_GARBAGE, M_STALL, M_REFUSE };
static const char *const mode_names[] = { "none", "latency", "bandwidth",
	"reset", "reset_before", "status", "status_after", "truncate",
	"garbage", "stall", "refuse" };

struct fault {
	enum mode mode;
	long count;             /* matching requests left; < 0: unlimited */
	long ms, bps, code, retry_after; /* ms < 0: the mode's default; retry_after < 0: none */
	char match[256];        /* "" matches every request */
};

/* What to do with the client connection once a request is handled. */
enum action { KEEP, CLOSE, RESET };

struct buf { char *p; size_t len, cap; };
/* Buffered reader; client readers count their bytes into the stats. */
struct rd { int fd, client, err; struct buf b; size_t off; };

struct req {
	struct buf head;        /* request line + headers, NUL-terminated */
	struct buf line;        /* "METHOD TARGET", what match= looks at */
	size_t mlen;            /* length of METHOD in line */
	long clen;              /* Content-Length; -1: none */
	int close;
	struct buf body;
};

struct resp { int status, head_req; struct buf head, body; };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct fault no_fault = { M_NONE, -1, -1, 2000, 503, -1, "" };
static struct fault cur = { M_NONE, -1, -1, 2000, 503, -1, "" };
static struct { unsigned long long requests, faults, to_client, from_client,
		connections; } stats;
static struct sockaddr_in upstream;
static int verbose;
static volatile sig_atomic_t stop;

static const char injected_body[] =
	"{\"error\":{\"code\":\"injected\",\"message\":\"injected fault\"}}";

/* ---- small helpers ---------------------------------------------------- */

static void count(unsigned long long *counter, size_t n)
{
	pthread_mutex_lock(&lock);
	*counter += n;
	pthread_mutex_unlock(&lock);
}

/* Room for n more bytes and a NUL. */
static void buf_reserve(struct buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			/* A test tool: dying loudly beats limping on. */
			fputs("faultproxy: out of memory\n", stderr);
			abort();
		}
		b->p = p;
		b->cap = cap;
	}
}

static void buf_add(struct buf *b, const void *data, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3)))
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		buf_reserve(b, (size_t)n);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
		b->len += (size_t)n;
	}
	va_end(ap2);
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ns(long long ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
	while (ns > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void set_timeouts(int fd, int secs)
{
	struct timeval tv = { secs, 0 };
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	/* Latency and bandwidth figures must be ours, not Nagle's. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Sends everything; with bps > 0 no faster than bps bytes per second. */
static int xsend(int fd, const char *p, size_t n, int client, long bps)
{
	size_t sent = 0, chunk = n;
	long long start = now_ns();
	if (bps > 0)
		chunk = bps / 10 < 1 ? 1 : bps / 10 > 16384 ? 16384 : (size_t)bps / 10;
	while (sent < n) {
		size_t want = n - sent < chunk ? n - sent : chunk;
		ssize_t k = send(fd, p + sent, want, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		sent += (size_t)k;
		if (client)
			count(&stats.to_client, (size_t)k);
		if (bps > 0)
			sleep_ns(start + (long long)sent * 1000000000LL / bps - now_ns());
	}
	return 0;
}

/* ---- buffered reading ------------------------------------------------- */

static ssize_t rd_fill(struct rd *r)
{
	char tmp[16384];
	ssize_t n;
	if (r->off) {
		memmove(r->b.p, r->b.p + r->off, r->b.len - r->off);
		r->b.len -= r->off;
		r->off = 0;
	}
	do
		n = recv(r->fd, tmp, sizeof tmp, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r->err = errno;
	if (n > 0) {
		buf_add(&r->b, tmp, (size_t)n);
		if (r->client)
			count(&stats.from_client, (size_t)n);
	}
	return n;
}

/* Reads a head up to and including its blank line into out.
 * 1: done; 0: clean EOF before any byte; -1: error or EOF mid-head;
 * -2: longer than MAX_HEAD. */
static int rd_head(struct rd *r, struct buf *out)
{
	size_t scanned = 0;
	for (;;) {
		size_t avail = r->b.len - r->off;
		const char *p = r->b.p + r->off;
		for (; scanned + 4 <= avail; scanned++) {
			if (memcmp(p + scanned, "\r\n\r\n", 4) == 0) {
				out->len = 0;
				buf_add(out, p, scanned + 4);
				r->off += scanned + 4;
				return 1;
			}
		}
		if (avail > MAX_HEAD)
			return -2;
		ssize_t n = rd_fill(r);
		if (n <= 0)
			return n == 0 && avail == 0 ? 0 : -1;
	}
}

/* Appends exactly n bytes to out. */
static int rd_bytes(struct rd *r, struct buf *out, size_t n)
{
	while (n > 0) {
		if (r->off == r->b.len && rd_fill(r) <= 0)
			return -1;
		size_t k = r->b.len - r->off < n ? r->b.len - r->off : n;
		buf_add(out, r->b.p + r->off, k);
		r->off += k;
		n -= k;
	}
	return 0;
}

/* Reads one CRLF-ended line (without the CRLF) into dst. */
static int rd_line(struct rd *r, char *dst, size_t max)
{
	size_t n = 0;
	for (;;) {
		if (r->off == r->b.len && rd_fill(r) <= 0)
			return -1;
		char c = r->b.p[r->off++];
		if (c == '\n') {
			if (n > 0 && dst[n - 1] == '\r')
				n--;
			dst[n] = '\0';
			return 0;
		}
		if (n + 1 >= max)
			return -1;
		dst[n++] = c;
	}
}

/* ---- header parsing --------------------------------------------------- */

struct hdr { const char *line, *name, *val; size_t llen, nlen, vlen; };

/* Steps over the header line at *pos: 1 read one, 0 reached the blank line,
 * -1 malformed. */
static int next_header(const char **pos, struct hdr *h)
{
	const char *p = *pos, *eol = strstr(p, "\r\n");
	if (!eol || eol == p)
		return 0;
	const char *colon = memchr(p, ':', (size_t)(eol - p));
	if (!colon || colon == p)
		return -1;
	for (const char *s = p; s < colon; s++)
		if (*s == ' ' || *s == '\t')
			return -1;
	const char *v = colon + 1, *e = eol;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*h = (struct hdr){ p, p, v, (size_t)(eol + 2 - p), (size_t)(colon - p), (size_t)(e - v) };
	*pos = eol + 2;
	return 1;
}

static int hname_is(const struct hdr *h, const char *name)
{
	return strlen(name) == h->nlen && strncasecmp(h->name, name, h->nlen) == 0;
}

/* Whether a comma-separated header value lists tok (case-insensitive). */
static int has_token(const struct hdr *h, const char *tok)
{
	size_t tl = strlen(tok);
	const char *p = h->val, *end = h->val + h->vlen;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		const char *s = p;
		while (p < end && *p != ',')
			p++;
		const char *e = p;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - s) == tl && strncasecmp(s, tok, tl) == 0)
			return 1;
	}
	return 0;
}

/* Headers that describe one connection, not the message; we set our own. */
static int hop_by_hop(const struct hdr *h)
{
	return hname_is(h, "Connection") || hname_is(h, "Keep-Alive") ||
	       hname_is(h, "Proxy-Connection") || hname_is(h, "Transfer-Encoding") ||
	       hname_is(h, "TE") || hname_is(h, "Upgrade") || hname_is(h, "Expect");
}

/* Strict decimal: 0 ok, -1 malformed, -2 above max. */
static int parse_num(const char *s, size_t n, long max, long *out)
{
	long v = 0;
	int big = 0;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (!big && (v = v * 10 + (s[i] - '0')) > max)
			big = 1;
	}
	if (big)
		return -2;
	*out = v;
	return 0;
}

/* ---- answers ---------------------------------------------------------- */

static const char *reason(long code)
{
	static const struct { long code; const char *text; } t[] = {
		{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
		{ 304, "Not Modified" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 411, "Length Required" }, { 412, "Precondition Failed" },
		{ 413, "Content Too Large" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" }, { 500, "Internal Server Error" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (t[i].code == code)
			return t[i].text;
	return "Status";
}

/* Sends an answer the proxy makes up itself; counted says whether its
 * bytes go into the stats (the control API's do not). */
static enum action answer_as(int fd, long code, const char *extra, const char *body,
			     size_t blen, int close, int counted)
{
	struct buf out = { 0 };
	int bodyless = code == 204 || code == 304;
	buf_printf(&out, "HTTP/1.1 %ld %s\r\n", code, reason(code));
	if (!bodyless)
		buf_printf(&out, "Content-Type: application/json\r\nContent-Length: %zu\r\n", blen);
	buf_str(&out, extra ? extra : "");
	buf_str(&out, close ? "Connection: close\r\n\r\n" : "\r\n");
	if (!bodyless)
		buf_add(&out, body, blen);
	int rc = xsend(fd, out.p, out.len, counted, 0);
	free(out.p);
	return rc < 0 || close ? CLOSE : KEEP;
}

static enum action answer(int fd, long code, const char *extra, const char *body,
			  size_t blen, int close)
{
	return answer_as(fd, code, extra, body, blen, close, 1);
}

static enum action answer_error(int fd, long code, const char *ecode,
				const char *msg, int close)
{
	struct buf body = { 0 };
	buf_printf(&body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", ecode, msg);
	enum action a = answer(fd, code, NULL, body.p, body.len, close);
	free(body.p);
	return a;
}

static enum action answer_injected(int fd, const struct fault *f, int close)
{
	char extra[64] = "";
	if (f->retry_after >= 0)
		snprintf(extra, sizeof extra, "Retry-After: %ld\r\n", f->retry_after);
	return answer(fd, f->code, extra, injected_body, sizeof injected_body - 1, close);
}

/* A truncated change feed: never valid JSON, whatever the random tail. */
static enum action answer_garbage(int fd, int close)
{
	static const char prefix[] = "{\"changes\":[{\"seq\":";
	char body[sizeof prefix - 1 + 48];
	uint64_t x = (uint64_t)now_ns() ^ ((uint64_t)(uintptr_t)body << 16) ^ 0x9E3779B97F4A7C15ULL;
	memcpy(body, prefix, sizeof prefix - 1);
	for (size_t i = sizeof prefix - 1; i < sizeof body; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		body[i] = (char)(x >> 32);
	}
	/* No JSON value starts with a byte >= 0x80, so "seq": stays unfinished. */
	body[sizeof prefix - 1] |= (char)0x80;
	return answer(fd, 200, NULL, body, sizeof body, close);
}

/* Status line and headers of an upstream answer, with our own framing. */
static void put_resp_head(struct buf *out, const struct resp *rs, size_t clen, int close)
{
	const char *p = rs->head.p, *eol = strstr(p, "\r\n"), *pos = eol + 2;
	/* The client keeps its connection by 1.1 rules, so say 1.1 whatever mktd said. */
	buf_str(out, "HTTP/1.1");
	buf_add(out, p + 8, (size_t)(eol + 2 - (p + 8)));
	/* A HEAD or 304 answer's Content-Length describes a body not sent here. */
	int keep_cl = rs->head_req || rs->status == 304;
	struct hdr h;
	while (next_header(&pos, &h) > 0) {
		if (hop_by_hop(&h) || (!keep_cl && hname_is(&h, "Content-Length")))
			continue;
		buf_add(out, h.line, h.llen);
	}
	if (!keep_cl && rs->status != 204)
		buf_printf(out, "Content-Length: %zu\r\n", clen);
	buf_str(out, close ? "Connection: close\r\n\r\n" : "\r\n");
}

/* ---- upstream --------------------------------------------------------- */

static int dechunk(struct rd *r, struct buf *out)
{
	char line[1024];
	for (;;) {
		char *end;
		if (rd_line(r, line, sizeof line) < 0)
			return -1;
		unsigned long n = strtoul(line, &end, 16);
		if (end == line || (*end && *end != ';' && *end != ' ' && *end != '\t'))
			return -1;
		if (n > (unsigned long)MAX_BODY - out->len)
			return -1;
		if (n == 0)
			break;
		if (rd_bytes(r, out, n) < 0 || rd_line(r, line, sizeof line) < 0 || line[0])
			return -1;
	}
	do      /* trailers, dropped */
		if (rd_line(r, line, sizeof line) < 0)
			return -1;
	while (line[0]);
	return 0;
}

/* 0, or the status to answer the client with (502, 504). */
static int read_response(int fd, struct resp *rs)
{
	struct rd r = { .fd = fd };
	int rc = 502;
	for (;;) {
		if (rd_head(&r, &rs->head) != 1 || memchr(rs->head.p, '\0', rs->head.len))
			goto out;
		const char *p = rs->head.p;
		long status;
		/* parse_num stops at the NUL, so p[12] is only read after 3 digits. */
		if (strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
		    parse_num(p + 9, 3, 999, &status) < 0 || (p[12] != ' ' && p[12] != '\r'))
			goto out;
		rs->status = (int)status;
		if (rs->status == 101 || rs->status < 100)
			goto out;
		if (rs->status >= 200)
			break;  /* 1xx are interim; the client gets only the final answer */
	}
	long clen = -1;
	int chunked = 0;
	const char *pos = strstr(rs->head.p, "\r\n") + 2;
	struct hdr h;
	while (next_header(&pos, &h) > 0) {
		if (hname_is(&h, "Transfer-Encoding") && has_token(&h, "chunked"))
			chunked = 1;
		else if (hname_is(&h, "Content-Length") && parse_num(h.val, h.vlen, MAX_BODY, &clen) < 0)
			goto out;
	}
	if (rs->head_req || rs->status == 204 || rs->status == 304)
		rc = 0;
	else if (chunked)
		rc = dechunk(&r, &rs->body) < 0 ? 502 : 0;
	else if (clen >= 0)
		rc = rd_bytes(&r, &rs->body, (size_t)clen) < 0 ? 502 : 0;
	else {  /* framed by the close */
		ssize_t n;
		while ((n = rd_fill(&r)) > 0 && r.b.len <= (size_t)MAX_BODY)
			;
		if (n == 0)
			buf_add(&rs->body, r.b.p + r.off, r.b.len - r.off), rc = 0;
	}
out:
	if (rc && (r.err == EAGAIN || r.err == EWOULDBLOCK))
		rc = 504;
	free(r.b.p);
	return rc;
}

/* Sends q upstream on a fresh connection and reads the whole answer.
 * 0, or the status to answer the client with (502, 504). */
static int forward(const struct req *q, struct resp *rs)
{
	struct buf out = { 0 };
	buf_add(&out, q->line.p, q->line.len);
	buf_str(&out, " HTTP/1.1\r\n");
	const char *pos = strstr(q->head.p, "\r\n") + 2;
	struct hdr h;
	while (next_header(&pos, &h) > 0)
		if (!hop_by_hop(&h) && !hname_is(&h, "Content-Length"))
			buf_add(&out, h.line, h.llen);
	if (q->clen >= 0)
		buf_printf(&out, "Content-Length: %ld\r\n", q->clen);
	/* Asking mktd to close leaves no idle upstream sockets behind, and
	 * makes even an answer without framing end. */
	buf_str(&out, "Connection: close\r\n\r\n");
	buf_add(&out, q->body.p, q->body.len);

	rs->head_req = q->mlen == 4 && memcmp(q->line.p, "HEAD", 4) == 0;
	int rc = 502, fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0) {
		set_timeouts(fd, IO_TIMEOUT);
		if (connect(fd, (struct sockaddr *)&upstream, sizeof upstream) == 0) {
			/* mktd may answer (413) before reading all of a body: read anyway. */
			(void)xsend(fd, out.p, out.len, 0, 0);
			rc = read_response(fd, rs);
		}
		close(fd);
	}
	free(out.p);
	return rc;
}

/* Whether the connection ends after this answer. */
static int closing(const struct req *q)
{
	pthread_mutex_lock(&lock);
	/* "refuse" is the server going away, so no connection outlives it. */
	int refusing = cur.mode == M_REFUSE;
	pthread_mutex_unlock(&lock);
	return q->close || refusing;
}

/* ---- control ---------------------------------------------------------- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* %XX-decodes s into dst ('+' stays '+'); the length, or -1 if too long. */
static long url_decode(const char *s, size_t n, char *dst, size_t max)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (o + 1 >= max)
			return -1;
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			dst[o++] = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
		} else
			dst[o++] = s[i];
	}
	dst[o] = '\0';
	return (long)o;
}

/* Parses the query of /__fault into f; NULL or the complaint. */
static const char *parse_fault(const char *query, struct fault *f)
{
	*f = no_fault;
	int have_mode = 0;
	while (query && *query) {
		const char *amp = strchr(query, '&'), *end = amp ? amp : query + strlen(query);
		const char *eq = memchr(query, '=', (size_t)(end - query));
		char val[sizeof f->match];
		if (!eq)
			return "parameter without a value";
		size_t klen = (size_t)(eq - query);
		long dl = url_decode(eq + 1, (size_t)(end - eq - 1), val, sizeof val);
		if (dl < 0)
			return "value too long";
		size_t vlen = (size_t)dl;
		int bad = 0;
#define KEY(k) (klen == strlen(k) && strncmp(query, k, klen) == 0)
		if (KEY("mode")) {
			have_mode = 0;
			for (size_t i = 0; i < sizeof mode_names / sizeof *mode_names; i++)
				if (strcmp(val, mode_names[i]) == 0)
					f->mode = (enum mode)i, have_mode = 1;
			if (!have_mode)
				return "unknown mode";
		} else if (KEY("match"))
			memcpy(f->match, val, vlen + 1);
		else if (KEY("count"))
			bad = parse_num(val, vlen, 1000000000L, &f->count) < 0 || f->count < 1;
		else if (KEY("ms"))
			bad = parse_num(val, vlen, 3600000L, &f->ms) < 0;
		else if (KEY("bps"))
			bad = parse_num(val, vlen, 1000000000L, &f->bps) < 0 || f->bps < 1;
		else if (KEY("code"))
			bad = parse_num(val, vlen, 599, &f->code) < 0 || f->code < 200;
		else if (KEY("retry_after"))
			bad = parse_num(val, vlen, 86400, &f->retry_after) < 0;
		else
			return "unknown parameter";
#undef KEY
		if (bad)
			return "bad number";
		query = amp ? amp + 1 : end;
	}
	return have_mode ? NULL : "mode is required";
}

static enum action control(int fd, const struct req *q)
{
	const char *target = q->line.p + q->mlen + 1, *qm = strchr(target, '?');
	size_t plen = qm ? (size_t)(qm - target) : strlen(target);
	struct buf body = { 0 };
	long code = 200;
	/* The stats count mkt's traffic with mktd, not the asking for them:
	 * this request's bytes come off, and its answer is not counted. */
	pthread_mutex_lock(&lock);
	stats.from_client -= q->head.len + q->body.len;
	pthread_mutex_unlock(&lock);
	if (plen == 14 && strncmp(target, "/__fault/stats", 14) == 0) {
		pthread_mutex_lock(&lock);
		buf_printf(&body, "{\"requests\":%llu,\"faults\":%llu,\"bytes_to_client\":%llu,"
			   "\"bytes_from_client\":%llu,\"connections\":%llu}", stats.requests,
			   stats.faults, stats.to_client, stats.from_client, stats.connections);
		pthread_mutex_unlock(&lock);
	} else if (plen == 8 && strncmp(target, "/__fault", 8) == 0) {
		struct fault f;
		const char *err = parse_fault(qm ? qm + 1 : NULL, &f);
		if (err) {
			code = 400;
			buf_printf(&body, "{\"ok\":false,\"error\":\"%s\"}", err);
		} else {
			pthread_mutex_lock(&lock);
			cur = f;
			pthread_mutex_unlock(&lock);
			buf_str(&body, "{\"ok\":true}");
			if (verbose)
				fprintf(stderr, "faultproxy: mode %s\n", mode_names[f.mode]);
		}
	} else {
		code = 404;
		buf_str(&body, "{\"ok\":false,\"error\":\"unknown control path\"}");
	}
	enum action a = answer_as(fd, code, NULL, body.p, body.len, closing(q), 0);
	free(body.p);
	return a;
}

/* ---- one client connection -------------------------------------------- */

/* Counts a proxied request and takes the fault it gets (M_NONE if none). */
static void pick_fault(const struct req *q, struct fault *f)
{
	pthread_mutex_lock(&lock);
	stats.requests++;
	*f = cur;
	if (cur.mode == M_NONE || (cur.match[0] && !strstr(q->line.p, cur.match)))
		f->mode = M_NONE;
	else {
		stats.faults++;
		if (cur.count > 0 && --cur.count == 0)
			cur = no_fault;
	}
	pthread_mutex_unlock(&lock);
}

/* Reads one request.  0: got it; -1: the client is gone; else the status
 * for an answer after which the connection closes. */
static int read_request(struct rd *r, struct req *q)
{
	int rc = rd_head(r, &q->head);
	if (rc != 1)
		return rc == -2 ? 431 : -1;
	const char *head = q->head.p, *eol = strstr(head, "\r\n");
	if (memchr(head, '\0', q->head.len))
		return 400;
	const char *sp1 = memchr(head, ' ', (size_t)(eol - head));
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp1 == head || sp2 == sp1 + 1 || eol - sp2 != 9 ||
	    strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1'))
		return 400;
	buf_add(&q->line, head, (size_t)(sp2 - head));
	q->mlen = (size_t)(sp1 - head);
	/* HTTP/1.0 keep-alive is an opt-in dance not worth supporting. */
	q->close = sp2[8] == '0';
	q->clen = -1;
	int expect = 0, hr;
	const char *pos = eol + 2;
	struct hdr h;
	while ((hr = next_header(&pos, &h)) > 0) {
		long v;
		if (hname_is(&h, "Transfer-Encoding"))
			return 411;
		if (hname_is(&h, "Content-Length")) {
			int pr = parse_num(h.val, h.vlen, MAX_BODY, &v);
			if (pr == -2)
				return 413;
			if (pr < 0 || (q->clen >= 0 && v != q->clen))
				return 400;
			q->clen = v;
		}
		if (hname_is(&h, "Connection") && has_token(&h, "close"))
			q->close = 1;
		if (hname_is(&h, "Expect") && has_token(&h, "100-continue"))
			expect = 1;
	}
	if (hr < 0)
		return 400;
	if (q->clen > 0) {
		/* curl waits up to a second for this before sending a big body. */
		if (expect && r->off == r->b.len)
			(void)xsend(r->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25, 1, 0);
		if (rd_bytes(r, &q->body, (size_t)q->clen) < 0)
			return -1;
	}
	return 0;
}

static enum action handle(int fd, const struct req *q)
{
	const char *target = q->line.p + q->mlen + 1;
	if (strncmp(target, "/__fault", 8) == 0)
		return control(fd, q);
	struct fault f;
	pick_fault(q, &f);
	long ms = f.ms >= 0 ? f.ms : f.mode == M_STALL ? 20000 : 500;
	if (verbose)
		fprintf(stderr, "faultproxy: %s [%s]\n", q->line.p, mode_names[f.mode]);
	switch (f.mode) {
	case M_RESET_BEFORE:
		return RESET;
	case M_REFUSE:
		return CLOSE;
	case M_STALL:
		sleep_ns(ms * 1000000LL);
		return CLOSE;
	case M_STATUS:
		return answer_injected(fd, &f, closing(q));
	default:
		break;
	}
	if (f.mode == M_LATENCY)
		sleep_ns(ms * 1000000LL);
	struct resp rs = { 0 };
	int err = forward(q, &rs);
	if (f.mode == M_LATENCY)
		sleep_ns(ms * 1000000LL);
	enum action a;
	int close = closing(q);
	if (f.mode == M_RESET)
		a = RESET;
	else if (f.mode == M_STATUS_AFTER)
		a = answer_injected(fd, &f, close);
	else if (f.mode == M_GARBAGE)
		a = answer_garbage(fd, close);
	else if (err)
		a = answer_error(fd, err, err == 504 ? "gateway_timeout" : "bad_gateway",
				 err == 504 ? "upstream timed out" : "upstream failed", close);
	else {
		struct buf out = { 0 };
		size_t send_len = rs.body.len;
		/* truncate: the announced length stays whole, and no "close" warning. */
		if (f.mode == M_TRUNCATE)
			send_len /= 2, close = 0;
		put_resp_head(&out, &rs, rs.body.len, close);
		buf_add(&out, rs.body.p, send_len);
		int rc = xsend(fd, out.p, out.len, 1, f.mode == M_BANDWIDTH ? f.bps : 0);
		a = rc < 0 || close || f.mode == M_TRUNCATE ? CLOSE : KEEP;
		free(out.p);
	}
	free(rs.head.p);
	free(rs.body.p);
	return a;
}

static void finish(int fd, enum action a)
{
	if (a == RESET) {
		struct linger l = { 1, 0 };   /* close() then sends RST, not FIN */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
		close(fd);
		return;
	}
	/* Drain before closing: closing with unread input sends RST, which can
	 * destroy an answer still in flight to the client. */
	shutdown(fd, SHUT_WR);
	set_timeouts(fd, 1);
	char tmp[4096];
	ssize_t n;
	size_t total = 0;
	while (total < (1u << 20) && (n = recv(fd, tmp, sizeof tmp, 0)) > 0) {
		total += (size_t)n;
		count(&stats.from_client, (size_t)n);
	}
	close(fd);
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct rd r = { .fd = fd, .client = 1 };
	enum action a = KEEP;
	set_timeouts(fd, IO_TIMEOUT);
	while (a == KEEP) {
		struct req q = { 0 };
		int rc = read_request(&r, &q);
		if (rc < 0)
			a = CLOSE;
		else if (rc > 0)
			a = answer_error(fd, rc, rc == 411 ? "length_required" : "bad_request",
					 "faultproxy cannot take this request", 1);
		else
			a = handle(fd, &q);
		free(q.head.p);
		free(q.line.p);
		free(q.body.p);
	}
	finish(fd, a);
	free(r.b.p);
	return NULL;
}

/* ---- main ------------------------------------------------------------- */

/* ADDR:PORT with ADDR in 127.0.0.0/8 (or "localhost"). 0, -1 malformed,
 * -2 not loopback. */
static int parse_addr(const char *s, struct sockaddr_in *sa, int port_zero_ok)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	long port;
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1", &sa->sin_addr) != 1)
		return -1;
	if (parse_num(colon + 1, strlen(colon + 1), 65535, &port) < 0 || (!port && !port_zero_ok))
		return -1;
	sa->sin_port = htons((uint16_t)port);
	return (ntohl(sa->sin_addr.s_addr) >> 24) == 127 ? 0 : -2;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "faultproxy: %s\n", msg);
	fputs("usage: faultproxy --listen 127.0.0.1:PORT --upstream 127.0.0.1:PORT [--verbose]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in listen_sa;
	const char *listen_arg = NULL, *up_arg = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			listen_arg = argv[++i];
		else if (strcmp(argv[i], "--upstream") == 0 && i + 1 < argc)
			up_arg = argv[++i];
		else if (strcmp(argv[i], "--verbose") == 0)
			verbose = 1;
		else
			return usage("unknown argument");
	}
	if (!listen_arg || !up_arg)
		return usage("--listen and --upstream are required");
	int lrc = parse_addr(listen_arg, &listen_sa, 1), urc = parse_addr(up_arg, &upstream, 0);
	if (lrc == -1 || urc == -1)
		return usage("bad ADDR:PORT");
	if (lrc == -2 || urc == -2)
		return usage("only loopback addresses (127.0.0.0/8) are allowed");

	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;   /* no SA_RESTART: pselect must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Signals stay blocked except inside pselect, so worker threads (which
	 * inherit the mask) never take them and no wake-up is lost. */
	sigset_t block, orig;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &orig);

	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	socklen_t slen = sizeof listen_sa;
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(lfd, (struct sockaddr *)&listen_sa, sizeof listen_sa) < 0 ||
	    listen(lfd, 128) < 0 || getsockname(lfd, (struct sockaddr *)&listen_sa, &slen) < 0) {
		perror("faultproxy: listen");
		return 1;
	}
	/* Non-blocking, so an accept after a vanished connection cannot hang
	 * with signals blocked; accepted sockets do not inherit it on Linux. */
	fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &listen_sa.sin_addr, ip, sizeof ip);
	printf("listening on http://%s:%u\n", ip, ntohs(listen_sa.sin_port));
	fflush(stdout);

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!stop) {
		fd_set rfds;
		FD_ZERO(&rfds);
		FD_SET(lfd, &rfds);
		if (pselect(lfd + 1, &rfds, NULL, NULL, NULL, &orig) <= 0)
			continue;
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				sleep_ns(50000000LL);   /* out of fds: let connections finish */
			continue;
		}
		count(&stats.connections, 1);
		pthread_t t;
		if (pthread_create(&t, &attr, conn_main, (void *)(intptr_t)cfd) != 0)
			close(cfd);
	}
	pthread_attr_destroy(&attr);
	close(lfd);
	return 0;
}
