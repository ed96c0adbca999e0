/* Canned responses: a company's saved replies, which people pick by short
 * code while they answer ("refund-policy" → the text).  They are rows of
 * the change feed ("canned_response"), so the client has them offline.
 *
 * Who may do what: the canned responses of a company belong with its
 * conversations, and so do the rules (conversations.c):
 *   - admin, support: every company's, read and write;
 *   - manager: the companies they manage; client: the companies they own
 *     (the owner answers their own chats), read and write;
 *   - billing: reads every company's, changes none (403);
 *   - performer: none (404).
 * Out of scope is 404, never 403, so ids do not leak.  Checks run in the
 * order scope (404), role (403), If-Match (412), body (422), state (409).
 *
 * A short code is 1 to 64 characters of a-z, 0-9, "_" and "-": people
 * type it after a "/" in the composer, so it has no spaces and one case.
 * The content is 1 to 7000 characters (code points, as replies count,
 * conv_chars) of valid UTF-8 that is not all whitespace: 7000 is the
 * longest reply any channel takes (email); a response longer than the
 * channel's cap is refused when it is sent, not here, since one text may
 * serve several channels.  Short codes are unique within a company
 * (409 short_code_taken). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "conv.h"
#include "text.h"

#define SHORT_CODE_CHARS	64
#define CONTENT_CHARS		7000

struct canned {
	int64_t	 id;
	int64_t	 company_id;
	int64_t	 owner_id;		/* the company's; 0 if none */
	int64_t	 version;
	char	 short_code[SHORT_CODE_CHARS + 1];
	char	*content;		/* malloc'd */
};

/* ---- checks ------------------------------------------------------------- */

static int
short_code_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > SHORT_CODE_CHARS)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* ASCII whitespace only: the locale must not decide what is blank. */
static int
is_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' &&
		    *s != '\v' && *s != '\f')
			return 0;
	return 1;
}

/* The body's short_code and content, each optional unless required. */
static int
body_fields(struct request *req, struct response *resp, bool required,
    const char **code, const char **content)
{
	int rc;

	if ((rc = api_body_string(req, resp, "short_code", required, 0,
	    code)) != 0)
		return rc;
	if (*code != NULL && !short_code_valid(*code))
		return api_error(resp, 422, "invalid_short_code", "short_code "
		    "is 1 to 64 characters of a-z, 0-9, _ and -",
		    "short_code");
	if ((rc = api_body_string(req, resp, "content", required,
	    CONTENT_CHARS, content)) != 0)
		return rc;
	if (*content != NULL && is_blank(*content))
		return api_error(resp, 422, "empty", "content is empty",
		    "content");
	return 0;
}

/* Whether the company has another response (not except) with this code:
 * 1, 0, or -1 on error. */
static int
code_taken(struct server *srv, int64_t company_id, const char *code,
    int64_t except)
{
	int64_t one;

	return api_int(srv->db, &one, "SELECT 1 FROM canned_responses WHERE "
	    "company_id = ? AND short_code = ? AND id <> ?", "iti",
	    company_id, code, except);
}

static int
taken_error(struct response *resp, const char *code)
{
	char msg[160];

	snprintf(msg, sizeof msg, "the company already has a canned response "
	    "/%s", code);
	return api_error(resp, 409, "short_code_taken", msg, "short_code");
}

/* ---- scope -------------------------------------------------------------- */

/* Whether u sees the company's conversations, and so its responses; *owner
 * is the company's owner.  404 when the company is missing or out of
 * scope; with write, 403 for billing, which reads only. */
static int
company_check(struct server *srv, struct request *req, struct response *resp,
    int64_t company_id, int write, int64_t *owner)
{
	int rc;

	if ((rc = api_int(srv->db, owner, "SELECT ifnull(owner_id, 0) FROM "
	    "companies WHERE id = ?", "i", company_id)) < 0)
		return api_db_error(resp);
	if (rc == 0 || req->user->role == USER_PERFORMER ||
	    !scope_company(srv, req->user, company_id))
		return api_not_found(resp, "company");
	if (write && req->user->role == USER_BILLING)
		return api_error(resp, 403, "forbidden", "billing may read "
		    "canned responses but not change them", NULL);
	return 0;
}

static void
canned_free(struct canned *c)
{
	free(c->content);
	c->content = NULL;
}

/* The response of the path, checked as company_check() checks its
 * company; a response out of scope is 404 like a missing one. */
static int
canned_find(struct server *srv, struct request *req, struct response *resp,
    int write, struct canned *c)
{
	sqlite3_stmt *st;
	int rc;

	memset(c, 0, sizeof *c);
	if (req->nids < 1)
		return api_not_found(resp, "canned response");
	if ((st = api_prepare(srv->db, "SELECT id, company_id, version, "
	    "short_code, content FROM canned_responses WHERE id = ?", "i",
	    req->ids[0])) == NULL)
		return api_db_error(resp);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c->id = sqlite3_column_int64(st, 0);
		c->company_id = sqlite3_column_int64(st, 1);
		c->version = sqlite3_column_int64(st, 2);
		api_column_text(c->short_code, sizeof c->short_code, st, 3);
		c->content = strdup((const char *)sqlite3_column_text(st, 4));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return api_db_error(resp);
	if (rc == SQLITE_ROW && c->content == NULL)
		return api_db_error(resp);
	if (rc == SQLITE_DONE)
		return api_not_found(resp, "canned response");
	if ((rc = company_check(srv, req, resp, c->company_id, write,
	    &c->owner_id)) != 0) {
		canned_free(c);
		/* the company is the row's scope: answer for the row */
		return rc == 404 ? api_not_found(resp, "canned response") : rc;
	}
	return 0;
}

/* Staff writing a company's responses act for its owner (audit log). */
static int64_t
for_whom(const struct request *req, const struct canned *c)
{
	return req->user->id == c->owner_id ? 0 : c->owner_id;
}

static int
precondition(struct server *srv, struct request *req, struct response *resp,
    const struct canned *c)
{
	cJSON *current;
	int rc;

	if (req->if_match == NULL)
		return 0;
	current = feed_render(srv, req->user, "canned_response", c->id);
	rc = api_check_version(req, resp, c->version, current);
	cJSON_Delete(current);
	return rc;
}

/* The row as the feed shows it, so an answer and the feed never differ. */
static int
answer(struct server *srv, struct request *req, struct response *resp,
    int64_t id, int status)
{
	if ((resp->json = feed_render(srv, req->user, "canned_response",
	    id)) == NULL)
		return api_not_found(resp, "canned response");
	return resp->status = status;
}

/* ---- GET /canned-responses ---------------------------------------------- */

/* The companies whose responses a role sees, as SQL over r with ?2 the
 * user; NULL for none (a performer sees no company's conversations). */
static const char *
list_scope(enum user_role role)
{
	switch (role) {
	case USER_MANAGER:
		return "r.company_id IN (SELECT id FROM companies WHERE "
		    "manager_id = ?2)";
	case USER_CLIENT:
		return "r.company_id IN (SELECT id FROM companies WHERE "
		    "owner_id = ?2)";
	case USER_PERFORMER:
		return NULL;
	default:
		return "?2 = ?2";
	}
}

/* Appends the responses in scope (of company, unless 0) to list. */
static int
list_rows(struct server *srv, struct request *req, const char *scope,
    int64_t company, cJSON *list)
{
	sqlite3_stmt *st;
	char sql[512];
	int rc;

	snprintf(sql, sizeof sql, "SELECT r.id FROM canned_responses r WHERE "
	    "(?1 = 0 OR r.company_id = ?1) AND %s ORDER BY r.company_id, "
	    "r.short_code, r.id", scope);
	if ((st = api_prepare(srv->db, sql, "ii", company,
	    req->user->id)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *row = feed_render(srv, req->user, "canned_response",
		    sqlite3_column_int64(st, 0));

		if (row != NULL)
			cJSON_AddItemToArray(list, row);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Every response the caller may see, or one company's with ?company_id=,
 * by company and short code.  A company has a handful, so there are no
 * pages; the client keeps them in step through the feed anyway. */
static int
canned_list(struct server *srv, struct request *req, struct response *resp)
{
	const char *q = api_query(req, "company_id"), *scope;
	cJSON *list;
	int64_t company = 0, owner;
	int rc;

	if (q != NULL) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(q, &end, 10);
		if (errno != 0 || end == q || *end != '\0' || v < 1)
			return api_error(resp, 400, "invalid_query",
			    "company_id must be a positive integer",
			    "company_id");
		company = v;
		if ((rc = company_check(srv, req, resp, company, 0,
		    &owner)) != 0)
			return rc;
	}
	list = cJSON_CreateArray();
	if ((scope = list_scope(req->user->role)) != NULL &&
	    list_rows(srv, req, scope, company, list) != 0) {
		cJSON_Delete(list);
		return api_db_error(resp);
	}
	resp->json = cJSON_CreateObject();
	cJSON_AddItemToObject(resp->json, "canned_responses", list);
	return resp->status = 200;
}

static int
canned_get(struct server *srv, struct request *req, struct response *resp)
{
	struct canned c;
	int rc;

	if ((rc = canned_find(srv, req, resp, 0, &c)) != 0)
		return rc;
	canned_free(&c);
	return answer(srv, req, resp, c.id, 200);
}

/* ---- POST /canned-responses --------------------------------------------- */

static int
canned_create(struct server *srv, struct request *req, struct response *resp)
{
	const char *code = NULL, *content = NULL;
	int64_t company, owner, id;
	int rc;

	if ((rc = api_body_int(req, resp, "company_id", true, 1, INT64_MAX,
	    &company)) != 0)
		return rc;
	if ((rc = company_check(srv, req, resp, company, 1, &owner)) != 0)
		return rc;
	if ((rc = body_fields(req, resp, true, &code, &content)) != 0)
		return rc;
	if ((rc = code_taken(srv, company, code, 0)) < 0)
		return api_db_error(resp);
	if (rc > 0)
		return taken_error(resp, code);
	if (api_exec(srv->db, "INSERT INTO canned_responses (company_id, "
	    "short_code, content, version, updated_at) VALUES (?, ?, ?, 1, ?)",
	    "itti", company, code, content, req->now) != 1)
		return api_db_error(resp);
	id = sqlite3_last_insert_rowid(srv->db);
	if (feed_record(srv, "canned_response", id, "upsert") != 0 ||
	    audit_record(srv, req->user, req->user->id == owner ? 0 : owner,
	    "canned_response.create", "canned_response", id, code) != 0)
		return api_db_error(resp);
	return answer(srv, req, resp, id, 201);
}

/* ---- PATCH /canned-responses/{id} --------------------------------------- */

/* short_code, content or both; the company stays (a response moves by
 * being made again in the other company). */
static int
canned_update(struct server *srv, struct request *req, struct response *resp)
{
	struct canned c;
	const char *code = NULL, *content = NULL;
	int64_t company;
	int rc;

	if ((rc = canned_find(srv, req, resp, 1, &c)) != 0)
		return rc;
	if ((rc = precondition(srv, req, resp, &c)) != 0)
		goto out;
	if (api_body_field(req, "company_id") != NULL) {
		if ((rc = api_body_int(req, resp, "company_id", true, 1,
		    INT64_MAX, &company)) != 0)
			goto out;
		if (company != c.company_id) {
			rc = api_error(resp, 422, "invalid_value", "a canned "
			    "response stays in its company", "company_id");
			goto out;
		}
	}
	if ((rc = body_fields(req, resp, false, &code, &content)) != 0)
		goto out;
	if (code == NULL && content == NULL) {
		rc = api_error(resp, 422, "missing_field", "give short_code or "
		    "content to change", "content");
		goto out;
	}
	if (code == NULL)
		code = c.short_code;
	if (content == NULL)
		content = c.content;
	/* Nothing changes: no new version, nothing in the feed. */
	if (strcmp(code, c.short_code) == 0 &&
	    strcmp(content, c.content) == 0) {
		rc = answer(srv, req, resp, c.id, 200);
		goto out;
	}
	if ((rc = code_taken(srv, c.company_id, code, c.id)) != 0) {
		rc = rc < 0 ? api_db_error(resp) : taken_error(resp, code);
		goto out;
	}
	if (api_exec(srv->db, "UPDATE canned_responses SET short_code = ?, "
	    "content = ?, version = version + 1, updated_at = ? WHERE id = ?",
	    "ttii", code, content, req->now, c.id) != 1 ||
	    feed_record(srv, "canned_response", c.id, "upsert") != 0 ||
	    audit_record(srv, req->user, for_whom(req, &c),
	    "canned_response.update", "canned_response", c.id, code) != 0) {
		rc = api_db_error(resp);
		goto out;
	}
	rc = answer(srv, req, resp, c.id, 200);
out:
	canned_free(&c);
	return rc;
}

/* ---- DELETE /canned-responses/{id} -------------------------------------- */

static int
canned_delete(struct server *srv, struct request *req, struct response *resp)
{
	struct canned c;
	int rc;

	if ((rc = canned_find(srv, req, resp, 1, &c)) != 0)
		return rc;
	canned_free(&c);
	if ((rc = precondition(srv, req, resp, &c)) != 0)
		return rc;
	/* The tombstone first: it takes its scope from the row. */
	if (feed_record(srv, "canned_response", c.id, "delete") != 0 ||
	    api_exec(srv->db, "DELETE FROM canned_responses WHERE id = ?", "i",
	    c.id) != 1 ||
	    audit_record(srv, req->user, for_whom(req, &c),
	    "canned_response.delete", "canned_response", c.id,
	    c.short_code) != 0)
		return api_db_error(resp);
	return resp->status = 204;
}

const struct route canned_routes[] = {
	{ "GET", "/api/v1/canned-responses", 0, canned_list },
	{ "POST", "/api/v1/canned-responses", ROUTE_WRITE, canned_create },
	{ "GET", "/api/v1/canned-responses/{id}", 0, canned_get },
	{ "PATCH", "/api/v1/canned-responses/{id}", ROUTE_WRITE,
	    canned_update },
	{ "DELETE", "/api/v1/canned-responses/{id}", ROUTE_WRITE,
	    canned_delete },
	{ NULL, NULL, 0, NULL }
};
