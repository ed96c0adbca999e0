/* The integration-test harness (harness.h): a real mktd per test group,
 * driven over libcurl.  Everything here has a time limit, so a hung
 * server fails a test instead of hanging the suite. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#define START_TIMEOUT_MS	20000
#define STOP_TIMEOUT_MS		10000
#define CALL_TIMEOUT_S		70L

extern char **environ;

struct mktd {
	pid_t	 pid;
	int	 port;
	char	 dir[64];
	char	 db[96];
	sqlite3	*ro;		/* mktd_db's connection */
};

const char *const role_email[NROLES] = {
	"admin@demo.mkt", "manager@demo.mkt", "billing@demo.mkt",
	"support@demo.mkt", "client@demo.mkt", "performer@demo.mkt",
};
const char *const role_name[NROLES] = {
	"admin", "manager", "billing", "support", "client", "performer",
};

static int curl_users;

long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Reads from fd until a full line arrives or the deadline passes. */
static int
read_line(int fd, char *buf, size_t cap, long deadline)
{
	size_t len = 0;

	while (len + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		if ((n = read(fd, buf + len, 1)) <= 0)
			return -1;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return 0;
		}
		len++;
	}
	return -1;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
rm_rf(const char *dir)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Waits up to ms for pid; its exit status, -2 on timeout, -1 if killed
 * by a signal. */
static int
wait_exit(pid_t pid, long ms)
{
	long deadline = now_ms() + ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r == -1 && errno != EINTR)
			return -1;
		if (now_ms() >= deadline)
			return -2;
		usleep(10000);
	}
}

/* Starts bin with argv (argv[0] included) and reads its "listening on
 * http://127.0.0.1:PORT" line: the port, or -1 (the child is killed). */
static int
spawn_listening(const char *bin, char **argv, pid_t *pid)
{
	const char *prefix = "listening on http://127.0.0.1:";
	posix_spawn_file_actions_t fa;
	char line[256];
	int out[2], rc, port;

	if (pipe2(out, O_CLOEXEC) != 0) {
		fprintf(stderr, "harness: pipe: %s\n", strerror(errno));
		return -1;
	}
	/* stdout is the pipe; stderr stays the test's, so sanitizer
	 * reports from the child show up in the test output. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	rc = posix_spawn(pid, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	if (rc != 0) {
		fprintf(stderr, "harness: cannot start %s: %s\n", bin,
		    strerror(rc));
		close(out[0]);
		return -1;
	}
	if (read_line(out[0], line, sizeof line, now_ms() +
	    START_TIMEOUT_MS) != 0 || strncmp(line, prefix,
	    strlen(prefix)) != 0 || (port = atoi(line + strlen(prefix))) <= 0) {
		fprintf(stderr, "harness: %s did not report listening within "
		    "%d s\n", bin, START_TIMEOUT_MS / 1000);
		close(out[0]);
		kill(*pid, SIGKILL);
		wait_exit(*pid, STOP_TIMEOUT_MS);
		return -1;
	}
	/* The child writes nothing more to stdout, and ignores SIGPIPE. */
	close(out[0]);
	return port;
}

static const char *
mktd_bin(void)
{
	const char *bin = getenv("MKTD_BIN");

	return bin == NULL || *bin == '\0' ? "./mktd" : bin;
}

/* Runs mktd on m->db, listening on port (0: any), with --demo and the
 * NULL-terminated extra arguments when demo. */
static int
mktd_spawn(struct mktd *m, int port, bool demo, const char *const *extra)
{
	char listen[32], *argv[16];
	int i = 0;

	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	argv[i++] = (char *)mktd_bin();
	argv[i++] = "--listen";
	argv[i++] = listen;
	argv[i++] = "--db";
	argv[i++] = m->db;
	if (demo)
		argv[i++] = "--demo";
	for (; demo && extra != NULL && *extra != NULL && i < 15; extra++)
		argv[i++] = (char *)*extra;
	argv[i] = NULL;
	return (m->port = spawn_listening(argv[0], argv, &m->pid)) > 0 ? 0 : -1;
}

struct mktd *
mktd_start(bool demo)
{
	return mktd_start_demo(demo, NULL);
}

struct mktd *
mktd_start_demo(bool demo, const char *const *extra)
{
	struct mktd *m;

	if ((m = calloc(1, sizeof *m)) == NULL)
		return NULL;
	snprintf(m->dir, sizeof m->dir, "/tmp/mktd-test.XXXXXX");
	if (mkdtemp(m->dir) == NULL) {
		fprintf(stderr, "harness: mkdtemp: %s\n", strerror(errno));
		free(m);
		return NULL;
	}
	snprintf(m->db, sizeof m->db, "%s/mktd.db", m->dir);
	if (mktd_spawn(m, 0, demo, extra) != 0) {
		rm_rf(m->dir);
		free(m);
		return NULL;
	}
	if (curl_users++ == 0)
		curl_global_init(CURL_GLOBAL_DEFAULT);
	return m;
}

int
mktd_pause(struct mktd *m)
{
	int rc;

	if (m->pid <= 0)
		return 0;
	kill(m->pid, SIGTERM);
	if ((rc = wait_exit(m->pid, STOP_TIMEOUT_MS)) == -2) {
		kill(m->pid, SIGKILL);
		wait_exit(m->pid, STOP_TIMEOUT_MS);
		rc = -1;
	}
	m->pid = 0;
	return rc;
}

int
mktd_resume(struct mktd *m)
{
	/* The port was ours a moment ago; another process taking it in
	 * between is possible but not on a test machine's loopback. */
	for (int tries = 0; tries < 20; tries++) {
		if (mktd_spawn(m, m->port, false, NULL) == 0)
			return 0;
		usleep(250 * 1000);
	}
	return -1;
}

pid_t
tool_start(const char *name, char **args, int *port)
{
	const char *dir = getenv("TOOL_DIR");
	char bin[512], *argv[16];
	pid_t pid;
	int i = 0;

	snprintf(bin, sizeof bin, "%s/%s", dir != NULL && *dir != '\0' ?
	    dir : "build/release/tools", name);
	argv[i++] = bin;
	for (; args[i - 1] != NULL && i < 15; i++)
		argv[i] = args[i - 1];
	argv[i] = NULL;
	if ((*port = spawn_listening(bin, argv, &pid)) < 0)
		return -1;
	return pid;
}

int
tool_stop(pid_t pid)
{
	int rc;

	kill(pid, SIGTERM);
	if ((rc = wait_exit(pid, STOP_TIMEOUT_MS)) == -2) {
		kill(pid, SIGKILL);
		wait_exit(pid, STOP_TIMEOUT_MS);
		rc = -1;
	}
	return rc;
}

pid_t
faultproxy_start(const struct mktd *m, int *port)
{
	char upstream[32], *args[] = { "--listen", "127.0.0.1:0",
	    "--upstream", upstream, NULL };

	snprintf(upstream, sizeof upstream, "127.0.0.1:%d", m->port);
	return tool_start("faultproxy", args, port);
}

int
mktd_stop(struct mktd *m)
{
	int rc;

	if (m == NULL)
		return -1;
	rc = mktd_pause(m);
	sqlite3_close(m->ro);
	rm_rf(m->dir);
	free(m);
	if (--curl_users == 0)
		curl_global_cleanup();
	return rc;
}

int
mktd_port(const struct mktd *m)
{
	return m->port;
}

const char *
mktd_db_path(const struct mktd *m)
{
	return m->db;
}

sqlite3 *
mktd_db(struct mktd *m)
{
	if (m->ro != NULL)
		return m->ro;
	if (sqlite3_open_v2(m->db, &m->ro, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "harness: %s: %s\n", m->db,
		    sqlite3_errmsg(m->ro));
		sqlite3_close(m->ro);
		return m->ro = NULL;
	}
	sqlite3_busy_timeout(m->ro, 5000);
	return m->ro;
}

struct sink {
	char	*p;
	size_t	 len;
};

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	char *p = realloc(s->p, s->len + size * n + 1);

	if (p == NULL)
		return 0;
	memcpy(p + s->len, data, size * n);
	s->p = p;
	s->len += size * n;
	s->p[s->len] = '\0';
	return size * n;
}

/* Copies the value of header line h into out when it is the named one. */
static void
grab(const char *h, size_t n, const char *name, char *out, size_t cap)
{
	size_t k = strlen(name);
	const char *v;

	if (n <= k || strncasecmp(h, name, k) != 0 || h[k] != ':')
		return;
	v = h + k + 1;
	while (v < h + n && *v == ' ')
		v++;
	n -= (size_t)(v - h);
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	snprintf(out, cap, "%.*s", (int)n, v);
}

static size_t
on_header(char *h, size_t size, size_t n, void *arg)
{
	struct api_reply *r = arg;

	grab(h, size * n, "Content-Encoding", r->content_encoding,
	    sizeof r->content_encoding);
	grab(h, size * n, "Retry-After", r->retry_after,
	    sizeof r->retry_after);
	grab(h, size * n, "ETag", r->etag, sizeof r->etag);
	return size * n;
}

static bool
has_content_type(const char *const *extra)
{
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		if (strncasecmp(extra[i], "Content-Type:", 13) == 0)
			return true;
	return false;
}

struct api_reply
api_call(struct mktd *m, const char *token, const char *method,
    const char *path, const char *body, const char *const *extra)
{
	struct api_reply r;
	struct curl_slist *hs = NULL;
	struct sink s = { NULL, 0 };
	char url[2048], auth[4096];
	curl_off_t wire = 0;
	CURL *c;

	memset(&r, 0, sizeof r);
	if ((c = curl_easy_init()) == NULL)
		return r;
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", m->port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, CALL_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* "" offers every coding curl can decode, gzip among them. */
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	if (token != NULL) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		hs = curl_slist_append(hs, auth);
	}
	if (body != NULL && !has_content_type(extra))
		hs = curl_slist_append(hs, "Content-Type: application/json");
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(body));
	}
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		hs = curl_slist_append(hs, extra[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	if (curl_easy_perform(c) == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
		/* The transfer size: body bytes as sent, before decoding. */
		curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &wire);
		r.wire_bytes = (size_t)wire;
	}
	curl_slist_free_all(hs);
	curl_easy_cleanup(c);
	r.body = s.p != NULL ? s.p : calloc(1, 1);
	r.body_len = s.len;
	if (s.len > 0)
		r.json = cJSON_Parse(s.p);
	return r;
}

void
api_reply_free(struct api_reply *r)
{
	cJSON_Delete(r->json);
	free(r->body);
	memset(r, 0, sizeof *r);
}

char *
api_login(struct mktd *m, const char *email, const char *password)
{
	cJSON *b = cJSON_CreateObject();
	char *text, *tok = NULL;
	struct api_reply r;
	const char *t;

	cJSON_AddStringToObject(b, "email", email);
	cJSON_AddStringToObject(b, "password", password);
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	r = api_call(m, NULL, "POST", "/api/v1/auth/login", text, NULL);
	cJSON_free(text);
	if (r.status == 200 && (t = json_str(r.json, "access_token")) != NULL)
		tok = strdup(t);
	api_reply_free(&r);
	return tok;
}

int
demo_login(struct mktd *m, int n, const char *const *email, char **tok,
    int64_t *uid)
{
	sqlite3 *db = mktd_db(m);

	for (int i = 0; i < n; i++) {
		if ((tok[i] = api_login(m, email[i], "demo")) == NULL) {
			fprintf(stderr, "harness: cannot log in %s\n",
			    email[i]);
			return -1;
		}
		if (db == NULL || (uid[i] = db_user_id(db, email[i])) == 0) {
			fprintf(stderr, "harness: no user %s\n", email[i]);
			return -1;
		}
	}
	return 0;
}

int
demo_finish(struct mktd *m, int n, char **tok)
{
	for (int i = 0; i < n; i++)
		free(tok[i]);
	if (m != NULL && mktd_stop(m) != 0) {
		fprintf(stderr, "harness: mktd did not stop cleanly\n");
		return -1;
	}
	return 0;
}

void
reply_expect(const struct api_reply *r, long want, const char *code,
    const char *field, const char *what, const char *file, int line)
{
	const char *got;

	if (r->status != want)
		fail_msg("%s:%d: %s%sstatus %ld, want %ld: %.400s", file, line,
		    what != NULL ? what : "", what != NULL ? ": " : "",
		    r->status, want, r->body != NULL ? r->body : "(no body)");
	got = json_str(r->json, "error.code");
	if (code != NULL && (got == NULL || strcmp(got, code) != 0))
		fail_msg("%s:%d: %s%serror.code %s, want %s: %.400s", file,
		    line, what != NULL ? what : "", what != NULL ? ": " : "",
		    got != NULL ? got : "(none)", code, r->body);
	got = json_str(r->json, "error.field");
	if (field != NULL && (got == NULL || strcmp(got, field) != 0))
		fail_msg("%s:%d: %s%serror.field %s, want %s: %.400s", file,
		    line, what != NULL ? what : "", what != NULL ? ": " : "",
		    got != NULL ? got : "(none)", field, r->body);
}

/* The item at a dotted path; numeric segments index arrays. */
static const cJSON *
json_at(const cJSON *j, const char *path)
{
	char seg[128];

	while (j != NULL && *path != '\0') {
		size_t n = strcspn(path, ".");
		char *end;
		long idx;

		snprintf(seg, sizeof seg, "%.*s", (int)n, path);
		idx = strtol(seg, &end, 10);
		if (cJSON_IsArray(j) && *end == '\0' && end != seg)
			j = cJSON_GetArrayItem(j, (int)idx);
		else
			j = cJSON_GetObjectItemCaseSensitive(j, seg);
		path += n + (path[n] == '.');
	}
	return j;
}

const char *
json_str(const cJSON *j, const char *path)
{
	const cJSON *v = json_at(j, path);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

double
json_num(const cJSON *j, const char *path, double def)
{
	const cJSON *v = json_at(j, path);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* sql prepared with n int64_t parameters from ap; an SQL error fails the
 * running test. */
static sqlite3_stmt *
db_prep(sqlite3 *db, const char *sql, int n, va_list ap)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	for (int i = 0; i < n; i++)
		sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
	return st;
}

int64_t
db_int(sqlite3 *db, int64_t def, const char *sql, int n, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int64_t v = def;

	va_start(ap, n);
	st = db_prep(db, sql, n, ap);
	va_end(ap);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

char *
db_text(sqlite3 *db, const char *sql, int n, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	char *s = NULL;

	va_start(ap, n);
	st = db_prep(db, sql, n, ap);
	va_end(ap);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		s = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s;
}

int64_t
db_user_id(sqlite3 *db, const char *email)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	if (sqlite3_prepare_v2(db, "SELECT id FROM users WHERE email = ?", -1,
	    &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

struct api_reply
api_get_port(int port, const char *path)
{
	struct mktd m = { .port = port };

	return api_call(&m, NULL, "GET", path, NULL, NULL);
}

char *
text_repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * n + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}
