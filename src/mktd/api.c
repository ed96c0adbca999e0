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

int
api_db_error(struct response *resp)
{
	return api_error(resp, 500, "internal", "database error", NULL);
}

int
api_not_found(struct response *resp, const char *what)
{
	char msg[96];

	snprintf(msg, sizeof msg, "no such %s", what);
	return api_error(resp, 404, "not_found", msg, NULL);
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

void
api_column_text(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", s != NULL ? (const char *)s : "");
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

const cJSON *
api_body_field(const struct request *req, const char *field)
{
	const cJSON *v;

	if (req->body == NULL)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(req->body, field);
	return v == NULL || cJSON_IsNull(v) ? NULL : v;
}

size_t
api_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The field for a typed reader: 0 with *v NULL when an optional field is
 * absent, missing_field when a required one is, and with string set
 * invalid_type for a value that is not a string. */
static int
body_value(struct request *req, struct response *resp, const char *field,
    bool required, bool string, const cJSON **v)
{
	if ((*v = api_body_field(req, field)) == NULL)
		return required ? field_error(resp, 422, "missing_field", field,
		    "%s is required") : 0;
	if (string && (!cJSON_IsString(*v) || (*v)->valuestring == NULL))
		return field_error(resp, 422, "invalid_type", field,
		    "%s must be a string");
	return 0;
}

int
api_body_string(struct request *req, struct response *resp,
    const char *field, bool required, size_t maxlen, const char **out)
{
	const cJSON *v;
	int rc;

	if ((rc = body_value(req, resp, field, required, true, &v)) != 0 ||
	    v == NULL)
		return rc;
	if (!text_utf8_valid(v->valuestring, strlen(v->valuestring)))
		return field_error(resp, 422, "invalid_utf8", field,
		    "%s is not valid UTF-8");
	if (maxlen > 0 && api_utf8_chars(v->valuestring) > maxlen) {
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
	const cJSON *v;
	double d;
	int rc;

	if ((rc = body_value(req, resp, field, required, false, &v)) != 0 ||
	    v == NULL)
		return rc;
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
	const cJSON *v;
	char msg[512];
	size_t len;
	int rc;

	if ((rc = body_value(req, resp, field, required, true, &v)) != 0 ||
	    v == NULL)
		return rc;
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

int
audit_record(struct server *srv, const struct user *actor,
    int64_t on_behalf_of, const char *action, const char *ref_type,
    int64_t ref_id, const char *detail)
{
	return api_exec(srv->db, "INSERT INTO audit_log(actor_id, "
	    "on_behalf_of_id, action, ref_type, ref_id, detail, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)", "zzttiti",
	    actor != NULL ? actor->id : 0, on_behalf_of, action, ref_type,
	    ref_id, detail, (int64_t)time(NULL)) < 0 ? -1 : 0;
}

int
notify(struct server *srv, int64_t user_id, const char *kind,
    const char *title, const char *ref_type, int64_t ref_id)
{
	if (api_exec(srv->db, "INSERT INTO notifications(user_id, kind, "
	    "title, ref_type, ref_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
	    "itttzi", user_id, kind, title, ref_type,
	    ref_type != NULL ? ref_id : 0, (int64_t)time(NULL)) < 0)
		return -1;
	return feed_record(srv, "notification",
	    sqlite3_last_insert_rowid(srv->db), "upsert");
}

bool
scope_company(struct server *srv, const struct user *u, int64_t company_id)
{
	const char *sql;
	int64_t one;

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
	return api_int(srv->db, &one, sql, "ii", company_id, u->id) == 1;
}

static int
bind_types(sqlite3_stmt *st, const char *types, va_list ap)
{
	int64_t v;
	const char *s;
	int rc = SQLITE_OK;

	for (int i = 0; types[i] != '\0' && rc == SQLITE_OK; i++) {
		switch (types[i]) {
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'z':
		case 'n':
			v = va_arg(ap, int64_t);
			rc = (types[i] == 'z' ? v == 0 : v < 0) ?
			    sqlite3_bind_null(st, i + 1) :
			    sqlite3_bind_int64(st, i + 1, v);
			break;
		case 't':
			s = va_arg(ap, const char *);
			rc = s == NULL ? sqlite3_bind_null(st, i + 1) :
			    sqlite3_bind_text(st, i + 1, s, -1,
			    SQLITE_TRANSIENT);
			break;
		default:
			rc = SQLITE_MISUSE;
		}
	}
	return rc;
}

static sqlite3_stmt *
prepare_v(sqlite3 *db, const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (bind_types(st, types, ap) != SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

sqlite3_stmt *
api_prepare(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, types);
	st = prepare_v(db, sql, types, ap);
	va_end(ap);
	return st;
}

int
api_exec(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, types);
	st = prepare_v(db, sql, types, ap);
	va_end(ap);
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return -1;
	return sqlite3_changes(db);
}

int
api_int(sqlite3 *db, int64_t *out, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, types);
	st = prepare_v(db, sql, types, ap);
	va_end(ap);
	if (st == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
