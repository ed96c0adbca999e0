/* Each action: check the row as cached, then in one transaction append
 * the outbox entry and make the change the server is expected to make.
 * The server stays the judge; the optimistic change only has to be
 * close enough that the screen does not lie for long. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "actions.h"
#include "conv.h"
#include "kb.h"
#include "money.h"
#include "outbox.h"
#include "store.h"
#include "text.h"
#include "util.h"

/* As mktd's conversations.c: a conversation's labels and their length. */
#define LABEL_CHARS	32
#define LABELS_MAX	20

static bool
one_of(const char *s, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(s, *allowed) == 0)
			return true;
	return false;
}

/* The cached row as JSON, or NULL with "no such …" in err. */
static cJSON *
cached_row(struct applier *ap, const char *type, const char *what,
    int64_t id, char *err, size_t errlen)
{
	cJSON *row = apply_row_json(ap, type, id);

	if (row == NULL)
		snprintf(err, errlen, "no %s %lld in the cache", what,
		    (long long)id);
	return row;
}

static int64_t
row_int(const cJSON *row, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, field);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static const char *
row_text(const cJSON *row, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, field);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The common shape, in one transaction: the row the action creates, if
 * any (create, under a fresh temporary id), the outbox entry, then the
 * change to the existing row; on any failure nothing stays. */
static int
run_action(struct applier *ap, const struct outbox_action *action,
    int (*create)(sqlite3 *, int64_t, const void *),
    int (*change)(sqlite3 *, const void *), const void *arg, char *err,
    size_t errlen)
{
	sqlite3 *db = applier_db(ap);
	struct outbox_action a = *action;

	if (store_begin(db, err, errlen) != 0)
		return -1;
	if (create != NULL && ((a.temp_id = outbox_temp_id(db)) == 0 ||
	    create(db, a.temp_id, arg) != 0))
		goto cannot_write;
	if (outbox_append(ap, &a, err, errlen) != 0)
		goto fail;
	if (change(db, arg) != 0)
		goto cannot_write;
	return store_commit(db, err, errlen);
cannot_write:
	snprintf(err, errlen, "cannot write the cache: %s", sqlite3_errmsg(db));
fail:
	store_rollback(db);
	return -1;
}

/* ---- conversations ------------------------------------------------------ */

struct status_change {
	int64_t		 id, snoozed_until;
	const char	*status;
};

static int
change_status(sqlite3 *db, const void *arg)
{
	const struct status_change *c = arg;

	if (c->snoozed_until > 0)
		return store_run(db, "UPDATE conversations SET status = ?, "
		    "snoozed_until = ? WHERE id = ?", "tii", c->status,
		    c->snoozed_until, c->id);
	return store_run(db, "UPDATE conversations SET status = ?, "
	    "snoozed_until = NULL WHERE id = ?", "ti", c->status, c->id);
}

int
conversation_set_status(struct applier *ap, int64_t id, const char *status,
    int64_t snoozed_until, char *err, size_t errlen)
{
	static const char *const statuses[] = { "open", "pending", "snoozed",
	    "resolved", NULL };
	struct status_change c = { id, snoozed_until, status };
	char path[96], summary[96], *body;
	cJSON *row, *b;
	int rc;

	if (!one_of(status, statuses)) {
		snprintf(err, errlen, "status is open, pending, snoozed or "
		    "resolved");
		return -1;
	}
	if ((strcmp(status, "snoozed") == 0) != (snoozed_until > 0)) {
		snprintf(err, errlen, "a snooze needs a time, and only a "
		    "snooze");
		return -1;
	}
	if ((row = cached_row(ap, "conversation", "conversation", id, err,
	    errlen)) == NULL)
		return -1;
	if (strcmp(row_text(row, "status"), status) == 0) {
		cJSON_Delete(row);
		snprintf(err, errlen, "the conversation is %s already", status);
		return -1;
	}
	cJSON_Delete(row);
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "status", status);
	if (snoozed_until > 0)
		cJSON_AddNumberToObject(b, "snoozed_until",
		    (double)snoozed_until);
	body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	snprintf(path, sizeof path, "/api/v1/conversations/%lld/status",
	    (long long)id);
	snprintf(summary, sizeof summary, "set conversation %lld to %s",
	    (long long)id, status);
	/* No If-Match: every inbound message bumps a conversation's
	 * version, and "resolve" means the same whatever arrived. */
	rc = run_action(ap, &(struct outbox_action){ .method = "POST",
	    .path = path, .body = body, .ref_type = "conversation",
	    .ref_id = id, .summary = summary }, NULL, change_status, &c, err,
	    errlen);
	cJSON_free(body);
	return rc;
}

struct field_change {
	const char	*sql;
	const char	*text;
	int64_t		 value, id;
};

static int
change_field(sqlite3 *db, const void *arg)
{
	const struct field_change *c = arg;

	if (c->text != NULL)
		return store_run(db, c->sql, "ti", c->text, c->id);
	if (c->value == 0)
		return store_run(db, c->sql, "ti", (const char *)NULL, c->id);
	return store_run(db, c->sql, "ii", c->value, c->id);
}


/* A change of one integer column, 0 included (change_field reads 0 as
 * NULL). */
struct int_change {
	const char	*sql;		/* SET x = ?1 WHERE id = ?2 */
	int64_t		 value, id;
};

static int
change_int(sqlite3 *db, const void *arg)
{
	const struct int_change *c = arg;

	return store_run(db, c->sql, "ii", c->value, c->id);
}

/* A POST to a conversation's endpoint, body_json (consumed) or none. */
static int
conversation_post(struct applier *ap, int64_t id, const char *endpoint,
    cJSON *body_json, int (*change)(sqlite3 *, const void *),
    const void *arg, const char *summary, char *err, size_t errlen)
{
	char path[96], *body = NULL;
	int rc;

	if (body_json != NULL) {
		body = cJSON_PrintUnformatted(body_json);
		cJSON_Delete(body_json);
	}
	snprintf(path, sizeof path, "/api/v1/conversations/%lld/%s",
	    (long long)id, endpoint);
	rc = run_action(ap, &(struct outbox_action){ .method = "POST",
	    .path = path, .body = body, .ref_type = "conversation",
	    .ref_id = id, .summary = summary }, NULL, change, arg, err,
	    errlen);
	cJSON_free(body);
	return rc;
}

/* The same, for a conversation the cache must hold. */
static int
conversation_checked_post(struct applier *ap, int64_t id,
    const char *endpoint, cJSON *body_json,
    int (*change)(sqlite3 *, const void *), const void *arg,
    const char *summary, char *err, size_t errlen)
{
	cJSON *row;

	if ((row = cached_row(ap, "conversation", "conversation", id, err,
	    errlen)) == NULL) {
		cJSON_Delete(body_json);
		return -1;
	}
	cJSON_Delete(row);
	return conversation_post(ap, id, endpoint, body_json, change, arg,
	    summary, err, errlen);
}

int
conversation_set_priority(struct applier *ap, int64_t id,
    const char *priority, char *err, size_t errlen)
{
	/* In order, for up and down. */
	static const char *const levels[] = { "none", "low", "medium", "high",
	    "urgent", NULL };
	struct field_change c = { "UPDATE conversations SET priority = ? "
	    "WHERE id = ?", NULL, 0, id };
	char summary[96];
	cJSON *b, *row;
	int at = 0, step;

	if (strcmp(priority, "up") == 0 || strcmp(priority, "down") == 0) {
		step = priority[0] == 'u' ? 1 : -1;
		if ((row = cached_row(ap, "conversation", "conversation", id,
		    err, errlen)) == NULL)
			return -1;
		while (levels[at] != NULL &&
		    strcmp(levels[at], row_text(row, "priority")) != 0)
			at++;
		cJSON_Delete(row);
		if (levels[at] == NULL || at + step < 0 ||
		    levels[at + step] == NULL) {
			snprintf(err, errlen, "the priority is %s already",
			    step > 0 ? "urgent" : "none");
			return -1;
		}
		priority = levels[at + step];
	}
	if (!one_of(priority, levels)) {
		snprintf(err, errlen, "priority is urgent, high, medium, low "
		    "or none");
		return -1;
	}
	c.text = priority;
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "priority", priority);
	snprintf(summary, sizeof summary, "set conversation %lld priority "
	    "to %s", (long long)id, priority);
	return conversation_checked_post(ap, id, "priority", b, change_field, &c,
	    summary, err, errlen);
}

int
conversation_assign(struct applier *ap, int64_t id, int64_t assignee,
    char *err, size_t errlen)
{
	struct field_change c = { "UPDATE conversations SET assignee_id = ? "
	    "WHERE id = ?", NULL, assignee, id };
	char summary[96];
	cJSON *b, *user;

	if (assignee > 0) {
		if ((user = cached_row(ap, "user", "user", assignee, err,
		    errlen)) == NULL)
			return -1;
		cJSON_Delete(user);
	}
	b = cJSON_CreateObject();
	if (assignee > 0)
		cJSON_AddNumberToObject(b, "user_id", (double)assignee);
	else
		cJSON_AddNullToObject(b, "user_id");
	if (assignee > 0)
		snprintf(summary, sizeof summary, "assign conversation %lld "
		    "to user %lld", (long long)id, (long long)assignee);
	else
		snprintf(summary, sizeof summary, "unassign conversation %lld",
		    (long long)id);
	return conversation_checked_post(ap, id, "assign", b, change_field, &c,
	    summary, err, errlen);
}

int
conversation_mark_read(struct applier *ap, int64_t id, char *err,
    size_t errlen)
{
	struct int_change c = { "UPDATE conversations SET unread_count = ? "
	    "WHERE id = ?", 0, id };
	char summary[96];
	cJSON *row;
	int64_t unread;

	if ((row = cached_row(ap, "conversation", "conversation", id, err,
	    errlen)) == NULL)
		return -1;
	unread = row_int(row, "unread_count");
	cJSON_Delete(row);
	/* Opening a thread marks it read: most of the time it is already,
	 * and the outbox need not hear about it. */
	if (unread == 0)
		return 0;
	snprintf(summary, sizeof summary, "mark conversation %lld read",
	    (long long)id);
	return conversation_post(ap, id, "read", NULL, change_int, &c,
	    summary, err, errlen);
}

int
conversation_toggle_reminder(struct applier *ap, int64_t id, char *err,
    size_t errlen)
{
	cJSON *row;
	bool on;

	if ((row = cached_row(ap, "conversation", "conversation", id, err,
	    errlen)) == NULL)
		return -1;
	on = row_int(row, "payment_reminder") != 0;
	cJSON_Delete(row);
	return conversation_set_reminder(ap, id, !on, err, errlen);
}

/* ---- notifications ---------------------------------------------------- */

int
notification_mark_read(struct applier *ap, int64_t id, char *err,
    size_t errlen)
{
	struct int_change c = { "UPDATE notifications SET read_at = "
	    "ifnull(read_at, ?) WHERE id = ?", (int64_t)time(NULL), id };
	char path[96], summary[96];
	cJSON *row;

	if ((row = cached_row(ap, "notification", "notification", id, err,
	    errlen)) == NULL)
		return -1;
	cJSON_Delete(row);
	snprintf(path, sizeof path, "/api/v1/notifications/%lld/read",
	    (long long)id);
	snprintf(summary, sizeof summary, "mark notification %lld read",
	    (long long)id);
	return run_action(ap, &(struct outbox_action){ .method = "POST",
	    .path = path, .ref_type = "notification", .ref_id = id,
	    .summary = summary }, NULL, change_int, &c, err, errlen);
}

/* As the server's label_valid: 1..32 characters of valid UTF-8, not only
 * blanks, and no C0, DEL or C1 controls. */
static bool
label_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = conv_chars(s);

	if (!text_utf8_valid(s, strlen(s)) || n < 1 || n > LABEL_CHARS ||
	    s[strspn(s, " \t\n\r\v\f")] == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 &&
		    p[1] <= 0x9f))
			return false;
	return true;
}

static bool
in_list(const char *s, const char *const *list, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static bool
has_label(const cJSON *labels, const char *label)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, labels)
		if (cJSON_IsString(e) && strcmp(e->valuestring, label) == 0)
			return true;
	return false;
}

struct label_change {
	int64_t			 id;
	const char *const	*add, *const *remove;
	int			 nadd, nremove;
};

/* Removes first, then adds, as the server does. */
static int
change_labels(sqlite3 *db, const void *arg)
{
	const struct label_change *c = arg;

	for (int i = 0; i < c->nremove; i++)
		if (store_run(db, "DELETE FROM conversation_labels WHERE "
		    "conversation_id = ? AND label = ?", "it", c->id,
		    c->remove[i]) != 0)
			return -1;
	for (int i = 0; i < c->nadd; i++)
		if (store_run(db, "INSERT OR IGNORE INTO conversation_labels("
		    "conversation_id, label) VALUES (?, ?)", "it", c->id,
		    c->add[i]) != 0)
			return -1;
	return 0;
}

static cJSON *
label_array(const char *const *labels, int n)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(labels[i]));
	return a;
}

/* Checks what the server would refuse and counts the labels the
 * conversation would end with (*changes: how many of the entries change
 * anything).  0, or -1 with a message. */
static int
check_labels(const cJSON *have, const char *const *add, int nadd,
    const char *const *remove, int nremove, int *changes, char *err,
    size_t errlen)
{
	int total = cJSON_GetArraySize(have);

	*changes = 0;
	if (nadd + nremove == 0) {
		snprintf(err, errlen, "give labels to add or remove");
		return -1;
	}
	if (nadd > LABELS_MAX || nremove > LABELS_MAX) {
		snprintf(err, errlen, "a conversation has at most %d labels",
		    LABELS_MAX);
		return -1;
	}
	for (int i = 0; i < nadd + nremove; i++) {
		const char *l = i < nadd ? add[i] : remove[i - nadd];

		if (!label_valid(l)) {
			snprintf(err, errlen, "a label is 1 to %d characters "
			    "with no control characters", LABEL_CHARS);
			return -1;
		}
	}
	for (int i = 0; i < nadd; i++)
		if (in_list(add[i], remove, nremove)) {
			snprintf(err, errlen, "a label cannot be both added "
			    "and removed");
			return -1;
		}
	for (int i = 0; i < nremove; i++)
		if (has_label(have, remove[i]) && !in_list(remove[i], remove,
		    i)) {
			total--;
			(*changes)++;
		}
	for (int i = 0; i < nadd; i++)
		if (!has_label(have, add[i]) && !in_list(add[i], add, i)) {
			total++;
			(*changes)++;
		}
	if (total > LABELS_MAX) {
		snprintf(err, errlen, "a conversation has at most %d labels",
		    LABELS_MAX);
		return -1;
	}
	return 0;
}

int
conversation_set_labels(struct applier *ap, int64_t id,
    const char *const *add, int nadd, const char *const *remove, int nremove,
    char *err, size_t errlen)
{
	struct label_change c = { id, add, remove, nadd, nremove };
	char path[96], summary[96], *body;
	cJSON *row, *b;
	int changes, rc;

	if ((row = cached_row(ap, "conversation", "conversation", id, err,
	    errlen)) == NULL)
		return -1;
	rc = check_labels(cJSON_GetObjectItemCaseSensitive(row, "labels"),
	    add, nadd, remove, nremove, &changes, err, errlen);
	cJSON_Delete(row);
	if (rc != 0)
		return -1;
	/* The server would answer the row as it is. */
	if (changes == 0)
		return 0;
	b = cJSON_CreateObject();
	if (nadd > 0)
		cJSON_AddItemToObject(b, "add", label_array(add, nadd));
	if (nremove > 0)
		cJSON_AddItemToObject(b, "remove", label_array(remove,
		    nremove));
	body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	snprintf(path, sizeof path, "/api/v1/conversations/%lld/labels",
	    (long long)id);
	if (nadd > 0 && nremove == 0)
		snprintf(summary, sizeof summary, "label conversation %lld "
		    "%s%s", (long long)id, add[0], nadd > 1 ? " and more" : "");
	else
		snprintf(summary, sizeof summary, "change the labels of "
		    "conversation %lld", (long long)id);
	rc = run_action(ap, &(struct outbox_action){ .method = "POST",
	    .path = path, .body = body, .ref_type = "conversation",
	    .ref_id = id, .summary = summary }, NULL, change_labels, &c, err,
	    errlen);
	cJSON_free(body);
	return rc;
}

/* The platform of the conversation's channel, or "" if unknown. */
static void
conversation_platform(sqlite3 *db, int64_t id, char *buf, size_t len)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT ch.platform FROM conversations c "
	    "JOIN channels ch ON ch.id = c.channel_id WHERE c.id = ?", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) !=
	    NULL)
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

int
conversation_handoff(struct applier *ap, int64_t id, const char *to,
    char *err, size_t errlen)
{
	struct field_change c = { "UPDATE conversations SET handler = ?, "
	    "handoff_requested = 0 WHERE id = ?", to, 0, id };
	char platform[32], summary[96];
	cJSON *row, *b;
	bool same;

	if (strcmp(to, "human") != 0 && strcmp(to, "ai") != 0) {
		snprintf(err, errlen, "hand a conversation to human or ai");
		return -1;
	}
	if ((row = cached_row(ap, "conversation", "conversation", id, err,
	    errlen)) == NULL)
		return -1;
	same = strcmp(row_text(row, "handler"), to) == 0 &&
	    row_int(row, "handoff_requested") == 0;
	cJSON_Delete(row);
	conversation_platform(applier_db(ap), id, platform, sizeof platform);
	if (strcmp(to, "ai") == 0 && strcmp(platform, "order_chat") == 0) {
		snprintf(err, errlen, "order chats have no AI assistant");
		return -1;
	}
	if (same) {
		snprintf(err, errlen, strcmp(to, "ai") == 0 ? "the AI handles "
		    "the conversation already" : "a person handles the "
		    "conversation already");
		return -1;
	}
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "to", to);
	snprintf(summary, sizeof summary, strcmp(to, "ai") == 0 ?
	    "hand conversation %lld back to the AI" :
	    "take conversation %lld over from the AI", (long long)id);
	return conversation_post(ap, id, "handoff", b, change_field, &c,
	    summary, err, errlen);
}

int
conversation_set_reminder(struct applier *ap, int64_t id, bool enabled,
    char *err, size_t errlen)
{
	struct int_change c = { "UPDATE conversations SET payment_reminder "
	    "= ? WHERE id = ?", enabled ? 1 : 0, id };
	char summary[96];
	cJSON *row, *b;
	bool on;

	if ((row = cached_row(ap, "conversation", "conversation", id, err,
	    errlen)) == NULL)
		return -1;
	on = row_int(row, "payment_reminder") != 0;
	cJSON_Delete(row);
	if (on == enabled) {
		snprintf(err, errlen, "the payment reminder is %s already",
		    on ? "on" : "off");
		return -1;
	}
	b = cJSON_CreateObject();
	cJSON_AddBoolToObject(b, "enabled", enabled);
	snprintf(summary, sizeof summary, "turn the payment reminder of "
	    "conversation %lld %s", (long long)id, enabled ? "on" : "off");
	return conversation_post(ap, id, "payment-reminder", b, change_int,
	    &c, summary, err, errlen);
}

struct reply {
	int64_t		 conv, author, now, waiting;
	const char	*kind, *body;
};

/* The message exists locally at once, marked as sending. */
static int
create_message(sqlite3 *db, int64_t temp, const void *arg)
{
	const struct reply *r = arg;

	return store_run(db, "INSERT INTO messages(id, conversation_id, "
	    "direction, kind, author_kind, author_id, body, delivery, pending, "
	    "created_at) VALUES (?, ?, 'out', ?, 'user', nullif(?, 0), ?, "
	    "CASE WHEN ? = 'text' THEN 'sending' END, 1, ?)", "iititti", temp,
	    r->conv, r->kind, r->author, r->body, r->kind, r->now);
}

/* What the server does to the conversation (see POST .../messages in
 * the contract): a reply answers the customer, a note answers nobody. */
static int
change_after_reply(sqlite3 *db, const void *arg)
{
	const struct reply *r = arg;
	bool text = strcmp(r->kind, "text") == 0;

	return store_run(db, text ?
	    "UPDATE conversations SET last_activity_at = ?, "
	    "last_message_preview = substr(trim(?), 1, 120), unread_count = 0, "
	    "waiting_since = nullif(?, 0), handler = 'human', "
	    "handoff_requested = 0 WHERE id = ?" :
	    "UPDATE conversations SET last_activity_at = ?, "
	    "last_message_preview = substr(trim(?), 1, 120), unread_count = 0, "
	    "waiting_since = nullif(?, 0) WHERE id = ?", "itii", r->now,
	    r->body, r->waiting, r->conv);
}

int
conversation_reply(struct applier *ap, int64_t id, const char *kind,
    const char *body, char *err, size_t errlen)
{
	struct reply r = { id, store_user_id(applier_db(ap)), (int64_t)time(NULL), 0,
	    kind, body };
	char path[96], summary[96], platform[32], *json;
	size_t chars, cap;
	cJSON *row, *b;
	int rc;

	if (strcmp(kind, "text") != 0 && strcmp(kind, "note") != 0) {
		snprintf(err, errlen, "a message is a text or a note");
		return -1;
	}
	if (body[strspn(body, " \t\n")] == '\0') {
		snprintf(err, errlen, "the message is empty");
		return -1;
	}
	if ((row = cached_row(ap, "conversation", "conversation", id, err,
	    errlen)) == NULL)
		return -1;
	r.waiting = conv_waiting_after(row_int(row, "waiting_since"), "out",
	    kind, r.now);
	cJSON_Delete(row);
	/* Refused here in the server's words, rather than queued to come
	 * back as a sync problem. */
	conversation_platform(applier_db(ap), id, platform, sizeof platform);
	chars = conv_chars(body);
	if (chars > (cap = conv_message_cap(platform, kind))) {
		if (strcmp(kind, "note") == 0)
			snprintf(err, errlen, "a note holds at most %zu "
			    "characters", cap);
		else
			snprintf(err, errlen, "replies on %s hold at most %zu "
			    "characters; this one has %zu", platform, cap,
			    chars);
		return -1;
	}
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "kind", kind);
	cJSON_AddStringToObject(b, "body", body);
	json = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	snprintf(path, sizeof path, "/api/v1/conversations/%lld/messages",
	    (long long)id);
	snprintf(summary, sizeof summary, "%s in conversation %lld",
	    strcmp(kind, "text") == 0 ? "reply" : "note", (long long)id);
	rc = run_action(ap, &(struct outbox_action){ .method = "POST",
	    .path = path, .body = json, .ref_type = "conversation",
	    .ref_id = id, .temp_type = "message", .summary = summary },
	    create_message, change_after_reply, &r, err, errlen);
	cJSON_free(json);
	return rc;
}

/* ---- invoices ----------------------------------------------------------- */

struct payment {
	int64_t		 invoice, amount, now;
	const char	*currency, *method, *reference;
};

static int
create_payment(sqlite3 *db, int64_t temp, const void *arg)
{
	const struct payment *p = arg;

	return store_run(db, "INSERT INTO payments(id, invoice_id, "
	    "amount_minor, currency, method, reference, paid_at, pending, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)", "iiitttii", temp,
	    p->invoice, p->amount, p->currency, p->method, p->reference,
	    p->now, p->now);
}

static int
change_after_payment(sqlite3 *db, const void *arg)
{
	const struct payment *p = arg;

	return store_run(db, "UPDATE invoices SET amount_paid_minor = "
	    "amount_paid_minor + ?1, amount_due_minor = amount_due_minor - ?1, "
	    "status = CASE WHEN amount_due_minor - ?1 = 0 THEN 'paid' ELSE "
	    "status END WHERE id = ?2", "ii", p->amount, p->invoice);
}

int
invoice_record_payment(struct applier *ap, int64_t id, int64_t amount_minor,
    const char *method, const char *reference, char *err, size_t errlen)
{
	static const char *const methods[] = { "bank_transfer", "cash", "card",
	    "mobile_wallet", "installments", NULL };
	struct payment p = { id, amount_minor, (int64_t)time(NULL), NULL,
	    method, reference };
	char path[96], summary[160], amount[64], *json = NULL, *cur = NULL;
	const char *status;
	cJSON *row, *b;
	int64_t version;
	int rc = -1;

	if (!one_of(method, methods)) {
		snprintf(err, errlen, "method is bank_transfer, cash, card, "
		    "mobile_wallet or installments");
		return -1;
	}
	if ((row = cached_row(ap, "invoice", "invoice", id, err, errlen)) ==
	    NULL)
		return -1;
	status = row_text(row, "status");
	version = row_int(row, "version");
	cur = xstrdup(row_text(row, "currency"));
	p.currency = cur;
	if (strcmp(status, "sent") != 0 && strcmp(status, "overdue") != 0) {
		snprintf(err, errlen, "a %s invoice takes no payment", status);
		goto out;
	}
	if (amount_minor <= 0 || amount_minor > row_int(row,
	    "amount_due_minor")) {
		money_format(amount, sizeof amount, row_int(row,
		    "amount_due_minor"), cur);
		snprintf(err, errlen, "a payment is more than 0 and at most "
		    "the %s due", amount);
		goto out;
	}
	b = cJSON_CreateObject();
	cJSON_AddNumberToObject(b, "amount_minor", (double)amount_minor);
	cJSON_AddStringToObject(b, "method", method);
	if (reference != NULL && reference[0] != '\0')
		cJSON_AddStringToObject(b, "reference", reference);
	cJSON_AddNumberToObject(b, "paid_at", (double)p.now);
	json = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	snprintf(path, sizeof path, "/api/v1/invoices/%lld/payments",
	    (long long)id);
	money_format(amount, sizeof amount, amount_minor, cur);
	snprintf(summary, sizeof summary, "payment of %s on invoice %s",
	    amount, row_text(row, "number"));
	/* If-Match: a payment is judged against the amount due, which
	 * another payment may have changed. */
	rc = run_action(ap, &(struct outbox_action){ .method = "POST",
	    .path = path, .body = json, .if_match = version,
	    .ref_type = "invoice", .ref_id = id, .temp_type = "payment",
	    .summary = summary }, create_payment, change_after_payment, &p,
	    err, errlen);
out:
	cJSON_Delete(row);
	cJSON_free(json);
	free(cur);
	return rc;
}

/* ---- knowledge base ----------------------------------------------------- */

struct cells_change {
	int64_t		 id;
	const char	*cells;
};

static int
change_cells(sqlite3 *db, const void *arg)
{
	const struct cells_change *c = arg;

	return store_run(db, "UPDATE kb_rows SET cells = ? WHERE id = ?",
	    "ti", c->cells, c->id);
}

static const struct kb_column *
schema_column(const struct kb_schema *s, const char *name)
{
	for (int i = 0; i < s->ncols; i++)
		if (strcmp(s->cols[i].name, name) == 0)
			return &s->cols[i];
	return NULL;
}

int
kb_row_set_cell(struct applier *ap, int64_t row_id, const char *column,
    const char *text, char *err, size_t errlen)
{
	sqlite3 *db = applier_db(ap);
	struct kb_schema schema = { 0 };
	const struct kb_column *col;
	struct cells_change c = { row_id, NULL };
	char path[128], summary[160], *json = NULL, *cells = NULL;
	cJSON *row, *value, *b, *local;
	int64_t table;
	int rc = -1;

	if ((row = cached_row(ap, "kb_row", "row", row_id, err, errlen)) ==
	    NULL)
		return -1;
	table = row_int(row, "table_id");
	if (kb_schema_load(db, table, &schema) != 0 ||
	    (col = schema_column(&schema, column)) == NULL) {
		snprintf(err, errlen, "the table has no column %s", column);
		goto out;
	}
	if ((value = kb_cell_from_text(col, text, err, errlen)) == NULL)
		goto out;
	if (cJSON_IsNull(value) && col->required) {
		cJSON_Delete(value);
		snprintf(err, errlen, "%s is required", column);
		goto out;
	}
	b = cJSON_CreateObject();
	cJSON_AddItemToObject(cJSON_AddObjectToObject(b, "cells"), column,
	    cJSON_Duplicate(value, 1));
	json = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	local = cJSON_GetObjectItemCaseSensitive(row, "cells");
	if (!cJSON_IsObject(local)) {
		cJSON_Delete(value);
		snprintf(err, errlen, "row %lld has no cells", (long long)row_id);
		goto out;
	}
	/* The server removes a cell set to null: so does the cache. */
	if (cJSON_IsNull(value)) {
		cJSON_DeleteItemFromObjectCaseSensitive(local, column);
		cJSON_Delete(value);
	} else if (cJSON_HasObjectItem(local, column))
		cJSON_ReplaceItemInObjectCaseSensitive(local, column, value);
	else
		cJSON_AddItemToObject(local, column, value);
	c.cells = cells = cJSON_PrintUnformatted(local);
	snprintf(path, sizeof path, "/api/v1/kb/tables/%lld/rows/%lld",
	    (long long)table, (long long)row_id);
	snprintf(summary, sizeof summary, "set %s of row %lld", column,
	    (long long)row_id);
	rc = run_action(ap, &(struct outbox_action){ .method = "PATCH",
	    .path = path, .body = json, .if_match = row_int(row, "version"),
	    .ref_type = "kb_row", .ref_id = row_id, .summary = summary },
	    NULL, change_cells, &c, err, errlen);
out:
	kb_schema_free(&schema);
	cJSON_Delete(row);
	cJSON_free(json);
	cJSON_free(cells);
	return rc;
}
