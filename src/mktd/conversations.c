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
 * count one.  The client counts the same way before it queues a reply. */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "text.h"

#define PREVIEW_CHARS	120	/* conversation list preview */
#define NOTE_CHARS	7000	/* notes have no channel; the largest cap */
#define LABEL_CHARS	32
#define LABELS_MAX	20	/* per conversation */
/* Snoozes must land on a date people can read: 9999-12-31T23:59:59Z. */
#define TIME_MAX	INT64_C(253402300799)

struct conv {
	int64_t	 id;
	int64_t	 company_id;
	int64_t	 assignee_id;		/* 0: nobody */
	int64_t	 snoozed_until;		/* 0: not snoozed */
	int64_t	 version;
	int	 handoff_requested;
	int	 unread_count;
	int	 payment_reminder;
	char	 platform[16];
	char	 status[16];
	char	 priority[16];
	char	 handler[8];
	char	 contact[128];
};

static const char *const conv_statuses[] = {
	"open", "pending", "snoozed", "resolved", NULL
};
static const char *const conv_priorities[] = {
	"urgent", "high", "medium", "low", "none", NULL
};
static const char *const message_kinds[] = { "text", "note", NULL };
static const char *const handlers[] = { "human", "ai", NULL };

/* Reply caps, seed 002 §2.5 (the model's inputSource table). */
static const struct {
	const char	*platform;
	size_t		 chars;
} reply_caps[] = {
	{ "instagram", 800 },
	{ "facebook", 1950 },
	{ "whatsapp", 3800 },
	{ "telegram", 3800 },
	{ "email", 7000 },
};
#define REPLY_CAP_OTHER	1950

/* ---- database ----------------------------------------------------------- */

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
 * become one space and the ends are trimmed; then the first
 * PREVIEW_CHARS characters.  Control characters stay: the client
 * sanitizes everything it draws. */
static char *
conversation_preview(const char *body)
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
			if (n + space + 1 > PREVIEW_CHARS)
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

static size_t
reply_cap(const char *platform)
{
	for (size_t i = 0; i < sizeof reply_caps / sizeof reply_caps[0]; i++)
		if (strcmp(platform, reply_caps[i].platform) == 0)
			return reply_caps[i].chars;
	return REPLY_CAP_OTHER;
}

/* A label is a short tag people type and the list shows: 1..32
 * characters of valid UTF-8 with no C0, DEL or C1 control characters. */
static int
label_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!text_utf8_valid(s, strlen(s)))
		return 0;
	n = api_utf8_chars(s);
	if (n < 1 || n > LABEL_CHARS || is_blank(s))
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
	    "c.priority, c.handler, ifnull(ct.name, '') "
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
static int conversation_event(struct server *, struct request *,
    const struct conv *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static int
conversation_event(struct server *srv, struct request *req,
    const struct conv *cv, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (api_exec(srv->db, "INSERT INTO messages (conversation_id, "
	    "direction, kind, author_kind, body, created_at) "
	    "VALUES (?, 'out', 'system', 'system', ?, ?)", "iti", cv->id,
	    text, req->now) != 1)
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
 * the customer, so waiting_since clears; the user has the thread open, so
 * it is read; and a person wrote it, so a person handles the chat from
 * now on (the AI stops, and a pending handoff is met).  A note is for
 * colleagues only: it is activity (last_activity_at, preview, read) but
 * answers nobody and leaves the handler alone. */
static int
conversation_message(struct server *srv, struct request *req,
    struct response *resp)
{
	struct conv cv;
	const char *kind, *body;
	char *preview;
	size_t chars, cap;
	int64_t mid;
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
	chars = api_utf8_chars(body);
	if (note) {
		if (chars > NOTE_CHARS)
			return api_error(resp, 422, "note_too_long",
			    "a note holds at most 7000 characters", "body");
	} else if (chars > (cap = reply_cap(cv.platform))) {
		char msg[128];

		snprintf(msg, sizeof msg, "replies on %s hold at most %zu "
		    "characters; this one has %zu", cv.platform, cap, chars);
		return api_error(resp, 422, "reply_too_long", msg, "body");
	}

	if (api_exec(srv->db, "INSERT INTO messages (conversation_id, "
	    "direction, kind, author_kind, author_id, body, delivery, "
	    "created_at) VALUES (?, 'out', ?, 'user', ?, ?, ?, ?)", "ititti",
	    cv.id, kind, req->user->id, body, note ? NULL : "sent",
	    req->now) != 1)
		return api_db_error(resp);
	mid = sqlite3_last_insert_rowid(srv->db);
	if ((preview = conversation_preview(body)) == NULL)
		return api_db_error(resp);
	if (note)
		rc = api_exec(srv->db, "UPDATE conversations SET "
		    "last_activity_at = ?, last_message_preview = ?, "
		    "unread_count = 0 WHERE id = ?", "iti", req->now, preview,
		    cv.id);
	else
		rc = api_exec(srv->db, "UPDATE conversations SET "
		    "last_activity_at = ?, last_message_preview = ?, "
		    "unread_count = 0, waiting_since = NULL, handler = 'human', "
		    "handoff_requested = 0 WHERE id = ?", "iti", req->now,
		    preview, cv.id);
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
		rc = conversation_event(srv, req, &cv,
		    "Snoozed until %s by %s", when, who);
	} else if (strcmp(status, "resolved") == 0)
		rc = conversation_event(srv, req, &cv, "Resolved by %s", who);
	else if (strcmp(status, "open") == 0 &&
	    strcmp(cv.status, "resolved") == 0)
		rc = conversation_event(srv, req, &cv, "Reopened by %s", who);
	else
		rc = conversation_event(srv, req, &cv, "Marked %s by %s",
		    status, who);
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
	char title[256], detail[192];
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
		rc = conversation_event(srv, req, &cv, "Unassigned by %s",
		    req->user->name);
		snprintf(detail, sizeof detail, "assignee → nobody");
	} else {
		rc = conversation_event(srv, req, &cv, "Assigned to %s by %s",
		    to.name, req->user->name);
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
		rc = conversation_event(srv, req, &cv,
		    "%s took over from the AI", req->user->name);
	else
		rc = conversation_event(srv, req, &cv,
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
	{ NULL, NULL, 0, NULL }
};
