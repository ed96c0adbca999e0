/* The sync engine through a fault-injecting proxy (tests/tools/faultproxy):
 * latency, a slow link, resets before and after the server acted, 5xx
 * and 429 answers, truncated and malformed bodies, a stalled connection.
 * In every case the sync recovers, nothing reaches the server twice (its
 * idempotency store has one row per key and each effect exists once), and
 * the cache ends equal to the server, intact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#define ACTIONS		4	/* queued per fault */

struct fixture {
	struct mktd	*server;
	pid_t		 proxy;
	int		 proxy_port;
	struct client	 client;
	sqlite3		*db;		/* the cache, as the UI holds it */
	struct applier	*ap;
};

static struct fixture *fx;

static int
setup_group(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char err[256];

	(void)state;
	if ((f->server = mktd_start(true)) == NULL ||
	    (f->proxy = faultproxy_start(f->server, &f->proxy_port)) < 0)
		return -1;
	client_init(&f->client, f->proxy_port, role_email[ADMIN], PASSWORD);
	client_sync(&f->client, SYNC_OK);
	if (store_open(f->client.cache, &f->db, err, sizeof err) != 0)
		return -1;
	f->ap = applier_new(f->db);
	fx = f;
	return 0;
}

static int
teardown_group(void **state)
{
	(void)state;
	applier_free(fx->ap);
	sqlite3_close(fx->db);
	client_free(&fx->client);
	tool_stop(fx->proxy);
	mktd_stop(fx->server);
	free(fx);
	return 0;
}

/* Sets the proxy's fault, through the proxy itself. */
static void
fault(const char *query)
{
	char path[256];
	struct api_reply r;

	snprintf(path, sizeof path, "/__fault?%s", query);
	r = api_get_port(fx->proxy_port, path);
	if (r.status != 200)
		fail_msg("faultproxy refused %s: %ld %s", query, r.status,
		    r.body != NULL ? r.body : "");
	api_reply_free(&r);
}

static int64_t
server_int(const char *sql)
{
	return file_int(mktd_db_path(fx->server), sql);
}

/* Queues ACTIONS notes tagged with the fault's name and one status
 * change, all on one conversation. */
static int64_t
queue_actions(const char *tag)
{
	char err[256], body[96];
	int64_t conv = file_int(fx->client.cache, "SELECT id FROM "
	    "conversations WHERE id > 0 ORDER BY random() LIMIT 1");
	sqlite3_stmt *st;
	const char *status = "open";

	assert_int_equal(sqlite3_prepare_v2(fx->db, "SELECT status FROM "
	    "conversations WHERE id = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, conv);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	if (strcmp((const char *)sqlite3_column_text(st, 0), "open") == 0)
		status = "pending";
	for (int i = 0; i < ACTIONS; i++) {
		snprintf(body, sizeof body, "fault %s %d", tag, i);
		assert_int_equal(conversation_reply(fx->ap, conv, "note", body,
		    err, sizeof err), 0);
	}
	assert_int_equal(conversation_set_status(fx->ap, conv, status, 0, err,
	    sizeof err), 0);
	sqlite3_finalize(st);
	return conv;
}

/* Syncs until it succeeds, at most rounds times, clearing the fault
 * before the last round.  Returns the rounds used. */
static int
sync_through(int rounds)
{
	for (int i = 1; i <= rounds; i++) {
		struct syncer *s;
		struct sync_counts c;
		char err[512];
		enum sync_result rc;

		if (i == rounds)
			fault("mode=none");
		s = client_syncer(&fx->client);
		rc = sync_once(s, &c, err, sizeof err);
		sync_free(s);
		if (rc == SYNC_OK)
			return i;
		assert_int_equal(rc, SYNC_ENET);
	}
	fail_msg("no successful sync in %d rounds", rounds);
	return rounds;
}

/* Nothing twice, nothing lost, the cache equal to the server. */
static void
assert_exactly_once(const char *tag)
{
	sqlite3_stmt *st;
	char sql[256];
	int keys = 0;

	assert_int_equal(outbox_pending(fx->db), 0);
	assert_int_equal(outbox_problems(fx->db), 0);
	for (int i = 0; i < ACTIONS; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE "
		    "body = 'fault %s %d'", tag, i);
		assert_int_equal(server_int(sql), 1);
	}
	/* Every key the client ever sent is on the server exactly once. */
	assert_int_equal(sqlite3_prepare_v2(fx->db, "SELECT idem_key FROM "
	    "outbox", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM idempotency "
		    "WHERE key = '%s'", (const char *)sqlite3_column_text(st,
		    0));
		assert_int_equal(server_int(sql), 1);
		keys++;
	}
	sqlite3_finalize(st);
	assert_true(keys >= ACTIONS + 1);
	assert_integrity(fx->client.cache);
	assert_cache_matches(fx->client.cache, mktd_db_path(fx->server));
}

static int64_t
replays(void)
{
	return server_int("SELECT coalesce(sum(replays), 0) FROM idempotency");
}

/* ---- one test per fault --------------------------------------------------- */

static void
latency(void **state)
{
	(void)state;
	queue_actions("latency");
	fault("mode=latency&ms=300");
	sync_through(2);
	assert_exactly_once("latency");
}

static void
slow_link(void **state)
{
	(void)state;
	queue_actions("bandwidth");
	fault("mode=bandwidth&bps=4000");
	sync_through(2);
	assert_exactly_once("bandwidth");
}

/* The server acted, the answer never came: the retry is answered from
 * the idempotency store. */
static void
reset_after_the_server_acted(void **state)
{
	int64_t before = replays();

	(void)state;
	queue_actions("reset");
	fault("mode=reset&count=2&match=POST%20/api/v1/conversations");
	sync_through(4);
	assert_exactly_once("reset");
	assert_true(replays() >= before + 2);
}

static void
reset_before_the_server_saw_it(void **state)
{
	(void)state;
	queue_actions("reset-before");
	fault("mode=reset_before&count=3");
	sync_through(4);
	assert_exactly_once("reset-before");
}

static void
server_errors(void **state)
{
	(void)state;
	queue_actions("500");
	fault("mode=status&code=500&count=3");
	sync_through(4);
	assert_exactly_once("500");
}

/* A 502 from a gateway after the server did the work. */
static void
lost_answer_replaced_by_an_error(void **state)
{
	int64_t before = replays();

	(void)state;
	queue_actions("502");
	fault("mode=status_after&code=502&count=2&match=POST%20/api/v1/conversations");
	sync_through(4);
	assert_exactly_once("502");
	assert_true(replays() >= before + 2);
}

/* 429 and 503 say when to come back; the client waits at least that. */
static void
retry_after_is_honoured(void **state)
{
	long t0;

	(void)state;
	for (int i = 0; i < 2; i++) {
		const char *code = i == 0 ? "429" : "503";
		char query[64];

		queue_actions(code);
		snprintf(query, sizeof query,
		    "mode=status&code=%s&retry_after=2&count=1", code);
		fault(query);
		t0 = now_ms();
		assert_int_equal(sync_through(3), 1);
		assert_true(now_ms() - t0 >= 2000);
		assert_exactly_once(code);
	}
}

static void
truncated_bodies(void **state)
{
	(void)state;
	queue_actions("truncate");
	/* Pushes and feed pages alike. */
	fault("mode=truncate&count=3");
	sync_through(4);
	assert_exactly_once("truncate");
}

/* A page that does not parse moves no cursor and applies nothing. */
/* A page that does not parse moves no cursor and applies nothing. */
static void
malformed_json(void **state)
{
	const char *cursor_sql = "SELECT value FROM sync_state WHERE key = "
	    "'cursor'";
	char *token, path[96], sql[160];
	struct api_reply r;
	int64_t cursor, conv;

	(void)state;
	queue_actions("garbage");
	sync_through(1);
	cursor = file_int(fx->client.cache, cursor_sql);
	/* Someone else changes a row: the next page carries it. */
	conv = file_int(fx->client.cache, "SELECT id FROM conversations WHERE "
	    "priority <> 'low' ORDER BY id LIMIT 1");
	token = api_login(fx->server, role_email[ADMIN], PASSWORD);
	snprintf(path, sizeof path, "/api/v1/conversations/%lld/priority",
	    (long long)conv);
	r = api_call(fx->server, token, "POST", path, "{\"priority\":\"low\"}",
	    NULL);
	assert_int_equal(r.status, 200);
	api_reply_free(&r);
	free(token);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM conversations WHERE "
	    "id = %lld AND priority = 'low'", (long long)conv);

	fault("mode=garbage&match=GET%20/api/v1/changes");
	client_sync(&fx->client, SYNC_ENET);
	assert_int_equal(file_int(fx->client.cache, cursor_sql), cursor);
	assert_int_equal(file_int(fx->client.cache, sql), 0);

	sync_through(1);	/* clears the fault first */
	assert_true(file_int(fx->client.cache, cursor_sql) > cursor);
	assert_int_equal(file_int(fx->client.cache, sql), 1);
	assert_exactly_once("garbage");
}

static void
stalled_connection(void **state)
{
	(void)state;
	queue_actions("stall");
	fault("mode=stall&ms=3000&count=1");
	sync_through(3);
	assert_exactly_once("stall");
}

static void
server_down_and_back(void **state)
{
	(void)state;
	queue_actions("down");
	fault("mode=refuse");
	sync_through(3);
	assert_exactly_once("down");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(latency),
		cmocka_unit_test(slow_link),
		cmocka_unit_test(reset_after_the_server_acted),
		cmocka_unit_test(reset_before_the_server_saw_it),
		cmocka_unit_test(server_errors),
		cmocka_unit_test(lost_answer_replaced_by_an_error),
		cmocka_unit_test(retry_after_is_honoured),
		cmocka_unit_test(truncated_bodies),
		cmocka_unit_test(malformed_json),
		cmocka_unit_test(stalled_connection),
		cmocka_unit_test(server_down_and_back),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
