/* The sync engine.  One struct syncer owns a SQLite connection to the
 * cache, an applier on it and a libcurl handle; all of them are used by
 * one thread only (the sync thread, or the caller of sync_once).  The
 * mutex guards only what the UI thread touches: the status snapshot, the
 * password handed over from the prompt, the backfill requests and the
 * stop and poke flags.  It is never held across I/O. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "apply.h"
#include "fts.h"
#include "net.h"
#include "outbox.h"
#include "session.h"
#include "store.h"
#include "sync.h"
#include "util.h"

#define CONNECT_TIMEOUT		10	/* seconds */
#define LOW_SPEED_TIME		30	/* seconds without a byte */
#define WRITE_TIMEOUT		60	/* one push, whole request */
/* A long-poll says nothing for up to an hour; TCP keepalive is what
 * notices that the link under it died (a laptop changed networks): at
 * most IDLE + INTERVAL * COUNT seconds after the last byte, 90 s, at the
 * price of one probe and its answer (about 100 bytes of TCP/IP headers,
 * no HTTP) a minute while idle.  low_bandwidth trades the other way:
 * 5.5 minutes, a probe every 4. */
#define KEEPALIVE_IDLE		60
#define KEEPALIVE_INTERVAL	10
#define KEEPALIVE_COUNT		3
#define LOWBW_KEEPALIVE_IDLE	240
#define LOWBW_KEEPALIVE_INTERVAL 30
/* The feed's own page size when none is asked for (openapi.yaml). */
#define FEED_LIMIT_DEFAULT	500
/* The longest wait a server of the first contract takes. */
#define FEED_WAIT_OLD_MAX	60
/* An access token is renewed this long before it expires (at most a
 * tenth of its life), so a request never leaves with one the server will
 * refuse: a 401 and its retry cost a round trip and some 600 bytes. */
#define TOKEN_MARGIN		60
#define BACKOFF_FIRST		1	/* seconds */
#define BACKOFF_MAX		60
#define BACKFILL_PAGE		100
#define BACKFILL_QUEUE		16
/* sync --once tries this often (about 1 + 2 s of waiting) before it
 * reports the network as down. */
#define ONCE_ATTEMPTS		3
/* A write the server keeps failing with a 5xx is not the network's
 * fault; after this many tries it goes to sync problems rather than
 * blocking everything queued behind it. */
#define SERVER_ERROR_TRIES	8
/* The outbox keeps acknowledged entries this long, for the record. */
#define DONE_RETENTION		(7 * 86400)

enum step {
	STEP_OK,
	STEP_NET,		/* transient: back off and try again */
	STEP_AUTH,		/* a password is needed */
	STEP_INTERRUPTED,	/* poked during a long-poll */
	STEP_CACHE,		/* the cache cannot be written */
};

struct syncer {
	/* Settings, fixed at sync_new(). */
	char		*url, *user, *cfg_password, *token_path;
	int		 history_days, poll_wait, page_size;

	/* The engine's own; one thread at a time. */
	sqlite3		*db;
	struct applier	*ap;
	struct net	*net;
	bool		 ahead;		/* next page requested */
	char		 ahead_path[256];
	bool		 filling;	/* a first sync: see fts.h */
	bool		 fts_off;	/* the triggers are off on db */
	char		*access;	/* in memory only: 30 minutes */
	time_t		 access_until;	/* renew it from then on */
	char		*refresh;	/* as on disk */
	long		 retry_after;	/* from the last 429/503, or -1 */
	int		 backoff;	/* seconds of the last wait */

	/* Shared with the UI thread, under lock. */
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct sync_status status;
	char		*password;	/* from the prompt, once */
	int64_t		 backfill[BACKFILL_QUEUE];
	int		 nbackfill;
	bool		 stopping, poked;

	pthread_t	 thread;
	bool		 started;
	int		 wake[2];
	atomic_uint	 kinds;		/* changed since sync_read_wake() */
};

/* ---- shared state ------------------------------------------------------- */

static void
wake_ui(struct syncer *s, unsigned kinds)
{
	char b = 1;

	if (kinds == 0)
		return;
	atomic_fetch_or(&s->kinds, kinds);
	/* A full pipe already has a wake-up in it: nothing is lost. */
	if (s->wake[1] >= 0 && write(s->wake[1], &b, 1) < 0 &&
	    errno != EAGAIN)
		return;
}

unsigned
sync_read_wake(struct syncer *s)
{
	char buf[64];

	while (read(s->wake[0], buf, sizeof buf) > 0)
		continue;
	return atomic_exchange(&s->kinds, 0);
}

static void
set_conn(struct syncer *s, enum sync_conn conn, const char *why)
{
	pthread_mutex_lock(&s->lock);
	s->status.conn = conn;
	if (why != NULL)
		snprintf(s->status.error, sizeof s->status.error, "%s", why);
	else if (conn == SYNC_ONLINE)
		s->status.error[0] = '\0';
	pthread_mutex_unlock(&s->lock);
	wake_ui(s, KIND_STATUS);
}

void
sync_get_status(struct syncer *s, struct sync_status *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->status;
	pthread_mutex_unlock(&s->lock);
}

void
sync_poke(struct syncer *s)
{
	pthread_mutex_lock(&s->lock);
	s->poked = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	net_wakeup(s->net);
}

void
sync_password(struct syncer *s, const char *password)
{
	pthread_mutex_lock(&s->lock);
	free(s->password);
	s->password = xstrdup(password);
	s->status.conn = SYNC_CONNECTING;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	net_wakeup(s->net);
}

void
sync_backfill(struct syncer *s, int64_t conversation_id)
{
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < s->nbackfill; i++)
		if (s->backfill[i] == conversation_id)
			goto out;
	if (s->nbackfill < BACKFILL_QUEUE)
		s->backfill[s->nbackfill++] = conversation_id;
	s->poked = true;
	pthread_cond_signal(&s->cond);
out:
	pthread_mutex_unlock(&s->lock);
	net_wakeup(s->net);
}

static bool
stopping(struct syncer *s)
{
	bool stop;

	pthread_mutex_lock(&s->lock);
	stop = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

/* Sleeps up to seconds, or until poked or stopped; with for_password,
 * also until the prompt hands over a password.  (Only then: a password
 * nobody asked for must not end every wait at once.) */
static void
wait_for(struct syncer *s, int seconds, bool for_password)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&s->lock);
	while (!s->stopping && !s->poked &&
	    !(for_password && s->password != NULL) &&
	    pthread_cond_timedwait(&s->cond, &s->lock, &until) == 0)
		continue;
	s->poked = false;
	pthread_mutex_unlock(&s->lock);
}

/* ---- sync_state --------------------------------------------------------- */

static char *
state_get(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, "SELECT value FROM sync_state WHERE "
	    "key = ?", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static int64_t
state_int(sqlite3 *db, const char *key)
{
	char *v = state_get(db, key);
	int64_t n = v != NULL ? strtoll(v, NULL, 10) : 0;

	free(v);
	return n;
}

static int
state_set(sqlite3 *db, const char *key, const char *value)
{
	return store_run(db, "INSERT INTO sync_state(key, value) VALUES "
	    "(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	    "tt", key, value);
}

static int
state_set_int(sqlite3 *db, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%" PRId64, v);
	return state_set(db, key, buf);
}

/* ---- requests ------------------------------------------------------------ */

/* An error body's message, else the status. */
static void
describe(const struct net_reply *r, char *out, size_t len)
{
	cJSON *j = cJSON_Parse(r->body);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");

	if (cJSON_IsString(m))
		snprintf(out, len, "HTTP %ld: %s", r->status, m->valuestring);
	else
		snprintf(out, len, "HTTP %ld", r->status);
	cJSON_Delete(j);
}

/* Whether an error body names field as the culprit. */
static bool
error_field_is(const struct net_reply *r, const char *field)
{
	cJSON *j = cJSON_Parse(r->body);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, "field");
	bool yes = cJSON_IsString(f) && strcmp(f->valuestring, field) == 0;

	cJSON_Delete(j);
	return yes;
}

static enum step
transient(struct syncer *s, const struct net_reply *r, enum net_result nr)
{
	char why[300];

	if (nr == NET_INTERRUPTED)
		return STEP_INTERRUPTED;
	if (nr == NET_TRANSPORT) {
		set_conn(s, SYNC_OFFLINE, r->error);
		return STEP_NET;
	}
	s->retry_after = r->retry_after;
	describe(r, why, sizeof why);
	set_conn(s, SYNC_OFFLINE, why);
	return STEP_NET;
}

static int
save_tokens(struct syncer *s, const char *body, char *err, size_t errlen)
{
	cJSON *j = cJSON_Parse(body);
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "access_token");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "refresh_token");
	const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(j, "user");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(u, "id");
	double life, margin;
	int rc = -1;

	if (!cJSON_IsString(a) || !cJSON_IsString(r)) {
		snprintf(err, errlen, "the server's login answer is malformed");
		goto out;
	}
	/* The new refresh token is on disk before it is used: the server
	 * takes a second use of the old one for theft. */
	if (session_save(s->token_path, r->valuestring, err, errlen) != 0)
		goto out;
	free(s->access);
	free(s->refresh);
	s->access = xstrdup(a->valuestring);
	s->refresh = xstrdup(r->valuestring);
	/* Without a lifetime the token is used until the server refuses
	 * it. */
	life = cJSON_IsNumber(ttl) && ttl->valuedouble > 0 ?
	    ttl->valuedouble : 1e9;
	margin = life / 10 < TOKEN_MARGIN ? life / 10 : TOKEN_MARGIN;
	s->access_until = time(NULL) + (time_t)(life - margin);
	if (cJSON_IsNumber(id))
		state_set_int(s->db, "user_id", (int64_t)id->valuedouble);
	rc = 0;
out:
	cJSON_Delete(j);
	return rc;
}

static enum step
auth_post(struct syncer *s, const char *path, cJSON *body, char *err,
    size_t errlen)
{
	char *json = cJSON_PrintUnformatted(body);
	struct net_request req = { .method = "POST", .path = path,
	    .body = json, .timeout = WRITE_TIMEOUT };
	struct net_reply r;
	enum net_result nr = net_send(s->net, &req, &r);
	enum step st;

	cJSON_free(json);
	if (nr == NET_OK && r.status == 200) {
		st = save_tokens(s, r.body, err, errlen) == 0 ? STEP_OK :
		    STEP_CACHE;
	} else if (nr == NET_OK && (r.status == 401 || r.status == 400 ||
	    r.status == 422)) {
		describe(&r, err, errlen);
		st = STEP_AUTH;
	} else {
		st = transient(s, &r, nr);
		snprintf(err, errlen, "%s", s->status.error);
	}
	net_reply_free(&r);
	return st;
}

static enum step
refresh_tokens(struct syncer *s, char *err, size_t errlen)
{
	cJSON *b = cJSON_CreateObject();
	enum step st;

	cJSON_AddStringToObject(b, "refresh_token", s->refresh);
	st = auth_post(s, "/api/v1/auth/refresh", b, err, errlen);
	cJSON_Delete(b);
	if (st == STEP_AUTH) {
		/* Revoked or expired: only a password helps now. */
		session_forget(s->token_path, NULL, 0);
		free(s->refresh);
		s->refresh = NULL;
	}
	return st;
}

static enum step
login(struct syncer *s, const char *password, char *err, size_t errlen)
{
	cJSON *b = cJSON_CreateObject();
	enum step st;

	cJSON_AddStringToObject(b, "email", s->user);
	cJSON_AddStringToObject(b, "password", password);
	st = auth_post(s, "/api/v1/auth/login", b, err, errlen);
	/* The password leaves no copy in the request body we built. */
	cJSON_Delete(b);
	return st;
}

/* Gets an access token: refresh, else the password from the config or
 * the prompt.  STEP_AUTH when there is nothing left to try. */
static enum step
ensure_auth(struct syncer *s, char *err, size_t errlen)
{
	enum step st;
	char *pw;

	if (s->access != NULL && time(NULL) < s->access_until)
		return STEP_OK;
	free(s->access);
	s->access = NULL;
	if (s->refresh != NULL) {
		st = refresh_tokens(s, err, errlen);
		if (st != STEP_AUTH)
			return st;
	}
	pthread_mutex_lock(&s->lock);
	pw = s->password;
	s->password = NULL;
	pthread_mutex_unlock(&s->lock);
	if (pw == NULL && s->cfg_password != NULL)
		pw = xstrdup(s->cfg_password);
	if (pw == NULL) {
		snprintf(err, errlen, "a password is needed for %s", s->user);
		return STEP_AUTH;
	}
	st = login(s, pw, err, errlen);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	if (st == STEP_AUTH && s->cfg_password != NULL) {
		/* A wrong password in the config would be tried forever. */
		free(s->cfg_password);
		s->cfg_password = NULL;
	}
	return st;
}

/* Sends a request with the access token; a 401 refreshes once and
 * resends.  STEP_OK means an answer came back (any status but 401). */
static enum step
authed_send(struct syncer *s, struct net_request *req, struct net_reply *r,
    enum net_result *nr)
{
	char err[256];
	enum step st;

	/* One request at a time: this one goes first. */
	if (s->ahead) {
		net_abandon(s->net);
		s->ahead = false;
	}
	for (int tries = 0; tries < 2; tries++) {
		if ((st = ensure_auth(s, err, sizeof err)) != STEP_OK) {
			memset(r, 0, sizeof *r);
			if (st == STEP_AUTH)
				set_conn(s, SYNC_AUTH_NEEDED, err);
			return st;
		}
		req->token = s->access;
		*nr = net_send(s->net, req, r);
		if (*nr != NET_OK || r->status != 401)
			return STEP_OK;
		net_reply_free(r);
		free(s->access);
		s->access = NULL;
	}
	set_conn(s, SYNC_AUTH_NEEDED, "the server refused the new token");
	return STEP_AUTH;
}

/* ---- push ---------------------------------------------------------------- */

static bool
final_refusal(long status)
{
	return status >= 400 && status < 500 && status != 401 &&
	    status != 408 && status != 429;
}

static enum step
push_one(struct syncer *s, struct outbox_entry *e)
{
	struct net_request req = { .method = e->method, .path = e->path,
	    .idem_key = e->idem_key, .if_match = e->if_match, .body = e->body,
	    .timeout = WRITE_TIMEOUT };
	struct net_reply r;
	enum net_result nr;
	unsigned kinds = 0;
	char err[300];
	enum step st;

	if (outbox_mark_sent(s->db, e->id) != 0)
		return STEP_CACHE;
	if ((st = authed_send(s, &req, &r, &nr)) != STEP_OK)
		return st;
	if (nr == NET_OK && r.status >= 200 && r.status < 300)
		st = outbox_settle_done(s->ap, e, r.body, &kinds, err,
		    sizeof err) == 0 ? STEP_OK : STEP_CACHE;
	else if (nr == NET_OK && (final_refusal(r.status) ||
	    (r.status >= 500 && r.status != 503 &&
	    e->attempts + 1 >= SERVER_ERROR_TRIES)))
		st = outbox_settle_rejected(s->ap, e, (int)r.status, r.body,
		    &kinds, err, sizeof err) == 0 ? STEP_OK : STEP_CACHE;
	else {
		st = transient(s, &r, nr);
		describe(&r, err, sizeof err);
		outbox_note_failure(s->db, e->id, (int)r.status,
		    nr == NET_OK ? err : r.error);
	}
	if (st == STEP_OK)
		set_conn(s, SYNC_ONLINE, NULL);
	net_reply_free(&r);
	wake_ui(s, kinds);
	return st;
}

static enum step
push(struct syncer *s, struct sync_counts *counts)
{
	struct outbox_entry e;
	enum step st = STEP_OK;
	int found;

	while (st == STEP_OK && !stopping(s) &&
	    (found = outbox_next(s->db, &e)) != 0) {
		if (found < 0)
			return STEP_CACHE;
		st = push_one(s, &e);
		if (st == STEP_OK && counts != NULL) {
			struct outbox_entry after;

			if (outbox_get(s->db, e.id, &after) == 1) {
				counts->pushed++;
				if (after.status >= 400)
					counts->rejected++;
				outbox_entry_free(&after);
			}
		}
		outbox_entry_free(&e);
	}
	return st;
}

/* ---- pull ---------------------------------------------------------------- */

static void
count_type(struct sync_counts *c, const char *type, bool deleted)
{
	int i;

	if (c == NULL)
		return;
	if (deleted)
		c->deleted++;
	else
		c->applied++;
	for (i = 0; i < c->ntypes; i++)
		if (strcmp(c->per_type[i].type, type) == 0)
			break;
	if (i == c->ntypes) {
		if (c->ntypes == (int)nitems(c->per_type))
			return;
		snprintf(c->per_type[i].type, sizeof c->per_type[i].type,
		    "%s", type);
		c->ntypes++;
	}
	c->per_type[i].n++;
}

/* Ends a page that will not be committed.  Triggers turned off for it
 * go back on: whatever the next page finds, it decides again. */
static enum step
abandon_page(struct syncer *s, enum step st)
{
	store_rollback(s->db);
	if (s->fts_off) {
		fts_resume_triggers(s->db);
		s->fts_off = false;
	}
	return st;
}

/* Applies one page and moves the cursor, all or nothing.  While the
 * cache fills, the full-text indexes wait (see fts.h) and the page that
 * drains the feed, last, rebuilds them. */
static enum step
apply_page(struct syncer *s, const cJSON *changes, int64_t next, bool last,
    struct sync_counts *counts, unsigned *kinds, char *err, size_t errlen)
{
	const cJSON *c;
	int rc;

	if (store_begin(s->db, err, errlen) != 0)
		return STEP_CACHE;
	if (s->filling) {
		if ((rc = fts_defer(s->db, err, errlen)) < 0)
			return abandon_page(s, STEP_CACHE);
		s->fts_off = rc == 1;
	}
	apply_page_begin(s->ap);
	cJSON_ArrayForEach(c, changes) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(c, "type");
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(c, "op");

		if (apply_change(s->ap, c, kinds, err, errlen) != 0) {
			apply_page_end(s->ap);
			/* A page we cannot read is the server's fault or the
			 * link's; the cursor stays and it is asked again. */
			return abandon_page(s, STEP_NET);
		}
		if (cJSON_IsString(type) && cJSON_IsString(op))
			count_type(counts, type->valuestring,
			    strcmp(op->valuestring, "delete") == 0);
	}
	apply_page_end(s->ap);
	if (state_set_int(s->db, "cursor", next) != 0) {
		snprintf(err, errlen, "cannot write the cache: %s",
		    sqlite3_errmsg(s->db));
		return abandon_page(s, STEP_CACHE);
	}
	/* Also when this mkt may not turn the triggers off but an earlier
	 * run did (the mark), so no index stays behind for good. */
	if (last && s->filling && (s->fts_off || fts_stale(s->db)) &&
	    fts_rebuild(s->db, err, errlen) != 0)
		return abandon_page(s, STEP_CACHE);
	if (store_commit(s->db, err, errlen) != 0)
		return abandon_page(s, STEP_CACHE);
	if (last && s->filling) {
		s->filling = s->fts_off = false;
		*kinds |= KIND_CONVERSATIONS | KIND_KB | KIND_INVOICES;
	}
	return STEP_OK;
}

static void
mark_synced(struct syncer *s)
{
	time_t now = time(NULL);

	state_set_int(s->db, "last_sync_at", (int64_t)now);
	state_set_int(s->db, "complete", 1);
	pthread_mutex_lock(&s->lock);
	s->status.last_sync = now;
	s->status.first_sync = false;
	s->status.progress_done = s->status.progress_left = 0;
	pthread_mutex_unlock(&s->lock);
}

/* While a long-poll is parked the cache is as current as the server:
 * the status bar's "synced" time says so, once a minute. */
static void
poll_tick(void *arg)
{
	struct syncer *s = arg;
	time_t now = time(NULL);
	bool moved = false;

	pthread_mutex_lock(&s->lock);
	if (s->status.conn == SYNC_ONLINE && !s->status.first_sync &&
	    now / 60 != s->status.last_sync / 60) {
		s->status.last_sync = now;
		moved = true;
	}
	pthread_mutex_unlock(&s->lock);
	if (moved)
		wake_ui(s, KIND_STATUS);
}

/* The feed's path for the page after since.  Parameters the server
 * would assume anyway are left out: an idle poll pays for its every byte
 * once a cycle. */
static void
feed_path(struct syncer *s, int64_t since, int wait, char *path, size_t len)
{
	char extra[64] = "";
	size_t n = 0;

	if (s->page_size != FEED_LIMIT_DEFAULT)
		n += (size_t)snprintf(extra + n, sizeof extra - n, "&limit=%d",
		    s->page_size);
	if (wait > 0)
		n += (size_t)snprintf(extra + n, sizeof extra - n, "&wait=%d",
		    wait);
	if (s->history_days > 0)
		snprintf(extra + n, sizeof extra - n, "&history_days=%d",
		    s->history_days);
	snprintf(path, len, "/api/v1/changes?since=%" PRId64 "%s", since,
	    extra);
}

/* Asks for the page after since without waiting for it: the server
 * builds it while this one is applied, and the next pull() takes it.
 * Only with a token that will still be good; anything else the engine
 * sends first drops it (authed_send). */
static void
prefetch(struct syncer *s, int64_t since)
{
	struct net_request req = { .method = "GET", .path = s->ahead_path,
	    .timeout = LOW_SPEED_TIME, .token = s->access };

	if (s->access == NULL || time(NULL) >= s->access_until)
		return;
	feed_path(s, since, 0, s->ahead_path, sizeof s->ahead_path);
	s->ahead = net_start(s->net, &req) == NET_OK;
}

/* The answer to the prefetched request for path, if there is one;
 * false when there is none, or it was refused for its token (then the
 * request is sent again the usual way). */
static bool
take_ahead(struct syncer *s, const char *path, struct net_reply *r,
    enum net_result *nr)
{
	if (!s->ahead || strcmp(path, s->ahead_path) != 0)
		return false;
	s->ahead = false;
	*nr = net_finish(s->net, r);
	if (*nr != NET_OK || r->status != 401)
		return true;
	net_reply_free(r);
	free(s->access);
	s->access = NULL;
	return false;
}

/* One page of the feed, long-polling wait seconds when there is nothing
 * new.  *more says whether the server has more right away. */
static enum step
pull(struct syncer *s, int wait, bool *more, struct sync_counts *counts)
{
	char path[256], err[300] = "";
	struct net_request req = { .method = "GET", .path = path,
	    .timeout = wait + LOW_SPEED_TIME, .quiet = wait,
	    .interruptible = wait > 0, .tick = wait > 0 ? poll_tick : NULL,
	    .tick_arg = s };
	struct net_reply r;
	enum net_result nr;
	const cJSON *changes, *next, *m, *left;
	unsigned kinds = 0;
	enum step st;
	cJSON *j;

	*more = false;
	feed_path(s, state_int(s->db, "cursor"), wait, path, sizeof path);
	if (!(wait == 0 && take_ahead(s, path, &r, &nr)) &&
	    (st = authed_send(s, &req, &r, &nr)) != STEP_OK)
		return st;
	if (nr == NET_OK && r.status == 400 && wait > FEED_WAIT_OLD_MAX &&
	    error_field_is(&r, "wait")) {
		/* A server older than hour-long polls: poll as it allows. */
		s->poll_wait = FEED_WAIT_OLD_MAX;
		net_reply_free(&r);
		return STEP_INTERRUPTED;
	}
	if (nr != NET_OK || r.status != 200) {
		st = transient(s, &r, nr);
		net_reply_free(&r);
		return st;
	}
	j = cJSON_Parse(r.body);
	net_reply_free(&r);
	changes = cJSON_GetObjectItemCaseSensitive(j, "changes");
	next = cJSON_GetObjectItemCaseSensitive(j, "next");
	m = cJSON_GetObjectItemCaseSensitive(j, "more");
	left = cJSON_GetObjectItemCaseSensitive(j, "remaining");
	if (!cJSON_IsArray(changes) || !cJSON_IsNumber(next) ||
	    next->valuedouble < 0) {
		cJSON_Delete(j);
		set_conn(s, SYNC_OFFLINE, "the server sent a malformed page");
		return STEP_NET;
	}
	if (cJSON_IsTrue(m) && wait == 0)
		prefetch(s, (int64_t)next->valuedouble);
	st = apply_page(s, changes, (int64_t)next->valuedouble,
	    !cJSON_IsTrue(m), counts, &kinds, err, sizeof err);
	if (st != STEP_OK && s->ahead) {
		net_abandon(s->net);
		s->ahead = false;
	}
	if (st == STEP_OK) {
		*more = cJSON_IsTrue(m);
		pthread_mutex_lock(&s->lock);
		s->status.progress_done += cJSON_GetArraySize(changes);
		s->status.progress_left = cJSON_IsNumber(left) ?
		    (long long)left->valuedouble : 0;
		pthread_mutex_unlock(&s->lock);
		if (!*more)
			mark_synced(s);
		set_conn(s, SYNC_ONLINE, NULL);
	} else
		set_conn(s, st == STEP_CACHE ? SYNC_FAILED : SYNC_OFFLINE, err);
	cJSON_Delete(j);
	wake_ui(s, kinds | KIND_STATUS);
	return st;
}

/* ---- backfill ------------------------------------------------------------ */

static enum step
backfill_one(struct syncer *s, int64_t conv)
{
	char path[160], err[300];
	struct net_request req = { .method = "GET", .path = path,
	    .timeout = WRITE_TIMEOUT };
	struct net_reply r;
	enum net_result nr;
	sqlite3_stmt *st;
	int64_t oldest = 0;
	unsigned kinds = 0;
	const cJSON *msg;
	enum step step;
	cJSON *j;

	if (sqlite3_prepare_v2(s->db, "SELECT id FROM messages WHERE "
	    "conversation_id = ? AND id > 0 ORDER BY created_at, id LIMIT 1",
	    -1, &st, NULL) != SQLITE_OK)
		return STEP_CACHE;
	sqlite3_bind_int64(st, 1, conv);
	if (sqlite3_step(st) == SQLITE_ROW)
		oldest = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (oldest > 0)
		snprintf(path, sizeof path, "/api/v1/conversations/%" PRId64
		    "/messages?before=%" PRId64 "&limit=%d", conv, oldest,
		    BACKFILL_PAGE);
	else
		snprintf(path, sizeof path, "/api/v1/conversations/%" PRId64
		    "/messages?limit=%d", conv, BACKFILL_PAGE);
	if ((step = authed_send(s, &req, &r, &nr)) != STEP_OK)
		return step;
	if (nr != NET_OK || (r.status != 200 && r.status != 404)) {
		step = transient(s, &r, nr);
		net_reply_free(&r);
		return step;
	}
	/* A conversation gone from the server has nothing to backfill. */
	j = r.status == 200 ? cJSON_Parse(r.body) : NULL;
	net_reply_free(&r);
	if (store_begin(s->db, err, sizeof err) != 0) {
		cJSON_Delete(j);
		return STEP_CACHE;
	}
	cJSON_ArrayForEach(msg, cJSON_GetObjectItemCaseSensitive(j,
	    "messages"))
		if (apply_upsert(s->ap, "message", msg, &kinds, err,
		    sizeof err) != 0) {
			/* All or nothing, like a feed page.  The request is
			 * dropped: asked again it would block every round. */
			store_rollback(s->db);
			cJSON_Delete(j);
			return STEP_OK;
		}
	if (store_commit(s->db, err, sizeof err) != 0) {
		cJSON_Delete(j);
		return STEP_CACHE;
	}
	cJSON_Delete(j);
	wake_ui(s, kinds);
	return STEP_OK;
}

static enum step
backfill(struct syncer *s)
{
	for (;;) {
		int64_t conv;
		enum step st;

		pthread_mutex_lock(&s->lock);
		if (s->nbackfill == 0) {
			pthread_mutex_unlock(&s->lock);
			return STEP_OK;
		}
		conv = s->backfill[0];
		pthread_mutex_unlock(&s->lock);
		if ((st = backfill_one(s, conv)) != STEP_OK)
			return st;
		pthread_mutex_lock(&s->lock);
		if (s->nbackfill > 0 && s->backfill[0] == conv)
			memmove(s->backfill, s->backfill + 1,
			    (size_t)--s->nbackfill * sizeof *s->backfill);
		pthread_mutex_unlock(&s->lock);
	}
}

/* ---- backoff -------------------------------------------------------------- */

/* Exponential with full jitter, so clients cut off together do not
 * come back together; a Retry-After from the server is a floor. */
static int
next_delay(struct syncer *s)
{
	unsigned r = 0;
	int d;

	s->backoff = s->backoff == 0 ? BACKOFF_FIRST :
	    s->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : s->backoff * 2;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (unsigned)time(NULL);
	d = s->backoff / 2 + (int)(r % (unsigned)(s->backoff / 2 + 1));
	if (d < 1)
		d = 1;
	if (s->retry_after > d)
		d = (int)s->retry_after;
	s->retry_after = -1;
	return d;
}

/* ---- setup ---------------------------------------------------------------- */

struct syncer *
sync_new(const struct mkt_config *cfg, const char *cache_path,
    const char *token_path, char *err, size_t errlen)
{
	struct syncer *s = xcalloc(1, sizeof *s);
	struct net_options no = {
		.base_url = cfg->url, .ca_file = cfg->ca_file,
		.insecure = cfg->insecure, .connect_timeout = CONNECT_TIMEOUT,
		.low_speed_time = LOW_SPEED_TIME,
		.keepalive_idle = cfg->low_bandwidth ? LOWBW_KEEPALIVE_IDLE :
		    KEEPALIVE_IDLE,
		.keepalive_interval = cfg->low_bandwidth ?
		    LOWBW_KEEPALIVE_INTERVAL : KEEPALIVE_INTERVAL,
		.keepalive_count = KEEPALIVE_COUNT,
	};
	int rc;

	s->wake[0] = s->wake[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	atomic_init(&s->kinds, 0);
	s->retry_after = -1;
	if (cfg->url == NULL || cfg->user == NULL) {
		snprintf(err, errlen, "[server] url and user are needed to "
		    "sync");
		goto fail;
	}
	s->url = xstrdup(cfg->url);
	s->user = xstrdup(cfg->user);
	if (cfg->password != NULL)
		s->cfg_password = xstrdup(cfg->password);
	s->history_days = cfg->history_days;
	/* Low bandwidth: smaller pages arrive sooner on a slow link, and a
	 * failed one costs less to fetch again. */
	s->page_size = cfg->low_bandwidth && cfg->page_size > 100 ? 100 :
	    cfg->page_size;
	s->poll_wait = cfg->poll_wait;
	s->token_path = token_path != NULL ? xstrdup(token_path) :
	    session_token_path(cfg->url, err, errlen);
	if (s->token_path == NULL)
		goto fail;
	rc = session_load(s->token_path, &s->refresh, err, errlen);
	if (rc < 0)
		goto fail;
	if (store_open(cache_path, &s->db, err, errlen) != 0)
		goto fail;
	/* A scoped user's rows refer to users and companies it is not
	 * shown; the server keeps integrity, the cache mirrors it. */
	sqlite3_exec(s->db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
	s->ap = applier_new(s->db);
	if ((s->net = net_new(&no, err, errlen)) == NULL)
		goto fail;
	s->status.conn = SYNC_CONNECTING;
	s->status.insecure = cfg->insecure;
	s->status.last_sync = (time_t)state_int(s->db, "last_sync_at");
	s->status.first_sync = state_int(s->db, "complete") == 0;
	s->filling = s->status.first_sync || fts_stale(s->db);
	return s;
fail:
	sync_free(s);
	return NULL;
}

void
sync_free(struct syncer *s)
{
	if (s == NULL)
		return;
	sync_stop(s);
	applier_free(s->ap);
	if (s->db != NULL)
		sqlite3_close(s->db);
	net_free(s->net);
	for (int i = 0; i < 2; i++)
		if (s->wake[i] >= 0)
			close(s->wake[i]);
	if (s->cfg_password != NULL)
		explicit_bzero(s->cfg_password, strlen(s->cfg_password));
	if (s->password != NULL)
		explicit_bzero(s->password, strlen(s->password));
	free(s->cfg_password);
	free(s->password);
	free(s->url);
	free(s->user);
	free(s->token_path);
	free(s->access);
	free(s->refresh);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static enum sync_result
result_of(enum step st)
{
	switch (st) {
	case STEP_OK:
		return SYNC_OK;
	case STEP_AUTH:
		return SYNC_EAUTH;
	case STEP_CACHE:
		return SYNC_ECACHE;
	default:
		return SYNC_ENET;
	}
}

enum sync_result
sync_login(struct syncer *s, const char *password, char *err, size_t errlen)
{
	return result_of(login(s, password, err, errlen));
}

/* Headless: a few tries with backoff on transient failures, then the
 * failure is reported rather than waited out. */
enum sync_result
sync_once(struct syncer *s, struct sync_counts *counts, char *err,
    size_t errlen)
{
	enum step st = STEP_NET;
	bool more = true;

	memset(counts, 0, sizeof *counts);
	for (int attempt = 0; attempt < ONCE_ATTEMPTS; attempt++) {
		if (attempt > 0)
			sleep((unsigned)next_delay(s));
		st = push(s, counts);
		while (st == STEP_OK && more)
			st = pull(s, 0, &more, counts);
		if (st == STEP_OK)
			st = push(s, counts);	/* queued meanwhile */
		if (st != STEP_NET)
			break;
		more = true;
	}
	outbox_prune(s->db, (int64_t)time(NULL), DONE_RETENTION);
	if (st != STEP_OK)
		snprintf(err, errlen, "%s", s->status.error[0] != '\0' ?
		    s->status.error : "sync failed");
	return result_of(st);
}

/* ---- the thread ------------------------------------------------------------ */

static void *
sync_main(void *arg)
{
	struct syncer *s = arg;
	bool more = true;

	outbox_prune(s->db, (int64_t)time(NULL), DONE_RETENTION);
	while (!stopping(s)) {
		enum step st = push(s, NULL);
		int delay;

		if (st == STEP_OK)
			st = backfill(s);
		if (st == STEP_OK)
			st = pull(s, more ? 0 : s->poll_wait, &more, NULL);
		switch (st) {
		case STEP_OK:
			s->backoff = 0;
			break;
		case STEP_INTERRUPTED:
			break;
		case STEP_AUTH:
			/* Until the prompt hands over a password. */
			wait_for(s, 3600, true);
			break;
		case STEP_CACHE:
			set_conn(s, SYNC_FAILED, NULL);
			wait_for(s, 30, false);
			break;
		case STEP_NET:
			delay = next_delay(s);
			pthread_mutex_lock(&s->lock);
			s->status.retry_at = time(NULL) + delay;
			pthread_mutex_unlock(&s->lock);
			wake_ui(s, KIND_STATUS);
			wait_for(s, delay, false);
			more = true;
			break;
		}
	}
	return NULL;
}

int
sync_start(struct syncer *s, int *wake_fd, char *err, size_t errlen)
{
	if (pipe(s->wake) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(s->wake[i], F_SETFL, fcntl(s->wake[i], F_GETFL) |
		    O_NONBLOCK);
		fcntl(s->wake[i], F_SETFD, FD_CLOEXEC);
	}
	if (pthread_create(&s->thread, NULL, sync_main, s) != 0) {
		snprintf(err, errlen, "cannot start the sync thread");
		return -1;
	}
	s->started = true;
	*wake_fd = s->wake[0];
	return 0;
}

void
sync_stop(struct syncer *s)
{
	if (!s->started)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	/* Even a write is abandoned: its key makes the retry at the next
	 * start safe, and quitting must not wait for a dead link. */
	net_cancel(s->net);
	pthread_join(s->thread, NULL);
	s->started = false;
}
