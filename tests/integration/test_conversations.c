/* Conversations against a real mktd on loopback: reading one, replies and
 * notes, the per-channel reply caps counted in characters, status and
 * snooze, assignment with its notification, labels, priority, handoff,
 * the payment reminder, marking read; who may do each (every action
 * against every role), idempotent retries, stale If-Match, and the change
 * feed after a reply.  Then the channel connector's side: inbound
 * messages (new customers and conversations, notifications, waking a
 * snooze, handoff requests, a 200 KB hostile body, validation, who may
 * post), delivery receipts, and the snooze timer.
 *
 * One mktd --demo serves the whole file.  Conversations are found by
 * reading its database read-only; each test takes conversations no other
 * test has touched, so the order of tests does not matter. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"

static struct {
	struct mktd	*m;
	sqlite3		*db;		/* mktd's database, read-only */
	char		*tok[NROLES];
	int64_t		 uid[NROLES];
	int64_t		 used[1024];	/* conversations a test has taken */
	int		 nused;
} t;

/* Conversations of the company that manager@ manages and client@ owns:
 * every role but the performer sees them. */
#define SHARED	"co.manager_id = ?1 AND co.owner_id = ?2"
/* A company neither manager@ manages nor client@ owns. */
#define FOREIGN	"co.manager_id IS NOT ?1 AND co.owner_id IS NOT ?2"

/* ---- database (read-only) ----------------------------------------------- */

static int
taken(int64_t id)
{
	for (int i = 0; i < t.nused; i++)
		if (t.used[i] == id)
			return 1;
	return 0;
}

/* A conversation no test has used yet that matches where (a fixed SQL
 * condition over c = conversations, ch = channels, co = companies, with
 * ?1 = manager@ and ?2 = client@). */
static int64_t
conv_pick(const char *where)
{
	sqlite3_stmt *st;
	char sql[1024];
	int64_t id = 0;

	snprintf(sql, sizeof sql, "SELECT c.id FROM conversations c "
	    "JOIN channels ch ON ch.id = c.channel_id "
	    "JOIN companies co ON co.id = c.company_id "
	    "WHERE (%s) AND ?1 IS NOT NULL AND ?2 IS NOT NULL ORDER BY c.id",
	    where);
	if (sqlite3_prepare_v2(t.db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(t.db));
	sqlite3_bind_int64(st, 1, t.uid[MANAGER]);
	sqlite3_bind_int64(st, 2, t.uid[CLIENT]);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (!taken(id = sqlite3_column_int64(st, 0)))
			break;
		else
			id = 0;
	sqlite3_finalize(st);
	if (id == 0)
		fail_msg("no unused conversation where %s", where);
	assert_true(t.nused < (int)(sizeof t.used / sizeof t.used[0]));
	t.used[t.nused++] = id;
	return id;
}

static int64_t
conv_version(int64_t id)
{
	return db_int(t.db, -1, "SELECT version FROM conversations WHERE id = ?", 1,
	    id);
}

static int64_t
messages_of(int64_t id)
{
	return db_int(t.db, -1, "SELECT count(*) FROM messages "
	    "WHERE conversation_id = ?", 1, id);
}

/* ---- requests ----------------------------------------------------------- */

/* POST /api/v1/conversations/{id}/action (GET the row when action is
 * NULL), with an If-Match version when if_match >= 0 and an
 * Idempotency-Key when key is set. */
static struct api_reply
conv_call(enum role r, int64_t id, const char *action, const char *body,
    int64_t if_match, const char *key)
{
	char path[128], im[64], ik[160];
	const char *extra[3] = { NULL, NULL, NULL };
	int n = 0;

	if (action == NULL) {
		snprintf(path, sizeof path, "/api/v1/conversations/%lld",
		    (long long)id);
		return api_call(t.m, t.tok[r], "GET", path, NULL, NULL);
	}
	snprintf(path, sizeof path, "/api/v1/conversations/%lld/%s",
	    (long long)id, action);
	if (if_match >= 0) {
		snprintf(im, sizeof im, "If-Match: \"%lld\"",
		    (long long)if_match);
		extra[n++] = im;
	}
	if (key != NULL) {
		snprintf(ik, sizeof ik, "Idempotency-Key: %s", key);
		extra[n++] = ik;
	}
	return api_call(t.m, t.tok[r], "POST", path, body != NULL ? body : "{}",
	    extra);
}

static struct api_reply
post(enum role r, int64_t id, const char *action, const char *body)
{
	return conv_call(r, id, action, body, -1, NULL);
}

/* Wrong types and malformed values are 400 or 422 (issue 3). */
static void
expect_rejected(const struct api_reply *rep, const char *what)
{
	if (rep->status != 400 && rep->status != 422)
		fail_msg("%s: status %ld, want 400 or 422: %s", what,
		    rep->status, rep->body != NULL ? rep->body : "");
	assert_non_null(json_str(rep->json, "error.code"));
}

static char *
message_body(const char *kind, const char *text)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "kind", kind);
	cJSON_AddStringToObject(o, "body", text);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static struct api_reply
send_message(enum role r, int64_t id, const char *kind, const char *text)
{
	char *body = message_body(kind, text);
	struct api_reply rep = post(r, id, "messages", body);

	free(body);
	return rep;
}

/* ---- setup -------------------------------------------------------------- */

static int
group_setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof t);
	/* The snooze timer every second, so a test sees it work. */
	setenv("MKTD_SNOOZE_INTERVAL", "1", 1);
	if ((t.m = mktd_start(true)) == NULL)
		return -1;
	t.db = mktd_db(t.m);
	return demo_login(t.m, NROLES, role_email, t.tok, t.uid);
}

static int
group_teardown(void **state)
{
	(void)state;
	return demo_finish(t.m, NROLES, t.tok);
}

/* ---- reading ------------------------------------------------------------ */

static void
test_get_returns_the_row_with_labels(void **state)
{
	int64_t id = conv_pick(SHARED " AND EXISTS (SELECT 1 FROM "
	    "conversation_labels l WHERE l.conversation_id = c.id)");
	struct api_reply rep = post(ADMIN, id, NULL, NULL);
	const cJSON *labels;

	(void)state;
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "id", 0), id);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0),
	    conv_version(id));
	assert_non_null(json_str(rep.json, "status"));
	labels = cJSON_GetObjectItemCaseSensitive(rep.json, "labels");
	assert_true(cJSON_IsArray(labels));
	assert_int_equal(cJSON_GetArraySize(labels), db_int(t.db, -1,
	    "SELECT count(*) FROM conversation_labels "
	    "WHERE conversation_id = ?", 1, id));
	api_reply_free(&rep);

	rep = post(ADMIN, 999999999, NULL, NULL);
	expect_error(rep, 404, "not_found");
	api_reply_free(&rep);
}

static void
test_get_scope(void **state)
{
	int64_t foreign = conv_pick(FOREIGN);
	int64_t mine = conv_pick(SHARED);
	static const struct {
		enum role	 role;
		long		 foreign, mine;
	} want[] = {
		{ ADMIN, 200, 200 }, { MANAGER, 404, 200 },
		{ BILLING, 200, 200 }, { SUPPORT, 200, 200 },
		{ CLIENT, 404, 200 }, { PERFORMER, 404, 404 },
	};
	char what[64];

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct api_reply rep = post(want[i].role, foreign, NULL, NULL);

		snprintf(what, sizeof what, "%s GET foreign",
		    role_name[want[i].role]);
		expect_case(rep, want[i].foreign, NULL, NULL, what);
		api_reply_free(&rep);
		rep = post(want[i].role, mine, NULL, NULL);
		snprintf(what, sizeof what, "%s GET own",
		    role_name[want[i].role]);
		expect_case(rep, want[i].mine, NULL, NULL, what);
		api_reply_free(&rep);
	}
}

/* ---- replies and notes -------------------------------------------------- */

static void
test_reply_answers_the_customer(void **state)
{
	int64_t id = conv_pick(SHARED " AND ch.platform = 'whatsapp' AND "
	    "c.waiting_since IS NOT NULL AND c.unread_count > 0 AND "
	    "c.handler = 'ai'");
	int64_t v = conv_version(id), before = messages_of(id);
	int64_t start = (int64_t)time(NULL);
	struct api_reply rep;

	(void)state;
	rep = send_message(MANAGER, id, "text",
	    "  Hola, Carmen:\r\n\nsu pedido sale hoy.\n");
	expect_status(rep, 201);
	assert_string_equal(json_str(rep.json, "kind"), "text");
	assert_string_equal(json_str(rep.json, "direction"), "out");
	assert_string_equal(json_str(rep.json, "author_kind"), "user");
	assert_string_equal(json_str(rep.json, "delivery"), "sent");
	assert_string_equal(json_str(rep.json, "body"),
	    "  Hola, Carmen:\r\n\nsu pedido sale hoy.\n");
	assert_int_equal((int64_t)json_num(rep.json, "author_id", 0),
	    t.uid[MANAGER]);
	assert_int_equal((int64_t)json_num(rep.json, "conversation_id", 0),
	    id);
	api_reply_free(&rep);
	assert_int_equal(messages_of(id), before + 1);

	rep = post(MANAGER, id, NULL, NULL);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v + 1);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rep.json,
	    "waiting_since")));
	assert_int_equal((int64_t)json_num(rep.json, "unread_count", -1), 0);
	assert_string_equal(json_str(rep.json, "handler"), "human");
	assert_int_equal((int64_t)json_num(rep.json, "handoff_requested", -1),
	    0);
	/* one line, ends trimmed */
	assert_string_equal(json_str(rep.json, "last_message_preview"),
	    "Hola, Carmen: su pedido sale hoy.");
	assert_true((int64_t)json_num(rep.json, "last_activity_at", 0) >=
	    start);
	api_reply_free(&rep);
}

static void
test_reply_preview_is_the_first_120_characters(void **state)
{
	int64_t id = conv_pick(SHARED " AND ch.platform = 'telegram'");
	char *text = text_repeat("ж", 300), *preview;
	struct api_reply rep;

	(void)state;
	rep = send_message(SUPPORT, id, "text", text);
	expect_status(rep, 201);
	api_reply_free(&rep);
	preview = db_text(t.db, "SELECT last_message_preview FROM conversations "
	    "WHERE id = ?", 1, id);
	text[120 * strlen("ж")] = '\0';
	assert_string_equal(preview, text);
	free(preview);
	free(text);
}

static void
test_note_is_private_and_answers_nobody(void **state)
{
	int64_t id = conv_pick(SHARED " AND c.waiting_since IS NOT NULL AND "
	    "c.handler = 'ai' AND c.handoff_requested = 0");
	int64_t waiting = db_int(t.db, -1, "SELECT waiting_since FROM conversations "
	    "WHERE id = ?", 1, id);
	int64_t v = conv_version(id);
	struct api_reply rep;

	(void)state;
	rep = send_message(SUPPORT, id, "note", "Customer called: pays "
	    "tomorrow.\nDo not chase.");
	expect_status(rep, 201);
	assert_string_equal(json_str(rep.json, "kind"), "note");
	assert_string_equal(json_str(rep.json, "direction"), "out");
	assert_string_equal(json_str(rep.json, "author_kind"), "user");
	assert_int_equal((int64_t)json_num(rep.json, "author_id", 0),
	    t.uid[SUPPORT]);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rep.json,
	    "delivery")));
	api_reply_free(&rep);

	rep = post(SUPPORT, id, NULL, NULL);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "waiting_since", -1),
	    waiting);
	assert_string_equal(json_str(rep.json, "handler"), "ai");
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v + 1);
	assert_string_equal(json_str(rep.json, "last_message_preview"),
	    "Customer called: pays tomorrow. Do not chase.");
	api_reply_free(&rep);
}

/* seed 002 §2.5; order chats and TikTok are "other". */
static void
test_reply_caps_per_channel_in_characters(void **state)
{
	static const struct {
		const char	*platform;
		size_t		 cap;
	} caps[] = {
		{ "instagram", 800 }, { "facebook", 1950 },
		{ "whatsapp", 3800 }, { "telegram", 3800 },
		{ "email", 7000 }, { "tiktok", 1950 }, { "order_chat", 1950 },
	};
	char where[160], what[64];

	(void)state;
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		int64_t id, n;
		char *text;
		struct api_reply rep;

		/* order chats live in a company of another manager */
		snprintf(where, sizeof where, "ch.platform = '%s'%s",
		    caps[i].platform, strcmp(caps[i].platform,
		    "order_chat") == 0 ? "" : " AND " SHARED);
		id = conv_pick(where);
		n = messages_of(id);

		/* Cyrillic: two bytes a character, so a byte count would
		 * refuse half of what is allowed. */
		text = text_repeat("я", caps[i].cap);
		rep = send_message(ADMIN, id, "text", text);
		snprintf(what, sizeof what, "%s at the cap", caps[i].platform);
		expect_case(rep, 201, NULL, NULL, what);
		api_reply_free(&rep);
		free(text);

		text = text_repeat("я", caps[i].cap + 1);
		rep = send_message(ADMIN, id, "text", text);
		snprintf(what, sizeof what, "%s over the cap",
		    caps[i].platform);
		expect_case(rep, 422, "reply_too_long", "body", what);
		api_reply_free(&rep);
		free(text);
		assert_int_equal(messages_of(id), n + 1);
	}
}

static void
test_reply_cap_counts_code_points(void **state)
{
	/* code NULL: accepted (201) */
	static const struct {
		const char	*unit, *kind, *code, *what;
		size_t		 n;
	} cases[] = {
		/* 800 emoji are 3,200 bytes and 1,600 UTF-16 units: still
		 * 800 */
		{ "😀", "text", NULL, "800 emoji on instagram", 800 },
		{ "😀", "text", "reply_too_long", "801 emoji", 801 },
		/* a combining mark is a character of its own: e + U+0301 is
		 * two */
		{ "e\xcc\x81", "text", NULL, "400 e + combining acute", 400 },
		{ "e\xcc\x81", "text", "reply_too_long",
		    "401 e + combining acute", 401 },
		/* notes are not sent anywhere: no channel cap */
		{ "я", "note", NULL, "801-character note on instagram", 801 },
		{ "я", "note", "note_too_long", "7001-char note", 7001 },
	};
	int64_t id = conv_pick(SHARED " AND ch.platform = 'instagram'");

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = text_repeat(cases[i].unit, cases[i].n);
		struct api_reply rep = send_message(CLIENT, id, cases[i].kind,
		    text);

		expect_case(rep, cases[i].code != NULL ? 422 : 201,
		    cases[i].code, cases[i].code != NULL ? "body" : NULL,
		    cases[i].what);
		api_reply_free(&rep);
		free(text);
	}
}

static void
test_reply_bad_bodies_change_nothing(void **state)
{
	int64_t id = conv_pick(SHARED);
	int64_t n = messages_of(id), v = conv_version(id);
	static const char *const bad[] = {
		"{\"kind\":\"text\",\"body\":\"\"}",
		"{\"kind\":\"text\",\"body\":\" \\n\\t \"}",
		"{\"kind\":\"note\",\"body\":\"\"}",
		"{\"kind\":\"text\"}",
		"{\"kind\":\"text\",\"body\":42}",
		"{\"kind\":\"text\",\"body\":null}",
		"{\"kind\":\"sms\",\"body\":\"hi\"}",
		"{\"kind\":7,\"body\":\"hi\"}",
		"{\"body\":\"hi\"}",
		/* invalid UTF-8: a lone continuation byte, an overlong
		 * slash, a surrogate, and a truncated sequence */
		"{\"kind\":\"text\",\"body\":\"ab\x80\"}",
		"{\"kind\":\"text\",\"body\":\"\xc0\xaf\"}",
		"{\"kind\":\"text\",\"body\":\"\xed\xa0\x80\"}",
		"{\"kind\":\"text\",\"body\":\"ok \xe2\x82\"}",
		"{\"kind\":\"text\",\"body\":\"\\ud800\"}",
	};
	char what[32];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct api_reply rep = post(ADMIN, id, "messages", bad[i]);

		snprintf(what, sizeof what, "bad body %zu", i);
		expect_rejected(&rep, what);
		api_reply_free(&rep);
	}
	assert_int_equal(messages_of(id), n);
	assert_int_equal(conv_version(id), v);
}

static void
test_reply_idempotent_retry(void **state)
{
	int64_t id = conv_pick(SHARED);
	const char *body = "{\"kind\":\"text\",\"body\":\"idempotent hello "
	    "7f3a\"}";
	struct api_reply a, b;

	(void)state;
	a = conv_call(MANAGER, id, "messages", body, -1, "conv-test-retry-1");
	expect_status(a, 201);
	b = conv_call(MANAGER, id, "messages", body, -1, "conv-test-retry-1");
	expect_status(b, 201);
	assert_int_equal((int64_t)json_num(a.json, "id", 0),
	    (int64_t)json_num(b.json, "id", -1));
	assert_true(cJSON_Compare(a.json, b.json, true));
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM messages WHERE "
	    "conversation_id = ? AND body = 'idempotent hello 7f3a'", 1, id),
	    1);
	api_reply_free(&a);
	api_reply_free(&b);
}

static void
test_feed_carries_the_reply(void **state)
{
	int64_t id = conv_pick(SHARED " AND ch.platform = 'email'");
	int64_t since = db_int(t.db, 0, "SELECT max(seq) FROM changes", 0);
	struct api_reply msg, conv, feed;
	const cJSON *ch, *e;
	char path[128];
	int seen_msg = 0, seen_conv = 0;
	int64_t mid;

	(void)state;
	msg = send_message(ADMIN, id, "text", "Your invoice is attached.");
	expect_status(msg, 201);
	mid = (int64_t)json_num(msg.json, "id", 0);
	conv = post(ADMIN, id, NULL, NULL);
	expect_status(conv, 200);

	snprintf(path, sizeof path, "/api/v1/changes?since=%lld&limit=500",
	    (long long)since);
	feed = api_call(t.m, t.tok[ADMIN], "GET", path, NULL, NULL);
	expect_status(feed, 200);
	ch = cJSON_GetObjectItemCaseSensitive(feed.json, "changes");
	assert_true(cJSON_IsArray(ch));
	cJSON_ArrayForEach(e, ch) {
		const char *type = json_str(e, "type");
		int64_t rid = (int64_t)json_num(e, "id", 0);
		const cJSON *data = cJSON_GetObjectItemCaseSensitive(e, "data");

		assert_true((int64_t)json_num(e, "seq", 0) > since);
		if (strcmp(type, "message") == 0 && rid == mid) {
			assert_string_equal(json_str(e, "op"), "upsert");
			assert_true(cJSON_Compare(data, msg.json, true));
			seen_msg = 1;
		} else if (strcmp(type, "conversation") == 0 && rid == id) {
			assert_string_equal(json_str(e, "op"), "upsert");
			assert_true(cJSON_Compare(data, conv.json, true));
			seen_conv = 1;
		}
	}
	assert_true(seen_msg);
	assert_true(seen_conv);
	api_reply_free(&msg);
	api_reply_free(&conv);
	api_reply_free(&feed);
}

/* ---- status ------------------------------------------------------------- */

static void
expect_conv_status(const struct api_reply *rep, const char *status,
    int64_t until, const char *what)
{
	const cJSON *su;

	expect_case(*rep, 200, NULL, NULL, what);
	assert_string_equal(json_str(rep->json, "status"), status);
	su = cJSON_GetObjectItemCaseSensitive(rep->json, "snoozed_until");
	if (until == 0)
		assert_true(cJSON_IsNull(su));
	else
		assert_int_equal((int64_t)json_num(rep->json, "snoozed_until",
		    0), until);
}

static int64_t
last_system_event(int64_t id, char **body)
{
	*body = db_text(t.db, "SELECT body FROM messages WHERE conversation_id = ? "
	    "AND kind = 'system' ORDER BY id DESC LIMIT 1", 1, id);
	return db_int(t.db, 0, "SELECT max(id) FROM messages WHERE "
	    "conversation_id = ? AND kind = 'system'", 1, id);
}

static void
test_status_transitions(void **state)
{
	int64_t id = conv_pick(SHARED " AND c.status = 'open'");
	int64_t v = conv_version(id), audits, ev;
	int64_t soon = (int64_t)time(NULL) + 3600;
	struct api_reply rep;
	char *event;

	(void)state;
	audits = db_int(t.db, -1, "SELECT count(*) FROM audit_log WHERE "
	    "ref_type = 'conversation' AND ref_id = ? AND "
	    "action = 'conversation.status'", 1, id);

	rep = post(MANAGER, id, "status", "{\"status\":\"pending\"}");
	expect_conv_status(&rep, "pending", 0, "open → pending");
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v + 1);
	api_reply_free(&rep);

	rep = post(MANAGER, id, "status", "{\"status\":\"resolved\"}");
	expect_conv_status(&rep, "resolved", 0, "pending → resolved");
	api_reply_free(&rep);
	ev = last_system_event(id, &event);
	assert_true(ev > 0);
	assert_non_null(strstr(event, "Resolved by "));
	assert_non_null(strstr(event, "Мария Петрова"));
	free(event);
	event = db_text(t.db,
	    "SELECT author_kind FROM messages WHERE id = ?", 1, ev);
	assert_string_equal(event, "system");
	free(event);

	/* the same status again changes nothing */
	v = conv_version(id);
	rep = post(MANAGER, id, "status", "{\"status\":\"resolved\"}");
	expect_conv_status(&rep, "resolved", 0, "resolved again");
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v);
	api_reply_free(&rep);

	rep = post(MANAGER, id, "status", "{\"status\":\"open\"}");
	expect_conv_status(&rep, "open", 0, "reopen");
	api_reply_free(&rep);
	last_system_event(id, &event);
	assert_non_null(strstr(event, "Reopened by "));
	free(event);

	rep = post(MANAGER, id, "status", "{\"status\":\"snoozed\","
	    "\"snoozed_until\":0}");
	expect_case(rep, 422, NULL, "snoozed_until", "snooze at 0");
	api_reply_free(&rep);

	{
		char body[96];

		snprintf(body, sizeof body, "{\"status\":\"snoozed\","
		    "\"snoozed_until\":%lld}", (long long)soon);
		rep = post(MANAGER, id, "status", body);
		expect_conv_status(&rep, "snoozed", soon, "snooze");
		api_reply_free(&rep);
	}
	last_system_event(id, &event);
	assert_non_null(strstr(event, "Snoozed until "));
	free(event);

	/* any other status clears the snooze */
	rep = post(MANAGER, id, "status", "{\"status\":\"pending\"}");
	expect_conv_status(&rep, "pending", 0, "snoozed → pending");
	api_reply_free(&rep);

	/* pending, resolved, open, snoozed, pending: five changes */
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM audit_log WHERE "
	    "ref_type = 'conversation' AND ref_id = ? AND "
	    "action = 'conversation.status'", 1, id), audits + 5);
}

static void
test_snooze_validation(void **state)
{
	int64_t id = conv_pick(SHARED " AND c.status = 'open'");
	int64_t v = conv_version(id), now = (int64_t)time(NULL);
	char body[160];
	struct api_reply rep;

	(void)state;
	rep = post(ADMIN, id, "status", "{\"status\":\"snoozed\"}");
	expect_case(rep, 422, NULL, "snoozed_until", "no snoozed_until");
	api_reply_free(&rep);

	snprintf(body, sizeof body, "{\"status\":\"snoozed\","
	    "\"snoozed_until\":%lld}", (long long)(now - 60));
	rep = post(ADMIN, id, "status", body);
	expect_case(rep, 422, "snooze_in_past", "snoozed_until", "past");
	api_reply_free(&rep);

	/* Unix seconds, not a date string */
	rep = post(ADMIN, id, "status", "{\"status\":\"snoozed\","
	    "\"snoozed_until\":\"2030-11-21T09:00:00Z\"}");
	expect_rejected(&rep, "ISO string");
	api_reply_free(&rep);

	snprintf(body, sizeof body, "{\"status\":\"open\","
	    "\"snoozed_until\":%lld}", (long long)(now + 3600));
	rep = post(ADMIN, id, "status", body);
	expect_case(rep, 422, NULL, "snoozed_until", "until with open");
	api_reply_free(&rep);

	rep = post(ADMIN, id, "status", "{\"status\":\"closed\"}");
	expect_rejected(&rep, "unknown status");
	api_reply_free(&rep);
	rep = post(ADMIN, id, "status", "{}");
	expect_rejected(&rep, "no status");
	api_reply_free(&rep);

	assert_int_equal(conv_version(id), v);
	assert_int_equal(db_int(t.db, -1, "SELECT snoozed_until IS NULL FROM "
	    "conversations WHERE id = ?", 1, id), 1);
}

/* ---- assignment --------------------------------------------------------- */

static int64_t
notifications_for(int64_t user, int64_t conv)
{
	return db_int(t.db, -1, "SELECT count(*) FROM notifications WHERE "
	    "user_id = ? AND kind = 'assigned' AND ref_type = 'conversation' "
	    "AND ref_id = ?", 2, user, conv);
}

static void
test_assign_and_unassign(void **state)
{
	int64_t id = conv_pick(SHARED " AND c.assignee_id IS NULL");
	int64_t audits;
	char body[64], *event;
	struct api_reply rep;

	(void)state;
	audits = db_int(t.db, -1, "SELECT count(*) FROM audit_log WHERE "
	    "ref_type = 'conversation' AND ref_id = ? AND "
	    "action = 'conversation.assign'", 1, id);
	assert_int_equal(notifications_for(t.uid[SUPPORT], id), 0);

	snprintf(body, sizeof body, "{\"user_id\":%lld}",
	    (long long)t.uid[SUPPORT]);
	rep = post(MANAGER, id, "assign", body);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "assignee_id", 0),
	    t.uid[SUPPORT]);
	api_reply_free(&rep);
	assert_int_equal(notifications_for(t.uid[SUPPORT], id), 1);
	last_system_event(id, &event);
	assert_non_null(strstr(event, "Assigned to ليلى حسن"));
	free(event);

	/* the company's manager, and its owner, may have it too */
	snprintf(body, sizeof body, "{\"user_id\":%lld}",
	    (long long)t.uid[MANAGER]);
	rep = post(ADMIN, id, "assign", body);
	expect_status(rep, 200);
	api_reply_free(&rep);
	assert_int_equal(notifications_for(t.uid[MANAGER], id), 1);
	snprintf(body, sizeof body, "{\"user_id\":%lld}",
	    (long long)t.uid[CLIENT]);
	rep = post(ADMIN, id, "assign", body);
	expect_status(rep, 200);
	api_reply_free(&rep);

	/* self-assignment needs no notification */
	snprintf(body, sizeof body, "{\"user_id\":%lld}",
	    (long long)t.uid[ADMIN]);
	rep = post(ADMIN, id, "assign", body);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "assignee_id", 0),
	    t.uid[ADMIN]);
	api_reply_free(&rep);
	assert_int_equal(notifications_for(t.uid[ADMIN], id), 0);

	rep = post(ADMIN, id, "assign", "{\"user_id\":null}");
	expect_status(rep, 200);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rep.json,
	    "assignee_id")));
	api_reply_free(&rep);
	last_system_event(id, &event);
	assert_non_null(strstr(event, "Unassigned by "));
	free(event);

	/* support, manager, owner, admin, nobody */
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM audit_log WHERE "
	    "ref_type = 'conversation' AND ref_id = ? AND "
	    "action = 'conversation.assign'", 1, id), audits + 5);
}

static void
test_assignee_must_be_able_to_answer(void **state)
{
	int64_t id = conv_pick(SHARED);
	int64_t other_manager = db_int(t.db, 0, "SELECT id FROM users WHERE "
	    "role = 'manager' AND id <> ? ORDER BY id", 1, t.uid[MANAGER]);
	int64_t other_client = db_int(t.db, 0, "SELECT id FROM users WHERE "
	    "role = 'client' AND id <> ? ORDER BY id", 1, t.uid[CLIENT]);
	int64_t v = conv_version(id), assignee;
	const int64_t bad[] = { t.uid[BILLING], t.uid[PERFORMER],
	    other_manager, other_client, 999999999 };
	char body[64], what[48];

	(void)state;
	assert_true(other_manager > 0 && other_client > 0);
	assignee = db_int(t.db, 0, "SELECT assignee_id FROM conversations "
	    "WHERE id = ?", 1, id);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct api_reply rep;

		snprintf(body, sizeof body, "{\"user_id\":%lld}",
		    (long long)bad[i]);
		rep = post(ADMIN, id, "assign", body);
		snprintf(what, sizeof what, "assign %lld", (long long)bad[i]);
		expect_case(rep, 422, "invalid_assignee", "user_id", what);
		api_reply_free(&rep);
		assert_int_equal(notifications_for(bad[i], id), 0);
	}
	{
		static const char *const malformed[] = {
			"{}", "{\"user_id\":\"4\"}", "{\"user_id\":-1}",
			"{\"user_id\":true}",
		};

		for (size_t i = 0; i < 4; i++) {
			struct api_reply rep = post(ADMIN, id, "assign",
			    malformed[i]);

			expect_rejected(&rep, malformed[i]);
			api_reply_free(&rep);
		}
	}
	assert_int_equal(conv_version(id), v);
	assert_int_equal(db_int(t.db, 0, "SELECT assignee_id FROM conversations "
	    "WHERE id = ?", 1, id), assignee);
}

/* ---- priority, labels, handoff, reminder, read -------------------------- */

static void
test_priority(void **state)
{
	int64_t id = conv_pick(SHARED " AND c.priority = 'none'");
	static const char *const p[] = { "urgent", "high", "medium", "low",
	    "none" };
	char body[64];

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		int64_t v = conv_version(id);
		struct api_reply rep;

		snprintf(body, sizeof body, "{\"priority\":\"%s\"}", p[i]);
		rep = post(SUPPORT, id, "priority", body);
		expect_case(rep, 200, NULL, NULL, p[i]);
		assert_string_equal(json_str(rep.json, "priority"), p[i]);
		assert_int_equal((int64_t)json_num(rep.json, "version", 0),
		    v + 1);
		api_reply_free(&rep);
	}
	{
		struct api_reply rep = post(SUPPORT, id, "priority",
		    "{\"priority\":\"critical\"}");

		expect_rejected(&rep, "unknown priority");
		api_reply_free(&rep);
		rep = post(SUPPORT, id, "priority", "{\"priority\":1}");
		expect_rejected(&rep, "numeric priority");
		api_reply_free(&rep);
	}
}

static int
has_label(const struct api_reply *rep, const char *label)
{
	const cJSON *e, *l = cJSON_GetObjectItemCaseSensitive(rep->json,
	    "labels");

	cJSON_ArrayForEach(e, l)
		if (cJSON_IsString(e) && strcmp(e->valuestring, label) == 0)
			return 1;
	return 0;
}

static int
label_count(const struct api_reply *rep)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rep->json,
	    "labels"));
}

static void
test_labels(void **state)
{
	int64_t id = conv_pick(SHARED " AND NOT EXISTS (SELECT 1 FROM "
	    "conversation_labels l WHERE l.conversation_id = c.id)");
	struct api_reply rep;
	int64_t v;
	char *l32, *l33;

	(void)state;
	rep = post(CLIENT, id, "labels", "{\"add\":[\"vip\",\"follow-up\","
	    "\"vip\"]}");
	expect_status(rep, 200);
	assert_true(has_label(&rep, "vip") && has_label(&rep, "follow-up"));
	assert_int_equal(label_count(&rep), 2);
	api_reply_free(&rep);

	rep = post(CLIENT, id, "labels", "{\"add\":[\"refund\"],"
	    "\"remove\":[\"vip\",\"never-had-it\"]}");
	expect_status(rep, 200);
	assert_false(has_label(&rep, "vip"));
	assert_true(has_label(&rep, "refund"));
	assert_int_equal(label_count(&rep), 2);
	api_reply_free(&rep);

	/* nothing to do: no new version */
	v = conv_version(id);
	rep = post(CLIENT, id, "labels", "{\"add\":[\"refund\"]}");
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v);
	api_reply_free(&rep);

	/* 32 characters, 64 bytes: fits; 33 do not */
	l32 = text_repeat("щ", 32);
	l33 = text_repeat("щ", 33);
	{
		char body[256];

		snprintf(body, sizeof body, "{\"add\":[\"%s\"]}", l32);
		rep = post(CLIENT, id, "labels", body);
		expect_status(rep, 200);
		assert_true(has_label(&rep, l32));
		api_reply_free(&rep);
		snprintf(body, sizeof body, "{\"add\":[\"%s\"]}", l33);
		rep = post(CLIENT, id, "labels", body);
		expect_case(rep, 422, "invalid_label", "add", "33 chars");
		api_reply_free(&rep);
	}
	free(l32);
	free(l33);

	{
		static const char *const bad[] = {
			"{\"add\":[\"\"]}",
			"{\"add\":[\"bell\\u0007\"]}",
			"{\"add\":[\"line\\nbreak\"]}",
			"{\"add\":[\"c1\\u0085\"]}",
			"{\"add\":[\"   \"]}",
			"{\"remove\":[\"tab\\there\"]}",
		};

		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			rep = post(CLIENT, id, "labels", bad[i]);
			expect_case(rep, 422, "invalid_label", NULL, bad[i]);
			api_reply_free(&rep);
		}
	}
	{
		static const char *const malformed[] = {
			"{}", "{\"add\":\"vip\"}", "{\"add\":[7]}",
			"{\"remove\":{\"vip\":true}}",
		};

		for (size_t i = 0; i < 4; i++) {
			rep = post(CLIENT, id, "labels", malformed[i]);
			expect_rejected(&rep, malformed[i]);
			api_reply_free(&rep);
		}
	}
	rep = post(CLIENT, id, "labels", "{\"add\":[\"x\"],\"remove\":[\"x\"]}");
	expect_error(rep, 422, "label_conflict");
	api_reply_free(&rep);

	/* fill to 20 (3 so far), then one more is refused whole */
	rep = post(CLIENT, id, "labels", "{\"add\":[\"l01\",\"l02\",\"l03\","
	    "\"l04\",\"l05\",\"l06\",\"l07\",\"l08\",\"l09\",\"l10\",\"l11\","
	    "\"l12\",\"l13\",\"l14\",\"l15\",\"l16\",\"l17\"]}");
	expect_status(rep, 200);
	assert_int_equal(label_count(&rep), 20);
	api_reply_free(&rep);
	v = conv_version(id);
	rep = post(CLIENT, id, "labels", "{\"add\":[\"l18\"]}");
	expect_error(rep, 422, "too_many_labels");
	api_reply_free(&rep);
	/* swapping one for another keeps 20 */
	rep = post(CLIENT, id, "labels", "{\"add\":[\"l18\"],"
	    "\"remove\":[\"l01\"]}");
	expect_status(rep, 200);
	assert_int_equal(label_count(&rep), 20);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v + 1);
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM conversation_labels "
	    "WHERE conversation_id = ?", 1, id), 20);
}

static void
test_handoff(void **state)
{
	int64_t asked = conv_pick(SHARED " AND c.handoff_requested = 1");
	int64_t ai = conv_pick(SHARED " AND c.handler = 'ai' AND "
	    "c.handoff_requested = 0");
	int64_t order = conv_pick("ch.platform = 'order_chat'");
	struct api_reply rep;
	char *event;

	(void)state;
	/* the customer asked for a person; one takes it */
	rep = post(SUPPORT, asked, "handoff", "{\"to\":\"human\"}");
	expect_status(rep, 200);
	assert_string_equal(json_str(rep.json, "handler"), "human");
	assert_int_equal((int64_t)json_num(rep.json, "handoff_requested", -1),
	    0);
	api_reply_free(&rep);
	last_system_event(asked, &event);
	assert_non_null(strstr(event, "took over from the AI"));
	free(event);

	rep = post(SUPPORT, ai, "handoff", "{\"to\":\"human\"}");
	expect_status(rep, 200);
	assert_string_equal(json_str(rep.json, "handler"), "human");
	api_reply_free(&rep);
	rep = post(SUPPORT, ai, "handoff", "{\"to\":\"ai\"}");
	expect_status(rep, 200);
	assert_string_equal(json_str(rep.json, "handler"), "ai");
	api_reply_free(&rep);
	last_system_event(ai, &event);
	assert_non_null(strstr(event, "Handed back to the AI"));
	free(event);

	rep = post(ADMIN, order, "handoff", "{\"to\":\"ai\"}");
	expect_case(rep, 422, "no_assistant", "to", "order chat to the AI");
	api_reply_free(&rep);
	rep = post(SUPPORT, ai, "handoff", "{\"to\":\"bot\"}");
	expect_rejected(&rep, "unknown target");
	api_reply_free(&rep);
	rep = post(SUPPORT, ai, "handoff", "{}");
	expect_rejected(&rep, "no target");
	api_reply_free(&rep);
}

static void
test_payment_reminder(void **state)
{
	int64_t id = conv_pick(SHARED " AND c.payment_status = "
	    "'payment_link_sent' AND c.payment_reminder = 0");
	struct api_reply rep;

	(void)state;
	rep = post(MANAGER, id, "payment-reminder", "{\"enabled\":true}");
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "payment_reminder", -1),
	    1);
	api_reply_free(&rep);
	rep = post(MANAGER, id, "payment-reminder", "{\"enabled\":false}");
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "payment_reminder", -1),
	    0);
	api_reply_free(&rep);
	{
		static const char *const bad[] = { "{}",
		    "{\"enabled\":\"yes\"}", "{\"enabled\":1}",
		    "{\"enabled\":null}" };

		for (size_t i = 0; i < 4; i++) {
			rep = post(MANAGER, id, "payment-reminder", bad[i]);
			expect_rejected(&rep, bad[i]);
			api_reply_free(&rep);
		}
	}
	assert_int_equal(db_int(t.db, -1, "SELECT payment_reminder FROM "
	    "conversations WHERE id = ?", 1, id), 0);
}

static void
test_read(void **state)
{
	int64_t id = conv_pick(SHARED " AND c.unread_count > 0");
	int64_t v = conv_version(id);
	struct api_reply rep;

	(void)state;
	rep = post(CLIENT, id, "read", NULL);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "unread_count", -1), 0);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v + 1);
	api_reply_free(&rep);
	/* already read: nothing changes */
	rep = post(CLIENT, id, "read", NULL);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v + 1);
	api_reply_free(&rep);
}

/* ---- who may act -------------------------------------------------------- */

static const struct action {
	const char	*name;		/* NULL: GET */
	const char	*body;
	long		 ok;
} actions[] = {
	{ NULL, NULL, 200 },
	{ "messages", "{\"kind\":\"text\",\"body\":\"matrix reply\"}", 201 },
	{ "messages", "{\"kind\":\"note\",\"body\":\"matrix note\"}", 201 },
	{ "status", "{\"status\":\"pending\"}", 200 },
	{ "assign", "{\"user_id\":null}", 200 },
	{ "priority", "{\"priority\":\"high\"}", 200 },
	{ "labels", "{\"add\":[\"matrix\"]}", 200 },
	{ "handoff", "{\"to\":\"human\"}", 200 },
	{ "payment-reminder", "{\"enabled\":true}", 200 },
	{ "read", NULL, 200 },
};

/* In scope: billing reads only; the performer sees no conversation. */
static long
allowed(const struct action *a, enum role r)
{
	if (r == PERFORMER)
		return 404;
	if (a->name == NULL)
		return 200;
	return r == BILLING ? 403 : a->ok;
}

static void
matrix_row(enum role r, int64_t id, long (*want)(const struct action *,
    enum role))
{
	char what[96];

	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		const struct action *a = &actions[i];
		int64_t v = conv_version(id), n = messages_of(id);
		long w = want(a, r);
		struct api_reply rep = post(r, id, a->name, a->body);

		snprintf(what, sizeof what, "%s %s conversation %lld",
		    role_name[r], a->name != NULL ? a->name : "GET",
		    (long long)id);
		expect_case(rep, w, NULL, NULL, what);
		if (w >= 400) {
			assert_non_null(json_str(rep.json, "error.code"));
			assert_int_equal(conv_version(id), v);
			assert_int_equal(messages_of(id), n);
		}
		api_reply_free(&rep);
	}
}

static void
test_authorization_matrix(void **state)
{
	int64_t id = conv_pick(SHARED " AND ch.platform = 'whatsapp'");

	(void)state;
	for (int r = 0; r < NROLES; r++)
		matrix_row((enum role)r, id, allowed);
}

/* Outside their companies a manager and a client see nothing: every
 * action answers 404, so ids do not leak. */
static long
out_of_scope(const struct action *a, enum role r)
{
	(void)a;
	(void)r;
	return 404;
}

static void
test_scope_hides_other_companies(void **state)
{
	int64_t id = conv_pick(FOREIGN);

	(void)state;
	matrix_row(MANAGER, id, out_of_scope);
	matrix_row(CLIENT, id, out_of_scope);
	matrix_row(PERFORMER, id, out_of_scope);
	/* staff with every company still act on it */
	matrix_row(SUPPORT, id, allowed);
	/* and a missing conversation is the same 404 */
	matrix_row(ADMIN, 999999999, out_of_scope);
}

/* ---- If-Match ----------------------------------------------------------- */

static void
test_stale_if_match(void **state)
{
	static const struct {
		const char	*action, *body;
	} guarded[] = {
		{ "status", "{\"status\":\"resolved\"}" },
		{ "assign", "{\"user_id\":null}" },
		{ "priority", "{\"priority\":\"low\"}" },
		{ "labels", "{\"add\":[\"stale\"]}" },
		{ "handoff", "{\"to\":\"ai\"}" },
		{ "payment-reminder", "{\"enabled\":true}" },
	};
	int64_t id = conv_pick(SHARED " AND c.status <> 'resolved' AND "
	    "c.priority <> 'urgent' AND c.handler = 'human'");
	int64_t v = conv_version(id);
	struct api_reply rep;

	(void)state;
	/* the current version goes through */
	rep = conv_call(ADMIN, id, "priority", "{\"priority\":\"urgent\"}", v,
	    NULL);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v + 1);
	api_reply_free(&rep);

	for (size_t i = 0; i < sizeof guarded / sizeof guarded[0]; i++) {
		char what[64];

		rep = conv_call(ADMIN, id, guarded[i].action, guarded[i].body,
		    v, NULL);
		snprintf(what, sizeof what, "stale %s", guarded[i].action);
		expect_case(rep, 412, "version_mismatch", NULL, what);
		/* the body carries the current row */
		assert_int_equal((int64_t)json_num(rep.json, "current.id", 0),
		    id);
		assert_int_equal((int64_t)json_num(rep.json, "current.version",
		    0), v + 1);
		assert_string_equal(json_str(rep.json, "current.priority"),
		    "urgent");
		api_reply_free(&rep);
		assert_int_equal(conv_version(id), v + 1);
	}
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM conversation_labels "
	    "WHERE conversation_id = ? AND label = 'stale'", 1, id), 0);
}

/* ---- inbound messages (the channel connector) ---------------------------- */

/* A channel matching where (over ch = channels, co = companies, with ?1 =
 * manager@ and ?2 = client@), the lowest id. */
static int64_t
channel_pick(const char *where)
{
	sqlite3_stmt *st;
	char sql[512];
	int64_t id = 0;

	snprintf(sql, sizeof sql, "SELECT ch.id FROM channels ch JOIN "
	    "companies co ON co.id = ch.company_id WHERE (%s) AND "
	    "?1 IS NOT NULL AND ?2 IS NOT NULL ORDER BY ch.id LIMIT 1", where);
	if (sqlite3_prepare_v2(t.db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(t.db));
	sqlite3_bind_int64(st, 1, t.uid[MANAGER]);
	sqlite3_bind_int64(st, 2, t.uid[CLIENT]);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (id == 0)
		fail_msg("no channel where %s", where);
	return id;
}

/* {"from":{"handle","name"},"body"} plus extra members of the top level
 * (a JSON object's inside, such as "\"handoff\":true"), or NULL. */
static char *
inbound_body(const char *handle, const char *name, const char *text,
    const char *extra)
{
	cJSON *o = cJSON_CreateObject(), *from;
	char *s, *out;

	from = cJSON_AddObjectToObject(o, "from");
	cJSON_AddStringToObject(from, "handle", handle);
	cJSON_AddStringToObject(from, "name", name);
	cJSON_AddStringToObject(o, "body", text);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (extra == NULL)
		return s;
	/* {…} + ,extra} */
	out = malloc(strlen(s) + strlen(extra) + 2);
	assert_non_null(out);
	memcpy(out, s, strlen(s) - 1);
	sprintf(out + strlen(s) - 1, ",%s}", extra);
	cJSON_free(s);
	return out;
}

static struct api_reply
inbound_call(enum role r, int64_t channel, const char *body, const char *key)
{
	char path[96], ik[160];
	const char *extra[2] = { NULL, NULL };

	snprintf(path, sizeof path, "/api/v1/channels/%lld/inbound",
	    (long long)channel);
	if (key != NULL) {
		snprintf(ik, sizeof ik, "Idempotency-Key: %s", key);
		extra[0] = ik;
	}
	return api_call(t.m, t.tok[r], "POST", path, body, extra);
}

/* The customer writes: 201, and the conversation it went to (taken, so
 * no other test picks it). */
static int64_t
customer_writes(int64_t channel, const char *handle, const char *name,
    const char *text, const char *extra)
{
	char *body = inbound_body(handle, name, text, extra);
	struct api_reply rep = inbound_call(ADMIN, channel, body, NULL);
	int64_t conv;

	free(body);
	expect_status(rep, 201);
	conv = (int64_t)json_num(rep.json, "conversation_id", 0);
	assert_true(conv > 0);
	api_reply_free(&rep);
	if (!taken(conv)) {
		assert_true(t.nused < (int)(sizeof t.used / sizeof t.used[0]));
		t.used[t.nused++] = conv;
	}
	return conv;
}

static int64_t
feed_head(void)
{
	return db_int(t.db, 0, "SELECT max(seq) FROM changes", 0);
}

/* Whether the admin's feed after since has an upsert of type id. */
static int
feed_has(int64_t since, const char *type, int64_t id)
{
	char path[128];
	struct api_reply rep;
	const cJSON *e;
	int found = 0;

	snprintf(path, sizeof path, "/api/v1/changes?since=%lld&limit=5000",
	    (long long)since);
	rep = api_call(t.m, t.tok[ADMIN], "GET", path, NULL, NULL);
	expect_status(rep, 200);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rep.json,
	    "changes"))
		if (strcmp(json_str(e, "type"), type) == 0 &&
		    (int64_t)json_num(e, "id", 0) == id &&
		    strcmp(json_str(e, "op"), "upsert") == 0)
			found = 1;
	api_reply_free(&rep);
	return found;
}

static int64_t
notes_of(int64_t conv, const char *kind)
{
	return db_int(t.db, -1, "SELECT count(*) FROM notifications WHERE "
	    "ref_type = 'conversation' AND ref_id = ? AND kind = "
	    "(CASE ? WHEN 1 THEN 'new_conversation' ELSE 'new_message' END)",
	    2, conv, (int64_t)(strcmp(kind, "new_conversation") == 0));
}

static void
test_inbound_new_customer_starts_a_conversation(void **state)
{
	int64_t ch = channel_pick(SHARED " AND ch.platform = 'whatsapp'");
	int64_t since = feed_head(), start = (int64_t)time(NULL);
	int64_t contacts = db_int(t.db, -1, "SELECT count(*) FROM contacts", 0);
	int64_t conv, contact, mid, staff, v;
	struct api_reply rep;
	char *s;

	(void)state;
	rep = inbound_call(ADMIN, ch, "{\"from\":{\"handle\":\"+34 611 000 "
	    "001\",\"name\":\"Ana Ruiz\",\"phone\":\"+34 611 000 001\","
	    "\"email\":\"ana.ruiz@example.es\",\"language\":\"es\"},"
	    "\"body\":\"Hola, ¿tenéis rosas rojas para mañana?\"}", NULL);
	expect_status(rep, 201);
	assert_string_equal(json_str(rep.json, "direction"), "in");
	assert_string_equal(json_str(rep.json, "kind"), "text");
	assert_string_equal(json_str(rep.json, "author_kind"), "contact");
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rep.json,
	    "author_id")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rep.json,
	    "delivery")));
	assert_string_equal(json_str(rep.json, "body"),
	    "Hola, ¿tenéis rosas rojas para mañana?");
	mid = (int64_t)json_num(rep.json, "id", 0);
	conv = (int64_t)json_num(rep.json, "conversation_id", 0);
	api_reply_free(&rep);
	t.used[t.nused++] = conv;

	/* the contact is new, made from "from" */
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM contacts", 0),
	    contacts + 1);
	contact = db_int(t.db, 0, "SELECT contact_id FROM conversations "
	    "WHERE id = ?", 1, conv);
	s = db_text(t.db, "SELECT name || '|' || handle || '|' || phone || "
	    "'|' || email || '|' || language || '|' || lead_source FROM "
	    "contacts WHERE id = ? AND company_id = (SELECT company_id FROM "
	    "channels WHERE id = ?)", 2, contact, ch);
	assert_non_null(s);
	assert_string_equal(s, "Ana Ruiz|+34 611 000 001|+34 611 000 001|"
	    "ana.ruiz@example.es|es|whatsapp");
	free(s);

	/* the conversation is new: open, the AI answering, nobody's */
	rep = post(MANAGER, conv, NULL, NULL);
	expect_status(rep, 200);
	assert_string_equal(json_str(rep.json, "status"), "open");
	assert_string_equal(json_str(rep.json, "handler"), "ai");
	assert_string_equal(json_str(rep.json, "priority"), "none");
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rep.json,
	    "assignee_id")));
	assert_int_equal((int64_t)json_num(rep.json, "channel_id", 0), ch);
	assert_int_equal((int64_t)json_num(rep.json, "unread_count", 0), 1);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), 1);
	assert_int_equal((int64_t)json_num(rep.json, "payment_reminder", -1),
	    1);
	assert_true((int64_t)json_num(rep.json, "waiting_since", 0) >= start);
	assert_int_equal((int64_t)json_num(rep.json, "waiting_since", 0),
	    (int64_t)json_num(rep.json, "last_activity_at", -1));
	assert_string_equal(json_str(rep.json, "last_message_preview"),
	    "Hola, ¿tenéis rosas rojas para mañana?");
	api_reply_free(&rep);

	/* the feed has all three rows */
	assert_true(feed_has(since, "message", mid));
	assert_true(feed_has(since, "conversation", conv));
	assert_true(feed_has(since, "contact", contact));

	/* everyone who may answer it is told; billing and performers not */
	staff = db_int(t.db, -1, "SELECT count(*) FROM users WHERE role IN "
	    "('admin', 'support')", 0);
	assert_int_equal(notes_of(conv, "new_conversation"), staff + 2);
	for (int r = 0; r < NROLES; r++)
		assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM "
		    "notifications WHERE user_id = ? AND ref_id = ? AND "
		    "kind = 'new_conversation'", 2, t.uid[r], conv),
		    r == BILLING || r == PERFORMER ? 0 : 1);
	s = db_text(t.db, "SELECT title FROM notifications WHERE user_id = ? "
	    "AND ref_id = ? AND kind = 'new_conversation'", 2, t.uid[CLIENT],
	    conv);
	assert_string_equal(s, "Ana Ruiz (whatsapp): Hola, ¿tenéis rosas "
	    "rojas para mañana?");
	free(s);
	/* the manager reads theirs through the feed */
	rep = api_call(t.m, t.tok[MANAGER], "GET", "/api/v1/changes?since=0"
	    "&limit=5000", NULL, NULL);
	expect_status(rep, 200);
	{
		const cJSON *e;
		int seen = 0;

		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
		    rep.json, "changes"))
			if (strcmp(json_str(e, "type"), "notification") == 0 &&
			    json_str(e, "data.kind") != NULL &&
			    strcmp(json_str(e, "data.kind"),
			    "new_conversation") == 0 &&
			    (int64_t)json_num(e, "data.ref_id", 0) == conv)
				seen++;
		assert_int_equal(seen, 1);
	}
	api_reply_free(&rep);

	/* the same customer again: the same conversation and contact, one
	 * more unread, the wait still from the first message, nobody told
	 * again (nobody has it yet) */
	v = conv_version(conv);
	assert_int_equal(customer_writes(ch, "+34 611 000 001", "Ana R.",
	    "¿Y a domicilio?", NULL), conv);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM contacts", 0),
	    contacts + 1);
	s = db_text(t.db, "SELECT name FROM contacts WHERE id = ?", 1, contact);
	assert_string_equal(s, "Ana Ruiz");
	free(s);
	rep = post(ADMIN, conv, NULL, NULL);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "unread_count", 0), 2);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v + 1);
	assert_true((int64_t)json_num(rep.json, "waiting_since", 0) >= start);
	assert_true((int64_t)json_num(rep.json, "waiting_since", 0) <=
	    (int64_t)json_num(rep.json, "last_activity_at", 0));
	assert_string_equal(json_str(rep.json, "last_message_preview"),
	    "¿Y a domicilio?");
	api_reply_free(&rep);
	assert_int_equal(notes_of(conv, "new_conversation"), staff + 2);
	assert_int_equal(notes_of(conv, "new_message"), 0);

	/* a reply ends the wait; the customer's next message starts one */
	rep = send_message(SUPPORT, conv, "text", "Sí, entregamos en toda la "
	    "ciudad.");
	expect_status(rep, 201);
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, 0, "SELECT waiting_since IS NULL FROM "
	    "conversations WHERE id = ?", 1, conv), 1);
	customer_writes(ch, "+34 611 000 001", "Ana Ruiz", "¡Genial!", NULL);
	assert_int_equal(db_int(t.db, 0, "SELECT waiting_since = "
	    "last_activity_at AND unread_count = 1 FROM conversations "
	    "WHERE id = ?", 1, conv), 1);
}

static void
test_inbound_notifies_the_assignee(void **state)
{
	int64_t ch = channel_pick(SHARED " AND ch.platform = 'instagram'");
	int64_t conv, staff;
	char body[64], *title;
	struct api_reply rep;

	(void)state;
	conv = customer_writes(ch, "@lucia.flores", "Lucía Flores",
	    "Buenas", NULL);
	staff = notes_of(conv, "new_conversation");
	snprintf(body, sizeof body, "{\"user_id\":%lld}",
	    (long long)t.uid[SUPPORT]);
	rep = post(MANAGER, conv, "assign", body);
	expect_status(rep, 200);
	api_reply_free(&rep);

	/* over 60 characters on two lines: the title has the first 60 on one */
	customer_writes(ch, "@lucia.flores", "Lucía Flores", "Quería "
	    "encargar un ramo\n\nde 24 rosas para el sábado, ¿cuánto cuesta "
	    "en total?", NULL);
	assert_int_equal(notes_of(conv, "new_message"), 1);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM notifications "
	    "WHERE user_id = ? AND ref_id = ? AND kind = 'new_message'", 2,
	    t.uid[SUPPORT], conv), 1);
	title = db_text(t.db, "SELECT title FROM notifications WHERE "
	    "user_id = ? AND ref_id = ? AND kind = 'new_message'", 2,
	    t.uid[SUPPORT], conv);
	/* the 60th character is a space, which a line does not end with */
	assert_string_equal(title, "Lucía Flores (instagram): Quería encargar "
	    "un ramo de 24 rosas para el sábado, ¿cuánto");
	free(title);
	/* the others were told of the new conversation, not of this */
	assert_int_equal(notes_of(conv, "new_conversation"), staff);
}

static void
test_inbound_wakes_a_snooze(void **state)
{
	int64_t ch = channel_pick(SHARED " AND ch.platform = 'whatsapp'");
	int64_t conv, mid, ev, v, until = (int64_t)time(NULL) + 86400;
	char body[96], *event;
	struct api_reply rep;

	(void)state;
	conv = customer_writes(ch, "+34 611 000 003", "Pablo Gil",
	    "Necesito factura", NULL);
	snprintf(body, sizeof body, "{\"status\":\"snoozed\","
	    "\"snoozed_until\":%lld}", (long long)until);
	rep = post(SUPPORT, conv, "status", body);
	expect_conv_status(&rep, "snoozed", until, "snooze");
	api_reply_free(&rep);
	v = conv_version(conv);

	customer_writes(ch, "+34 611 000 003", "Pablo Gil", "¿Hola?", NULL);
	rep = post(SUPPORT, conv, NULL, NULL);
	expect_conv_status(&rep, "open", 0, "woken by the customer");
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v + 1);
	api_reply_free(&rep);
	mid = db_int(t.db, 0, "SELECT max(id) FROM messages WHERE "
	    "conversation_id = ? AND kind = 'text'", 1, conv);
	ev = last_system_event(conv, &event);
	assert_string_equal(event, "Snooze ended: the customer wrote");
	free(event);
	/* the event follows the message that caused it */
	assert_true(ev > mid);
}

static void
test_inbound_after_resolve_starts_a_new_conversation(void **state)
{
	int64_t ch = channel_pick(SHARED " AND ch.platform = 'whatsapp'");
	int64_t first, second, staff;
	struct api_reply rep;

	(void)state;
	first = customer_writes(ch, "+34 611 000 004", "Marta Vidal",
	    "Quiero cancelar", NULL);
	staff = notes_of(first, "new_conversation");
	rep = post(MANAGER, first, "payment-reminder", "{\"enabled\":false}");
	expect_status(rep, 200);
	api_reply_free(&rep);
	rep = post(MANAGER, first, "status", "{\"status\":\"resolved\"}");
	expect_status(rep, 200);
	api_reply_free(&rep);

	second = customer_writes(ch, "+34 611 000 004", "Marta Vidal",
	    "Otra cosa", NULL);
	assert_true(second != first);
	/* the resolved one stays as it was */
	rep = post(MANAGER, first, NULL, NULL);
	expect_conv_status(&rep, "resolved", 0, "the old one");
	assert_int_equal((int64_t)json_num(rep.json, "unread_count", -1), 1);
	api_reply_free(&rep);
	rep = post(MANAGER, second, NULL, NULL);
	expect_conv_status(&rep, "open", 0, "the new one");
	assert_int_equal((int64_t)json_num(rep.json, "unread_count", -1), 1);
	/* one customer, and their preference follows them */
	assert_int_equal((int64_t)json_num(rep.json, "contact_id", 0),
	    db_int(t.db, 0, "SELECT contact_id FROM conversations WHERE "
	    "id = ?", 1, first));
	assert_int_equal((int64_t)json_num(rep.json, "payment_reminder", -1),
	    0);
	api_reply_free(&rep);
	assert_int_equal(notes_of(second, "new_conversation"), staff);
}

static void
test_inbound_handoff_request(void **state)
{
	int64_t ch = channel_pick(SHARED " AND ch.platform = 'telegram'");
	int64_t conv, events;
	char *event;
	struct api_reply rep;

	(void)state;
	conv = customer_writes(ch, "@ivan_petrov", "Иван Петров",
	    "Позовите человека", "\"handoff\":true");
	rep = post(SUPPORT, conv, NULL, NULL);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "handoff_requested", -1),
	    1);
	assert_string_equal(json_str(rep.json, "handler"), "ai");
	api_reply_free(&rep);
	last_system_event(conv, &event);
	assert_string_equal(event, "Иван Петров asked for a person");
	free(event);
	events = db_int(t.db, -1, "SELECT count(*) FROM messages WHERE "
	    "conversation_id = ? AND kind = 'system'", 1, conv);

	/* asked again: still one request, no second event; false is not a
	 * withdrawal either */
	customer_writes(ch, "@ivan_petrov", "Иван Петров", "Ну?",
	    "\"handoff\":true");
	customer_writes(ch, "@ivan_petrov", "Иван Петров", "Алло",
	    "\"handoff\":false");
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM messages WHERE "
	    "conversation_id = ? AND kind = 'system'", 1, conv), events);
	assert_int_equal(db_int(t.db, -1, "SELECT handoff_requested FROM "
	    "conversations WHERE id = ?", 1, conv), 1);

	/* a person takes it: the request is met */
	rep = post(SUPPORT, conv, "handoff", "{\"to\":\"human\"}");
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "handoff_requested", -1),
	    0);
	api_reply_free(&rep);
}

/* 200 KB of what customers really send: terminal escapes, RTL Arabic with
 * bidi controls, combining marks, emoji sequences, C1 controls.  The
 * server keeps it byte for byte (the client sanitizes what it draws). */
static void
test_inbound_large_hostile_body_is_stored_as_is(void **state)
{
	static const char unit[] =
	    "\x1b[31mRED\x1b[0m \x1b]0;pwned\x07 "
	    "مرحبا، أريد طلب ورد أحمر \xe2\x80\xae reversed \xe2\x80\xac "
	    "Z\xcc\x8d\xcc\x91\xcc\x88" "a\xcc\x8a\xcc\x8dl\xcc\x8dg\xcc\x88o "
	    "👩‍👩‍👧‍👦 🇪🇸 \xc2\x9b tab\there\r\n";
	int64_t ch = channel_pick(SHARED " AND ch.platform = 'whatsapp'");
	size_t n = 200 * 1024 / (sizeof unit - 1) + 1;
	char *text = text_repeat(unit, n), *body, *stored, *preview;
	struct api_reply rep;
	int64_t mid, conv;

	(void)state;
	assert_true(strlen(text) >= 200 * 1024);
	body = inbound_body("+964 770 000 0006", "علي حسن", text, NULL);
	assert_true(strlen(body) > 200 * 1024);
	rep = inbound_call(ADMIN, ch, body, NULL);
	free(body);
	expect_status(rep, 201);
	assert_string_equal(json_str(rep.json, "body"), text);
	mid = (int64_t)json_num(rep.json, "id", 0);
	conv = (int64_t)json_num(rep.json, "conversation_id", 0);
	api_reply_free(&rep);
	t.used[t.nused++] = conv;
	stored = db_text(t.db, "SELECT body FROM messages WHERE id = ?", 1,
	    mid);
	assert_non_null(stored);
	assert_int_equal(strlen(stored), strlen(text));
	assert_memory_equal(stored, text, strlen(text));
	free(stored);
	/* no reply cap on what customers send: far over email's 7000 */
	assert_true(db_int(t.db, 0, "SELECT length(body) FROM messages "
	    "WHERE id = ?", 1, mid) > 7000);
	/* the preview is one line of at most 120 characters */
	preview = db_text(t.db, "SELECT last_message_preview FROM "
	    "conversations WHERE id = ?", 1, conv);
	assert_non_null(preview);
	assert_null(strchr(preview, '\n'));
	assert_true(db_int(t.db, 0, "SELECT length(last_message_preview) "
	    "FROM conversations WHERE id = ?", 1, conv) <= 120);
	free(preview);
	free(text);
}

static void
test_inbound_attachment(void **state)
{
	int64_t ch = channel_pick(SHARED " AND ch.platform = 'whatsapp'");
	struct api_reply rep;
	int64_t conv;
	char *preview;

	(void)state;
	rep = inbound_call(ADMIN, ch, "{\"from\":{\"handle\":\"+34 611 000 "
	    "007\",\"name\":\"Rosa Mar\"},\"body\":\"\",\"attachment\":{"
	    "\"url\":\"https://cdn.example.com/m/7.jpg\",\"type\":"
	    "\"image/jpeg\",\"size\":48213}}", NULL);
	expect_status(rep, 201);
	assert_string_equal(json_str(rep.json, "body"), "");
	assert_string_equal(json_str(rep.json, "attachment_url"),
	    "https://cdn.example.com/m/7.jpg");
	assert_string_equal(json_str(rep.json, "attachment_type"),
	    "image/jpeg");
	assert_int_equal((int64_t)json_num(rep.json, "attachment_size", 0),
	    48213);
	conv = (int64_t)json_num(rep.json, "conversation_id", 0);
	api_reply_free(&rep);
	t.used[t.nused++] = conv;
	preview = db_text(t.db, "SELECT last_message_preview FROM "
	    "conversations WHERE id = ?", 1, conv);
	assert_string_equal(preview, "[image/jpeg]");
	free(preview);
}

static void
test_inbound_bad_bodies_change_nothing(void **state)
{
	static const struct {
		const char	*body, *field;
	} bad[] = {
		{ "{\"body\":\"hi\"}", "from" },
		{ "{\"from\":\"+34\",\"body\":\"hi\"}", "from" },
		{ "{\"from\":{\"name\":\"A\"},\"body\":\"hi\"}", "from.handle" },
		{ "{\"from\":{\"handle\":7,\"name\":\"A\"},\"body\":\"hi\"}",
		    "from.handle" },
		{ "{\"from\":{\"handle\":\"h\\nx\",\"name\":\"A\"},"
		    "\"body\":\"hi\"}", "from.handle" },
		{ "{\"from\":{\"handle\":\"h\"},\"body\":\"hi\"}", "from.name" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"  \"},"
		    "\"body\":\"hi\"}", "from.name" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\\u001b[2J\"},"
		    "\"body\":\"hi\"}", "from.name" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\",\"language\":"
		    "\"e s\"},\"body\":\"hi\"}", "from.language" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\",\"phone\":5},"
		    "\"body\":\"hi\"}", "from.phone" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"}}", "body" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},\"body\":42}",
		    "body" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},\"body\":\"\"}",
		    "body" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},"
		    "\"body\":\" \\r\\n \"}", "body" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},"
		    "\"body\":\"ab\x80\"}", "body" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},"
		    "\"body\":\"\xed\xa0\x80\"}", "body" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\\xff\"},"
		    "\"body\":\"hi\"}", NULL },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},\"body\":\"hi\","
		    "\"attachment\":{\"url\":\"file:///etc/passwd\","
		    "\"type\":\"image/png\"}}", "attachment.url" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},\"body\":\"hi\","
		    "\"attachment\":{\"url\":\"https://x.test/a\"}}",
		    "attachment.type" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},\"body\":\"hi\","
		    "\"attachment\":{\"url\":\"https://x.test/a\",\"type\":"
		    "\"фото\"}}", "attachment.type" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},\"body\":\"hi\","
		    "\"attachment\":{\"url\":\"https://x.test/a\",\"type\":"
		    "\"image/png\",\"size\":-1}}", "attachment.size" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},\"body\":\"hi\","
		    "\"attachment\":{\"url\":\"https://x.test/a\",\"type\":"
		    "\"image/png\",\"size\":1.5}}", "attachment.size" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},\"body\":\"hi\","
		    "\"attachment\":\"https://x.test/a\"}", "attachment" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},\"body\":\"hi\","
		    "\"handoff\":\"yes\"}", "handoff" },
		{ "{\"from\":{\"handle\":\"h\",\"name\":\"A\"},\"body\":\"hi\","
		    "\"handoff\":1}", "handoff" },
	};
	int64_t ch = channel_pick(SHARED " AND ch.platform = 'whatsapp'");
	int64_t msgs = db_int(t.db, -1, "SELECT count(*) FROM messages", 0);
	int64_t convs = db_int(t.db, -1, "SELECT count(*) FROM conversations",
	    0);
	int64_t contacts = db_int(t.db, -1, "SELECT count(*) FROM contacts", 0);
	int64_t seq = feed_head();
	char what[32];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct api_reply rep = inbound_call(ADMIN, ch, bad[i].body,
		    NULL);

		snprintf(what, sizeof what, "bad inbound %zu", i);
		expect_rejected(&rep, what);
		if (bad[i].field != NULL)
			expect_case(rep, 422, NULL, bad[i].field, what);
		api_reply_free(&rep);
	}
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM messages", 0),
	    msgs);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM conversations",
	    0), convs);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM contacts", 0),
	    contacts);
	assert_int_equal(feed_head(), seq);
}

static void
test_inbound_who_may_post(void **state)
{
	int64_t mine = channel_pick(SHARED " AND ch.platform = 'whatsapp'");
	int64_t foreign = channel_pick(FOREIGN " AND ch.platform <> "
	    "'order_chat'");
	int64_t order = channel_pick("ch.platform = 'order_chat'");
	int64_t msgs = db_int(t.db, -1, "SELECT count(*) FROM messages", 0);
	static const struct {
		enum role	 role;
		long		 mine, foreign;
	} want[] = {
		{ MANAGER, 403, 404 }, { BILLING, 403, 403 },
		{ SUPPORT, 403, 403 }, { CLIENT, 403, 404 },
		{ PERFORMER, 404, 404 },
	};
	char *body = inbound_body("+34 611 000 009", "Nadie", "hola", NULL);
	char what[64];
	struct api_reply rep;

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		rep = inbound_call(want[i].role, mine, body, NULL);
		snprintf(what, sizeof what, "%s inbound own",
		    role_name[want[i].role]);
		expect_case(rep, want[i].mine, want[i].mine == 403 ?
		    "forbidden" : "not_found", NULL, what);
		api_reply_free(&rep);
		rep = inbound_call(want[i].role, foreign, body, NULL);
		snprintf(what, sizeof what, "%s inbound foreign",
		    role_name[want[i].role]);
		expect_case(rep, want[i].foreign, NULL, NULL, what);
		api_reply_free(&rep);
	}
	rep = inbound_call(ADMIN, 999999999, body, NULL);
	expect_error(rep, 404, "not_found");
	api_reply_free(&rep);
	rep = inbound_call(ADMIN, order, body, NULL);
	expect_error(rep, 409, "no_connector");
	api_reply_free(&rep);
	rep = inbound_call(ADMIN, mine, body, NULL);
	expect_status(rep, 201);
	api_reply_free(&rep);
	rep = api_call(t.m, NULL, "POST", "/api/v1/channels/1/inbound", body,
	    NULL);
	expect_error(rep, 401, "unauthorized");
	api_reply_free(&rep);
	free(body);
	/* only the admin's one went in */
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM messages", 0),
	    msgs + 1);
	t.used[t.nused++] = db_int(t.db, 0, "SELECT max(id) FROM "
	    "conversations", 0);
}

static void
test_inbound_idempotent_retry(void **state)
{
	int64_t ch = channel_pick(SHARED " AND ch.platform = 'whatsapp'");
	char *body = inbound_body("+34 611 000 010", "Eva Sanz",
	    "Reintento: hola", NULL);
	struct api_reply a, b;
	int64_t conv, replays;

	(void)state;
	replays = db_int(t.db, 0, "SELECT coalesce(sum(replays), 0) FROM "
	    "idempotency", 0);
	a = inbound_call(ADMIN, ch, body, "inbound-wamid-0010");
	expect_status(a, 201);
	b = inbound_call(ADMIN, ch, body, "inbound-wamid-0010");
	expect_status(b, 201);
	assert_true(cJSON_Compare(a.json, b.json, true));
	conv = (int64_t)json_num(a.json, "conversation_id", 0);
	t.used[t.nused++] = conv;
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM messages WHERE "
	    "conversation_id = ?", 1, conv), 1);
	assert_int_equal(db_int(t.db, -1, "SELECT unread_count FROM "
	    "conversations WHERE id = ?", 1, conv), 1);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM contacts "
	    "WHERE handle = '+34 611 000 010'", 0), 1);
	assert_true(db_int(t.db, 0, "SELECT coalesce(sum(replays), 0) FROM "
	    "idempotency", 0) > replays);
	api_reply_free(&a);
	api_reply_free(&b);
	free(body);
}

/* ---- delivery receipts --------------------------------------------------- */

static struct api_reply
delivery(enum role r, int64_t mid, const char *state)
{
	char path[96], body[64];

	snprintf(path, sizeof path, "/api/v1/messages/%lld/delivery",
	    (long long)mid);
	snprintf(body, sizeof body, "{\"delivery\":\"%s\"}", state);
	return api_call(t.m, t.tok[r], "POST", path, body, NULL);
}

static int64_t
reply_id(enum role r, int64_t conv, const char *kind, const char *text)
{
	struct api_reply rep = send_message(r, conv, kind, text);
	int64_t id;

	expect_status(rep, 201);
	id = (int64_t)json_num(rep.json, "id", 0);
	api_reply_free(&rep);
	return id;
}

static void
test_delivery_receipts_move_forward(void **state)
{
	int64_t conv = conv_pick(SHARED " AND ch.platform = 'whatsapp'");
	int64_t a = reply_id(MANAGER, conv, "text", "Enviado hoy."), b;
	int64_t since = feed_head();
	static const struct {
		const char	*to;
		long		 status;
		const char	*now;	/* the state after */
		int		 bump;	/* the version moved */
	} steps[] = {
		{ "delivered", 200, "delivered", 1 },
		{ "delivered", 200, "delivered", 0 },	/* a retry */
		{ "sent", 409, "delivered", 0 },
		{ "read", 200, "read", 1 },
		{ "delivered", 409, "read", 0 },
		{ "failed", 409, "read", 0 },
		{ "read", 200, "read", 0 },
	};
	struct api_reply rep;

	(void)state;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		int64_t v = db_int(t.db, 0, "SELECT version FROM messages "
		    "WHERE id = ?", 1, a);
		char *d, what[48];

		rep = delivery(ADMIN, a, steps[i].to);
		snprintf(what, sizeof what, "step %zu: %s", i, steps[i].to);
		expect_case(rep, steps[i].status, steps[i].status == 409 ?
		    "invalid_state" : NULL, NULL, what);
		if (steps[i].status == 200) {
			assert_string_equal(json_str(rep.json, "delivery"),
			    steps[i].now);
			assert_int_equal((int64_t)json_num(rep.json,
			    "version", 0), v + steps[i].bump);
		}
		api_reply_free(&rep);
		d = db_text(t.db, "SELECT delivery FROM messages WHERE id = ?",
		    1, a);
		assert_string_equal(d, steps[i].now);
		free(d);
	}
	assert_true(feed_has(since, "message", a));

	/* a reply may fail before it is read, and then stays failed */
	b = reply_id(SUPPORT, conv, "text", "Segundo intento.");
	rep = delivery(ADMIN, b, "failed");
	expect_status(rep, 200);
	assert_string_equal(json_str(rep.json, "delivery"), "failed");
	api_reply_free(&rep);
	rep = delivery(ADMIN, b, "delivered");
	expect_error(rep, 409, "invalid_state");
	api_reply_free(&rep);
	rep = delivery(ADMIN, b, "failed");
	expect_status(rep, 200);
	api_reply_free(&rep);
}

static void
test_delivery_only_for_replies_and_the_connector(void **state)
{
	int64_t conv = conv_pick(SHARED " AND ch.platform = 'whatsapp'");
	int64_t foreign = conv_pick(FOREIGN " AND ch.platform <> "
	    "'order_chat'");
	int64_t reply = reply_id(ADMIN, conv, "text", "Listo.");
	int64_t note = reply_id(ADMIN, conv, "note", "Nota interna.");
	int64_t in = db_int(t.db, 0, "SELECT max(id) FROM messages WHERE "
	    "conversation_id = ? AND direction = 'in'", 1, conv);
	int64_t sys = db_int(t.db, 0, "SELECT max(id) FROM messages WHERE "
	    "kind = 'system'", 0);
	int64_t far = reply_id(ADMIN, foreign, "text", "Hecho.");
	struct api_reply rep;
	static const char *const bad[] = {
		"{\"delivery\":\"bounced\"}", "{\"delivery\":\"sending\"}",
		"{\"delivery\":3}", "{}",
	};
	char path[96];

	(void)state;
	assert_true(in > 0 && sys > 0);
	rep = delivery(ADMIN, in, "read");
	expect_error(rep, 409, "not_deliverable");
	api_reply_free(&rep);
	rep = delivery(ADMIN, note, "delivered");
	expect_error(rep, 409, "not_deliverable");
	api_reply_free(&rep);
	rep = delivery(ADMIN, sys, "delivered");
	expect_error(rep, 409, "not_deliverable");
	api_reply_free(&rep);

	snprintf(path, sizeof path, "/api/v1/messages/%lld/delivery",
	    (long long)reply);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rep = api_call(t.m, t.tok[ADMIN], "POST", path, bad[i], NULL);
		expect_rejected(&rep, bad[i]);
		api_reply_free(&rep);
	}
	for (int r = MANAGER; r < NROLES; r++) {
		rep = delivery((enum role)r, reply, "delivered");
		expect_case(rep, r == PERFORMER ? 404 : 403, NULL, NULL,
		    role_name[r]);
		api_reply_free(&rep);
	}
	rep = delivery(MANAGER, far, "delivered");
	expect_error(rep, 404, "not_found");
	api_reply_free(&rep);
	rep = delivery(CLIENT, far, "delivered");
	expect_error(rep, 404, "not_found");
	api_reply_free(&rep);
	rep = delivery(ADMIN, 999999999, "delivered");
	expect_error(rep, 404, "not_found");
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, 0, "SELECT delivery = 'sent' AND "
	    "version = 1 FROM messages WHERE id = ?", 1, reply), 1);
}

/* ---- the snooze timer ---------------------------------------------------- */

/* The server wakes a snooze whose time has passed by itself.  mktd runs
 * the sweep every MKTD_SNOOZE_INTERVAL seconds, 1 here (group_setup), so
 * the poll below is bounded by a few seconds. */
static void
test_snooze_timer_wakes_the_conversation(void **state)
{
	int64_t id = conv_pick(SHARED " AND c.status = 'open'");
	int64_t until = (int64_t)time(NULL) + 2, v, since = feed_head();
	long deadline;
	char body[96], *event = NULL;
	struct api_reply rep;

	(void)state;
	snprintf(body, sizeof body, "{\"status\":\"snoozed\","
	    "\"snoozed_until\":%lld}", (long long)until);
	rep = post(SUPPORT, id, "status", body);
	expect_conv_status(&rep, "snoozed", until, "snooze for 2 s");
	v = (int64_t)json_num(rep.json, "version", 0);
	api_reply_free(&rep);

	deadline = now_ms() + 15000;
	while (db_int(t.db, 0, "SELECT status = 'snoozed' FROM conversations "
	    "WHERE id = ?", 1, id) == 1 && now_ms() < deadline)
		usleep(100 * 1000);
	rep = post(SUPPORT, id, NULL, NULL);
	expect_conv_status(&rep, "open", 0, "woken by the timer");
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v + 1);
	api_reply_free(&rep);
	assert_true((int64_t)time(NULL) >= until);
	last_system_event(id, &event);
	assert_string_equal(event, "Snooze ended");
	free(event);
	assert_true(feed_has(since, "conversation", id));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_returns_the_row_with_labels),
		cmocka_unit_test(test_get_scope),
		cmocka_unit_test(test_reply_answers_the_customer),
		cmocka_unit_test(test_reply_preview_is_the_first_120_characters),
		cmocka_unit_test(test_note_is_private_and_answers_nobody),
		cmocka_unit_test(test_reply_caps_per_channel_in_characters),
		cmocka_unit_test(test_reply_cap_counts_code_points),
		cmocka_unit_test(test_reply_bad_bodies_change_nothing),
		cmocka_unit_test(test_reply_idempotent_retry),
		cmocka_unit_test(test_feed_carries_the_reply),
		cmocka_unit_test(test_status_transitions),
		cmocka_unit_test(test_snooze_validation),
		cmocka_unit_test(test_assign_and_unassign),
		cmocka_unit_test(test_assignee_must_be_able_to_answer),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_handoff),
		cmocka_unit_test(test_payment_reminder),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_authorization_matrix),
		cmocka_unit_test(test_scope_hides_other_companies),
		cmocka_unit_test(test_stale_if_match),
		cmocka_unit_test(test_inbound_new_customer_starts_a_conversation),
		cmocka_unit_test(test_inbound_notifies_the_assignee),
		cmocka_unit_test(test_inbound_wakes_a_snooze),
		cmocka_unit_test(
		    test_inbound_after_resolve_starts_a_new_conversation),
		cmocka_unit_test(test_inbound_handoff_request),
		cmocka_unit_test(
		    test_inbound_large_hostile_body_is_stored_as_is),
		cmocka_unit_test(test_inbound_attachment),
		cmocka_unit_test(test_inbound_bad_bodies_change_nothing),
		cmocka_unit_test(test_inbound_who_may_post),
		cmocka_unit_test(test_inbound_idempotent_retry),
		cmocka_unit_test(test_delivery_receipts_move_forward),
		cmocka_unit_test(
		    test_delivery_only_for_replies_and_the_connector),
		cmocka_unit_test(test_snooze_timer_wakes_the_conversation),
	};

	return cmocka_run_group_tests_name("conversations", tests,
	    group_setup, group_teardown);
}
