/* Conversations: reading one chat and every action the back office takes
 * on it (reply, private note, status, assignment, priority, labels, AI or
 * human handling, the payment reminder, marking read).
 *
 * Who may do what (DESIGN.md roles, seed 002 §1 and §5, seed 001):
 *   - admin, support: every conversation, every action;
 *   - manager: conversations of the companies they manage, every action;
 *   - client: the business owner (X8's CLIENT), on their own companies'
 *     conversations, every action: the owner is the human the AI hands
 *     off to, so they reply, take over and triage their own chats;
 *   - billing: reads every conversation, changes none (403);
 *   - performer: none (404).  Seed 001 opens an order's chat to its
 *     customer and executor, but mkt sees that chat from the back office:
 *     the row carries staff-only state (labels, assignee, private notes in
 *     the thread and the preview), and the performer's scope in the issue
 *     lists no conversations.
 * Out of scope is 404, never 403, so ids do not leak; 403 only answers a
 * role that may see the conversation but not change it.
 *
 * Checks run in the order scope (404), role (403), If-Match (412), body
 * (400/422): a precondition is judged before the content is.
 *
 * Replies are capped per channel in characters, meaning Unicode code
 * points of the UTF-8 body after JSON unescaping, with no normalisation:
 * a combining mark, each part of an emoji sequence and each of \r and \n
 * count one.  The caps, the count, the customer's wait and the end of a
 * snooze are conv.h's, the same code the client runs before it queues a
 * reply, so the two cannot drift.
 *
 * The channel connector (an admin token) brings the customer's side in:
 * inbound messages and delivery receipts of replies.  A snoozed chat
 * wakes up when the customer writes and, through the timer, when its
 * time is over (conversation_snooze_sweep). */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "conv.h"
#include "text.h"

#define PREVIEW_CHARS	120	/* conversation list preview */
#define TITLE_CHARS	60	/* of a message in a notification title */
#define NAME_CHARS	128	/* a contact's, from a connector */
#define LABEL_CHARS	32
#define LABELS_MAX	20	/* per conversation */
/* Snoozes must land on a date people can read: 9999-12-31T23:59:59Z. */
#define TIME_MAX	INT64_C(253402300799)

struct conv {
	int64_t	 id;
	int64_t	 company_id;
	int64_t	 assignee_id;		/* 0: nobody */
	int64_t	 snoozed_until;		/* 0: not snoozed */
	int64_t	 waiting_since;		/* 0: nobody waits */
	int64_t	 version;
	int	 handoff_requested;
	int	 unread_count;
	int	 payment_reminder;
	char	 platform[16];
	char	 status[16];
	char	 priority[16];
	char	 handler[8];
	char	 contact[4 * NAME_CHARS + 1];
};

static const char *const conv_statuses[] = {
	"open", "pending", "snoozed", "resolved", NULL
};
static const char *const conv_priorities[] = {
	"urgent", "high", "medium", "low", "none", NULL
};
static const char *const message_kinds[] = { "text", "note", NULL };
static const char *const handlers[] = { "human", "ai", NULL };

/* ---- text --------------------------------------------------------------- */

/* ASCII whitespace only: the locale must not decide what a reply is. */
static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

static int
is_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!is_space((unsigned char)*s))
			return 0;
	return 1;
}

/* The list preview: one line, so runs of whitespace (newlines above all)
 * become one space and the ends are trimmed; then the first chars
 * characters (PREVIEW_CHARS for the list).  Control characters stay: the
 * client sanitizes everything it draws. */
static char *
conversation_preview(const char *body, size_t chars)
{
	char *out, *o;
	size_t n = 0;
	int space = 0;

	if ((out = malloc(strlen(body) + 1)) == NULL)
		return NULL;
	o = out;
	for (; *body != '\0'; body++) {
		unsigned char c = (unsigned char)*body;

		if (is_space(c)) {
			space = o != out;
			continue;
		}
		if ((c & 0xC0) != 0x80) {
			if (n + space + 1 > chars)
				break;
			if (space) {
				*o++ = ' ';
				n++;
				space = 0;
			}
			n++;
		}
		*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

/* One line of text people read in a list (a name, a handle): valid
 * UTF-8 with no C0, DEL or C1 control characters. */
static int
line_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!text_utf8_valid(s, strlen(s)))
		return 0;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		/* U+0080..U+009F is C2 80..C2 9F */
		if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			return 0;
	}
	return 1;
}

/* A label is a short tag people type and the list shows: 1..32
 * characters of valid UTF-8 with no C0, DEL or C1 control characters. */
static int
label_valid(const char *s)
{
	size_t n;

	if (!line_valid(s))
		return 0;
	n = conv_chars(s);
	return n >= 1 && n <= LABEL_CHARS && !is_blank(s);
}

/* ---- rows and scope ----------------------------------------------------- */

static int
conversation_load(sqlite3 *db, int64_t id, struct conv *cv)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = api_prepare(db,
	    "SELECT c.id, c.company_id, ifnull(c.assignee_id, 0), "
	    "ifnull(c.snoozed_until, 0), c.version, c.handoff_requested, "
	    "c.unread_count, c.payment_reminder, ch.platform, c.status, "
	    "c.priority, c.handler, ifnull(ct.name, ''), "
	    "ifnull(c.waiting_since, 0) "
	    "FROM conversations c JOIN channels ch ON ch.id = c.channel_id "
	    "LEFT JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = ?",
	    "i", id)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(cv, 0, sizeof *cv);
		cv->id = sqlite3_column_int64(st, 0);
		cv->company_id = sqlite3_column_int64(st, 1);
		cv->assignee_id = sqlite3_column_int64(st, 2);
		cv->snoozed_until = sqlite3_column_int64(st, 3);
		cv->version = sqlite3_column_int64(st, 4);
		cv->handoff_requested = sqlite3_column_int(st, 5);
		cv->unread_count = sqlite3_column_int(st, 6);
		cv->payment_reminder = sqlite3_column_int(st, 7);
		api_column_text(cv->platform, sizeof cv->platform, st, 8);
		api_column_text(cv->status, sizeof cv->status, st, 9);
		api_column_text(cv->priority, sizeof cv->priority, st, 10);
		api_column_text(cv->handler, sizeof cv->handler, st, 11);
		api_column_text(cv->contact, sizeof cv->contact, st, 12);
		cv->waiting_since = sqlite3_column_int64(st, 13);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

static int
conversation_visible(struct server *srv, const struct user *u,
    const struct conv *cv)
{
	if (u->role == USER_PERFORMER)
		return 0;
	return scope_company(srv, u, cv->company_id);
}

/* Loads the conversation of the path and answers 404 when it is missing
 * or out of the user's scope; with write set, 403 for a role that may
 * only read it. */
static int
conversation_find(struct server *srv, struct request *req,
    struct response *resp, int write, struct conv *cv)
{
	int rc;

	if (req->nids < 1)
		return api_not_found(resp, "conversation");
	if ((rc = conversation_load(srv->db, req->ids[0], cv)) < 0)
		return api_db_error(resp);
	if (rc > 0 || !conversation_visible(srv, req->user, cv))
		return api_not_found(resp, "conversation");
	if (write && req->user->role == USER_BILLING)
		return api_error(resp, 403, "forbidden",
		    "billing may read conversations but not change them", NULL);
	return 0;
}

/* The conversation as the change feed shows it to this user (the row and
 * its "labels"), so an answer and the feed never disagree. */
static cJSON *
conversation_json(struct server *srv, const struct user *u, int64_t id)
{
	return feed_render(srv, u, "conversation", id);
}

/* 412 with the current row when If-Match names another version. */
static int
conversation_precondition(struct server *srv, struct request *req,
    struct response *resp, const struct conv *cv)
{
	cJSON *current;
	int rc;

	if (req->if_match == NULL)
		return 0;
	current = conversation_json(srv, req->user, cv->id);
	rc = api_check_version(req, resp, cv->version, current);
	cJSON_Delete(current);
	return rc;
}

/* Bumps the version and puts the row in the feed.  An action that leaves
 * the row as it was (the same status again, a label it already has) does
 * not come here, so retries and double keypresses cost the feed nothing. */
static int
conversation_changed(struct server *srv, int64_t id)
{
	if (api_exec(srv->db, "UPDATE conversations SET version = version + 1 "
	    "WHERE id = ?", "i", id) != 1)
		return -1;
	return feed_record(srv, "conversation", id, "upsert");
}

/* Answers with the conversation as it now is.  The feed has the last
 * word on who sees a row: if it hides this one, so does the answer, and
 * the error rolls any change back. */
static int
conversation_answer(struct server *srv, struct request *req,
    struct response *resp, int64_t id)
{
	if ((resp->json = conversation_json(srv, req->user, id)) == NULL)
		return api_not_found(resp, "conversation");
	return resp->status = 200;
}

static int
conversation_done(struct server *srv, struct request *req,
    struct response *resp, int64_t id)
{
	if (conversation_changed(srv, id) != 0)
		return api_db_error(resp);
	return conversation_answer(srv, req, resp, id);
}

/* A system event in the thread ("Resolved by …"): it keeps the history of
 * who did what beside the messages, where people read it.  Events do not
 * move last_activity_at or the preview, so triaging a list does not
 * reorder it under the cursor. */
static int conversation_event(struct server *, int64_t, int64_t,
    const char *, ...) __attribute__((format(printf, 4, 5)));

static int
conversation_event(struct server *srv, int64_t conv_id, int64_t now,
    const char *fmt, ...)
{
	char text[1024];	/* a whole contact name fits */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (api_exec(srv->db, "INSERT INTO messages (conversation_id, "
	    "direction, kind, author_kind, body, created_at) "
	    "VALUES (?, 'out', 'system', 'system', ?, ?)", "iti", conv_id,
	    text, now) != 1)
		return -1;
	return feed_record(srv, "message", sqlite3_last_insert_rowid(srv->db),
	    "upsert");
}

/* ---- body fields -------------------------------------------------------- */

/* ---- GET /conversations/{id} --------------------------------------------- */

static int
conversation_get(struct server *srv, struct request *req,
    struct response *resp)
{
	struct conv cv;
	int rc;

	if ((rc = conversation_find(srv, req, resp, 0, &cv)) != 0)
		return rc;
	return conversation_answer(srv, req, resp, cv.id);
}

/* ---- POST /conversations/{id}/messages ----------------------------------- */

/* A reply goes to the customer: an outbound text by the user.  It answers
 * the customer, so the wait ends (conv_waiting_after); the user has the
 * thread open, so it is read; and a person wrote it, so a person handles
 * the chat from now on (the AI stops, and a pending handoff is met).  A
 * note is for colleagues only: it is activity (last_activity_at, preview,
 * read) but answers nobody and leaves the handler alone. */
static int
conversation_message(struct server *srv, struct request *req,
    struct response *resp)
{
	struct conv cv;
	const char *kind, *body;
	char *preview;
	size_t chars, cap;
	int64_t mid, waiting;
	int rc, note;

	if ((rc = conversation_find(srv, req, resp, 1, &cv)) != 0)
		return rc;
	if ((rc = api_body_enum(req, resp, "kind", true, message_kinds,
	    &kind)) != 0)
		return rc;
	/* No length here: the cap depends on the kind and the channel, and
	 * gets its own error.  The helper refuses invalid UTF-8. */
	if ((rc = api_body_string(req, resp, "body", true, 0, &body)) != 0)
		return rc;
	note = strcmp(kind, "note") == 0;
	if (is_blank(body))
		return api_error(resp, 422, "empty", "body is empty", "body");
	chars = conv_chars(body);
	if ((cap = conv_message_cap(cv.platform, kind)) < chars) {
		char msg[128];

		if (note)
			snprintf(msg, sizeof msg, "a note holds at most %zu "
			    "characters", cap);
		else
			snprintf(msg, sizeof msg, "replies on %s hold at most "
			    "%zu characters; this one has %zu", cv.platform,
			    cap, chars);
		return api_error(resp, 422, note ? "note_too_long" :
		    "reply_too_long", msg, "body");
	}

	if (api_exec(srv->db, "INSERT INTO messages (conversation_id, "
	    "direction, kind, author_kind, author_id, body, delivery, "
	    "created_at) VALUES (?, 'out', ?, 'user', ?, ?, ?, ?)", "ititti",
	    cv.id, kind, req->user->id, body, note ? NULL : "sent",
	    req->now) != 1)
		return api_db_error(resp);
	mid = sqlite3_last_insert_rowid(srv->db);
	if ((preview = conversation_preview(body, PREVIEW_CHARS)) == NULL)
		return api_db_error(resp);
	waiting = conv_waiting_after(cv.waiting_since, "out", kind, req->now);
	if (note)
		rc = api_exec(srv->db, "UPDATE conversations SET "
		    "last_activity_at = ?, last_message_preview = ?, "
		    "unread_count = 0, waiting_since = ? WHERE id = ?", "itzi",
		    req->now, preview, waiting, cv.id);
	else
		rc = api_exec(srv->db, "UPDATE conversations SET "
		    "last_activity_at = ?, last_message_preview = ?, "
		    "unread_count = 0, waiting_since = ?, handler = 'human', "
		    "handoff_requested = 0 WHERE id = ?", "itzi", req->now,
		    preview, waiting, cv.id);
	free(preview);
	if (rc != 1)
		return api_db_error(resp);
	if (feed_record(srv, "message", mid, "upsert") != 0 ||
	    conversation_changed(srv, cv.id) != 0)
		return api_db_error(resp);
	/* The message is the answer; the conversation travels in the feed. */
	if ((resp->json = feed_render(srv, req->user, "message", mid)) == NULL)
		return api_not_found(resp, "conversation");
	return resp->status = 201;
}

/* ---- POST /conversations/{id}/status ------------------------------------- */

static void
utc_minute(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "%lld", (long long)t);
	else
		strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

/* snoozed_until is Unix seconds, UTC, like every instant in the rows: the
 * feed shows it as a number and the client sends back what it holds, so
 * nothing parses dates or guesses zones.  It must lie in the future. */
static int
conversation_snooze_until(struct request *req, struct response *resp,
    const char *status, int64_t *until)
{
	const cJSON *item = api_body_field(req, "snoozed_until");
	int rc;

	*until = 0;
	if (strcmp(status, "snoozed") != 0) {
		if (item != NULL)
			return api_error(resp, 422, "invalid_value",
			    "snoozed_until goes only with status snoozed",
			    "snoozed_until");
		return 0;
	}
	if (item == NULL)
		return api_error(resp, 422, "missing_field",
		    "a snooze needs snoozed_until (Unix seconds)",
		    "snoozed_until");
	if ((rc = api_body_int(req, resp, "snoozed_until", true, 0, TIME_MAX,
	    until)) != 0)
		return rc;
	if (*until <= req->now)
		return api_error(resp, 422, "snooze_in_past",
		    "snoozed_until must be in the future", "snoozed_until");
	return 0;
}

static int
conversation_status(struct server *srv, struct request *req,
    struct response *resp)
{
	struct conv cv;
	const char *status, *who = req->user->name;
	char when[64], detail[64];
	int64_t until;
	int rc;

	if ((rc = conversation_find(srv, req, resp, 1, &cv)) != 0)
		return rc;
	if ((rc = conversation_precondition(srv, req, resp, &cv)) != 0)
		return rc;
	if ((rc = api_body_enum(req, resp, "status", true, conv_statuses,
	    &status)) != 0)
		return rc;
	if ((rc = conversation_snooze_until(req, resp, status, &until)) != 0)
		return rc;
	if (strcmp(status, cv.status) == 0 && until == cv.snoozed_until)
		return conversation_answer(srv, req, resp, cv.id);

	if (api_exec(srv->db, "UPDATE conversations SET status = ?, "
	    "snoozed_until = ? WHERE id = ?", "tzi", status, until,
	    cv.id) != 1)
		return api_db_error(resp);
	if (strcmp(status, "snoozed") == 0) {
		utc_minute(when, sizeof when, until);
		rc = conversation_event(srv, cv.id, req->now,
		    "Snoozed until %s by %s", when, who);
	} else if (strcmp(status, "resolved") == 0)
		rc = conversation_event(srv, cv.id, req->now,
		    "Resolved by %s", who);
	else if (strcmp(status, "open") == 0 &&
	    strcmp(cv.status, "resolved") == 0)
		rc = conversation_event(srv, cv.id, req->now,
		    "Reopened by %s", who);
	else
		rc = conversation_event(srv, cv.id, req->now,
		    "Marked %s by %s", status, who);
	if (rc != 0)
		return api_db_error(resp);
	snprintf(detail, sizeof detail, "status %s → %s", cv.status, status);
	if (audit_record(srv, req->user, 0, "conversation.status",
	    "conversation", cv.id, detail) != 0)
		return api_db_error(resp);
	return conversation_done(srv, req, resp, cv.id);
}

/* ---- POST /conversations/{id}/assign ------------------------------------- */

static enum user_role
role_of(const char *s)
{
	static const struct {
		const char	*name;
		enum user_role	 role;
	} roles[] = {
		{ "admin", USER_ADMIN }, { "manager", USER_MANAGER },
		{ "billing", USER_BILLING }, { "support", USER_SUPPORT },
		{ "client", USER_CLIENT },
	};

	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(s, roles[i].name) == 0)
			return roles[i].role;
	return USER_PERFORMER;
}

/* Whoever has a chat must be able to answer it: a user who may reply to
 * this conversation (admin, support, the company's manager, its owner).
 * Billing reads only and performers see no conversations, so neither can
 * be handed one.  0 when eligible, 1 when not, -1 on error. */
static int
conversation_assignee(struct server *srv, const struct conv *cv,
    int64_t user_id, struct user *u)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = api_prepare(srv->db, "SELECT id, role, email, name "
	    "FROM users WHERE id = ?", "i", user_id)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char role[16];

		memset(u, 0, sizeof *u);
		u->id = sqlite3_column_int64(st, 0);
		api_column_text(role, sizeof role, st, 1);
		u->role = role_of(role);
		api_column_text(u->email, sizeof u->email, st, 2);
		api_column_text(u->name, sizeof u->name, st, 3);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW)
		return -1;
	if (u->role == USER_BILLING || u->role == USER_PERFORMER)
		return 1;
	return conversation_visible(srv, u, cv) ? 0 : 1;
}

static int
conversation_assign(struct server *srv, struct request *req,
    struct response *resp)
{
	struct conv cv;
	struct user to;
	const cJSON *item;
	char title[1024], detail[192];
	int64_t uid = 0;
	int rc;

	if ((rc = conversation_find(srv, req, resp, 1, &cv)) != 0)
		return rc;
	if ((rc = conversation_precondition(srv, req, resp, &cv)) != 0)
		return rc;
	/* Here null means something: unassign. */
	if (req->body == NULL || (item = cJSON_GetObjectItemCaseSensitive(
	    req->body, "user_id")) == NULL)
		return api_error(resp, 422, "missing_field",
		    "user_id is required (null unassigns)", "user_id");
	if (!cJSON_IsNull(item)) {
		if ((rc = api_body_int(req, resp, "user_id", true, 1, INT64_MAX,
		    &uid)) != 0)
			return rc;
		if ((rc = conversation_assignee(srv, &cv, uid, &to)) < 0)
			return api_db_error(resp);
		if (rc > 0)
			return api_error(resp, 422, "invalid_assignee",
			    "the assignee must be a user who may answer this "
			    "conversation", "user_id");
	}
	if (uid == cv.assignee_id)
		return conversation_answer(srv, req, resp, cv.id);

	if (api_exec(srv->db, "UPDATE conversations SET assignee_id = ? "
	    "WHERE id = ?", "zi", uid, cv.id) != 1)
		return api_db_error(resp);
	if (uid == 0) {
		rc = conversation_event(srv, cv.id, req->now,
		    "Unassigned by %s", req->user->name);
		snprintf(detail, sizeof detail, "assignee → nobody");
	} else {
		rc = conversation_event(srv, cv.id, req->now,
		    "Assigned to %s by %s", to.name, req->user->name);
		snprintf(detail, sizeof detail, "assignee → %s", to.name);
	}
	if (rc != 0 || audit_record(srv, req->user, 0, "conversation.assign",
	    "conversation", cv.id, detail) != 0)
		return api_db_error(resp);
	/* Nobody needs telling what they just did themselves. */
	if (uid != 0 && uid != req->user->id) {
		snprintf(title, sizeof title, "%s (%s) was assigned to you",
		    cv.contact, cv.platform);
		if (notify(srv, uid, "assigned", title, "conversation",
		    cv.id) != 0)
			return api_db_error(resp);
	}
	return conversation_done(srv, req, resp, cv.id);
}

/* ---- POST /conversations/{id}/priority ----------------------------------- */

static int
conversation_priority(struct server *srv, struct request *req,
    struct response *resp)
{
	struct conv cv;
	const char *priority;
	int rc;

	if ((rc = conversation_find(srv, req, resp, 1, &cv)) != 0)
		return rc;
	if ((rc = conversation_precondition(srv, req, resp, &cv)) != 0)
		return rc;
	if ((rc = api_body_enum(req, resp, "priority", true, conv_priorities,
	    &priority)) != 0)
		return rc;
	if (strcmp(priority, cv.priority) == 0)
		return conversation_answer(srv, req, resp, cv.id);
	if (api_exec(srv->db, "UPDATE conversations SET priority = ? "
	    "WHERE id = ?", "ti", priority, cv.id) != 1)
		return api_db_error(resp);
	return conversation_done(srv, req, resp, cv.id);
}

/* ---- POST /conversations/{id}/labels ------------------------------------- */

/* Checks one of add/remove: absent, or an array of at most LABELS_MAX
 * valid labels.  Returns the array (or NULL) through *out. */
static int
labels_field(struct request *req, struct response *resp, const char *field,
    const cJSON **out)
{
	const cJSON *arr = api_body_field(req, field), *e;

	*out = NULL;
	if (arr == NULL)
		return 0;
	if (!cJSON_IsArray(arr))
		return api_error(resp, 422, "invalid_type",
		    "labels come as an array of strings", field);
	if (cJSON_GetArraySize(arr) > LABELS_MAX)
		return api_error(resp, 422, "too_many_labels",
		    "a conversation has at most 20 labels", field);
	cJSON_ArrayForEach(e, arr) {
		if (!cJSON_IsString(e))
			return api_error(resp, 422, "invalid_type",
			    "labels come as an array of strings", field);
		if (!label_valid(e->valuestring))
			return api_error(resp, 422, "invalid_label",
			    "a label is 1 to 32 characters with no control "
			    "characters", field);
	}
	*out = arr;
	return 0;
}

static int
labels_contain(const cJSON *arr, const char *label)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
		if (strcmp(e->valuestring, label) == 0)
			return 1;
	return 0;
}

/* Removes first, then adds; a label in both lists is a contradiction the
 * client should not send, so it is refused rather than guessed at. */
static int
conversation_labels(struct server *srv, struct request *req,
    struct response *resp)
{
	struct conv cv;
	const cJSON *add, *remove, *e;
	sqlite3_stmt *st;
	int rc, changed = 0, n;

	if ((rc = conversation_find(srv, req, resp, 1, &cv)) != 0)
		return rc;
	if ((rc = conversation_precondition(srv, req, resp, &cv)) != 0)
		return rc;
	if ((rc = labels_field(req, resp, "add", &add)) != 0 ||
	    (rc = labels_field(req, resp, "remove", &remove)) != 0)
		return rc;
	if (add == NULL && remove == NULL)
		return api_error(resp, 422, "missing_field",
		    "give labels to add or remove", "add");
	if (add != NULL && remove != NULL)
		cJSON_ArrayForEach(e, add)
			if (labels_contain(remove, e->valuestring))
				return api_error(resp, 422, "label_conflict",
				    "a label cannot be both added and removed",
				    "remove");

	if (remove != NULL)
		cJSON_ArrayForEach(e, remove) {
			if ((rc = api_exec(srv->db, "DELETE FROM "
			    "conversation_labels WHERE conversation_id = ? "
			    "AND label = ?", "it", cv.id, e->valuestring)) < 0)
				return api_db_error(resp);
			changed |= rc > 0;
		}
	if (add != NULL)
		cJSON_ArrayForEach(e, add) {
			if ((rc = api_exec(srv->db, "INSERT OR IGNORE INTO "
			    "conversation_labels (conversation_id, label) "
			    "VALUES (?, ?)", "it", cv.id, e->valuestring)) < 0)
				return api_db_error(resp);
			changed |= rc > 0;
		}
	if ((st = api_prepare(srv->db, "SELECT count(*) FROM "
	    "conversation_labels WHERE conversation_id = ?", "i",
	    cv.id)) == NULL)
		return api_db_error(resp);
	n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (n < 0)
		return api_db_error(resp);
	/* The handler's error rolls the whole request back. */
	if (n > LABELS_MAX)
		return api_error(resp, 422, "too_many_labels",
		    "a conversation has at most 20 labels", "add");
	if (changed)
		return conversation_done(srv, req, resp, cv.id);
	return conversation_answer(srv, req, resp, cv.id);
}

/* ---- POST /conversations/{id}/handoff ------------------------------------ */

/* "human": a person takes the chat from the AI, which meets a pending
 * handoff request.  "ai": the assistant answers again; a person decided,
 * so any request is settled too.  Order chats are between a customer and
 * an installer (seed 001) and have no assistant to hand back to.  Taking
 * over does not assign: assignment is its own action, with its own
 * notification and audit. */
static int
conversation_handoff(struct server *srv, struct request *req,
    struct response *resp)
{
	struct conv cv;
	const char *to;
	char detail[64];
	int rc;

	if ((rc = conversation_find(srv, req, resp, 1, &cv)) != 0)
		return rc;
	if ((rc = conversation_precondition(srv, req, resp, &cv)) != 0)
		return rc;
	if ((rc = api_body_enum(req, resp, "to", true, handlers, &to)) != 0)
		return rc;
	if (strcmp(to, "ai") == 0 && strcmp(cv.platform, "order_chat") == 0)
		return api_error(resp, 422, "no_assistant",
		    "order chats have no AI assistant", "to");
	if (strcmp(to, cv.handler) == 0 && !cv.handoff_requested)
		return conversation_answer(srv, req, resp, cv.id);

	if (api_exec(srv->db, "UPDATE conversations SET handler = ?, "
	    "handoff_requested = 0 WHERE id = ?", "ti", to, cv.id) != 1)
		return api_db_error(resp);
	if (strcmp(to, "human") == 0)
		rc = conversation_event(srv, cv.id, req->now,
		    "%s took over from the AI", req->user->name);
	else
		rc = conversation_event(srv, cv.id, req->now,
		    "Handed back to the AI by %s", req->user->name);
	snprintf(detail, sizeof detail, "handler %s → %s", cv.handler, to);
	if (rc != 0 || audit_record(srv, req->user, 0, "conversation.handoff",
	    "conversation", cv.id, detail) != 0)
		return api_db_error(resp);
	return conversation_done(srv, req, resp, cv.id);
}

/* ---- POST /conversations/{id}/payment-reminder --------------------------- */

/* The customer's remind flag (seed 002 §5: on by default, off when they
 * complain or cancel).  It may be set whatever the payment status: it is
 * the customer's preference and carries over to their next order; the
 * reminder itself only goes out while a link is sent and unpaid. */
static int
conversation_payment_reminder(struct server *srv, struct request *req,
    struct response *resp)
{
	struct conv cv;
	const cJSON *item;
	int rc, on;

	if ((rc = conversation_find(srv, req, resp, 1, &cv)) != 0)
		return rc;
	if ((rc = conversation_precondition(srv, req, resp, &cv)) != 0)
		return rc;
	if ((item = api_body_field(req, "enabled")) == NULL)
		return api_error(resp, 422, "missing_field",
		    "enabled is required", "enabled");
	if (!cJSON_IsBool(item))
		return api_error(resp, 422, "invalid_type",
		    "enabled must be true or false", "enabled");
	on = cJSON_IsTrue(item);
	if (on == cv.payment_reminder)
		return conversation_answer(srv, req, resp, cv.id);
	if (api_exec(srv->db, "UPDATE conversations SET payment_reminder = ? "
	    "WHERE id = ?", "ii", (int64_t)on, cv.id) != 1)
		return api_db_error(resp);
	return conversation_done(srv, req, resp, cv.id);
}

/* ---- POST /conversations/{id}/read --------------------------------------- */

static int
conversation_read(struct server *srv, struct request *req,
    struct response *resp)
{
	struct conv cv;
	int rc;

	if ((rc = conversation_find(srv, req, resp, 1, &cv)) != 0)
		return rc;
	if (cv.unread_count == 0)
		return conversation_answer(srv, req, resp, cv.id);
	if (api_exec(srv->db, "UPDATE conversations SET unread_count = 0 "
	    "WHERE id = ?", "i", cv.id) != 1)
		return api_db_error(resp);
	return conversation_done(srv, req, resp, cv.id);
}

/* ---- POST /channels/{id}/inbound ---------------------------------------- */

/* The customer's side comes from the channel connector, which holds an
 * admin token: it posts what a customer wrote on the channel.  Nothing
 * caps what a customer sends (the caps bind replies); the body only has
 * to be valid UTF-8 within the 1 MiB request limit, and is stored as it
 * came.  Clients sanitize what they draw.
 *
 * Decisions:
 *   - the contact is the company's contact with this handle (the lowest
 *     id if several), or a new one made from "from"; an existing contact
 *     is left as it is, since staff may have corrected its name;
 *   - the message joins the contact's latest conversation on this
 *     channel that is not resolved.  A resolved conversation is closed
 *     history and is not reopened (Chatwoot reopens it): the customer
 *     starts a new conversation (open, the AI answering, unassigned, no
 *     priority, the payment reminder carried over from the contact's
 *     last conversation, on for a new customer);
 *   - a snoozed conversation wakes up ("Snooze ended: the customer
 *     wrote"); a pending one stays pending, since pending is a decision
 *     people took;
 *   - "handoff": the customer asked for a person (the assistant decides
 *     that on the channel): handoff_requested is set, with a system
 *     message, unless it already was;
 *   - notifications: an assigned conversation tells its assignee
 *     ("new_message"); a new conversation tells everyone who may answer
 *     it ("new_conversation": admins, support, the company's manager and
 *     owner); a message in a conversation nobody has is not announced to
 *     everyone again, since the queue shows it;
 *   - order chats are written in the marketplace, not through a
 *     connector: 409. */

#define HANDLE_CHARS	128
#define PHONE_CHARS	64
#define EMAIL_CHARS	254
#define LANGUAGE_CHARS	35
#define URL_CHARS	2048
#define MIME_CHARS	127	/* RFC 6838: ASCII */

struct inbound {
	const char	*handle, *name, *phone, *email, *language;
	const char	*body;
	const char	*att_url, *att_type;
	int64_t		 att_size;		/* -1: not given */
	int		 handoff;
};

struct channel {
	int64_t	 id;
	int64_t	 company_id;
	char	 platform[16];
};

/* A string member of a nested object, checked as api_body_string() checks
 * a top-level field, and one line with no control characters; field is
 * its dotted name in errors ("from.handle"). */
static int
member_string(struct response *resp, const cJSON *obj, const char *key,
    const char *field, bool required, size_t maxlen, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char msg[160];

	if (v == NULL || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		snprintf(msg, sizeof msg, "%s is required", field);
		return api_error(resp, 422, "missing_field", msg, field);
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		snprintf(msg, sizeof msg, "%s must be a string", field);
		return api_error(resp, 422, "invalid_type", msg, field);
	}
	if (!text_utf8_valid(v->valuestring, strlen(v->valuestring))) {
		snprintf(msg, sizeof msg, "%s is not valid UTF-8", field);
		return api_error(resp, 422, "invalid_utf8", msg, field);
	}
	if (conv_chars(v->valuestring) > maxlen) {
		snprintf(msg, sizeof msg, "%s is longer than %zu characters",
		    field, maxlen);
		return api_error(resp, 422, "too_long", msg, field);
	}
	if (!line_valid(v->valuestring) || is_blank(v->valuestring)) {
		snprintf(msg, sizeof msg, "%s must be one line of text",
		    field);
		return api_error(resp, 422, "invalid_value", msg, field);
	}
	*out = v->valuestring;
	return 0;
}

/* An object field of the body: 0 with *out NULL when it is absent. */
static int
body_object(struct request *req, struct response *resp, const char *field,
    bool required, const cJSON **out)
{
	char msg[96];

	if ((*out = api_body_field(req, field)) == NULL) {
		if (!required)
			return 0;
		snprintf(msg, sizeof msg, "%s is required", field);
		return api_error(resp, 422, "missing_field", msg, field);
	}
	if (!cJSON_IsObject(*out)) {
		snprintf(msg, sizeof msg, "%s must be an object", field);
		return api_error(resp, 422, "invalid_type", msg, field);
	}
	return 0;
}

/* BCP 47 as the contacts hold it ("es", "pt-BR"): letters, digits and
 * hyphens. */
static int
language_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

/* "image/jpeg", "application/vnd.ms-excel": type/subtype of RFC 6838's
 * characters, so the preview "[image/jpeg]" is ASCII and short. */
static int
media_type_valid(const char *s)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&^_.+-";
	size_t type = strspn(s, chars), sub;

	if (type == 0 || s[type] != '/')
		return 0;
	sub = strspn(s + type + 1, chars);
	return sub > 0 && s[type + 1 + sub] == '\0';
}

static int
inbound_parse(struct request *req, struct response *resp, struct inbound *in)
{
	const cJSON *from, *att, *v;
	int64_t size = -1;
	int rc;

	memset(in, 0, sizeof *in);
	in->att_size = -1;
	if ((rc = body_object(req, resp, "from", true, &from)) != 0)
		return rc;
	if ((rc = member_string(resp, from, "handle", "from.handle", true,
	    HANDLE_CHARS, &in->handle)) != 0 ||
	    (rc = member_string(resp, from, "name", "from.name", true,
	    NAME_CHARS, &in->name)) != 0 ||
	    (rc = member_string(resp, from, "phone", "from.phone", false,
	    PHONE_CHARS, &in->phone)) != 0 ||
	    (rc = member_string(resp, from, "email", "from.email", false,
	    EMAIL_CHARS, &in->email)) != 0 ||
	    (rc = member_string(resp, from, "language", "from.language",
	    false, LANGUAGE_CHARS, &in->language)) != 0)
		return rc;
	if (in->language != NULL && !language_valid(in->language))
		return api_error(resp, 422, "invalid_value", "from.language "
		    "is a language tag such as es or pt-BR", "from.language");

	if ((rc = body_object(req, resp, "attachment", false, &att)) != 0)
		return rc;
	if (att != NULL) {
		if ((rc = member_string(resp, att, "url", "attachment.url",
		    true, URL_CHARS, &in->att_url)) != 0 ||
		    (rc = member_string(resp, att, "type", "attachment.type",
		    true, MIME_CHARS, &in->att_type)) != 0)
			return rc;
		if (!media_type_valid(in->att_type))
			return api_error(resp, 422, "invalid_value",
			    "attachment.type is a media type such as "
			    "image/jpeg", "attachment.type");
		if (strncmp(in->att_url, "https://", 8) != 0 &&
		    strncmp(in->att_url, "http://", 7) != 0)
			return api_error(resp, 422, "invalid_value",
			    "attachment.url must be an http(s) URL",
			    "attachment.url");
		v = cJSON_GetObjectItemCaseSensitive(att, "size");
		if (v != NULL && !cJSON_IsNull(v)) {
			double d = cJSON_IsNumber(v) ? v->valuedouble : -1;

			if (!cJSON_IsNumber(v) || d != (double)(int64_t)d)
				return api_error(resp, 422, "invalid_type",
				    "attachment.size must be an integer",
				    "attachment.size");
			if (d < 0 || d > 9007199254740991.0)
				return api_error(resp, 422, "out_of_range",
				    "attachment.size is a byte count",
				    "attachment.size");
			size = (int64_t)d;
		}
		in->att_size = size;
	}

	/* No cap: what the customer sent is what they sent. */
	if ((rc = api_body_string(req, resp, "body", true, 0, &in->body)) != 0)
		return rc;
	if (is_blank(in->body) && in->att_url == NULL)
		return api_error(resp, 422, "empty",
		    "body is empty and there is no attachment", "body");

	if ((v = api_body_field(req, "handoff")) != NULL) {
		if (!cJSON_IsBool(v))
			return api_error(resp, 422, "invalid_type",
			    "handoff must be true or false", "handoff");
		in->handoff = cJSON_IsTrue(v);
	}
	return 0;
}

/* The channel of the path: 404 when missing or out of scope, 403 for
 * anyone but an admin (the connector's role), 409 for an order chat. */
static int
channel_find(struct server *srv, struct request *req, struct response *resp,
    struct channel *ch)
{
	sqlite3_stmt *st;
	int rc;

	if (req->nids < 1)
		return api_not_found(resp, "channel");
	if ((st = api_prepare(srv->db, "SELECT id, company_id, platform "
	    "FROM channels WHERE id = ?", "i", req->ids[0])) == NULL)
		return api_db_error(resp);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ch->id = sqlite3_column_int64(st, 0);
		ch->company_id = sqlite3_column_int64(st, 1);
		api_column_text(ch->platform, sizeof ch->platform, st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return api_db_error(resp);
	/* Whoever may see the channel's conversations may know it exists. */
	if (rc == SQLITE_DONE || req->user->role == USER_PERFORMER ||
	    !scope_company(srv, req->user, ch->company_id))
		return api_not_found(resp, "channel");
	if (req->user->role != USER_ADMIN)
		return api_error(resp, 403, "forbidden", "only the channel "
		    "connector (an admin) posts what customers write", NULL);
	if (strcmp(ch->platform, "order_chat") == 0)
		return api_error(resp, 409, "no_connector", "order chats are "
		    "written in the marketplace, not through a connector",
		    NULL);
	return 0;
}

/* The contact with this handle in the company, made from in (and put
 * in the feed) when there is none: its id, or 0 on error. */
static int64_t
inbound_contact(struct server *srv, const struct channel *ch,
    const struct inbound *in, int64_t now)
{
	int64_t id;
	int rc;

	if ((rc = api_int(srv->db, &id, "SELECT id FROM contacts WHERE "
	    "company_id = ? AND handle = ? ORDER BY id LIMIT 1", "it",
	    ch->company_id, in->handle)) < 0)
		return 0;
	if (rc == 1)
		return id;
	if (api_exec(srv->db, "INSERT INTO contacts (company_id, name, phone, "
	    "email, handle, language, lead_source, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "itttttti", ch->company_id,
	    in->name, in->phone, in->email, in->handle, in->language,
	    ch->platform, now) != 1)
		return 0;
	id = sqlite3_last_insert_rowid(srv->db);
	return feed_record(srv, "contact", id, "upsert") == 0 ? id : 0;
}

/* The contact's conversation on the channel that is not resolved, or a
 * new one: its id, with *created set for a new one; 0 on error. */
static int64_t
inbound_conversation(struct server *srv, const struct channel *ch,
    int64_t contact, int64_t now, int *created)
{
	int64_t id;
	int rc;

	*created = 0;
	if ((rc = api_int(srv->db, &id, "SELECT id FROM conversations WHERE "
	    "contact_id = ? AND channel_id = ? AND status <> 'resolved' "
	    "ORDER BY last_activity_at DESC, id DESC LIMIT 1", "ii", contact,
	    ch->id)) < 0)
		return 0;
	if (rc == 1)
		return id;
	/* The reminder is the customer's preference (seed 002 §5): it
	 * follows them from their last conversation, on by default. */
	if (api_exec(srv->db, "INSERT INTO conversations (company_id, "
	    "channel_id, contact_id, status, priority, handler, "
	    "last_activity_at, payment_reminder, created_at) "
	    "VALUES (?1, ?2, ?3, 'open', 'none', 'ai', ?4, coalesce((SELECT "
	    "payment_reminder FROM conversations WHERE contact_id = ?3 "
	    "ORDER BY id DESC LIMIT 1), 1), ?4)", "iiii", ch->company_id,
	    ch->id, contact, now) != 1)
		return 0;
	*created = 1;
	return sqlite3_last_insert_rowid(srv->db);
}

/* Tells whoever should know that the customer wrote: the assignee of an
 * assigned conversation, everyone who may answer a new one. */
static int
inbound_notify(struct server *srv, const struct conv *cv, const char *body,
    int created)
{
	sqlite3_stmt *st;
	char *line, title[1024];
	int rc = 0, step = SQLITE_DONE;

	if (cv->assignee_id == 0 && !created)
		return 0;
	if ((line = conversation_preview(body, TITLE_CHARS)) == NULL)
		return -1;
	snprintf(title, sizeof title, "%s (%s): %s", cv->contact, cv->platform,
	    line);
	free(line);
	if (cv->assignee_id != 0)
		return notify(srv, cv->assignee_id, "new_message", title,
		    "conversation", cv->id);

	/* The candidates in SQL, the rule in conversation_assignee(), so
	 * that who is told and who may be assigned stay one rule. */
	if ((st = api_prepare(srv->db, "SELECT u.id FROM users u WHERE "
	    "u.role IN ('admin', 'support') OR u.id IN (SELECT manager_id "
	    "FROM companies WHERE id = ?1) OR u.id IN (SELECT owner_id FROM "
	    "companies WHERE id = ?1) ORDER BY u.id", "i",
	    cv->company_id)) == NULL)
		return -1;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct user u;
		int64_t uid = sqlite3_column_int64(st, 0);

		/* notify() below inserts; st reads users and companies only */
		if ((rc = conversation_assignee(srv, cv, uid, &u)) == 0)
			rc = notify(srv, uid, "new_conversation", title,
			    "conversation", cv->id);
		else if (rc > 0)
			rc = 0;
	}
	sqlite3_finalize(st);
	return rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE ? -1 : rc;
}

static int
channel_inbound(struct server *srv, struct request *req,
    struct response *resp)
{
	struct channel ch;
	struct inbound in;
	struct conv cv;
	char *preview, att[160];
	const char *status, *shown;
	int64_t contact, conv_id, mid, waiting;
	int rc, new_conv, handoff;

	if ((rc = channel_find(srv, req, resp, &ch)) != 0)
		return rc;
	if ((rc = inbound_parse(req, resp, &in)) != 0)
		return rc;

	if ((contact = inbound_contact(srv, &ch, &in, req->now)) == 0 ||
	    (conv_id = inbound_conversation(srv, &ch, contact, req->now,
	    &new_conv)) == 0 ||
	    conversation_load(srv->db, conv_id, &cv) != 0)
		return api_db_error(resp);

	if (api_exec(srv->db, "INSERT INTO messages (conversation_id, "
	    "direction, kind, author_kind, body, attachment_url, "
	    "attachment_type, attachment_size, created_at) "
	    "VALUES (?, 'in', 'text', 'contact', ?, ?, ?, ?, ?)", "itttni",
	    cv.id, in.body, in.att_url, in.att_type, in.att_size,
	    req->now) != 1)
		return api_db_error(resp);
	mid = sqlite3_last_insert_rowid(srv->db);
	if (feed_record(srv, "message", mid, "upsert") != 0)
		return api_db_error(resp);

	/* An attachment alone still shows in the list: "[image/jpeg]". */
	shown = in.body;
	if (is_blank(in.body)) {
		snprintf(att, sizeof att, "[%s]", in.att_type);
		shown = att;
	}
	if ((preview = conversation_preview(shown, PREVIEW_CHARS)) == NULL)
		return api_db_error(resp);
	waiting = conv_waiting_after(cv.waiting_since, "in", "text", req->now);
	/* Only a snooze keeps snoozed_until, and a snooze ends here. */
	status = strcmp(cv.status, "snoozed") == 0 ? "open" : cv.status;
	handoff = in.handoff || cv.handoff_requested;
	rc = api_exec(srv->db, "UPDATE conversations SET "
	    "unread_count = unread_count + 1, last_activity_at = ?, "
	    "last_message_preview = ?, waiting_since = ?, status = ?, "
	    "snoozed_until = NULL, handoff_requested = ? WHERE id = ?",
	    "itztii", req->now, preview, waiting, status, (int64_t)handoff,
	    cv.id);
	free(preview);
	if (rc != 1)
		return api_db_error(resp);

	/* The events follow the message that caused them. */
	if (strcmp(cv.status, "snoozed") == 0 && conversation_event(srv,
	    cv.id, req->now, "Snooze ended: the customer wrote") != 0)
		return api_db_error(resp);
	if (in.handoff && !cv.handoff_requested && conversation_event(srv,
	    cv.id, req->now, "%s asked for a person", cv.contact) != 0)
		return api_db_error(resp);

	/* A new row starts at version 1; a changed one moves on. */
	if ((new_conv ? feed_record(srv, "conversation", cv.id, "upsert") :
	    conversation_changed(srv, cv.id)) != 0)
		return api_db_error(resp);
	if (inbound_notify(srv, &cv, shown, new_conv) != 0)
		return api_db_error(resp);

	if ((resp->json = feed_render(srv, req->user, "message", mid)) == NULL)
		return api_not_found(resp, "conversation");
	return resp->status = 201;
}

/* ---- POST /messages/{id}/delivery ---------------------------------------- */

/* The connector's status callback for a reply: sent, delivered, read, or
 * failed.  Only outbound text has a delivery (notes and system messages
 * go nowhere, inbound ones are the customer's).  States only move
 * forward, sending < sent < delivered < read; a message may fail at any
 * point before it is read, and a failed one stays failed (resending is a
 * new reply).  The same state again changes nothing, so a connector's
 * retries are harmless; a step back is 409 invalid_state, which a
 * connector that receives callbacks out of order may ignore. */

static const char *const deliveries[] = {
	"sent", "delivered", "read", "failed", NULL
};

static int
delivery_rank(const char *d)
{
	static const char *const order[] = { "sending", "sent", "delivered",
	    "read" };

	for (int i = 0; i < (int)(sizeof order / sizeof order[0]); i++)
		if (strcmp(d, order[i]) == 0)
			return i;
	return 0;	/* none yet: as good as sending */
}

static int
message_delivery(struct server *srv, struct request *req,
    struct response *resp)
{
	sqlite3_stmt *st;
	struct conv cv;
	const char *to;
	char direction[8], kind[8], cur[16], msg[128];
	int64_t id, conv_id = 0;
	int rc;

	if (req->nids < 1)
		return api_not_found(resp, "message");
	id = req->ids[0];
	if ((st = api_prepare(srv->db, "SELECT conversation_id, direction, "
	    "kind, ifnull(delivery, '') FROM messages WHERE id = ?", "i",
	    id)) == NULL)
		return api_db_error(resp);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		conv_id = sqlite3_column_int64(st, 0);
		api_column_text(direction, sizeof direction, st, 1);
		api_column_text(kind, sizeof kind, st, 2);
		api_column_text(cur, sizeof cur, st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return api_db_error(resp);
	if (rc == SQLITE_DONE)
		return api_not_found(resp, "message");
	if ((rc = conversation_load(srv->db, conv_id, &cv)) < 0)
		return api_db_error(resp);
	if (rc > 0 || !conversation_visible(srv, req->user, &cv))
		return api_not_found(resp, "message");
	if (req->user->role != USER_ADMIN)
		return api_error(resp, 403, "forbidden", "only the channel "
		    "connector (an admin) reports deliveries", NULL);
	if ((rc = api_body_enum(req, resp, "delivery", true, deliveries,
	    &to)) != 0)
		return rc;
	if (strcmp(direction, "out") != 0 || strcmp(kind, "text") != 0)
		return api_error(resp, 409, "not_deliverable", "only replies "
		    "(outbound text messages) have a delivery state", NULL);

	if (strcmp(to, cur) == 0) {
		if ((resp->json = feed_render(srv, req->user, "message",
		    id)) == NULL)
			return api_not_found(resp, "message");
		return resp->status = 200;
	}
	if (strcmp(cur, "failed") == 0 || (strcmp(to, "failed") == 0 ?
	    strcmp(cur, "read") == 0 : delivery_rank(to) <
	    delivery_rank(cur))) {
		snprintf(msg, sizeof msg, "the message is %s; it cannot become "
		    "%s", cur, to);
		return api_error(resp, 409, "invalid_state", msg, "delivery");
	}
	if (api_exec(srv->db, "UPDATE messages SET delivery = ?, "
	    "version = version + 1 WHERE id = ?", "ti", to, id) != 1 ||
	    feed_record(srv, "message", id, "upsert") != 0)
		return api_db_error(resp);
	if ((resp->json = feed_render(srv, req->user, "message", id)) == NULL)
		return api_not_found(resp, "message");
	return resp->status = 200;
}

/* ---- the snooze timer ---------------------------------------------------- */

#define SWEEP_BATCH	256

/* Wakes the snoozed conversations whose time has passed (conv_snooze_over,
 * the client's rule): status open, snoozed_until cleared, a system
 * message "Snooze ended", a new version in the feed.  The caller holds
 * srv->lock and a transaction.  Batches keep the statement's result set
 * apart from the rows it changes; each batch wakes what it read, so the
 * loop ends, and a batch that wakes nothing stops it too. */
int
conversation_snooze_sweep(struct server *srv, int64_t now)
{
	int64_t ids[SWEEP_BATCH];
	int n, got, woken = 0, progress;

	do {
		sqlite3_stmt *st;

		if ((st = api_prepare(srv->db, "SELECT id, snoozed_until FROM "
		    "conversations WHERE status = 'snoozed' AND "
		    "snoozed_until <= ? ORDER BY snoozed_until, id LIMIT ?",
		    "ii", now, (int64_t)SWEEP_BATCH)) == NULL)
			return -1;
		n = got = 0;
		while (got < SWEEP_BATCH && sqlite3_step(st) == SQLITE_ROW) {
			got++;
			if (conv_snooze_over("snoozed",
			    sqlite3_column_int64(st, 1), now))
				ids[n++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		progress = 0;
		for (int i = 0; i < n; i++) {
			if (api_exec(srv->db, "UPDATE conversations SET "
			    "status = 'open', snoozed_until = NULL WHERE "
			    "id = ? AND status = 'snoozed'", "i",
			    ids[i]) != 1 ||
			    conversation_event(srv, ids[i], now,
			    "Snooze ended") != 0 ||
			    conversation_changed(srv, ids[i]) != 0)
				return -1;
			progress++;
		}
		woken += progress;
	} while (got == SWEEP_BATCH && progress > 0);
	return woken;
}

const struct route conversation_routes[] = {
	{ "GET", "/api/v1/conversations/{id}", 0, conversation_get },
	{ "POST", "/api/v1/conversations/{id}/messages", ROUTE_WRITE,
	    conversation_message },
	{ "POST", "/api/v1/conversations/{id}/status", ROUTE_WRITE,
	    conversation_status },
	{ "POST", "/api/v1/conversations/{id}/assign", ROUTE_WRITE,
	    conversation_assign },
	{ "POST", "/api/v1/conversations/{id}/priority", ROUTE_WRITE,
	    conversation_priority },
	{ "POST", "/api/v1/conversations/{id}/labels", ROUTE_WRITE,
	    conversation_labels },
	{ "POST", "/api/v1/conversations/{id}/handoff", ROUTE_WRITE,
	    conversation_handoff },
	{ "POST", "/api/v1/conversations/{id}/payment-reminder", ROUTE_WRITE,
	    conversation_payment_reminder },
	{ "POST", "/api/v1/conversations/{id}/read", ROUTE_WRITE,
	    conversation_read },
	{ "POST", "/api/v1/channels/{id}/inbound", ROUTE_WRITE,
	    channel_inbound },
	{ "POST", "/api/v1/messages/{id}/delivery", ROUTE_WRITE,
	    message_delivery },
	{ NULL, NULL, 0, NULL }
};
