/* The helpers api.h gives domain handlers: error bodies, rows as JSON,
 * body field validation, If-Match, audit entries, notifications and the
 * company scope.  The HTTP-facing ones (api_query) live in http.c and the
 * feed's (feed_record, feed_render) in feed.c. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "text.h"

/* Integers travel as JSON numbers, which cJSON keeps as doubles: beyond
 * 2^53 a value would silently change, so it is refused instead. */
#define JSON_INT_MAX	9007199254740992.0

int
api_error(struct response *resp, int status, const char *code,
    const char *message, const char *field)
{
	cJSON *root = cJSON_CreateObject(), *e;

	e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	if (field != NULL)
		cJSON_AddStringToObject(e, "field", field);
	else
		cJSON_AddNullToObject(e, "field");
	cJSON_Delete(resp->json);
	resp->json = root;
	resp->status = status;
	return status;
}

/* An error whose message names the field, as most validation errors do. */
static int
field_error(struct response *resp, int status, const char *code,
    const char *field, const char *fmt)
{
	char msg[256];

	snprintf(msg, sizeof msg, fmt, field);
	return api_error(resp, status, code, msg, field);
}

cJSON *
api_row_json(sqlite3_stmt *st)
{
	cJSON *row = cJSON_CreateObject();
	int n = sqlite3_column_count(st);

	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st, i);

		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			cJSON_AddNumberToObject(row, name,
			    (double)sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			cJSON_AddNumberToObject(row, name,
			    sqlite3_column_double(st, i));
			break;
		case SQLITE_TEXT:
			cJSON_AddStringToObject(row, name,
			    (const char *)sqlite3_column_text(st, i));
			break;
		default:	/* NULL; no table the API shows holds BLOBs */
			cJSON_AddNullToObject(row, name);
			break;
		}
	}
	return row;
}

cJSON *
api_fetch_row(sqlite3 *db, const char *sql, int nparams, ...)
{
	sqlite3_stmt *st;
	cJSON *row = NULL;
	va_list ap;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "mktd: %s: %s\n", sql, sqlite3_errmsg(db));
		return NULL;
	}
	va_start(ap, nparams);
	for (int i = 1; i <= nparams; i++)
		sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
	va_end(ap);
	if (sqlite3_step(st) == SQLITE_ROW)
		row = api_row_json(st);
	sqlite3_finalize(st);
	return row;
}

/* http.c has already reduced If-Match to the bare version ("12" from
 * W/"12"); "*" matches any version. */
int
api_check_version(struct request *req, struct response *resp,
    int64_t version, cJSON *current)
{
	char *end, msg[160];
	long long want;

	if (req->if_match == NULL || strcmp(req->if_match, "*") == 0)
		return 0;
	errno = 0;
	want = strtoll(req->if_match, &end, 10);
	if (errno == 0 && *end == '\0' && end != req->if_match &&
	    want == version)
		return 0;
	snprintf(msg, sizeof msg, "the row has changed: it is at version "
	    "%" PRId64 ", not %s", version, req->if_match);
	api_error(resp, 412, "version_mismatch", msg, NULL);
	if (current != NULL)
		cJSON_AddItemToObject(resp->json, "current",
		    cJSON_Duplicate(current, 1));
	return 412;
}

/* The field, or NULL when the body has no such field or it is null:
 * optional fields treat null as absent. */
static cJSON *
body_field(struct request *req, const char *field)
{
	cJSON *v;

	if (req->body == NULL)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(req->body, field);
	return v == NULL || cJSON_IsNull(v) ? NULL : v;
}

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

int
api_body_string(struct request *req, struct response *resp,
    const char *field, bool required, size_t maxlen, const char **out)
{
	cJSON *v = body_field(req, field);

	if (v == NULL) {
		if (required)
			return field_error(resp, 422, "missing_field", field,
			    "%s is required");
		return 0;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return field_error(resp, 422, "invalid_type", field,
		    "%s must be a string");
	if (!text_utf8_valid(v->valuestring, strlen(v->valuestring)))
		return field_error(resp, 422, "invalid_utf8", field,
		    "%s is not valid UTF-8");
	if (maxlen > 0 && utf8_chars(v->valuestring) > maxlen) {
		char msg[160];

		snprintf(msg, sizeof msg, "%s is longer than %zu characters",
		    field, maxlen);
		return api_error(resp, 422, "too_long", msg, field);
	}
	*out = v->valuestring;
	return 0;
}

int
api_body_int(struct request *req, struct response *resp, const char *field,
    bool required, int64_t min, int64_t max, int64_t *out)
{
	cJSON *v = body_field(req, field);
	double d;

	if (v == NULL) {
		if (required)
			return field_error(resp, 422, "missing_field", field,
			    "%s is required");
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return field_error(resp, 422, "invalid_type", field,
		    "%s must be an integer");
	d = v->valuedouble;
	/* Money is never a float: 12.5 is refused, not rounded. */
	if (!isfinite(d) || d != floor(d) || fabs(d) > JSON_INT_MAX)
		return field_error(resp, 422, "invalid_type", field,
		    "%s must be an integer");
	if ((int64_t)d < min || (int64_t)d > max) {
		char msg[200];

		snprintf(msg, sizeof msg, "%s must be between %" PRId64
		    " and %" PRId64, field, min, max);
		return api_error(resp, 422, "out_of_range", msg, field);
	}
	*out = (int64_t)d;
	return 0;
}

int
api_body_enum(struct request *req, struct response *resp, const char *field,
    bool required, const char *const *words, const char **out)
{
	cJSON *v = body_field(req, field);
	char msg[512];
	size_t len;

	if (v == NULL) {
		if (required)
			return field_error(resp, 422, "missing_field", field,
			    "%s is required");
		return 0;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return field_error(resp, 422, "invalid_type", field,
		    "%s must be a string");
	for (size_t i = 0; words[i] != NULL; i++)
		if (strcmp(v->valuestring, words[i]) == 0) {
			*out = words[i];
			return 0;
		}
	len = (size_t)snprintf(msg, sizeof msg, "%s must be one of", field);
	for (size_t i = 0; words[i] != NULL && len < sizeof msg; i++)
		len += (size_t)snprintf(msg + len, sizeof msg - len, "%s %s",
		    i == 0 ? "" : ",", words[i]);
	return api_error(resp, 422, "invalid_value", msg, field);
}

static void
bind_id_or_null(sqlite3_stmt *st, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

int
audit_record(struct server *srv, const struct user *actor,
    int64_t on_behalf_of, const char *action, const char *ref_type,
    int64_t ref_id, const char *detail)
{
	sqlite3_stmt *st;
	int ok;

	if (sqlite3_prepare_v2(srv->db, "INSERT INTO audit_log(actor_id, "
	    "on_behalf_of_id, action, ref_type, ref_id, detail, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_id_or_null(st, 1, actor != NULL ? actor->id : 0);
	bind_id_or_null(st, 2, on_behalf_of);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ref_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, ref_id);
	sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)time(NULL));
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

int
notify(struct server *srv, int64_t user_id, const char *kind,
    const char *title, const char *ref_type, int64_t ref_id)
{
	sqlite3_stmt *st;
	int ok;

	if (sqlite3_prepare_v2(srv->db, "INSERT INTO notifications(user_id, "
	    "kind, title, ref_type, ref_id, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ref_type, -1, SQLITE_STATIC);
	bind_id_or_null(st, 5, ref_type != NULL ? ref_id : 0);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok)
		return -1;
	return feed_record(srv, "notification",
	    sqlite3_last_insert_rowid(srv->db), "upsert");
}

bool
scope_company(struct server *srv, const struct user *u, int64_t company_id)
{
	sqlite3_stmt *st;
	const char *sql;
	bool yes;

	switch (u->role) {
	case USER_ADMIN:
	case USER_BILLING:
	case USER_SUPPORT:
		return true;
	case USER_MANAGER:
		sql = "SELECT 1 FROM companies WHERE id = ? AND manager_id = ?";
		break;
	case USER_CLIENT:
		sql = "SELECT 1 FROM companies WHERE id = ? AND owner_id = ?";
		break;
	default:
		return false;
	}
	if (sqlite3_prepare_v2(srv->db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, company_id);
	sqlite3_bind_int64(st, 2, u->id);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

int
api_exec(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int64_t v;
	const char *s;
	int rc, i;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	va_start(ap, types);
	for (i = 0; types[i] != '\0'; i++) {
		switch (types[i]) {
		case 'i':
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'z':
			v = va_arg(ap, int64_t);
			if (v == 0)
				sqlite3_bind_null(st, i + 1);
			else
				sqlite3_bind_int64(st, i + 1, v);
			break;
		case 't':
			s = va_arg(ap, const char *);
			if (s == NULL)
				sqlite3_bind_null(st, i + 1);
			else
				sqlite3_bind_text(st, i + 1, s, -1,
				    SQLITE_TRANSIENT);
			break;
		default:
			va_end(ap);
			sqlite3_finalize(st);
			return -1;
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return -1;
	return sqlite3_changes(db);
}
