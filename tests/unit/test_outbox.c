/* Local actions and the outbox: each action is one transaction with its
 * optimistic change and one entry; answers replace optimistic rows,
 * refusals roll them back into sync problems; money and cells are read
 * from what people type. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "actions.h"
#include "apply.h"
#include "conv.h"
#include "demo.h"
#include "drafts.h"
#include "kb.h"
#include "money.h"
#include "outbox.h"
#include "store.h"

struct fx {
	sqlite3		*db;
	struct applier	*ap;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char err[256];

	if (store_open(":memory:", &f->db, err, sizeof err) != 0 ||
	    demo_generate(f->db, 7, &demo_size_default, 1795000000, err,
	    sizeof err) != 0)
		return -1;
	f->ap = applier_new(f->db);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	applier_free(f->ap);
	sqlite3_close(f->db);
	free(f);
	return 0;
}

/* The first column of the first row; may be negative (local rows). */
static long long
q(struct fx *f, const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *
qtext(struct fx *f, const char *sql)
{
	sqlite3_stmt *st;
	char *s = NULL;

	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		s = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s;
}

static void
assert_text(struct fx *f, const char *sql, const char *want)
{
	char *got = qtext(f, sql);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static int64_t
open_conversation(struct fx *f)
{
	return q(f, "SELECT id FROM conversations WHERE status = 'open' "
	    "ORDER BY id LIMIT 1");
}

static void
an_action_is_one_change_and_one_entry(void **state)
{
	struct fx *f = *state;
	int64_t c = open_conversation(f);
	char err[256], sql[160], *key, *undo;
	cJSON *u;

	assert_int_equal(conversation_set_status(f->ap, c, "resolved", 0, err,
	    sizeof err), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM conversations WHERE "
	    "id = %lld AND status = 'resolved' AND pending = 1", (long long)c);
	assert_int_equal(q(f, sql), 1);
	assert_int_equal(outbox_pending(f->db), 1);
	key = qtext(f, "SELECT idem_key FROM outbox");
	assert_int_equal(strlen(key), 32);
	assert_int_equal(strspn(key, "0123456789abcdef"), 32);
	/* The undo is the row as it was: open. */
	undo = qtext(f, "SELECT undo FROM outbox");
	u = cJSON_Parse(undo);
	assert_string_equal(cJSON_GetObjectItem(u, "status")->valuestring,
	    "open");
	cJSON_Delete(u);
	snprintf(sql, sizeof sql, "/api/v1/conversations/%lld/status",
	    (long long)c);
	assert_text(f, "SELECT path FROM outbox", sql);
	assert_text(f, "SELECT body FROM outbox", "{\"status\":\"resolved\"}");

	/* A second action on the row: no undo of its own, two pending. */
	assert_int_equal(conversation_set_priority(f->ap, c, "urgent", err,
	    sizeof err), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE undo IS "
	    "NULL"), 1);
	snprintf(sql, sizeof sql, "SELECT pending FROM conversations WHERE "
	    "id = %lld", (long long)c);
	assert_int_equal(q(f, sql), 2);
	free(key);
	free(undo);
}

static void
nonsense_changes_nothing(void **state)
{
	struct fx *f = *state;
	int64_t c = open_conversation(f);
	char err[256];

	assert_int_equal(conversation_set_status(f->ap, c, "open", 0, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "already"));
	assert_int_equal(conversation_set_status(f->ap, c, "closed", 0, err,
	    sizeof err), -1);
	assert_int_equal(conversation_set_priority(f->ap, c, "huge", err,
	    sizeof err), -1);
	assert_int_equal(conversation_reply(f->ap, c, "text", "  \n", err,
	    sizeof err), -1);
	assert_int_equal(conversation_set_status(f->ap, 999999, "resolved",
	    0, err, sizeof err), -1);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 0);
}

static void
a_reply_is_a_temporary_row_until_the_answer(void **state)
{
	struct fx *f = *state;
	int64_t c = open_conversation(f), temp, mid;
	struct outbox_entry e;
	unsigned kinds = 0;
	char err[256], answer[512];

	assert_int_equal(conversation_reply(f->ap, c, "text", "hello there",
	    err, sizeof err), 0);
	temp = q(f, "SELECT min(id) FROM messages");
	assert_true(temp < 0);
	assert_int_equal(q(f, "SELECT count(*) FROM messages WHERE id < 0 AND "
	    "delivery = 'sending' AND pending = 1"), 1);
	assert_int_equal(outbox_next(f->db, &e), 1);
	assert_string_equal(e.temp_type, "message");
	assert_int_equal(e.temp_id, temp);

	/* The server's answer: the message with its real id. */
	mid = q(f, "SELECT max(id) FROM messages") + 1;
	snprintf(answer, sizeof answer, "{\"id\":%lld,\"conversation_id\":"
	    "%lld,\"direction\":\"out\",\"kind\":\"text\",\"author_kind\":"
	    "\"user\",\"author_id\":null,\"body\":\"hello there\",\"delivery\":"
	    "\"sent\",\"version\":1,\"created_at\":1795000100}", (long long)mid,
	    (long long)c);
	assert_int_equal(outbox_settle_done(f->ap, &e, answer, &kinds, err,
	    sizeof err), 0);
	assert_true(kinds & KIND_CONVERSATIONS);
	assert_int_equal(q(f, "SELECT count(*) FROM messages WHERE id < 0"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM messages WHERE body = "
	    "'hello there' AND delivery = 'sent'"), 1);
	assert_int_equal(outbox_pending(f->db), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM conversations WHERE "
	    "pending <> 0"), 0);
	outbox_entry_free(&e);
}

static void
a_refusal_rolls_back_into_problems(void **state)
{
	struct fx *f = *state;
	int64_t inv = q(f, "SELECT id FROM invoices WHERE status = 'sent' AND "
	    "amount_due_minor > 100 ORDER BY id LIMIT 1");
	long long due, paid;
	struct outbox_entry e;
	unsigned kinds = 0;
	char err[256], sql[200], *key;

	assert_true(inv > 0);
	snprintf(sql, sizeof sql, "SELECT amount_due_minor FROM invoices "
	    "WHERE id = %lld", (long long)inv);
	due = q(f, sql);
	snprintf(sql, sizeof sql, "SELECT amount_paid_minor FROM invoices "
	    "WHERE id = %lld", (long long)inv);
	paid = q(f, sql);
	assert_int_equal(invoice_record_payment(f->ap, inv, due + 1, "cash",
	    NULL, err, sizeof err), -1);
	assert_int_equal(invoice_record_payment(f->ap, inv, 100, "cash", "r1",
	    err, sizeof err), 0);
	assert_int_equal(q(f, sql), paid + 100);
	assert_int_equal(q(f, "SELECT count(*) FROM payments WHERE id < 0"), 1);
	assert_int_equal(q(f, "SELECT if_match FROM outbox"), q(f,
	    "SELECT version FROM invoices WHERE pending = 1"));

	assert_int_equal(outbox_next(f->db, &e), 1);
	assert_int_equal(outbox_settle_rejected(f->ap, &e, 409,
	    "{\"error\":{\"code\":\"invalid_state\",\"message\":\"the invoice "
	    "is paid\"}}", &kinds, err, sizeof err), 0);
	outbox_entry_free(&e);
	/* Back as it was, the payment gone, the reason kept. */
	assert_int_equal(q(f, sql), paid);
	assert_int_equal(q(f, "SELECT count(*) FROM payments WHERE id < 0"), 0);
	assert_int_equal(outbox_pending(f->db), 0);
	assert_int_equal(outbox_problems(f->db), 1);
	assert_text(f, "SELECT last_error FROM outbox", "the invoice is paid");

	/* Retry: back in line, last, with a new key. */
	key = qtext(f, "SELECT idem_key FROM outbox");
	assert_int_equal(outbox_retry(f->ap, q(f, "SELECT id FROM outbox"),
	    err, sizeof err), 0);
	assert_int_equal(outbox_problems(f->db), 0);
	assert_int_equal(outbox_pending(f->db), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 1);
	{
		char *now = qtext(f, "SELECT idem_key FROM outbox");
		assert_string_not_equal(now, key);
		free(now);
	}
	assert_int_equal(outbox_retry(f->ap, q(f, "SELECT id FROM outbox"),
	    err, sizeof err), -1);
	assert_int_equal(outbox_discard(f->db, q(f, "SELECT id FROM outbox"),
	    err, sizeof err), -1);
	free(key);
}

/* Later entries on a row were made on top of the first: once it is
 * accepted they expect the version the server gave it. */
static void
an_answer_rebases_later_entries(void **state)
{
	struct fx *f = *state;
	int64_t row = q(f, "SELECT r.id FROM kb_rows r JOIN kb_columns c ON "
	    "c.table_id = r.table_id AND c.type = 'text' ORDER BY r.id LIMIT 1");
	struct outbox_entry e;
	unsigned kinds = 0;
	char err[256], sql[200], *col, *answer;
	cJSON *j;
	long long v;

	snprintf(sql, sizeof sql, "SELECT c.name FROM kb_columns c JOIN "
	    "kb_rows r ON r.table_id = c.table_id WHERE r.id = %lld AND "
	    "c.type = 'text' ORDER BY c.position LIMIT 1", (long long)row);
	col = qtext(f, sql);
	assert_int_equal(kb_row_set_cell(f->ap, row, col, "one", err,
	    sizeof err), 0);
	assert_int_equal(kb_row_set_cell(f->ap, row, col, "two", err,
	    sizeof err), 0);
	snprintf(sql, sizeof sql, "SELECT version FROM kb_rows WHERE id = "
	    "%lld", (long long)row);
	v = q(f, sql);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE if_match = "
	    "(SELECT version FROM kb_rows WHERE pending = 2)"), 2);

	assert_int_equal(outbox_next(f->db, &e), 1);
	j = cJSON_Parse(e.undo);
	cJSON_ReplaceItemInObject(j, "version", cJSON_CreateNumber(v + 1));
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "cells"), col,
	    cJSON_CreateString("one"));
	answer = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	assert_int_equal(outbox_settle_done(f->ap, &e, answer, &kinds, err,
	    sizeof err), 0);
	outbox_entry_free(&e);
	assert_int_equal(q(f, "SELECT if_match FROM outbox WHERE state = "
	    "'queued'"), v + 1);
	/* The row still shows the second, unacknowledged edit. */
	snprintf(sql, sizeof sql, "SELECT json_extract(cells, '$.%s') FROM "
	    "kb_rows WHERE id = %lld", col, (long long)row);
	assert_text(f, sql, "two");
	assert_int_equal(q(f, "SELECT pending FROM kb_rows WHERE pending > 0"),
	    1);
	free(answer);
	free(col);
}

static void
money_is_read_as_typed(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(money_parse("12.5", "EUR", &v), 0);
	assert_int_equal(v, 1250);
	assert_int_equal(money_parse("1,234.56 EUR", "EUR", &v), 0);
	assert_int_equal(v, 123456);
	assert_int_equal(money_parse("-3", "RUB", &v), 0);
	assert_int_equal(v, -300);
	assert_int_equal(money_parse("1250000", "IQD", &v), 0);
	assert_int_equal(v, 1250000);
	assert_int_equal(money_parse("1.5", "IQD", &v), -1);
	assert_int_equal(money_parse("1.234", "EUR", &v), -1);
	assert_int_equal(money_parse("12 RUB", "EUR", &v), -1);
	assert_int_equal(money_parse("", "EUR", &v), -1);
	assert_int_equal(money_parse("abc", "EUR", &v), -1);
	assert_int_equal(money_parse("99999999999999999999", "EUR", &v), -1);
}

static void
cells_are_read_by_column_type(void **state)
{
	struct kb_column money = { "price_eur", "money", 0 };
	struct kb_column flag = { "in_stock", "boolean", 0 };
	struct kb_column list = { "cities", "json_list", 0 };
	struct kb_column num = { "stock", "integer", 0 };
	char err[128], *s;
	cJSON *v;

	(void)state;
	v = kb_cell_from_text(&money, "12.50", err, sizeof err);
	assert_int_equal((int64_t)v->valuedouble, 1250);
	cJSON_Delete(v);
	assert_null(kb_cell_from_text(&money, "12.505", err, sizeof err));
	v = kb_cell_from_text(&flag, "Yes", err, sizeof err);
	assert_true(cJSON_IsTrue(v));
	cJSON_Delete(v);
	assert_null(kb_cell_from_text(&flag, "maybe", err, sizeof err));
	v = kb_cell_from_text(&list, " Barcelona, Valencia ,", err,
	    sizeof err);
	s = cJSON_PrintUnformatted(v);
	assert_string_equal(s, "[\"Barcelona\",\"Valencia\"]");
	cJSON_free(s);
	cJSON_Delete(v);
	assert_null(kb_cell_from_text(&num, "12x", err, sizeof err));
	v = kb_cell_from_text(&num, "", err, sizeof err);
	assert_true(cJSON_IsNull(v));
	cJSON_Delete(v);
}

/* ---- triage actions ----------------------------------------------------- */

/* A conversation on a platform, with a condition on its row. */
static int64_t
conversation_on(struct fx *f, const char *platform, const char *cond)
{
	char sql[320];

	snprintf(sql, sizeof sql, "SELECT ifnull((SELECT c.id FROM "
	    "conversations c JOIN channels ch ON ch.id = c.channel_id WHERE "
	    "ch.platform = '%s' AND %s ORDER BY c.id LIMIT 1), 0)", platform,
	    cond);
	return q(f, sql);
}

static long long
qid(struct fx *f, const char *fmt, int64_t id)
{
	char sql[320];

	snprintf(sql, sizeof sql, fmt, (long long)id);
	return q(f, sql);
}

static void
mark_read_queues_only_when_unread(void **state)
{
	struct fx *f = *state;
	int64_t unread = q(f, "SELECT id FROM conversations WHERE "
	    "unread_count > 0 ORDER BY id LIMIT 1");
	int64_t read = q(f, "SELECT id FROM conversations WHERE "
	    "unread_count = 0 ORDER BY id LIMIT 1");
	char err[256], path[96];

	assert_true(unread > 0 && read > 0);
	assert_int_equal(conversation_mark_read(f->ap, read, err, sizeof err),
	    0);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 0);

	assert_int_equal(conversation_mark_read(f->ap, unread, err,
	    sizeof err), 0);
	assert_int_equal(qid(f, "SELECT unread_count + 10 * pending FROM "
	    "conversations WHERE id = %lld", unread), 10);
	snprintf(path, sizeof path, "/api/v1/conversations/%lld/read",
	    (long long)unread);
	assert_text(f, "SELECT method FROM outbox", "POST");
	assert_text(f, "SELECT path FROM outbox", path);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE body IS "
	    "NULL"), 1);
	/* Read now: a second call is free. */
	assert_int_equal(conversation_mark_read(f->ap, unread, err,
	    sizeof err), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(conversation_mark_read(f->ap, 999999, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "no conversation 999999"));
}

static void
labels_are_removed_then_added(void **state)
{
	struct fx *f = *state;
	int64_t c = open_conversation(f);
	const char *add[] = { "vip", "follow-up", "vip" }, *remove[] = {
	    "zzz-never" }, *both[] = { "vip" };
	const char *bad[] = { "" }, *ctl[] = { "a\x01" }, *blank[] = { "  " };
	const char *longl[] = { "123456789012345678901234567890123" };
	const char *cyr[] = { "возврат-денег-клиенту-сразу-1234" };
	char err[256], sql[200], *body;
	cJSON *b;

	store_run(f->db, "DELETE FROM conversation_labels WHERE "
	    "conversation_id = ?", "i", c);
	store_run(f->db, "INSERT INTO conversation_labels VALUES (?, 'old')",
	    "i", c);

	/* Nonsense is refused before anything is queued. */
	assert_int_equal(conversation_set_labels(f->ap, c, NULL, 0, NULL, 0,
	    err, sizeof err), -1);
	assert_int_equal(conversation_set_labels(f->ap, c, both, 1, both, 1,
	    err, sizeof err), -1);
	assert_non_null(strstr(err, "both added and removed"));
	assert_int_equal(conversation_set_labels(f->ap, c, bad, 1, NULL, 0,
	    err, sizeof err), -1);
	assert_int_equal(conversation_set_labels(f->ap, c, ctl, 1, NULL, 0,
	    err, sizeof err), -1);
	assert_int_equal(conversation_set_labels(f->ap, c, blank, 1, NULL, 0,
	    err, sizeof err), -1);
	assert_int_equal(conversation_set_labels(f->ap, c, longl, 1, NULL, 0,
	    err, sizeof err), -1);
	assert_non_null(strstr(err, "1 to 32 characters"));
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 0);
	/* 32 Cyrillic letters are 32 characters, not 60 bytes' worth. */
	assert_int_equal(conv_chars(cyr[0]), 32);
	assert_int_equal(conversation_set_labels(f->ap, c, cyr, 1, NULL, 0,
	    err, sizeof err), 0);
	assert_int_equal(conversation_set_labels(f->ap, c, NULL, 0, cyr, 1,
	    err, sizeof err), 0);

	/* Removing what is not there and adding twice: one entry. */
	assert_int_equal(conversation_set_labels(f->ap, c, add, 3, remove, 1,
	    err, sizeof err), 0);
	snprintf(sql, sizeof sql, "SELECT group_concat(label, ' ') FROM "
	    "(SELECT label FROM conversation_labels WHERE conversation_id = "
	    "%lld ORDER BY label)", (long long)c);
	assert_text(f, sql, "follow-up old vip");
	body = qtext(f, "SELECT body FROM outbox ORDER BY id DESC LIMIT 1");
	b = cJSON_Parse(body);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(b, "add")), 3);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(b,
	    "remove"), 0)->valuestring, "zzz-never");
	cJSON_Delete(b);
	free(body);
	{
		char path[96];

		snprintf(path, sizeof path, "/api/v1/conversations/%lld/labels",
		    (long long)c);
		assert_text(f, "SELECT path FROM outbox ORDER BY id DESC "
		    "LIMIT 1", path);
	}

	/* Nothing would change: nothing queued. */
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 3);
	assert_int_equal(conversation_set_labels(f->ap, c, add, 2, remove, 1,
	    err, sizeof err), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 3);

	/* Removing only; the label goes at once. */
	assert_int_equal(conversation_set_labels(f->ap, c, NULL, 0, both, 1,
	    err, sizeof err), 0);
	assert_text(f, sql, "follow-up old");
	assert_text(f, "SELECT body FROM outbox ORDER BY id DESC LIMIT 1",
	    "{\"remove\":[\"vip\"]}");
	assert_int_equal(qid(f, "SELECT pending FROM conversations WHERE id = "
	    "%lld", c), 4);
}

static void
labels_stop_at_twenty(void **state)
{
	struct fx *f = *state;
	int64_t c = open_conversation(f);
	char names[21][8], err[256];
	const char *add[21];

	store_run(f->db, "DELETE FROM conversation_labels WHERE "
	    "conversation_id = ?", "i", c);
	for (int i = 0; i < 21; i++) {
		snprintf(names[i], sizeof names[i], "l%d", i);
		add[i] = names[i];
	}
	assert_int_equal(conversation_set_labels(f->ap, c, add, 21, NULL, 0,
	    err, sizeof err), -1);
	assert_int_equal(conversation_set_labels(f->ap, c, add, 20, NULL, 0,
	    err, sizeof err), 0);
	assert_int_equal(conversation_set_labels(f->ap, c, add + 20, 1, NULL,
	    0, err, sizeof err), -1);
	assert_non_null(strstr(err, "at most 20 labels"));
	/* One out, one in: still twenty. */
	assert_int_equal(conversation_set_labels(f->ap, c, add + 20, 1, add, 1,
	    err, sizeof err), 0);
	assert_int_equal(qid(f, "SELECT count(*) FROM conversation_labels "
	    "WHERE conversation_id = %lld", c), 20);
}

static void
handoff_and_reminder(void **state)
{
	struct fx *f = *state;
	int64_t c = q(f, "SELECT c.id FROM conversations c JOIN channels ch "
	    "ON ch.id = c.channel_id WHERE c.handoff_requested = 1 AND "
	    "ch.platform <> 'order_chat' ORDER BY c.id LIMIT 1");
	int64_t oc = conversation_on(f, "order_chat", "1");
	char err[256];
	int reminder;

	assert_true(c > 0);
	assert_int_equal(conversation_handoff(f->ap, c, "robot", err,
	    sizeof err), -1);
	assert_int_equal(conversation_handoff(f->ap, c, "human", err,
	    sizeof err), 0);
	assert_int_equal(qid(f, "SELECT handler = 'human' AND "
	    "handoff_requested = 0 AND pending = 1 FROM conversations WHERE "
	    "id = %lld", c), 1);
	assert_text(f, "SELECT body FROM outbox", "{\"to\":\"human\"}");
	assert_int_equal(conversation_handoff(f->ap, c, "human", err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "already"));
	assert_int_equal(conversation_handoff(f->ap, c, "ai", err, sizeof err),
	    0);
	assert_int_equal(qid(f, "SELECT handler = 'ai' FROM conversations "
	    "WHERE id = %lld", c), 1);
	if (oc > 0) {
		assert_int_equal(conversation_handoff(f->ap, oc, "ai", err,
		    sizeof err), -1);
		assert_string_equal(err, "order chats have no AI assistant");
	}
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 2);

	reminder = (int)qid(f, "SELECT payment_reminder FROM conversations "
	    "WHERE id = %lld", c);
	assert_int_equal(conversation_set_reminder(f->ap, c, reminder != 0,
	    err, sizeof err), -1);
	assert_int_equal(conversation_set_reminder(f->ap, c, reminder == 0,
	    err, sizeof err), 0);
	assert_int_equal(qid(f, "SELECT payment_reminder FROM conversations "
	    "WHERE id = %lld", c), reminder == 0);
	assert_text(f, "SELECT body FROM outbox ORDER BY id DESC LIMIT 1",
	    reminder == 0 ? "{\"enabled\":true}" : "{\"enabled\":false}");
	assert_int_equal(conversation_set_reminder(f->ap, c, reminder != 0,
	    err, sizeof err), 0);
	assert_int_equal(qid(f, "SELECT payment_reminder FROM conversations "
	    "WHERE id = %lld", c), reminder != 0);
	{
		char path[96];

		snprintf(path, sizeof path, "/api/v1/conversations/%lld/"
		    "payment-reminder", (long long)c);
		assert_text(f, "SELECT path FROM outbox ORDER BY id DESC "
		    "LIMIT 1", path);
	}
	assert_int_equal(qid(f, "SELECT pending FROM conversations WHERE id = "
	    "%lld", c), 4);
}

/* A body of n copies of a UTF-8 character. */
static char *
repeat(const char *ch, size_t n)
{
	size_t len = strlen(ch);
	char *s = malloc(len * n + 1);

	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, ch, len);
	s[len * n] = '\0';
	return s;
}

static void
reply_caps_follow_the_channel(void **state)
{
	struct fx *f = *state;
	static const struct { const char *platform; size_t cap; } caps[] = {
		{ "whatsapp", 3800 }, { "instagram", 800 },
		{ "telegram", 3800 }, { "email", 7000 }, { "facebook", 1950 },
	};
	char err[256], want[160];
	long long queued = 0;

	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		int64_t c = conversation_on(f, caps[i].platform, "1");
		char *at, *over;

		if (c == 0)
			continue;
		/* Counted in characters: Cyrillic is two bytes each. */
		at = repeat("ж", caps[i].cap);
		over = repeat("ж", caps[i].cap + 1);
		assert_int_equal(conversation_reply(f->ap, c, "text", over, err,
		    sizeof err), -1);
		snprintf(want, sizeof want, "replies on %s hold at most %zu "
		    "characters; this one has %zu", caps[i].platform,
		    caps[i].cap, caps[i].cap + 1);
		assert_string_equal(err, want);
		assert_int_equal(q(f, "SELECT count(*) FROM outbox"), queued);
		assert_int_equal(conversation_reply(f->ap, c, "text", at, err,
		    sizeof err), 0);
		queued++;
		free(at);
		free(over);
	}
	assert_true(queued >= 3);
	{
		/* A note has no channel: 7000 anywhere. */
		int64_t c = conversation_on(f, "instagram", "1");
		char *note = repeat("a", 7000), *big = repeat("a", 7001);

		assert_int_equal(conversation_reply(f->ap, c, "note", big, err,
		    sizeof err), -1);
		assert_string_equal(err, "a note holds at most 7000 "
		    "characters");
		assert_int_equal(conversation_reply(f->ap, c, "note", note, err,
		    sizeof err), 0);
		free(note);
		free(big);
	}
}

static void
reply_and_note_follow_waiting(void **state)
{
	struct fx *f = *state;
	int64_t c = q(f, "SELECT id FROM conversations WHERE waiting_since "
	    "IS NOT NULL ORDER BY id LIMIT 1");
	long long since = qid(f, "SELECT waiting_since FROM conversations "
	    "WHERE id = %lld", c);
	char err[256];

	assert_true(c > 0);
	/* A note answers nobody: the customer still waits. */
	assert_int_equal(conversation_reply(f->ap, c, "note", "checking",
	    err, sizeof err), 0);
	assert_int_equal(qid(f, "SELECT waiting_since FROM conversations "
	    "WHERE id = %lld", c), since);
	assert_int_equal(conv_waiting_after(since, "out", "note", 1), since);
	/* A reply does. */
	assert_int_equal(conversation_reply(f->ap, c, "text", "done", err,
	    sizeof err), 0);
	assert_int_equal(qid(f, "SELECT waiting_since IS NULL FROM "
	    "conversations WHERE id = %lld", c), 1);
}

static void
drafts_survive_and_blank_deletes(void **state)
{
	struct fx *f = *state;
	int64_t c = open_conversation(f);
	char *d;

	assert_null(draft_load(f->db, c, "text"));
	assert_int_equal(draft_save(f->db, c, "text", "Hello, Иван,\nsoon"),
	    0);
	assert_int_equal(draft_save(f->db, c, "note", "internal"), 0);
	d = draft_load(f->db, c, "text");
	assert_string_equal(d, "Hello, Иван,\nsoon");
	free(d);
	/* Saving again replaces. */
	assert_int_equal(draft_save(f->db, c, "text", "second"), 0);
	d = draft_load(f->db, c, "text");
	assert_string_equal(d, "second");
	free(d);
	d = draft_load(f->db, c, "note");
	assert_string_equal(d, "internal");
	free(d);
	/* Blank deletes; the other kind stays. */
	assert_int_equal(draft_save(f->db, c, "text", " \n\t "), 0);
	assert_null(draft_load(f->db, c, "text"));
	assert_int_equal(draft_save(f->db, c, "text", ""), 0);
	assert_int_equal(draft_save(f->db, c, "text", NULL), 0);
	assert_non_null(d = draft_load(f->db, c, "note"));
	free(d);
	assert_null(draft_load(f->db, c + 1, "note"));
	/* Only texts and notes; drafts never reach the outbox. */
	assert_int_equal(draft_save(f->db, c, "email", "x"), -1);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM drafts"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    an_action_is_one_change_and_one_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(nonsense_changes_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    a_reply_is_a_temporary_row_until_the_answer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    a_refusal_rolls_back_into_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    an_answer_rebases_later_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    mark_read_queues_only_when_unread, setup, teardown),
		cmocka_unit_test_setup_teardown(labels_are_removed_then_added,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(labels_stop_at_twenty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(handoff_and_reminder, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(reply_caps_follow_the_channel,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(reply_and_note_follow_waiting,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(drafts_survive_and_blank_deletes,
		    setup, teardown),
		cmocka_unit_test(money_is_read_as_typed),
		cmocka_unit_test(cells_are_read_by_column_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
