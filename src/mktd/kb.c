/* Knowledge base: rows of a company's KB tables (create, update, delete),
 * the table's column list, and CSV export and import.
 *
 * Who may do what (DESIGN.md roles, seed 002 §1 and §3.3):
 *   - admin, support: every table, every action;
 *   - manager: tables of the companies they manage; client: tables of the
 *     companies they own (the owner uploads their own catalogue);
 *   - billing: reads (export) but changes nothing (403);
 *   - performer: none (404).
 * Checks run in the order scope (404), role (403), If-Match (412), body
 * (400/422), as in the other domain files.
 *
 * Cells: kb_rows.cells is a JSON object keyed by column name.  One
 * function, cell_check(), judges a value against its column's type for
 * create, update, column edits and import:
 *   text       a string of valid UTF-8, at most 4000 characters;
 *   integer    a JSON integer, |v| < 2^53 (CSV: a decimal string);
 *   money      an integer of minor units, >= 0 (0 = free, seed 002);
 *   boolean    true/false (CSV: true/false/yes/no/1/0, any case);
 *   json_list  an array of strings (CSV: a JSON array, or a comma list);
 *   url        "" or an http:// or https:// address without spaces;
 *   enum       one of the column's enum_values ("" = not set).
 * A required column must be present and non-empty ("" or [] is empty).
 * Keys that are not columns answer 422 unknown_column.
 *
 * CSV (RFC 4180): export writes UTF-8 without a BOM, CRLF line ends, a
 * header of the column names in order, and quotes a field only when it
 * holds , " CR or LF (quotes doubled).  Money is written as its integer
 * minor units under the unchanged column name (price_eur 1250 = 12.50
 * EUR), booleans as true/false, json_list cells as JSON text, so that an
 * export imported again (mode=replace) exports byte for byte the same.
 * Import takes quoted fields, embedded newlines, CRLF/LF/CR and a UTF-8
 * BOM; headers are matched case-insensitively with spaces and dashes as
 * _, plus the aliases of seed 002's importer ("Название товара", "Name",
 * "precio"…).  Every row is checked before anything is written: the
 * first bad one answers 422 with the field and "row", the 1-based line
 * of the file where that record starts (the header is line 1), and
 * nothing is imported.
 *
 * Column edits replace the list (add, remove, reorder, retype).  A
 * removed column leaves every row's cells; a retyped column's cells are
 * converted through their CSV text (5 → "5", "12" → 12, "a, b" →
 * ["a","b"]); the new list must fit every row, or 422 names the column
 * and "row_id".  A rename is a remove and an add. */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "text.h"

#define TEXT_CHARS	4000
#define COLUMNS_MAX	200
#define ENUM_MAX	100
#define ENUM_CHARS	200
#define LIST_MAX	1000
#define IMPORT_ROWS	50000
#define INT_LIMIT	9007199254740991.0	/* 2^53 - 1 */

enum ctype { T_TEXT, T_INTEGER, T_MONEY, T_BOOLEAN, T_JSON_LIST, T_URL,
	T_ENUM };

static const char *const type_names[] = {
	"text", "integer", "money", "boolean", "json_list", "url", "enum", NULL
};

struct col {
	char		*name;
	enum ctype	 type;
	int		 required;
	cJSON		*enums;		/* array of strings, or NULL */
};

struct schema {
	struct col	*cols;
	int		 n;
};

struct table {
	int64_t	 id;
	int64_t	 company_id;
	int64_t	 owner_id;
	int64_t	 version;
};

struct cellerr {
	const char	*code;
	char		 msg[200];
};

/* ---- small helpers ------------------------------------------------------ */

struct buf {
	char	*p;
	size_t	 len, cap;
	int	 oom;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap > 0 ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static int
type_of(const char *s, enum ctype *out)
{
	for (int i = 0; type_names[i] != NULL; i++)
		if (strcmp(s, type_names[i]) == 0) {
			*out = (enum ctype)i;
			return 0;
		}
	return -1;
}

/* ---- schema ------------------------------------------------------------- */

static void
schema_free(struct schema *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->cols[i].name);
		cJSON_Delete(s->cols[i].enums);
	}
	free(s->cols);
	s->cols = NULL;
	s->n = 0;
}

static int
schema_load(sqlite3 *db, int64_t table_id, struct schema *s)
{
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof *s);
	if ((st = api_prepare(db, "SELECT name, type, required, enum_values "
	    "FROM kb_columns WHERE table_id = ? ORDER BY position", "i",
	    table_id)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct col *c, *p;
		const char *ev = (const char *)sqlite3_column_text(st, 3);

		if ((p = realloc(s->cols, (size_t)(s->n + 1) * sizeof *p)) ==
		    NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		s->cols = p;
		c = &s->cols[s->n++];
		memset(c, 0, sizeof *c);
		c->name = strdup((const char *)sqlite3_column_text(st, 0));
		if (type_of((const char *)sqlite3_column_text(st, 1),
		    &c->type) != 0)
			c->type = T_TEXT;
		c->required = sqlite3_column_int(st, 2);
		if (ev != NULL)
			c->enums = cJSON_Parse(ev);
		if (c->name == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		schema_free(s);
		return -1;
	}
	return 0;
}

static const struct col *
schema_col(const struct schema *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->cols[i].name, name) == 0)
			return &s->cols[i];
	return NULL;
}

/* ---- cells -------------------------------------------------------------- */

static int
cell_fail(struct cellerr *e, const char *code, const struct col *c,
    const char *why)
{
	e->code = code;
	snprintf(e->msg, sizeof e->msg, "%s: %s", c->name, why);
	return -1;
}

static int
cell_empty(const cJSON *v)
{
	return v == NULL || cJSON_IsNull(v) ||
	    (cJSON_IsString(v) && v->valuestring[0] == '\0') ||
	    (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0);
}

static int
text_ok(const struct col *c, const char *s, struct cellerr *e)
{
	if (!text_utf8_valid(s, strlen(s)))
		return cell_fail(e, "invalid_utf8", c, "not valid UTF-8");
	if (api_utf8_chars(s) > TEXT_CHARS)
		return cell_fail(e, "too_long", c,
		    "longer than 4000 characters");
	return 0;
}

static int
int_ok(const struct col *c, const cJSON *v, struct cellerr *e)
{
	double d;

	if (!cJSON_IsNumber(v))
		return cell_fail(e, "invalid_type", c, "must be an integer");
	d = v->valuedouble;
	/* Range first: casting an out-of-range double is undefined. */
	if (!(d <= INT_LIMIT && d >= -INT_LIMIT))
		return cell_fail(e, "out_of_range", c, "must be an integer "
		    "below 2^53 in magnitude");
	if (d != (double)(int64_t)d)
		return cell_fail(e, "invalid_type", c, "must be an integer");
	return 0;
}

/* The one judge of a value against its column; v is present and not
 * null.  0, or -1 with e set. */
static int
cell_check(const struct col *c, const cJSON *v, struct cellerr *e)
{
	const cJSON *x;
	const char *s;
	int n = 0;

	switch (c->type) {
	case T_TEXT:
		if (!cJSON_IsString(v))
			return cell_fail(e, "invalid_type", c,
			    "must be a string");
		return text_ok(c, v->valuestring, e);
	case T_URL:
		if (!cJSON_IsString(v))
			return cell_fail(e, "invalid_type", c,
			    "must be a string");
		if (text_ok(c, s = v->valuestring, e) != 0)
			return -1;
		if (*s == '\0')
			return 0;
		if (strncasecmp(s, "http://", 7) != 0 &&
		    strncasecmp(s, "https://", 8) != 0)
			return cell_fail(e, "invalid_value", c,
			    "must be an http:// or https:// address");
		if (s[strncasecmp(s, "http://", 7) == 0 ? 7 : 8] == '\0')
			return cell_fail(e, "invalid_value", c,
			    "the address has no host");
		for (; *s != '\0'; s++)
			if ((unsigned char)*s <= 0x20 || *s == 0x7f)
				return cell_fail(e, "invalid_value", c,
				    "an address has no spaces or control "
				    "characters");
		return 0;
	case T_INTEGER:
		return int_ok(c, v, e);
	case T_MONEY:
		if (int_ok(c, v, e) != 0)
			return -1;
		if (v->valuedouble < 0)
			return cell_fail(e, "out_of_range", c,
			    "money must be 0 (free) or more minor units");
		return 0;
	case T_BOOLEAN:
		if (!cJSON_IsBool(v))
			return cell_fail(e, "invalid_type", c,
			    "must be true or false");
		return 0;
	case T_JSON_LIST:
		if (!cJSON_IsArray(v))
			return cell_fail(e, "invalid_type", c,
			    "must be a list of strings");
		cJSON_ArrayForEach(x, v) {
			if (!cJSON_IsString(x))
				return cell_fail(e, "invalid_type", c,
				    "must be a list of strings");
			if (text_ok(c, x->valuestring, e) != 0)
				return -1;
			if (++n > LIST_MAX)
				return cell_fail(e, "too_long", c,
				    "more than 1000 items");
		}
		return 0;
	case T_ENUM:
		if (!cJSON_IsString(v))
			return cell_fail(e, "invalid_type", c,
			    "must be a string");
		if (v->valuestring[0] == '\0')
			return 0;
		cJSON_ArrayForEach(x, c->enums)
			if (cJSON_IsString(x) &&
			    strcmp(x->valuestring, v->valuestring) == 0)
				return 0;
		return cell_fail(e, "invalid_value", c,
		    "not one of the column's enum_values");
	}
	return cell_fail(e, "invalid_type", c, "unknown column type");
}

/* Checks src (an object) against the schema and returns a new object of
 * the present cells in column order; with strict, keys that are not
 * columns are refused.  NULL with e and *field set. */
static cJSON *
cells_build(const struct schema *s, const cJSON *src, int strict,
    struct cellerr *e, const char **field)
{
	const cJSON *v;
	cJSON *out;

	if (strict)
		cJSON_ArrayForEach(v, src)
			if (schema_col(s, v->string) == NULL) {
				e->code = "unknown_column";
				snprintf(e->msg, sizeof e->msg,
				    "the table has no column %.100s",
				    v->string);
				*field = v->string;
				return NULL;
			}
	if ((out = cJSON_CreateObject()) == NULL) {
		e->code = "internal";
		snprintf(e->msg, sizeof e->msg, "out of memory");
		*field = NULL;
		return NULL;
	}
	for (int i = 0; i < s->n; i++) {
		const struct col *c = &s->cols[i];

		v = cJSON_GetObjectItemCaseSensitive(src, c->name);
		*field = c->name;
		if (v != NULL && !cJSON_IsNull(v) && cell_check(c, v, e) != 0)
			goto bad;
		if (c->required && cell_empty(v)) {
			cell_fail(e, "missing_field", c, "required");
			goto bad;
		}
		if (v != NULL && !cJSON_IsNull(v))
			cJSON_AddItemToObject(out, c->name,
			    cJSON_Duplicate(v, 1));
	}
	*field = NULL;
	return out;
bad:
	cJSON_Delete(out);
	return NULL;
}

/* A cell as CSV text (before quoting); malloc'd. */
static char *
cell_text(const cJSON *v)
{
	char num[32];

	if (v == NULL || cJSON_IsNull(v))
		return strdup("");
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsBool(v))
		return strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d <= INT_LIMIT && d >= -INT_LIMIT &&
		    d == (double)(int64_t)d)
			snprintf(num, sizeof num, "%lld", (long long)d);
		else
			snprintf(num, sizeof num, "%.17g", d);
		return strdup(num);
	}
	return cJSON_PrintUnformatted(v);
}

static const char *
trim(const char *s, size_t *n)
{
	size_t len = strlen(s);

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	*n = len;
	return s;
}

/* A CSV field as the column's JSON value, not yet judged (cell_check does
 * that).  *out is NULL for an empty field of a type that has no empty
 * value.  0, or -1 with e set when the text is no value of the type. */
static int
cell_from_text(const struct col *c, const char *s, cJSON **out,
    struct cellerr *e)
{
	const char *p;
	size_t n;

	*out = NULL;
	switch (c->type) {
	case T_TEXT:
	case T_URL:
		*out = cJSON_CreateString(s);
		return 0;
	case T_ENUM:
		if (*s != '\0')
			*out = cJSON_CreateString(s);
		return 0;
	case T_INTEGER:
	case T_MONEY: {
		int64_t v = 0;
		int neg = 0, digits = 0;

		p = trim(s, &n);
		if (n == 0)
			return 0;
		if (*p == '-' || *p == '+') {
			neg = *p == '-';
			p++;
			n--;
		}
		for (size_t i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return cell_fail(e, "invalid_type", c,
				    "must be an integer");
			if (++digits > 16)
				return cell_fail(e, "out_of_range", c,
				    "must be an integer below 2^53 in "
				    "magnitude");
			v = v * 10 + (p[i] - '0');
		}
		if (digits == 0)
			return cell_fail(e, "invalid_type", c,
			    "must be an integer");
		*out = cJSON_CreateNumber((double)(neg ? -v : v));
		return 0;
	}
	case T_BOOLEAN: {
		static const char *const yes[] = { "true", "yes", "1" };
		static const char *const no[] = { "false", "no", "0" };

		p = trim(s, &n);
		if (n == 0)
			return 0;
		for (int i = 0; i < 3; i++) {
			if (strlen(yes[i]) == n && strncasecmp(p, yes[i], n) == 0)
				*out = cJSON_CreateTrue();
			if (strlen(no[i]) == n && strncasecmp(p, no[i], n) == 0)
				*out = cJSON_CreateFalse();
		}
		if (*out == NULL)
			return cell_fail(e, "invalid_value", c,
			    "must be true, false, yes, no, 1 or 0");
		return 0;
	}
	case T_JSON_LIST:
		p = trim(s, &n);
		if (n == 0)
			return 0;
		if (*p == '[') {
			if ((*out = cJSON_Parse(p)) == NULL ||
			    !cJSON_IsArray(*out)) {
				cJSON_Delete(*out);
				*out = NULL;
				return cell_fail(e, "invalid_type", c,
				    "not a JSON list");
			}
			return 0;
		}
		*out = cJSON_CreateArray();
		while (*out != NULL) {
			const char *end = strchr(p, ',');
			size_t len = end != NULL ? (size_t)(end - p) :
			    strlen(p);
			char *item = strndup(p, len);
			const char *t;
			size_t tn;

			if (item == NULL)
				break;
			t = trim(item, &tn);
			if (tn > 0) {
				char *x = strndup(t, tn);

				if (x != NULL)
					cJSON_AddItemToArray(*out,
					    cJSON_CreateString(x));
				free(x);
			}
			free(item);
			if (end == NULL)
				break;
			p = end + 1;
		}
		return 0;
	}
	return 0;
}

/* ---- tables and rows ---------------------------------------------------- */

/* Loads the path's table: 404 when missing or out of scope; with write,
 * 403 for billing, which may only read. */
static int
table_find(struct server *srv, struct request *req, struct response *resp,
    int write, struct table *t)
{
	sqlite3_stmt *st;
	int rc;

	if (req->nids < 1)
		return api_not_found(resp, "table");
	if ((st = api_prepare(srv->db, "SELECT t.id, t.company_id, "
	    "ifnull(c.owner_id, 0), t.version FROM kb_tables t "
	    "JOIN companies c ON c.id = t.company_id WHERE t.id = ?", "i",
	    req->ids[0])) == NULL)
		return api_db_error(resp);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t->id = sqlite3_column_int64(st, 0);
		t->company_id = sqlite3_column_int64(st, 1);
		t->owner_id = sqlite3_column_int64(st, 2);
		t->version = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return api_db_error(resp);
	if (rc == SQLITE_DONE || req->user->role == USER_PERFORMER ||
	    !scope_company(srv, req->user, t->company_id))
		return api_not_found(resp, "table");
	if (write && req->user->role == USER_BILLING)
		return api_error(resp, 403, "forbidden",
		    "billing may read the knowledge base but not change it",
		    NULL);
	return 0;
}

/* The row's version and cells (malloc'd) when it is in the table. */
static int
row_find(struct server *srv, struct response *resp, int64_t table_id,
    int64_t row_id, int64_t *version, char **cells)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(srv->db, "SELECT version, cells FROM kb_rows "
	    "WHERE id = ? AND table_id = ?", -1, &st, NULL) != SQLITE_OK)
		return api_db_error(resp);
	sqlite3_bind_int64(st, 1, row_id);
	sqlite3_bind_int64(st, 2, table_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int64(st, 0);
		*cells = strdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return api_not_found(resp, "row");
	if (rc != SQLITE_ROW || *cells == NULL)
		return api_db_error(resp);
	return 0;
}

static int
precondition(struct server *srv, struct request *req, struct response *resp,
    const char *type, int64_t id, int64_t version)
{
	cJSON *current;
	int rc;

	if (req->if_match == NULL)
		return 0;
	current = feed_render(srv, req->user, type, id);
	rc = api_check_version(req, resp, version, current);
	cJSON_Delete(current);
	return rc;
}

/* Staff acting on a company's KB act for its owner (audit log). */
static int64_t
for_whom(const struct request *req, const struct table *t)
{
	return req->user->id == t->owner_id ? 0 : t->owner_id;
}

static int
answer(struct server *srv, struct request *req, struct response *resp,
    const char *type, int64_t id, int status)
{
	if ((resp->json = feed_render(srv, req->user, type, id)) == NULL)
		return api_not_found(resp, "row");
	return resp->status = status;
}

static int
cell_error(struct response *resp, const struct cellerr *e, const char *field)
{
	return api_error(resp, strcmp(e->code, "internal") == 0 ? 500 : 422,
	    e->code, e->msg, field);
}

/* The body's "cells" object, or an error set on resp. */
static int
body_cells(struct request *req, struct response *resp, const cJSON **out)
{
	const cJSON *c = req->body != NULL ?
	    cJSON_GetObjectItemCaseSensitive(req->body, "cells") : NULL;

	if (c == NULL || cJSON_IsNull(c))
		return api_error(resp, 422, "missing_field",
		    "cells is required", "cells");
	if (!cJSON_IsObject(c))
		return api_error(resp, 422, "invalid_type",
		    "cells must be an object", "cells");
	*out = c;
	return 0;
}

static int
bind_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* ---- rows --------------------------------------------------------------- */

static int
row_create(struct server *srv, struct request *req, struct response *resp)
{
	struct table t;
	struct schema s;
	struct cellerr e;
	const cJSON *src;
	const char *field = NULL;
	cJSON *cells;
	sqlite3_stmt *st;
	char *text, detail[64];
	int64_t id;
	int rc;

	if ((rc = table_find(srv, req, resp, 1, &t)) != 0)
		return rc;
	if ((rc = body_cells(req, resp, &src)) != 0)
		return rc;
	if (schema_load(srv->db, t.id, &s) != 0)
		return api_db_error(resp);
	cells = cells_build(&s, src, 1, &e, &field);
	if (cells == NULL) {
		/* field points into the schema or the body: answer first */
		rc = cell_error(resp, &e, field);
		schema_free(&s);
		return rc;
	}
	schema_free(&s);
	text = cJSON_PrintUnformatted(cells);
	cJSON_Delete(cells);
	if (text == NULL)
		return api_db_error(resp);
	if (sqlite3_prepare_v2(srv->db, "INSERT INTO kb_rows (table_id, "
	    "position, cells, version, updated_at) VALUES (?1, (SELECT "
	    "ifnull(max(position), 0) + 1 FROM kb_rows WHERE table_id = ?1), "
	    "?2, 1, ?3)", -1, &st, NULL) != SQLITE_OK) {
		free(text);
		return api_db_error(resp);
	}
	sqlite3_bind_int64(st, 1, t.id);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, req->now);
	rc = bind_step(st);
	sqlite3_finalize(st);
	free(text);
	if (rc != 0)
		return api_db_error(resp);
	id = sqlite3_last_insert_rowid(srv->db);
	snprintf(detail, sizeof detail, "row %lld created", (long long)id);
	if (feed_record(srv, "kb_row", id, "upsert") != 0 ||
	    audit_record(srv, req->user, for_whom(req, &t), "kb_row.create",
	    "kb_table", t.id, detail) != 0)
		return api_db_error(resp);
	return answer(srv, req, resp, "kb_row", id, 201);
}

static int
row_update(struct server *srv, struct request *req, struct response *resp)
{
	struct table t;
	struct schema s;
	struct cellerr e;
	const cJSON *src, *v;
	const char *field = NULL;
	cJSON *merged, *cells;
	sqlite3_stmt *st;
	char *old = NULL, *text, detail[64];
	int64_t version = 0, id;
	int rc;

	if ((rc = table_find(srv, req, resp, 1, &t)) != 0)
		return rc;
	if (req->nids < 2)
		return api_not_found(resp, "row");
	id = req->ids[1];
	if ((rc = row_find(srv, resp, t.id, id, &version, &old)) != 0)
		return rc;
	if ((rc = precondition(srv, req, resp, "kb_row", id, version)) != 0 ||
	    (rc = body_cells(req, resp, &src)) != 0) {
		free(old);
		return rc;
	}
	if (schema_load(srv->db, t.id, &s) != 0) {
		free(old);
		return api_db_error(resp);
	}
	merged = cJSON_Parse(old);
	if (merged == NULL || !cJSON_IsObject(merged)) {
		cJSON_Delete(merged);
		merged = cJSON_CreateObject();
	}
	cells = NULL;
	cJSON_ArrayForEach(v, src) {
		if (schema_col(&s, v->string) == NULL) {
			e.code = "unknown_column";
			snprintf(e.msg, sizeof e.msg,
			    "the table has no column %.100s", v->string);
			field = v->string;
			goto bad;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(merged, v->string);
		if (!cJSON_IsNull(v))
			cJSON_AddItemToObject(merged, v->string,
			    cJSON_Duplicate(v, 1));
	}
	cells = cells_build(&s, merged, 0, &e, &field);
bad:
	cJSON_Delete(merged);
	if (cells == NULL) {
		rc = cell_error(resp, &e, field);
		schema_free(&s);
		free(old);
		return rc;
	}
	schema_free(&s);
	text = cJSON_PrintUnformatted(cells);
	cJSON_Delete(cells);
	if (text == NULL) {
		free(old);
		return api_db_error(resp);
	}
	if (strcmp(text, old) == 0) {
		/* Nothing changes: no new version, nothing in the feed. */
		free(text);
		free(old);
		return answer(srv, req, resp, "kb_row", id, 200);
	}
	free(old);
	if (sqlite3_prepare_v2(srv->db, "UPDATE kb_rows SET cells = ?, "
	    "version = version + 1, updated_at = ? WHERE id = ?", -1, &st,
	    NULL) != SQLITE_OK) {
		free(text);
		return api_db_error(resp);
	}
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, req->now);
	sqlite3_bind_int64(st, 3, id);
	rc = bind_step(st);
	sqlite3_finalize(st);
	free(text);
	snprintf(detail, sizeof detail, "row %lld updated", (long long)id);
	if (rc != 0 || feed_record(srv, "kb_row", id, "upsert") != 0 ||
	    audit_record(srv, req->user, for_whom(req, &t), "kb_row.update",
	    "kb_table", t.id, detail) != 0)
		return api_db_error(resp);
	return answer(srv, req, resp, "kb_row", id, 200);
}

static int
row_delete(struct server *srv, struct request *req, struct response *resp)
{
	struct table t;
	sqlite3_stmt *st;
	char *old = NULL, detail[64];
	int64_t version = 0, id;
	int rc;

	if ((rc = table_find(srv, req, resp, 1, &t)) != 0)
		return rc;
	if (req->nids < 2)
		return api_not_found(resp, "row");
	id = req->ids[1];
	if ((rc = row_find(srv, resp, t.id, id, &version, &old)) != 0)
		return rc;
	free(old);
	if ((rc = precondition(srv, req, resp, "kb_row", id, version)) != 0)
		return rc;
	if (feed_record(srv, "kb_row", id, "delete") != 0 ||
	    sqlite3_prepare_v2(srv->db, "DELETE FROM kb_rows WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return api_db_error(resp);
	sqlite3_bind_int64(st, 1, id);
	rc = bind_step(st);
	sqlite3_finalize(st);
	snprintf(detail, sizeof detail, "row %lld deleted", (long long)id);
	if (rc != 0 || audit_record(srv, req->user, for_whom(req, &t),
	    "kb_row.delete", "kb_table", t.id, detail) != 0)
		return api_db_error(resp);
	return resp->status = 204;
}

/* ---- columns ------------------------------------------------------------ */

static int
name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63 || *s < 'a' || *s > 'z')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return 0;
	return 1;
}

static int
col_error(struct response *resp, int status, const char *code, int i,
    const char *key, const char *msg)
{
	char field[64];

	snprintf(field, sizeof field, "columns[%d].%s", i, key);
	return api_error(resp, status, code, msg, field);
}

/* The body's column list as a schema; 0, or an error set on resp. */
static int
columns_parse(struct request *req, struct response *resp, struct schema *s)
{
	const cJSON *list = req->body != NULL ?
	    cJSON_GetObjectItemCaseSensitive(req->body, "columns") : NULL;
	const cJSON *item;
	int i = 0;

	memset(s, 0, sizeof *s);
	if (list == NULL || cJSON_IsNull(list))
		return api_error(resp, 422, "missing_field",
		    "columns is required", "columns");
	if (!cJSON_IsArray(list))
		return api_error(resp, 422, "invalid_type",
		    "columns must be a list", "columns");
	if (cJSON_GetArraySize(list) < 1 ||
	    cJSON_GetArraySize(list) > COLUMNS_MAX)
		return api_error(resp, 422, "out_of_range",
		    "a table has 1 to 200 columns", "columns");
	if ((s->cols = calloc((size_t)cJSON_GetArraySize(list),
	    sizeof *s->cols)) == NULL)
		return api_db_error(resp);
	cJSON_ArrayForEach(item, list) {
		const cJSON *name, *type, *req_, *ev, *x, *y;
		struct col *c = &s->cols[i];
		int n = 0;

		if (!cJSON_IsObject(item))
			return col_error(resp, 422, "invalid_type", i, "name",
			    "each column is an object");
		name = cJSON_GetObjectItemCaseSensitive(item, "name");
		type = cJSON_GetObjectItemCaseSensitive(item, "type");
		req_ = cJSON_GetObjectItemCaseSensitive(item, "required");
		ev = cJSON_GetObjectItemCaseSensitive(item, "enum_values");
		if (!cJSON_IsString(name))
			return col_error(resp, 422, name == NULL ?
			    "missing_field" : "invalid_type", i, "name",
			    "name is a string");
		if (!name_valid(name->valuestring))
			return col_error(resp, 422, "invalid_value", i, "name",
			    "a column name is snake_case: [a-z][a-z0-9_]{0,62}");
		if (schema_col(s, name->valuestring) != NULL)
			return col_error(resp, 422, "duplicate_column", i,
			    "name", "column names must be unique");
		if (!cJSON_IsString(type))
			return col_error(resp, 422, type == NULL ?
			    "missing_field" : "invalid_type", i, "type",
			    "type is a string");
		if (type_of(type->valuestring, &c->type) != 0)
			return col_error(resp, 422, "invalid_value", i, "type",
			    "type is text, integer, money, boolean, "
			    "json_list, url or enum");
		if (req_ != NULL && !cJSON_IsNull(req_) && !cJSON_IsBool(req_))
			return col_error(resp, 422, "invalid_type", i,
			    "required", "required is true or false");
		c->required = cJSON_IsTrue(req_);
		if (c->type != T_ENUM && ev != NULL && !cJSON_IsNull(ev))
			return col_error(resp, 422, "invalid_value", i,
			    "enum_values", "only enum columns have "
			    "enum_values");
		if (c->type == T_ENUM) {
			if (!cJSON_IsArray(ev))
				return col_error(resp, 422, ev == NULL ?
				    "missing_field" : "invalid_type", i,
				    "enum_values", "an enum column lists its "
				    "values");
			cJSON_ArrayForEach(x, ev) {
				if (!cJSON_IsString(x) ||
				    x->valuestring[0] == '\0' ||
				    !text_utf8_valid(x->valuestring,
				    strlen(x->valuestring)) ||
				    api_utf8_chars(x->valuestring) > ENUM_CHARS)
					return col_error(resp, 422,
					    "invalid_value", i, "enum_values",
					    "enum values are non-empty "
					    "strings of at most 200 "
					    "characters");
				for (y = ev->child; y != x; y = y->next)
					if (strcmp(y->valuestring,
					    x->valuestring) == 0)
						return col_error(resp, 422,
						    "invalid_value", i,
						    "enum_values", "enum values "
						    "must be unique");
				n++;
			}
			if (n < 1 || n > ENUM_MAX)
				return col_error(resp, 422, "out_of_range", i,
				    "enum_values", "an enum has 1 to 100 "
				    "values");
			c->enums = cJSON_Duplicate(ev, 1);
		}
		if ((c->name = strdup(name->valuestring)) == NULL)
			return api_db_error(resp);
		s->n = ++i;
	}
	return 0;
}

/* One row under the new column list: removed columns leave, retyped
 * cells go through their CSV text.  Returns the new cells text (malloc'd)
 * or NULL with the error on resp; *changed when it differs. */
static char *
row_refit(const struct schema *old, const struct schema *s, const char *text,
    int64_t row_id, struct response *resp, int *changed)
{
	cJSON *cells = cJSON_Parse(text), *v, *next, *chk;
	struct cellerr e;
	const char *field = NULL;
	char *out;

	*changed = 0;
	if (cells == NULL || !cJSON_IsObject(cells)) {
		cJSON_Delete(cells);
		cells = cJSON_CreateObject();
		*changed = 1;
	}
	for (v = cells->child; v != NULL; v = next) {
		const struct col *nc = schema_col(s, v->string);
		const struct col *oc = schema_col(old, v->string);

		next = v->next;
		if (nc == NULL) {
			cJSON_DeleteItemFromObjectCaseSensitive(cells,
			    v->string);
			*changed = 1;
		} else if (oc != NULL && oc->type != nc->type &&
		    !cJSON_IsNull(v)) {
			char *t = cell_text(v);
			cJSON *nv = NULL;

			if (t == NULL || cell_from_text(nc, t, &nv, &e) != 0) {
				free(t);
				field = nc->name;
				goto bad;
			}
			free(t);
			if (nv == NULL)
				cJSON_DeleteItemFromObjectCaseSensitive(cells,
				    nc->name);
			else
				cJSON_ReplaceItemInObjectCaseSensitive(cells,
				    nc->name, nv);
			*changed = 1;
		}
	}
	if ((chk = cells_build(s, cells, 0, &e, &field)) == NULL)
		goto bad;
	cJSON_Delete(chk);
	out = cJSON_PrintUnformatted(cells);
	cJSON_Delete(cells);
	if (out == NULL)
		api_db_error(resp);
	return out;
bad:
	cJSON_Delete(cells);
	cell_error(resp, &e, field);
	cJSON_AddNumberToObject(resp->json, "row_id", (double)row_id);
	return NULL;
}

static int
columns_put(struct server *srv, struct request *req, struct response *resp)
{
	struct table t;
	struct schema s, old;
	sqlite3_stmt *sel = NULL, *upd = NULL, *ins = NULL;
	char detail[64];
	int rc, step;

	if ((rc = table_find(srv, req, resp, 1, &t)) != 0)
		return rc;
	if ((rc = precondition(srv, req, resp, "kb_table", t.id,
	    t.version)) != 0)
		return rc;
	if ((rc = columns_parse(req, resp, &s)) != 0) {
		schema_free(&s);
		return rc;
	}
	if (schema_load(srv->db, t.id, &old) != 0) {
		schema_free(&s);
		return api_db_error(resp);
	}
	rc = 0;
	if (sqlite3_prepare_v2(srv->db, "SELECT id, cells FROM kb_rows WHERE "
	    "table_id = ? ORDER BY position, id", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(srv->db, "UPDATE kb_rows SET cells = ?, "
	    "version = version + 1, updated_at = ? WHERE id = ?", -1, &upd,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(srv->db, "INSERT INTO kb_columns (table_id, "
	    "position, name, type, required, enum_values) VALUES "
	    "(?, ?, ?, ?, ?, ?)", -1, &ins, NULL) != SQLITE_OK) {
		rc = api_db_error(resp);
		goto out;
	}
	sqlite3_bind_int64(sel, 1, t.id);
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(sel, 0);
		int changed;
		char *text = row_refit(&old, &s,
		    (const char *)sqlite3_column_text(sel, 1), id, resp,
		    &changed);

		if (text == NULL) {
			rc = resp->status != 0 ? resp->status : 500;
			goto out;
		}
		if (changed) {
			sqlite3_bind_text(upd, 1, text, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(upd, 2, req->now);
			sqlite3_bind_int64(upd, 3, id);
			if (bind_step(upd) != 0 ||
			    feed_record(srv, "kb_row", id, "upsert") != 0) {
				free(text);
				rc = api_db_error(resp);
				goto out;
			}
		}
		free(text);
	}
	if (step != SQLITE_DONE) {
		rc = api_db_error(resp);
		goto out;
	}
	{
		sqlite3_stmt *del;

		if (sqlite3_prepare_v2(srv->db, "DELETE FROM kb_columns WHERE "
		    "table_id = ?", -1, &del, NULL) != SQLITE_OK) {
			rc = api_db_error(resp);
			goto out;
		}
		sqlite3_bind_int64(del, 1, t.id);
		step = bind_step(del);
		sqlite3_finalize(del);
		if (step != 0) {
			rc = api_db_error(resp);
			goto out;
		}
	}
	for (int i = 0; i < s.n; i++) {
		char *ev = s.cols[i].enums != NULL ?
		    cJSON_PrintUnformatted(s.cols[i].enums) : NULL;

		sqlite3_bind_int64(ins, 1, t.id);
		sqlite3_bind_int64(ins, 2, i + 1);
		sqlite3_bind_text(ins, 3, s.cols[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, type_names[s.cols[i].type], -1,
		    SQLITE_STATIC);
		sqlite3_bind_int(ins, 5, s.cols[i].required);
		if (ev != NULL)
			sqlite3_bind_text(ins, 6, ev, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(ins, 6);
		step = bind_step(ins);
		sqlite3_clear_bindings(ins);
		free(ev);
		if (step != 0) {
			rc = api_db_error(resp);
			goto out;
		}
	}
	{
		sqlite3_stmt *tb;

		if (sqlite3_prepare_v2(srv->db, "UPDATE kb_tables SET version = "
		    "version + 1, updated_at = ? WHERE id = ?", -1, &tb,
		    NULL) != SQLITE_OK) {
			rc = api_db_error(resp);
			goto out;
		}
		sqlite3_bind_int64(tb, 1, req->now);
		sqlite3_bind_int64(tb, 2, t.id);
		step = bind_step(tb);
		sqlite3_finalize(tb);
	}
	snprintf(detail, sizeof detail, "%d columns (was %d)", s.n, old.n);
	if (step != 0 || feed_record(srv, "kb_table", t.id, "upsert") != 0 ||
	    audit_record(srv, req->user, for_whom(req, &t), "kb_table.columns",
	    "kb_table", t.id, detail) != 0) {
		rc = api_db_error(resp);
		goto out;
	}
	rc = answer(srv, req, resp, "kb_table", t.id, 200);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_finalize(ins);
	schema_free(&s);
	schema_free(&old);
	return rc;
}

/* ---- CSV ---------------------------------------------------------------- */

static void
csv_field(struct buf *b, const char *s, int lone)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		/* A lone empty field would read back as a blank line. */
		buf_str(b, lone && *s == '\0' ? "\"\"" : s);
		return;
	}
	buf_add(b, "\"", 1);
	for (const char *p = s; *p != '\0'; p++) {
		buf_add(b, p, 1);
		if (*p == '"')
			buf_add(b, "\"", 1);
	}
	buf_add(b, "\"", 1);
}

static int
table_export(struct server *srv, struct request *req, struct response *resp)
{
	struct table t;
	struct schema s;
	struct buf b = { NULL, 0, 0, 0 };
	sqlite3_stmt *st;
	int rc;

	if ((rc = table_find(srv, req, resp, 0, &t)) != 0)
		return rc;
	if (schema_load(srv->db, t.id, &s) != 0)
		return api_db_error(resp);
	for (int i = 0; i < s.n; i++) {
		if (i > 0)
			buf_add(&b, ",", 1);
		csv_field(&b, s.cols[i].name, s.n == 1);
	}
	buf_add(&b, "\r\n", 2);
	if (sqlite3_prepare_v2(srv->db, "SELECT cells FROM kb_rows WHERE "
	    "table_id = ? ORDER BY position, id", -1, &st, NULL) != SQLITE_OK) {
		schema_free(&s);
		free(b.p);
		return api_db_error(resp);
	}
	sqlite3_bind_int64(st, 1, t.id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *cells = cJSON_Parse((const char *)
		    sqlite3_column_text(st, 0));

		for (int i = 0; i < s.n; i++) {
			char *v = cell_text(cJSON_GetObjectItemCaseSensitive(
			    cells, s.cols[i].name));

			if (i > 0)
				buf_add(&b, ",", 1);
			csv_field(&b, v != NULL ? v : "", s.n == 1);
			free(v);
		}
		buf_add(&b, "\r\n", 2);
		cJSON_Delete(cells);
	}
	sqlite3_finalize(st);
	schema_free(&s);
	if (rc != SQLITE_DONE || b.oom) {
		free(b.p);
		return api_db_error(resp);
	}
	resp->text = b.p;
	resp->content_type = "text/csv; charset=utf-8";
	return resp->status = 200;
}

/* One record of a CSV body. */
struct rec {
	char	**f;
	int	  nf, cap;
	int	  line;		/* where it starts, 1-based */
	int	  quoted;	/* any field was quoted */
};

struct csvp {
	const char	*s;
	size_t		 n, i;
	int		 line;
};

static void
rec_clear(struct rec *r)
{
	for (int i = 0; i < r->nf; i++)
		free(r->f[i]);
	r->nf = 0;
	r->quoted = 0;
}

static int
rec_push(struct rec *r, struct buf *fb)
{
	char *s = strdup(fb->p != NULL ? fb->p : "");

	if (s == NULL)
		return -1;
	if (r->nf == r->cap) {
		int cap = r->cap > 0 ? r->cap * 2 : 16;
		char **p = realloc(r->f, (size_t)cap * sizeof *p);

		if (p == NULL) {
			free(s);
			return -1;
		}
		r->f = p;
		r->cap = cap;
	}
	r->f[r->nf++] = s;
	fb->len = 0;
	if (fb->p != NULL)
		fb->p[0] = '\0';
	return 0;
}

/* The next record: 1, 0 at the end, -1 on an unterminated quote or out
 * of memory. */
static int
csv_next(struct csvp *p, struct rec *r, struct buf *fb)
{
	rec_clear(r);
	if (p->i >= p->n)
		return 0;
	r->line = p->line;
	for (;;) {
		fb->len = 0;
		if (fb->p != NULL)
			fb->p[0] = '\0';
		if (p->i < p->n && p->s[p->i] == '"') {
			r->quoted = 1;
			p->i++;
			for (;;) {
				char c;

				if (p->i >= p->n)
					return -1;
				c = p->s[p->i++];
				if (c == '"') {
					if (p->i < p->n && p->s[p->i] == '"')
						p->i++;
					else
						break;
				} else if (c == '\n' || (c == '\r' &&
				    !(p->i < p->n && p->s[p->i] == '\n')))
					p->line++;
				buf_add(fb, &c, 1);
			}
		}
		while (p->i < p->n && p->s[p->i] != ',' &&
		    p->s[p->i] != '\r' && p->s[p->i] != '\n')
			buf_add(fb, &p->s[p->i++], 1);
		if (fb->oom || rec_push(r, fb) != 0)
			return -1;
		if (p->i >= p->n)
			return 1;
		if (p->s[p->i++] == ',')
			continue;
		if (p->s[p->i - 1] == '\r' && p->i < p->n &&
		    p->s[p->i] == '\n')
			p->i++;
		p->line++;
		return 1;
	}
}

/* Header normalisation: trimmed, lower case (ASCII, Latin-1, Cyrillic),
 * runs of spaces, dashes and underscores as one _. */
static void
header_norm(const char *in, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;
	int sep = 0;

	while (*s != '\0' && o + 3 < outlen) {
		unsigned c = *s;

		if (c == ' ' || c == '-' || c == '_' || c == '\t') {
			sep = o > 0;
			s++;
			continue;
		}
		if (sep) {
			out[o++] = '_';
			sep = 0;
		}
		if (c < 0x80) {
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			s++;
		} else if ((c & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
			unsigned cp = ((c & 0x1F) << 6) | (s[1] & 0x3F);

			if (cp >= 0x410 && cp <= 0x42F)
				cp += 0x20;
			else if (cp >= 0x400 && cp <= 0x40F)
				cp += 0x50;
			else if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
				cp += 0x20;
			out[o++] = (char)(0xC0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3F));
			s += 2;
		} else
			out[o++] = (char)*s++;
	}
	out[o] = '\0';
}

/* Seed 002's importer aliases (normalised), grouped by the columns they
 * may mean in the order tried; each alias stands in one group. */
static const struct {
	const char	*cols[3];
	const char	*words[7];
} aliases[] = {
	{ { "product_name", "service_name" },
	  { "name", "nombre", "название", "наименование" } },
	{ { "product_name" },
	  { "product", "producto", "nombre_del_producto", "nombre_producto",
	    "название_товара", "товар" } },
	{ { "service_name" },
	  { "service", "servicio", "nombre_del_servicio", "nombre_servicio",
	    "название_услуги", "услуга" } },
	{ { "price_eur", "price" },
	  { "price", "precio", "цена", "стоимость" } },
	{ { "sku" },
	  { "артикул", "código", "codigo", "referencia" } },
	{ { "category", "service_category" },
	  { "category", "categoría", "categoria", "категория" } },
	{ { "description" },
	  { "описание", "descripción", "descripcion" } },
};

static bool
alias_in(const char *norm, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(norm, *words) == 0)
			return true;
	return false;
}

static const struct col *
header_col(const struct schema *s, const char *header)
{
	char norm[256];
	const struct col *c;

	header_norm(header, norm, sizeof norm);
	if ((c = schema_col(s, norm)) != NULL)
		return c;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		if (!alias_in(norm, aliases[i].words))
			continue;
		for (int j = 0; aliases[i].cols[j] != NULL; j++)
			if ((c = schema_col(s, aliases[i].cols[j])) != NULL)
				return c;
	}
	return NULL;
}

static int
row_error(struct response *resp, int status, const char *code,
    const char *msg, const char *field, int line)
{
	api_error(resp, status, code, msg, field);
	cJSON_AddNumberToObject(resp->json, "row", line);
	return status;
}

struct import {
	char	**cells;
	int	  n, cap;
};

static void
import_free(struct import *im)
{
	for (int i = 0; i < im->n; i++)
		free(im->cells[i]);
	free(im->cells);
}

/* Parses and checks the whole body into im; 0 or an error on resp. */
static int
import_parse(const struct schema *s, const char *body, size_t len,
    struct response *resp, struct import *im)
{
	struct csvp p = { body, len, 0, 1 };
	struct rec r = { NULL, 0, 0, 0, 0 };
	struct buf fb = { NULL, 0, 0, 0 };
	const struct col **map = NULL;
	int nh = 0, rc = 0, got;

	if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
		p.i = 3;
	while ((got = csv_next(&p, &r, &fb)) == 1) {
		struct cellerr e;
		const char *field = NULL;
		cJSON *obj, *cells;
		char *text;

		if (r.nf == 1 && r.f[0][0] == '\0' && !r.quoted)
			continue;	/* a blank line */
		if (map == NULL) {
			if ((map = calloc((size_t)r.nf, sizeof *map)) == NULL) {
				rc = api_db_error(resp);
				break;
			}
			nh = r.nf;
			for (int i = 0; i < nh; i++) {
				if ((map[i] = header_col(s, r.f[i])) == NULL) {
					rc = row_error(resp, 422,
					    "unknown_column", "the table has "
					    "no column for this header",
					    r.f[i], r.line);
					goto out;
				}
				for (int j = 0; j < i; j++)
					if (map[j] == map[i]) {
						rc = row_error(resp, 422,
						    "duplicate_column", "two "
						    "headers name one column",
						    map[i]->name, r.line);
						goto out;
					}
			}
			continue;
		}
		if (r.nf != nh) {
			char msg[96];

			snprintf(msg, sizeof msg, "the row has %d fields, the "
			    "header %d", r.nf, nh);
			rc = row_error(resp, 422, "bad_csv", msg, NULL, r.line);
			break;
		}
		if (im->n >= IMPORT_ROWS) {
			rc = row_error(resp, 422, "too_many_rows", "an import "
			    "takes at most 50000 rows", NULL, r.line);
			break;
		}
		if ((obj = cJSON_CreateObject()) == NULL) {
			rc = api_db_error(resp);
			break;
		}
		for (int i = 0; i < nh; i++) {
			cJSON *v;

			if (cell_from_text(map[i], r.f[i], &v, &e) != 0) {
				cJSON_Delete(obj);
				rc = row_error(resp, 422, e.code, e.msg,
				    map[i]->name, r.line);
				goto out;
			}
			if (v != NULL)
				cJSON_AddItemToObject(obj, map[i]->name, v);
		}
		cells = cells_build(s, obj, 0, &e, &field);
		cJSON_Delete(obj);
		if (cells == NULL) {
			rc = row_error(resp, strcmp(e.code, "internal") == 0 ?
			    500 : 422, e.code, e.msg, field, r.line);
			break;
		}
		text = cJSON_PrintUnformatted(cells);
		cJSON_Delete(cells);
		if (im->n == im->cap) {
			int cap = im->cap > 0 ? im->cap * 2 : 64;
			char **np = realloc(im->cells, (size_t)cap *
			    sizeof *np);

			if (np == NULL) {
				free(text);
				rc = api_db_error(resp);
				break;
			}
			im->cells = np;
			im->cap = cap;
		}
		if (text == NULL) {
			rc = api_db_error(resp);
			break;
		}
		im->cells[im->n++] = text;
	}
	if (rc == 0 && got < 0)
		rc = row_error(resp, 422, "bad_csv", "a quoted field is not "
		    "closed", NULL, r.line);
	if (rc == 0 && map == NULL)
		rc = api_error(resp, 422, "bad_csv", "the CSV has no header "
		    "row", NULL);
out:
	rec_clear(&r);
	free(r.f);
	free(fb.p);
	free(map);
	return rc;
}

static int
table_import(struct server *srv, struct request *req, struct response *resp)
{
	static const char *const modes[] = { "append", "replace", NULL };
	struct table t;
	struct schema s;
	struct import im = { NULL, 0, 0 };
	sqlite3_stmt *st = NULL;
	const char *mode = api_query(req, "mode");
	char detail[64];
	int64_t pos = 0;
	int rc, replace, i;

	if ((rc = table_find(srv, req, resp, 1, &t)) != 0)
		return rc;
	if (mode == NULL || *mode == '\0')
		mode = "append";
	for (i = 0; modes[i] != NULL && strcmp(modes[i], mode) != 0; i++)
		;
	if (modes[i] == NULL)
		return api_error(resp, 422, "invalid_value",
		    "mode is append or replace", "mode");
	replace = i == 1;
	if (req->body != NULL)
		return api_error(resp, 415, "unsupported_media_type",
		    "the import body is CSV (text/csv), not JSON", NULL);
	if (req->raw_body == NULL || memchr(req->raw_body, '\0',
	    req->body_len) != NULL)
		return api_error(resp, 400, "bad_csv",
		    "the body is empty or contains a NUL byte", NULL);
	if (schema_load(srv->db, t.id, &s) != 0)
		return api_db_error(resp);
	rc = import_parse(&s, req->raw_body, req->body_len, resp, &im);
	schema_free(&s);
	if (rc != 0) {
		import_free(&im);
		return rc;
	}

	if (replace) {
		if (sqlite3_prepare_v2(srv->db, "SELECT id FROM kb_rows WHERE "
		    "table_id = ?", -1, &st, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(st, 1, t.id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (feed_record(srv, "kb_row",
			    sqlite3_column_int64(st, 0), "delete") != 0)
				goto fail;
		sqlite3_finalize(st);
		st = NULL;
		if (rc != SQLITE_DONE ||
		    sqlite3_prepare_v2(srv->db, "DELETE FROM kb_rows WHERE "
		    "table_id = ?", -1, &st, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(st, 1, t.id);
		if (bind_step(st) != 0)
			goto fail;
		sqlite3_finalize(st);
		st = NULL;
	} else {
		if (sqlite3_prepare_v2(srv->db, "SELECT ifnull(max(position), "
		    "0) FROM kb_rows WHERE table_id = ?", -1, &st, NULL) !=
		    SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(st, 1, t.id);
		if (sqlite3_step(st) != SQLITE_ROW)
			goto fail;
		pos = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		st = NULL;
	}
	if (sqlite3_prepare_v2(srv->db, "INSERT INTO kb_rows (table_id, "
	    "position, cells, version, updated_at) VALUES (?, ?, ?, 1, ?)",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < im.n; i++) {
		sqlite3_bind_int64(st, 1, t.id);
		sqlite3_bind_int64(st, 2, pos + i + 1);
		sqlite3_bind_text(st, 3, im.cells[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, req->now);
		if (bind_step(st) != 0 || feed_record(srv, "kb_row",
		    sqlite3_last_insert_rowid(srv->db), "upsert") != 0)
			goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	snprintf(detail, sizeof detail, "%s: %d rows", mode, im.n);
	if (audit_record(srv, req->user, for_whom(req, &t), "kb_table.import",
	    "kb_table", t.id, detail) != 0)
		goto fail;
	resp->json = cJSON_CreateObject();
	cJSON_AddNumberToObject(resp->json, "imported", im.n);
	cJSON_AddStringToObject(resp->json, "mode", mode);
	import_free(&im);
	return resp->status = 200;
fail:
	sqlite3_finalize(st);
	import_free(&im);
	return api_db_error(resp);
}

const struct route kb_routes[] = {
	{ "POST", "/api/v1/kb/tables/{id}/rows", ROUTE_WRITE, row_create },
	{ "PATCH", "/api/v1/kb/tables/{id}/rows/{id}", ROUTE_WRITE,
	    row_update },
	{ "DELETE", "/api/v1/kb/tables/{id}/rows/{id}", ROUTE_WRITE,
	    row_delete },
	{ "PUT", "/api/v1/kb/tables/{id}/columns", ROUTE_WRITE, columns_put },
	{ "GET", "/api/v1/kb/tables/{id}/export.csv", 0, table_export },
	{ "POST", "/api/v1/kb/tables/{id}/import", ROUTE_WRITE, table_import },
	{ NULL, NULL, 0, NULL }
};
