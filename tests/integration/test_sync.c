/* The sync engine against a real mktd: a first sync that matches the
 * server, another client's change arriving within one long-poll, actions
 * made offline reaching the server once it is back, conflicts rolled back
 * into sync problems, and the token's life (refresh, revocation, modes). */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "actions.h"
#include "apply.h"
#include "outbox.h"
#include "store.h"
#include "synctest.h"
#include "util.h"

#define PASSWORD	"demo"

struct fixture {
	struct mktd	*server;
	struct client	 client;
	pid_t		 proxy;		/* a faultproxy, or 0 */
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	if ((f->server = mktd_start(true)) == NULL) {
		free(f);
		return -1;
	}
	client_init(&f->client, mktd_port(f->server), role_email[ADMIN],
	    PASSWORD);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	client_free(&f->client);
	if (f->proxy > 0)
		tool_stop(f->proxy);
	mktd_stop(f->server);
	free(f);
	return 0;
}

/* A connection to the cache and an applier on it, as the UI has. */
struct local {
	sqlite3		*db;
	struct applier	*ap;
};

static void
local_open(struct local *l, const char *cache)
{
	char err[256];

	if (store_open(cache, &l->db, err, sizeof err) != 0)
		fail_msg("%s", err);
	l->ap = applier_new(l->db);
}

static void
local_close(struct local *l)
{
	applier_free(l->ap);
	sqlite3_close(l->db);
}

static int64_t
server_int(struct fixture *f, const char *sql)
{
	return file_int(mktd_db_path(f->server), sql);
}

/* ---- first sync ---------------------------------------------------------- */

static void
first_sync_matches_the_server(void **state)
{
	struct fixture *f = *state;
	struct syncer *s = client_syncer(&f->client);
	struct sync_counts counts;
	struct stat sb;
	char err[512];
	int64_t total = 0;

	assert_int_equal(sync_once(s, &counts, err, sizeof err), SYNC_OK);
	for (int i = 0; i < counts.ntypes; i++)
		total += counts.per_type[i].n;
	assert_int_equal(total, counts.applied + counts.deleted);
	assert_true(counts.applied > 5000);
	sync_free(s);

	assert_cache_matches(f->client.cache, mktd_db_path(f->server));
	assert_int_equal(file_int(f->client.cache, "SELECT count(*) FROM "
	    "conversations"), server_int(f, "SELECT count(*) FROM "
	    "conversations"));
	/* The refresh token is kept, private. */
	assert_int_equal(stat(f->client.token, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* A second sync finds nothing new and still matches. */
	s = client_syncer(&f->client);
	assert_int_equal(sync_once(s, &counts, err, sizeof err), SYNC_OK);
	assert_int_equal(counts.applied, 0);
	sync_free(s);
	assert_cache_matches(f->client.cache, mktd_db_path(f->server));
}

/* ---- the long-poll -------------------------------------------------------- */

/* Waits on the wake-up pipe until pred holds or ms pass. */
static bool
wait_until(struct syncer *s, int fd, long ms, bool (*pred)(struct syncer *,
    void *), void *arg)
{
	long deadline = now_ms() + ms;

	while (!pred(s, arg)) {
		struct pollfd p = { fd, POLLIN, 0 };
		long left = deadline - now_ms();

		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)(left > 500 ? 500 : left)) > 0)
			sync_read_wake(s);
	}
	return true;
}

static bool
caught_up(struct syncer *s, void *arg)
{
	struct sync_status st;

	(void)arg;
	sync_get_status(s, &st);
	return !st.first_sync && st.conn == SYNC_ONLINE;
}

struct cache_query {
	const char	*cache;
	const char	*sql;
	int64_t		 want;
};

static bool
cache_says(struct syncer *s, void *arg)
{
	struct cache_query *q = arg;

	(void)s;
	return file_int(q->cache, q->sql) == q->want;
}

static void
another_clients_change_arrives_within_one_long_poll(void **state)
{
	struct fixture *f = *state;
	struct syncer *s = client_syncer(&f->client);
	char err[256], path[96], sql[160];
	struct cache_query q = { f->client.cache, sql, 1 };
	struct api_reply r;
	char *token;
	int64_t conv;
	long t0;
	int fd;

	assert_int_equal(sync_start(s, &fd, err, sizeof err), 0);
	assert_true(wait_until(s, fd, 60000, caught_up, NULL));
	conv = server_int(f, "SELECT id FROM conversations WHERE status = "
	    "'open' ORDER BY id LIMIT 1");
	assert_true(conv > 0);
	/* The thread is now parked in a long-poll (5 s). */
	usleep(300 * 1000);
	token = api_login(f->server, role_email[ADMIN], PASSWORD);
	snprintf(path, sizeof path, "/api/v1/conversations/%lld/status",
	    (long long)conv);
	t0 = now_ms();
	r = api_call(f->server, token, "POST", path,
	    "{\"status\":\"resolved\"}", NULL);
	assert_int_equal(r.status, 200);
	api_reply_free(&r);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM conversations WHERE "
	    "id = %lld AND status = 'resolved'", (long long)conv);
	/* Within one long-poll: the poll answers as soon as the change
	 * commits, not when its wait runs out. */
	assert_true(wait_until(s, fd, f->client.cfg.poll_wait * 1000 + 2000,
	    cache_says, &q));
	print_message("change arrived after %ld ms\n", now_ms() - t0);
	sync_free(s);
	free(token);
}

/* Resolves the first open conversation on the server as another client
 * would; its id. */
static int64_t
resolve_one(struct fixture *f)
{
	struct api_reply r;
	char path[96], *token;
	int64_t conv;

	conv = server_int(f, "SELECT id FROM conversations WHERE status = "
	    "'open' ORDER BY id LIMIT 1");
	assert_true(conv > 0);
	token = api_login(f->server, role_email[ADMIN], PASSWORD);
	assert_non_null(token);
	snprintf(path, sizeof path, "/api/v1/conversations/%lld/status",
	    (long long)conv);
	r = api_call(f->server, token, "POST", path,
	    "{\"status\":\"resolved\"}", NULL);
	assert_int_equal(r.status, 200);
	api_reply_free(&r);
	free(token);
	return conv;
}

/* With the real, hour-long wait: a change reaches the parked client at
 * once, and an action queued meanwhile interrupts the poll and reaches
 * the server at once. */
static void
an_hour_long_poll_still_answers_at_once(void **state)
{
	struct fixture *f = *state;
	struct syncer *s;
	struct local l;
	struct cache_query q;
	char err[256], sql[160];
	int64_t conv, other;
	long t0;
	int fd;

	f->client.cfg.poll_wait = 3600;
	s = client_syncer(&f->client);
	assert_int_equal(sync_start(s, &fd, err, sizeof err), 0);
	assert_true(wait_until(s, fd, 60000, caught_up, NULL));
	usleep(300 * 1000);

	t0 = now_ms();
	conv = resolve_one(f);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM conversations WHERE "
	    "id = %lld AND status = 'resolved'", (long long)conv);
	q = (struct cache_query){ f->client.cache, sql, 1 };
	assert_true(wait_until(s, fd, 3000, cache_says, &q));
	print_message("change arrived after %ld ms\n", now_ms() - t0);

	/* The thread is parked again; a local action must not wait out
	 * the hour. */
	usleep(300 * 1000);
	other = file_int(f->client.cache, "SELECT id FROM conversations WHERE "
	    "status = 'open' ORDER BY id LIMIT 1");
	local_open(&l, f->client.cache);
	t0 = now_ms();
	assert_int_equal(conversation_set_priority(l.ap, other, "urgent", err,
	    sizeof err), 0);
	sync_poke(s);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM conversations WHERE "
	    "id = %lld AND priority = 'urgent'", (long long)other);
	while (server_int(f, sql) != 1 && now_ms() - t0 < 3000)
		usleep(50 * 1000);
	assert_int_equal(server_int(f, sql), 1);
	print_message("action reached the server after %ld ms\n",
	    now_ms() - t0);
	local_close(&l);
	sync_free(s);
}

/* The server goes away under a parked long-poll and comes back: the
 * client notices, reconnects, and the next change reaches it. */
static void
a_server_restart_is_picked_up_during_a_long_poll(void **state)
{
	struct fixture *f = *state;
	struct syncer *s;
	struct cache_query q;
	char err[256], sql[160];
	int64_t conv;
	int fd;

	f->client.cfg.poll_wait = 3600;
	s = client_syncer(&f->client);
	assert_int_equal(sync_start(s, &fd, err, sizeof err), 0);
	assert_true(wait_until(s, fd, 60000, caught_up, NULL));
	usleep(300 * 1000);
	assert_int_equal(mktd_pause(f->server), 0);
	assert_int_equal(mktd_resume(f->server), 0);
	conv = resolve_one(f);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM conversations WHERE "
	    "id = %lld AND status = 'resolved'", (long long)conv);
	q = (struct cache_query){ f->client.cache, sql, 1 };
	/* A backoff or two (1 s, then at most 2 s) and one poll. */
	assert_true(wait_until(s, fd, 10000, cache_says, &q));
	assert_true(wait_until(s, fd, 5000, caught_up, NULL));
	sync_free(s);
}

/* ---- search after a first sync ------------------------------------------ */

/* The first sync fills the cache with its full-text triggers off and
 * builds each index in one pass at the end (src/fts.h): the indexes must
 * be exactly what the triggers would have built. */
static void
a_first_sync_builds_search_as_the_triggers_would(void **state)
{
	struct fixture *f = *state;

	client_sync(&f->client, SYNC_OK);
	assert_cache_matches(f->client.cache, mktd_db_path(f->server));
	assert_search_rebuilt(f->client.cache);
	/* Later syncs keep them with the triggers, row by row. */
	resolve_one(f);
	client_sync(&f->client, SYNC_OK);
	assert_search_rebuilt(f->client.cache);
}

static bool
partway(struct syncer *s, void *arg)
{
	struct sync_status st;

	(void)arg;
	sync_get_status(s, &st);
	return st.progress_done >= 200;
}

/* A first sync stopped half-way (a quit, a kill) leaves rows the indexes
 * lack, and a mark that says so; the sync that completes it rebuilds. */
static void
a_first_sync_cut_short_rebuilds_search_when_it_completes(void **state)
{
	struct fixture *f = *state;
	struct api_reply r;
	struct syncer *s;
	struct sync_status st;
	char err[256];
	int port, fd;

	/* Slow pages of ten, so the stop lands inside the first sync. */
	f->proxy = faultproxy_start(f->server, &port);
	assert_true(f->proxy > 0);
	client_free(&f->client);
	client_init(&f->client, port, role_email[ADMIN], PASSWORD);
	f->client.cfg.page_size = 10;
	r = api_get_port(port, "/__fault?mode=latency&ms=20");
	assert_int_equal(r.status, 200);
	api_reply_free(&r);
	s = client_syncer(&f->client);
	assert_int_equal(sync_start(s, &fd, err, sizeof err), 0);
	assert_true(wait_until(s, fd, 60000, partway, NULL));
	sync_get_status(s, &st);
	sync_free(s);
	assert_true(st.first_sync);
	assert_int_equal(file_int(f->client.cache, "SELECT count(*) FROM "
	    "sync_state WHERE key = 'fts_stale'"), 1);
	assert_integrity(f->client.cache);

	r = api_get_port(port, "/__fault?mode=none");
	api_reply_free(&r);
	f->client.cfg.page_size = 500;
	client_sync(&f->client, SYNC_OK);
	assert_cache_matches(f->client.cache, mktd_db_path(f->server));
	assert_search_rebuilt(f->client.cache);
}

/* ---- offline ------------------------------------------------------------- */

static void
offline_actions_apply_when_the_server_is_back(void **state)
{
	struct fixture *f = *state;
	struct local l;
	char err[256], sql[256];
	int64_t conv, support;

	client_sync(&f->client, SYNC_OK);
	conv = file_int(f->client.cache, "SELECT id FROM conversations WHERE "
	    "status = 'open' ORDER BY id LIMIT 1");
	support = file_int(f->client.cache, "SELECT id FROM users WHERE "
	    "email = 'support@demo.mkt'");
	assert_int_equal(mktd_pause(f->server), 0);

	local_open(&l, f->client.cache);
	assert_int_equal(conversation_set_priority(l.ap, conv, "urgent", err,
	    sizeof err), 0);
	assert_int_equal(conversation_reply(l.ap, conv, "note",
	    "written while the server was down", err, sizeof err), 0);
	assert_int_equal(conversation_set_status(l.ap, conv, "resolved", 0,
	    err, sizeof err), 0);
	assert_int_equal(conversation_assign(l.ap, conv, support, err,
	    sizeof err), 0);
	/* Applied locally at once, marked pending. */
	snprintf(sql, sizeof sql, "SELECT pending FROM conversations WHERE "
	    "id = %lld", (long long)conv);
	assert_int_equal(file_int(f->client.cache, sql), 4);
	assert_int_equal(outbox_pending(l.db), 4);

	client_sync(&f->client, SYNC_ENET);
	assert_int_equal(outbox_pending(l.db), 4);
	assert_int_equal(mktd_resume(f->server), 0);
	client_sync(&f->client, SYNC_OK);

	assert_int_equal(outbox_pending(l.db), 0);
	assert_int_equal(outbox_problems(l.db), 0);
	assert_int_equal(file_int(f->client.cache, sql), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM conversations WHERE "
	    "id = %lld AND status = 'resolved' AND priority = 'urgent' AND "
	    "assignee_id = %lld", (long long)conv, (long long)support);
	assert_int_equal(server_int(f, sql), 1);
	assert_int_equal(server_int(f, "SELECT count(*) FROM messages WHERE "
	    "body = 'written while the server was down'"), 1);
	/* The temporary local message gave way to the server's. */
	assert_int_equal(file_int(f->client.cache, "SELECT count(*) FROM "
	    "messages WHERE id < 0"), 0);
	local_close(&l);
	assert_cache_matches(f->client.cache, mktd_db_path(f->server));
}

/* ---- refusals ------------------------------------------------------------- */

static void
a_stale_edit_rolls_back_into_sync_problems(void **state)
{
	struct fixture *f = *state;
	struct local l;
	struct api_reply r;
	char err[256], path[128], sql[256], *token, *cells;
	int64_t row, table;

	client_sync(&f->client, SYNC_OK);
	row = file_int(f->client.cache, "SELECT r.id FROM kb_rows r JOIN "
	    "kb_columns c ON c.table_id = r.table_id AND c.type = 'text' AND "
	    "c.required = 0 ORDER BY r.id LIMIT 1");
	table = file_int(f->client.cache, "SELECT table_id FROM kb_rows "
	    "WHERE id = (SELECT min(r.id) FROM kb_rows r JOIN kb_columns c ON "
	    "c.table_id = r.table_id AND c.type = 'text' AND c.required = 0)");
	assert_true(row > 0);
	local_open(&l, f->client.cache);
	{
		sqlite3_stmt *st;
		char *col;

		assert_int_equal(sqlite3_prepare_v2(l.db, "SELECT name FROM "
		    "kb_columns WHERE table_id = ? AND type = 'text' AND "
		    "required = 0 ORDER BY position LIMIT 1", -1, &st, NULL),
		    SQLITE_OK);
		sqlite3_bind_int64(st, 1, table);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		col = xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);

		/* Someone else edits the row first. */
		token = api_login(f->server, role_email[ADMIN], PASSWORD);
		snprintf(path, sizeof path, "/api/v1/kb/tables/%lld/rows/%lld",
		    (long long)table, (long long)row);
		cells = xasprintf("{\"cells\":{\"%s\":\"theirs\"}}", col);
		r = api_call(f->server, token, "PATCH", path, cells, NULL);
		assert_int_equal(r.status, 200);
		api_reply_free(&r);
		free(cells);

		/* Then we do, against the version we have. */
		assert_int_equal(kb_row_set_cell(l.ap, row, col, "mine", err,
		    sizeof err), 0);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM kb_rows WHERE "
		    "id = %lld AND pending = 1 AND json_extract(cells, "
		    "'$.%s') = 'mine'", (long long)row, col);
		assert_int_equal(file_int(f->client.cache, sql), 1);

		client_sync(&f->client, SYNC_OK);
		/* Refused with 412: the row shows theirs, the entry waits. */
		assert_int_equal(outbox_problems(l.db), 1);
		assert_int_equal(file_int(f->client.cache, "SELECT status FROM "
		    "outbox WHERE state = 'rejected'"), 412);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM kb_rows WHERE "
		    "id = %lld AND pending = 0 AND json_extract(cells, "
		    "'$.%s') = 'theirs'", (long long)row, col);
		assert_int_equal(file_int(f->client.cache, sql), 1);

		/* Retry means "mine over theirs". */
		assert_int_equal(outbox_retry(l.ap, file_int(f->client.cache,
		    "SELECT id FROM outbox WHERE state = 'rejected'"), err,
		    sizeof err), 0);
		client_sync(&f->client, SYNC_OK);
		assert_int_equal(outbox_problems(l.db), 0);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM kb_rows WHERE "
		    "id = %lld AND json_extract(cells, '$.%s') = 'mine'",
		    (long long)row, col);
		assert_int_equal(server_int(f, sql), 1);
		assert_int_equal(file_int(f->client.cache, sql), 1);
		free(col);
		free(token);
	}
	local_close(&l);
}

/* Changes the server's database behind the feed's back, so the cache
 * goes stale the way it does when a change has not reached it yet. */
static void
server_exec(struct fixture *f, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(mktd_db_path(f->server), &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
a_refused_reply_disappears_into_sync_problems(void **state)
{
	struct fixture *f = *state;
	struct local l;
	char err[256], *body, sql[256];
	int64_t conv, channel;

	client_sync(&f->client, SYNC_OK);
	conv = file_int(f->client.cache, "SELECT v.id FROM conversations v "
	    "JOIN channels c ON c.id = v.channel_id WHERE c.platform = "
	    "'whatsapp' ORDER BY v.id LIMIT 1");
	assert_true(conv > 0);
	/* 900 characters: within whatsapp's 3800, over instagram's 800. */
	body = xmalloc(901);
	memset(body, 'x', 900);
	body[900] = '\0';
	local_open(&l, f->client.cache);

	/* Over the cap the cache knows of, nothing is queued. */
	snprintf(sql, sizeof sql, "UPDATE channels SET platform = 'instagram' "
	    "WHERE id = (SELECT channel_id FROM conversations WHERE id = "
	    "%lld)", (long long)conv);
	assert_int_equal(sqlite3_exec(l.db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(conversation_reply(l.ap, conv, "text", body, err,
	    sizeof err), -1);
	assert_string_equal(err, "replies on instagram hold at most 800 "
	    "characters; this one has 900");
	assert_int_equal(outbox_pending(l.db), 0);

	/* The server moved the channel to instagram, and the cache has not
	 * heard yet: the reply is queued and the server refuses it. */
	snprintf(sql, sizeof sql, "SELECT channel_id FROM conversations "
	    "WHERE id = %lld", (long long)conv);
	channel = file_int(f->client.cache, sql);
	snprintf(sql, sizeof sql, "UPDATE channels SET platform = 'whatsapp' "
	    "WHERE id = %lld", (long long)channel);
	assert_int_equal(sqlite3_exec(l.db, sql, NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof sql, "UPDATE channels SET platform = 'instagram' "
	    "WHERE id = %lld", (long long)channel);
	server_exec(f, sql);
	assert_int_equal(conversation_reply(l.ap, conv, "text", body, err,
	    sizeof err), 0);
	assert_int_equal(file_int(f->client.cache, "SELECT count(*) FROM "
	    "messages WHERE id < 0 AND pending = 1"), 1);
	client_sync(&f->client, SYNC_OK);
	assert_int_equal(file_int(f->client.cache, "SELECT count(*) FROM "
	    "messages WHERE id < 0"), 0);
	assert_int_equal(file_int(f->client.cache, "SELECT status FROM outbox "
	    "WHERE state = 'rejected'"), 422);
	assert_int_equal(outbox_discard(l.db, file_int(f->client.cache,
	    "SELECT id FROM outbox WHERE state = 'rejected'"), err,
	    sizeof err), 0);
	assert_int_equal(outbox_problems(l.db), 0);
	assert_int_equal(server_int(f, "SELECT count(*) FROM messages WHERE "
	    "length(body) = 900 AND body NOT GLOB '*[^x]*'"), 0);
	local_close(&l);
	free(body);
}

/* ---- the token ------------------------------------------------------------- */

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char buf[512] = "";

	if (fp == NULL)
		return NULL;
	if (fgets(buf, sizeof buf, fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	return xstrdup(buf);
}

static void
an_expired_access_token_is_refreshed(void **state)
{
	struct fixture *f = *state;
	struct syncer *s;
	struct sync_counts counts;
	char err[256], *before, *after;

	/* This server issues one-second access tokens (setup_short). */
	s = client_syncer(&f->client);
	assert_int_equal(sync_once(s, &counts, err, sizeof err), SYNC_OK);
	before = slurp(f->client.token);
	assert_non_null(before);
	sleep(2);
	/* The same engine: its access token has expired; the 401 leads to
	 * one refresh and the request is sent again. */
	assert_int_equal(sync_once(s, &counts, err, sizeof err), SYNC_OK);
	after = slurp(f->client.token);
	assert_non_null(after);
	assert_string_not_equal(before, after);
	sync_free(s);
	free(before);
	free(after);
}

struct poll_job {
	struct mktd	*server;
	char		*token;
	char		 path[128];
	struct api_reply r;
};

static void *
poll_thread(void *arg)
{
	struct poll_job *j = arg;

	j->r = api_call(j->server, j->token, "GET", j->path, NULL, NULL);
	return NULL;
}

/* The server checks a long-poll's token when the poll begins; the poll
 * may outlast it (a one-second token here, setup_short). */
static void
a_long_poll_outlives_its_token(void **state)
{
	struct fixture *f = *state;
	struct poll_job j = { .server = f->server };
	const cJSON *c;
	pthread_t t;
	int64_t conv;
	bool found = false;

	j.token = api_login(f->server, role_email[ADMIN], PASSWORD);
	assert_non_null(j.token);
	snprintf(j.path, sizeof j.path, "/api/v1/changes?since=%lld&wait=8",
	    (long long)server_int(f, "SELECT max(seq) FROM changes"));
	assert_int_equal(pthread_create(&t, NULL, poll_thread, &j), 0);
	sleep(2);
	conv = resolve_one(f);
	pthread_join(t, NULL);
	assert_int_equal(j.r.status, 200);
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(j.r.json, "changes"))
		if (strcmp(json_str(c, "type"), "conversation") == 0 &&
		    (int64_t)json_num(c, "id", 0) == conv)
			found = true;
	assert_true(found);
	api_reply_free(&j.r);
	free(j.token);
}

static bool
online(struct syncer *s)
{
	struct sync_status st;

	sync_get_status(s, &st);
	return st.conn == SYNC_ONLINE;
}

/* Three-second tokens under five-second waits (setup_ttl3): each poll
 * needs a token the last one outlived.  The client renews it before
 * sending rather than being refused, and stays online throughout. */
static void
the_token_is_renewed_across_long_waits(void **state)
{
	struct fixture *f = *state;
	struct syncer *s;
	struct cache_query q;
	char err[256], sql[160];
	int64_t conv, used;
	long t0;
	int fd;

	f->client.cfg.poll_wait = 5;
	s = client_syncer(&f->client);
	assert_int_equal(sync_start(s, &fd, err, sizeof err), 0);
	assert_true(wait_until(s, fd, 60000, caught_up, NULL));
	used = server_int(f, "SELECT count(*) FROM refresh_tokens WHERE "
	    "used_at IS NOT NULL");
	for (t0 = now_ms(); now_ms() - t0 < 12000; usleep(100 * 1000)) {
		sync_read_wake(s);
		assert_true(online(s));
	}
	/* Two polls at least, each after its token expired. */
	assert_true(server_int(f, "SELECT count(*) FROM refresh_tokens WHERE "
	    "used_at IS NOT NULL") >= used + 2);
	conv = resolve_one(f);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM conversations WHERE "
	    "id = %lld AND status = 'resolved'", (long long)conv);
	q = (struct cache_query){ f->client.cache, sql, 1 };
	assert_true(wait_until(s, fd, 7000, cache_says, &q));
	assert_true(online(s));
	sync_free(s);
}

static void
a_revoked_refresh_token_leads_back_to_login(void **state)
{
	struct fixture *f = *state;
	struct syncer *s;
	struct api_reply r;
	char err[256], *token, *body;

	free(f->client.cfg.password);
	f->client.cfg.password = NULL;
	s = client_syncer(&f->client);
	assert_int_equal(sync_login(s, PASSWORD, err, sizeof err), SYNC_OK);
	sync_free(s);
	token = slurp(f->client.token);
	token[strcspn(token, "\n")] = '\0';
	/* Someone steals our refresh token and uses the session: when we
	 * present ours, the server revokes the whole family. */
	body = xasprintf("{\"refresh_token\":\"%s\"}", token);
	r = api_call(f->server, NULL, "POST", "/api/v1/auth/refresh", body,
	    NULL);
	assert_int_equal(r.status, 200);
	free(body);
	body = xasprintf("{\"refresh_token\":\"%s\"}", json_str(r.json,
	    "refresh_token"));
	api_reply_free(&r);
	r = api_call(f->server, NULL, "POST", "/api/v1/auth/refresh", body,
	    NULL);
	assert_int_equal(r.status, 200);
	api_reply_free(&r);
	free(body);
	free(token);

	client_sync(&f->client, SYNC_EAUTH);
	/* The dead token is gone; a password logs in again. */
	assert_int_equal(access(f->client.token, F_OK), -1);
	s = client_syncer(&f->client);
	assert_int_equal(sync_login(s, PASSWORD, err, sizeof err), SYNC_OK);
	sync_free(s);
	client_sync(&f->client, SYNC_OK);
}

static void
a_token_file_others_can_read_is_refused(void **state)
{
	struct fixture *f = *state;
	char err[512];
	struct syncer *s;

	client_sync(&f->client, SYNC_OK);
	assert_int_equal(chmod(f->client.token, 0644), 0);
	s = sync_new(&f->client.cfg, f->client.cache, f->client.token, err,
	    sizeof err);
	assert_null(s);
	assert_non_null(strstr(err, "readable by group or others"));
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(f->client.token, 0600), 0);
	client_sync(&f->client, SYNC_OK);
}

static int
setup_ttl(void **state, const char *seconds)
{
	int rc;

	setenv("MKTD_ACCESS_TTL", seconds, 1);
	rc = setup(state);
	unsetenv("MKTD_ACCESS_TTL");
	return rc;
}

static int
setup_short(void **state)
{
	return setup_ttl(state, "1");
}

static int
setup_ttl3(void **state)
{
	return setup_ttl(state, "3");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(first_sync_matches_the_server,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_first_sync_builds_search_as_the_triggers_would, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    a_first_sync_cut_short_rebuilds_search_when_it_completes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    another_clients_change_arrives_within_one_long_poll,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    an_hour_long_poll_still_answers_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_server_restart_is_picked_up_during_a_long_poll, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    offline_actions_apply_when_the_server_is_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_stale_edit_rolls_back_into_sync_problems, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    a_refused_reply_disappears_into_sync_problems, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    an_expired_access_token_is_refreshed, setup_short,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    a_long_poll_outlives_its_token, setup_short, teardown),
		cmocka_unit_test_setup_teardown(
		    the_token_is_renewed_across_long_waits, setup_ttl3,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    a_revoked_refresh_token_leads_back_to_login, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    a_token_file_others_can_read_is_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
