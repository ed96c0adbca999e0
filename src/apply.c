/* Server rows into the cache.  See apply.h; the type table below mirrors
 * types[] in src/mktd/feed.c and the children its embed_* functions add.
 *
 * Statements are built from the cache's own schema and kept prepared in a
 * small cache keyed by their text: a page of the feed is thousands of
 * rows of a handful of shapes.  Every statement is stepped to the end and
 * reset before the next one is fetched, so evicting the least recently
 * used one never finalizes a statement still in use. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "util.h"

#define STMT_CACHE	128	/* ~17 types × a few shapes, plus children */
#define SHAPES		48	/* writes by shape, see struct shape */
#define MAX_COLS	64	/* the widest cache table, orders, has 28;
				   a shape's columns fit a uint64_t */

/* An array a row carries that is rows of another table. */
struct child {
	const char	*key;		/* member of the row: "lines" */
	const char	*table;
	const char	*parent;	/* column holding the owner's id */
	const char	*scalar;	/* an array of strings: their column */
	const char	*order;		/* as the server's embed_* sorts them */
};

/* Rows deleted with their owner that are not embedded in it. */
struct owned {
	const char	*table;
	const char	*parent;
};

static const struct child order_lines = {
	"lines", "order_lines", "order_id", NULL, "\"id\""
};
static const struct child invoice_lines = {
	"lines", "invoice_lines", "invoice_id", NULL, "\"position\", \"id\""
};
static const struct child conversation_labels = {
	"labels", "conversation_labels", "conversation_id", "label",
	"\"label\""
};
static const struct child kb_columns = {
	"columns", "kb_columns", "table_id", NULL, "\"position\""
};

static const struct owned conversation_owns[] = {
	{ "messages", "conversation_id" }, { NULL, NULL }
};
static const struct owned kb_table_owns[] = {
	{ "kb_rows", "table_id" }, { NULL, NULL }
};

/* Columns stored as JSON text that the server shows as JSON values. */
static const struct {
	const char	*table, *column;
} json_columns[] = {
	{ "kb_rows", "cells" },
	{ "commission_terms", "tiers" },
	{ "kb_columns", "enum_values" },
};

/* Companies, contacts, channels and users are shown by name in other
 * panes' lists (src/lists.c joins them), so a change to one redraws
 * those panes too. */
#define K_COMPANY	(KIND_CONVERSATIONS | KIND_ORDERS | KIND_KB | \
			 KIND_INVOICES | KIND_OTHER)
#define K_PARTY		(KIND_CONVERSATIONS | KIND_OTHER)
#define K_USER		(KIND_CONVERSATIONS | KIND_ORDERS | KIND_OTHER)

static const struct atype {
	const char		*name;
	const char		*table;
	const char		*idcol;
	unsigned		 kinds;
	const struct child	*child;
	const struct owned	*owns;
} types[] = {
	{ "user", "users", "id", K_USER, NULL, NULL },
	{ "company", "companies", "id", K_COMPANY, NULL, NULL },
	{ "commission_terms", "commission_terms", "company_id",
	  KIND_INVOICES, NULL, NULL },
	{ "channel", "channels", "id", K_PARTY, NULL, NULL },
	{ "contact", "contacts", "id", K_PARTY, NULL, NULL },
	{ "order", "orders", "id", KIND_ORDERS, &order_lines, NULL },
	{ "offer", "offers", "id", KIND_ORDERS, NULL, NULL },
	{ "contact_purchase", "contact_purchases", "id", KIND_ORDERS, NULL,
	  NULL },
	{ "review", "reviews", "id", KIND_ORDERS, NULL, NULL },
	{ "conversation", "conversations", "id", KIND_CONVERSATIONS,
	  &conversation_labels, conversation_owns },
	{ "message", "messages", "id", KIND_CONVERSATIONS, NULL, NULL },
	{ "canned_response", "canned_responses", "id", KIND_CONVERSATIONS, NULL, NULL },
	{ "kb_table", "kb_tables", "id", KIND_KB, &kb_columns,
	  kb_table_owns },
	{ "kb_row", "kb_rows", "id", KIND_KB, NULL, NULL },
	{ "project", "projects", "id", KIND_INVOICES, NULL, NULL },
	{ "invoice", "invoices", "id", KIND_INVOICES, &invoice_lines, NULL },
	{ "payment", "payments", "id", KIND_INVOICES, NULL, NULL },
	{ "notification", "notifications", "id", KIND_OTHER, NULL, NULL },
};

/* A UNIQUE constraint other than the id, as column indexes. */
struct unique {
	int		 ncols;
	int		*cols;
};

/* One cache table's columns, from PRAGMA table_info. */
struct tinfo {
	char		*name;
	int		 ncols;
	char		**cols;
	bool		*json;
	bool		 has_pending;
	int		 nunique;
	struct unique	*unique;
};

struct cached {
	char		*sql;		/* sqlite3_malloc'd */
	unsigned	 hash;
	sqlite3_stmt	*st;
	unsigned long long used;
};

/* The statement that writes a row (or a child row) of one shape: whose
 * row (an atype or a child), which columns it carries, and whether its
 * pending mark is counted.  A page is thousands of rows of a handful of
 * shapes; finding the statement by shape spares building its text for
 * each row to look it up. */
struct shape {
	const void	*owner;
	uint64_t	 cols;
	bool		 quiet;
	sqlite3_stmt	*st;
	unsigned long long used;
};

struct applier {
	sqlite3		*db;
	struct cached	 stmts[STMT_CACHE];
	struct shape	 shapes[SHAPES];
	unsigned long long clock;
	struct tinfo	**tables;	/* pointers: callers hold them */
	int		 ntables;
	bool		 quiet;		/* see apply_page_begin() */
};

static const char unacked[] =
    "(state = 'queued' OR state = 'inflight')";

static void
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const struct atype *
type_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < nitems(types); i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

unsigned
apply_type_kind(const char *type)
{
	const struct atype *t = type_find(type);

	return t != NULL ? t->kinds : 0;
}

bool
apply_type_known(const char *type)
{
	return type_find(type) != NULL;
}

const char *
apply_type_table(size_t i)
{
	return i < nitems(types) ? types[i].table : NULL;
}

/* ---- the statement cache ------------------------------------------------ */

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The statement for sql, reset with no bindings.  sql is taken over
 * (sqlite3_malloc'd; freed here whatever happens). */
static sqlite3_stmt *
stmt_take(struct applier *a, char *sql, char *err, size_t errlen)
{
	struct cached *c, *victim = &a->stmts[0];
	unsigned h;

	if (sql == NULL) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	h = hash(sql);
	for (int i = 0; i < STMT_CACHE; i++) {
		c = &a->stmts[i];
		if (c->st != NULL && c->hash == h && strcmp(c->sql, sql) == 0) {
			sqlite3_free(sql);
			c->used = ++a->clock;
			sqlite3_reset(c->st);
			sqlite3_clear_bindings(c->st);
			return c->st;
		}
		if (c->st == NULL || (victim->st != NULL &&
		    c->used < victim->used))
			victim = c;
	}
	sqlite3_finalize(victim->st);
	sqlite3_free(victim->sql);
	memset(victim, 0, sizeof *victim);
	if (sqlite3_prepare_v3(a->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &victim->st, NULL) != SQLITE_OK) {
		fail(err, errlen, "%s: %s", sqlite3_errmsg(a->db), sql);
		sqlite3_finalize(victim->st);
		victim->st = NULL;
		sqlite3_free(sql);
		return NULL;
	}
	victim->sql = sql;
	victim->hash = h;
	victim->used = ++a->clock;
	return victim->st;
}

static sqlite3_stmt *
stmt(struct applier *a, const char *sql, char *err, size_t errlen)
{
	return stmt_take(a, sqlite3_mprintf("%s", sql), err, errlen);
}

/* The statement of a shape, reset, or NULL when it is not prepared yet
 * (*slot is then where shape_put() puts it). */
static sqlite3_stmt *
shape_get(struct applier *a, const void *owner, uint64_t cols,
    struct shape **slot)
{
	struct shape *sh, *victim = &a->shapes[0];

	for (int i = 0; i < SHAPES; i++) {
		sh = &a->shapes[i];
		if (sh->st != NULL && sh->owner == owner && sh->cols == cols &&
		    sh->quiet == a->quiet) {
			sh->used = ++a->clock;
			sqlite3_reset(sh->st);
			return sh->st;
		}
		if (sh->st == NULL || (victim->st != NULL &&
		    sh->used < victim->used))
			victim = sh;
	}
	*slot = victim;
	return NULL;
}

/* Prepares sql (sqlite3_malloc'd, taken over) as the shape's statement
 * in slot, in place of the least recently used one. */
static sqlite3_stmt *
shape_put(struct applier *a, struct shape *slot, const void *owner,
    uint64_t cols, char *sql, char *err, size_t errlen)
{
	sqlite3_finalize(slot->st);
	memset(slot, 0, sizeof *slot);
	if (sql == NULL) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_prepare_v3(a->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &slot->st, NULL) != SQLITE_OK) {
		fail(err, errlen, "%s: %s", sqlite3_errmsg(a->db), sql);
		sqlite3_finalize(slot->st);
		slot->st = NULL;
		sqlite3_free(sql);
		return NULL;
	}
	sqlite3_free(sql);
	slot->owner = owner;
	slot->cols = cols;
	slot->quiet = a->quiet;
	slot->used = ++a->clock;
	return slot->st;
}

/* Steps a statement that returns no rows, and resets it. */
static int
run(struct applier *a, sqlite3_stmt *st, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		fail(err, errlen, "%s", sqlite3_errmsg(a->db));
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* ---- table descriptions ------------------------------------------------- */

static bool
is_json_column(const char *table, const char *column)
{
	for (size_t i = 0; i < nitems(json_columns); i++)
		if (strcmp(json_columns[i].table, table) == 0 &&
		    strcmp(json_columns[i].column, column) == 0)
			return true;
	return false;
}

static int
column_index(const struct tinfo *ti, const char *name)
{
	for (int i = 0; i < ti->ncols; i++)
		if (strcmp(ti->cols[i], name) == 0)
			return i;
	return -1;
}

/* UNIQUE constraints and unique indexes on plain columns; partial ones
 * are left out, as deleting rows that match them could be wrong. */
static int
load_unique(struct applier *a, struct tinfo *ti, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char *last = NULL;
	bool skip = false;
	int rc;

	st = stmt(a, "SELECT il.name, ii.name FROM pragma_index_list(?1) il, "
	    "pragma_index_info(il.name) ii WHERE il.\"unique\" AND "
	    "il.origin <> 'pk' AND NOT il.partial ORDER BY il.seq, ii.seqno",
	    err, errlen);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ti->name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *idx = (const char *)sqlite3_column_text(st, 0);
		const char *col = (const char *)sqlite3_column_text(st, 1);
		struct unique *u;
		int ci = col != NULL ? column_index(ti, col) : -1;

		if (last == NULL || strcmp(last, idx) != 0) {
			free(last);
			last = xstrdup(idx);
			skip = false;
			ti->unique = xreallocarray(ti->unique,
			    (size_t)ti->nunique + 1, sizeof *ti->unique);
			ti->unique[ti->nunique++] = (struct unique){ 0, NULL };
		}
		u = &ti->unique[ti->nunique - 1];
		if (skip)
			continue;
		if (ci < 0) {	/* an expression: not something we can match */
			free(u->cols);
			ti->nunique--;
			skip = true;
			continue;
		}
		u->cols = xreallocarray(u->cols, (size_t)u->ncols + 1,
		    sizeof *u->cols);
		u->cols[u->ncols++] = ci;
	}
	free(last);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fail(err, errlen, "%s: %s", ti->name, sqlite3_errmsg(a->db));
		return -1;
	}
	return 0;
}

static void
tinfo_free(struct tinfo *ti)
{
	if (ti == NULL)
		return;
	for (int i = 0; i < ti->ncols; i++)
		free(ti->cols[i]);
	for (int i = 0; i < ti->nunique; i++)
		free(ti->unique[i].cols);
	free(ti->cols);
	free(ti->json);
	free(ti->unique);
	free(ti->name);
	free(ti);
}

static const struct tinfo *
table_info(struct applier *a, const char *table, char *err, size_t errlen)
{
	struct tinfo *ti;
	sqlite3_stmt *st;
	int rc;

	for (int i = 0; i < a->ntables; i++)
		if (strcmp(a->tables[i]->name, table) == 0)
			return a->tables[i];

	if ((st = stmt(a, "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
	    err, errlen)) == NULL)
		return NULL;
	ti = xcalloc(1, sizeof *ti);
	ti->name = xstrdup(table);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);

		ti->cols = xreallocarray(ti->cols, (size_t)ti->ncols + 1,
		    sizeof *ti->cols);
		ti->json = xreallocarray(ti->json, (size_t)ti->ncols + 1,
		    sizeof *ti->json);
		ti->cols[ti->ncols] = xstrdup(col);
		ti->json[ti->ncols] = is_json_column(table, col);
		if (strcmp(col, "pending") == 0)
			ti->has_pending = true;
		ti->ncols++;
	}
	if (rc != SQLITE_DONE)
		fail(err, errlen, "cache table %s: %s", table,
		    sqlite3_errmsg(a->db));
	else if (ti->ncols == 0 || ti->ncols > MAX_COLS)
		fail(err, errlen, "cache table %s: %s", table, ti->ncols == 0 ?
		    "missing" : "too many columns");
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || ti->ncols == 0 || ti->ncols > MAX_COLS ||
	    load_unique(a, ti, err, errlen) != 0) {
		tinfo_free(ti);
		return NULL;
	}
	a->tables = xreallocarray(a->tables, (size_t)a->ntables + 1,
	    sizeof *a->tables);
	a->tables[a->ntables++] = ti;
	return ti;
}

struct applier *
applier_new(sqlite3 *db)
{
	struct applier *a = xcalloc(1, sizeof *a);

	a->db = db;
	return a;
}

sqlite3 *
applier_db(struct applier *a)
{
	return a->db;
}

void
applier_free(struct applier *a)
{
	if (a == NULL)
		return;
	for (int i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(a->stmts[i].st);
		sqlite3_free(a->stmts[i].sql);
	}
	for (int i = 0; i < SHAPES; i++)
		sqlite3_finalize(a->shapes[i].st);
	for (int i = 0; i < a->ntables; i++)
		tinfo_free(a->tables[i]);
	free(a->tables);
	free(a);
}

/* ---- values ------------------------------------------------------------- */

/* An integral JSON number as an id. */
static bool
json_id(const cJSON *v, int64_t *id)
{
	double d;

	if (!cJSON_IsNumber(v))
		return false;
	d = v->valuedouble;
	if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) ||
	    d != (double)(int64_t)d)
		return false;
	*id = (int64_t)d;
	return true;
}

static int
bind_json(sqlite3_stmt *st, int i, const cJSON *v)
{
	double d;
	char *s;

	if (v == NULL || cJSON_IsNull(v))
		return sqlite3_bind_null(st, i);
	if (cJSON_IsBool(v))
		return sqlite3_bind_int(st, i, cJSON_IsTrue(v));
	if (cJSON_IsString(v))
		return sqlite3_bind_text(st, i, v->valuestring, -1,
		    SQLITE_TRANSIENT);
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
		    d == (double)(int64_t)d)
			return sqlite3_bind_int64(st, i, (int64_t)d);
		return sqlite3_bind_double(st, i, d);
	}
	/* objects and arrays: JSON text (cells, tiers, enum_values) */
	if ((s = cJSON_PrintUnformatted(v)) == NULL)
		return SQLITE_NOMEM;
	sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	cJSON_free(s);
	return SQLITE_OK;
}

/* Column i of a result row as the server's api_row_json() renders it,
 * JSON text columns as the JSON they hold (as feed.c's load_row). */
static cJSON *
column_json(sqlite3_stmt *st, int i, bool json)
{
	const char *s;
	cJSON *v;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return cJSON_CreateNumber((double)sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return cJSON_CreateNumber(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		s = (const char *)sqlite3_column_text(st, i);
		if (json && (v = cJSON_Parse(s)) != NULL)
			return v;
		return cJSON_CreateString(s);
	default:
		return cJSON_CreateNull();
	}
}

/* ---- rows --------------------------------------------------------------- */

/* The outbox entries of a row not yet acknowledged: 1 with the oldest's
 * id, 0 when none, -1 on error. */
static int
oldest_unacked(struct applier *a, const char *type, int64_t id,
    int64_t *entry, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(a, "SELECT id FROM outbox WHERE ref_type = ?1 AND "
	    "ref_id = ?2 AND (state = 'queued' OR state = 'inflight') "
	    "ORDER BY id LIMIT 1", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*entry = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail(err, errlen, "outbox: %s", sqlite3_errmsg(a->db));
		return -1;
	}
	return rc == SQLITE_ROW;
}

/* DELETE FROM table WHERE col = id. */
static int
delete_where(struct applier *a, const char *table, const char *col,
    int64_t id, int *changed, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	st = stmt_take(a, sqlite3_mprintf("DELETE FROM \"%w\" WHERE \"%w\" = ?1",
	    table, col), err, errlen);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (run(a, st, err, errlen) != 0)
		return -1;
	if (changed != NULL)
		*changed += sqlite3_changes(a->db);
	return 0;
}

static int
delete_row(struct applier *a, const struct atype *t, int64_t id,
    unsigned *kinds, char *err, size_t errlen)
{
	int changed = 0;

	for (const struct owned *o = t->owns; o != NULL && o->table != NULL;
	    o++)
		if (delete_where(a, o->table, o->parent, id, &changed, err,
		    errlen) != 0)
			return -1;
	if (t->child != NULL && delete_where(a, t->child->table,
	    t->child->parent, id, &changed, err, errlen) != 0)
		return -1;
	if (delete_where(a, t->table, t->idcol, id, &changed, err,
	    errlen) != 0)
		return -1;
	if (changed > 0 && kinds != NULL)
		*kinds |= t->kinds;
	return 0;
}

/* The member name of row.  The server sends a row's members in its
 * columns' order, so the one after the last found (*next) is tried
 * first: a row is read in one pass, not one search per column. */
static const cJSON *
member(const cJSON *row, const char *name, const cJSON **next)
{
	const cJSON *m = *next;

	if (m == NULL || m->string == NULL || strcmp(m->string, name) != 0)
		m = cJSON_GetObjectItemCaseSensitive(row, name);
	if (m != NULL)
		*next = m->next;
	return m;
}

/* vals[i] is the row's value for column i, NULL for the id, pending
 * and what the row does not carry; the result has bit i set for each
 * value. */
static uint64_t
row_values(const struct atype *t, const struct tinfo *ti, const cJSON *row,
    const cJSON **vals)
{
	const cJSON *next = row->child;
	uint64_t cols = 0;

	for (int i = 0; i < ti->ncols; i++) {
		const char *col = ti->cols[i];

		vals[i] = NULL;
		if (strcmp(col, "pending") == 0)
			continue;
		vals[i] = member(row, col, &next);
		if (strcmp(col, t->idcol) == 0)
			vals[i] = NULL;
		if (vals[i] != NULL)
			cols |= (uint64_t)1 << i;
	}
	return cols;
}

/* INSERT INTO t(id, cols…[, pending]) VALUES(…) ON CONFLICT(id) DO
 * UPDATE SET col = excluded.col, …: an existing row is updated in place,
 * so the full-text triggers see an UPDATE (INSERT OR REPLACE would
 * delete without firing the delete triggers).  Only the columns the row
 * carries are written, and pending is recounted from the outbox in the
 * same statement (0 in a quiet page).  ?1 is the id, ?2 the type, ?3…
 * the values in vals[] order. */
static sqlite3_stmt *
upsert_stmt(struct applier *a, const struct atype *t,
    const struct tinfo *ti, const cJSON **vals, uint64_t shape,
    char *err, size_t errlen)
{
	sqlite3_str *cols, *params, *set;
	struct shape *slot;
	sqlite3_stmt *st;
	char *c, *p, *u, *sql;
	int n = 3;

	if ((st = shape_get(a, t, shape, &slot)) != NULL)
		return st;
	cols = sqlite3_str_new(a->db);
	params = sqlite3_str_new(a->db);
	set = sqlite3_str_new(a->db);
	for (int i = 0; i < ti->ncols; i++) {
		const char *col = ti->cols[i];

		if (vals[i] == NULL)
			continue;
		sqlite3_str_appendf(cols, ", \"%w\"", col);
		sqlite3_str_appendf(params, ", ?%d", n++);
		sqlite3_str_appendf(set, ", \"%w\" = excluded.\"%w\"", col, col);
	}
	if (ti->has_pending) {
		sqlite3_str_appendall(cols, ", pending");
		if (a->quiet)
			sqlite3_str_appendall(params, ", 0");
		else
			sqlite3_str_appendf(params, ", (SELECT count(*) FROM "
			    "outbox WHERE ref_type = ?2 AND ref_id = ?1 AND "
			    "%s)", unacked);
		sqlite3_str_appendall(set, ", pending = excluded.pending");
	}
	c = sqlite3_str_finish(cols);
	p = sqlite3_str_finish(params);
	u = sqlite3_str_finish(set);
	/* Without a pending column ?2 goes unused, which SQLite allows. */
	sql = sqlite3_mprintf("INSERT INTO \"%w\"(\"%w\"%s) VALUES (?1%s) ON "
	    "CONFLICT(\"%w\") DO %s%s", ti->name, t->idcol, c != NULL ? c : "",
	    p != NULL ? p : "", t->idcol, u != NULL ? "UPDATE SET " : "NOTHING",
	    u != NULL ? u + 2 : "");
	sqlite3_free(c);
	sqlite3_free(p);
	sqlite3_free(u);
	return shape_put(a, slot, t, shape, sql, err, errlen);
}

/* SQLITE_OK, or the extended code with the message in err. */
static int
upsert_step(struct applier *a, const struct atype *t,
    const struct tinfo *ti, sqlite3_stmt *st, const cJSON **vals,
    int64_t id, char *err, size_t errlen)
{
	int n = 3, rc;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, t->name, -1, SQLITE_STATIC);
	for (int i = 0; i < ti->ncols; i++)
		if (vals[i] != NULL && bind_json(st, n++, vals[i]) !=
		    SQLITE_OK) {
			fail(err, errlen, "%s %lld: out of memory", t->name,
			    (long long)id);
			return SQLITE_NOMEM;
		}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		rc = SQLITE_OK;
	else {
		rc = sqlite3_extended_errcode(a->db);
		fail(err, errlen, "%s %lld: %s", t->name, (long long)id,
		    sqlite3_errmsg(a->db));
	}
	sqlite3_reset(st);
	return rc;
}

/* The server's row takes a name or number another cached row holds:
 * that row is gone or renamed on the server (its own change comes later
 * in the feed), or it is a row created here whose answer was lost.  The
 * server wins; the other row is deleted with its children. */
static int
clear_conflicts(struct applier *a, const struct atype *t,
    const struct tinfo *ti, const cJSON **vals, int64_t id,
    unsigned *kinds, char *err, size_t errlen)
{
	for (int u = 0; u < ti->nunique; u++) {
		const struct unique *un = &ti->unique[u];
		sqlite3_str *q = sqlite3_str_new(a->db);
		sqlite3_stmt *st;
		int64_t other = 0;
		bool usable = true, found;
		int rc;

		sqlite3_str_appendf(q, "SELECT \"%w\" FROM \"%w\" WHERE \"%w\" "
		    "<> ?1", t->idcol, ti->name, t->idcol);
		for (int k = 0; k < un->ncols; k++) {
			const cJSON *v = vals[un->cols[k]];

			if (v == NULL || cJSON_IsNull(v))
				usable = false;	/* NULLs never conflict */
			sqlite3_str_appendf(q, " AND \"%w\" = ?%d",
			    ti->cols[un->cols[k]], k + 2);
		}
		if (!usable) {
			sqlite3_free(sqlite3_str_finish(q));
			continue;
		}
		if ((st = stmt_take(a, sqlite3_str_finish(q), err, errlen)) ==
		    NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		for (int k = 0; k < un->ncols; k++)
			bind_json(st, k + 2, vals[un->cols[k]]);
		rc = sqlite3_step(st);
		if ((found = rc == SQLITE_ROW))
			other = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			fail(err, errlen, "%s: %s", ti->name,
			    sqlite3_errmsg(a->db));
			return -1;
		}
		if (found && delete_row(a, t, other, kinds, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* INSERT INTO child(parent, cols…) VALUES (?1, ?2…), for the columns in
 * vals[]. */
static sqlite3_stmt *
child_stmt(struct applier *a, const struct child *c, const struct tinfo *ti,
    const cJSON **vals, uint64_t shape, char *err, size_t errlen)
{
	sqlite3_str *q;
	struct shape *slot;
	sqlite3_stmt *st;
	int n = 0;

	if ((st = shape_get(a, c, shape, &slot)) != NULL)
		return st;
	q = sqlite3_str_new(a->db);
	/* Labels are a set: a repeated one is the same label. */
	sqlite3_str_appendf(q, "INSERT %sINTO \"%w\"(\"%w\"",
	    c->scalar != NULL ? "OR IGNORE " : "", ti->name, c->parent);
	for (int i = 0; i < ti->ncols; i++)
		if (vals[i] != NULL) {
			sqlite3_str_appendf(q, ", \"%w\"", ti->cols[i]);
			n++;
		}
	sqlite3_str_appendall(q, ") VALUES (?1");
	for (int i = 0; i < n; i++)
		sqlite3_str_appendf(q, ", ?%d", i + 2);
	sqlite3_str_appendall(q, ")");
	return shape_put(a, slot, c, shape, sqlite3_str_finish(q), err,
	    errlen);
}

/* One child row: its columns from the element (or the scalar itself),
 * with the owner's id in the parent column. */
static int
insert_child(struct applier *a, const struct child *c,
    const struct tinfo *ti, const cJSON *el, int64_t owner,
    char *err, size_t errlen)
{
	const cJSON *vals[MAX_COLS], *next = el->child;
	sqlite3_stmt *st;
	int rc = SQLITE_OK, idc = -1;
	uint64_t shape = 0;
	int64_t lineid;

	for (int i = 0; i < ti->ncols; i++) {
		const char *col = ti->cols[i];

		if (strcmp(col, c->parent) == 0)
			vals[i] = NULL;
		else if (c->scalar != NULL)
			vals[i] = strcmp(col, c->scalar) == 0 ? el : NULL;
		else
			vals[i] = member(el, col, &next);
		if (vals[i] == NULL)
			continue;
		if (strcmp(col, "id") == 0)
			idc = i;
		shape |= (uint64_t)1 << i;
	}

	for (int tries = 0; tries < 2; tries++) {
		int k = 2;

		if ((st = child_stmt(a, c, ti, vals, shape, err, errlen)) ==
		    NULL)
			break;
		sqlite3_bind_int64(st, 1, owner);
		for (int i = 0; i < ti->ncols; i++)
			if (vals[i] != NULL)
				bind_json(st, k++, vals[i]);
		if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
			sqlite3_reset(st);
			return 0;
		}
		rc = sqlite3_extended_errcode(a->db);
		fail(err, errlen, "%s of %lld: %s", ti->name, (long long)owner,
		    sqlite3_errmsg(a->db));
		sqlite3_reset(st);
		/* A line id the server has given another order or invoice
		 * since: the server's rows are the truth, that one is gone. */
		if (tries > 0 || idc < 0 || rc != SQLITE_CONSTRAINT_PRIMARYKEY ||
		    !json_id(vals[idc], &lineid) ||
		    delete_where(a, ti->name, "id", lineid, NULL, err,
		    errlen) != 0)
			break;
	}
	return -1;
}

static int
replace_children(struct applier *a, const struct child *c,
    const cJSON *arr, int64_t owner, char *err, size_t errlen)
{
	const struct tinfo *ti;
	const cJSON *el;

	if ((ti = table_info(a, c->table, err, errlen)) == NULL ||
	    delete_where(a, c->table, c->parent, owner, NULL, err,
	    errlen) != 0)
		return -1;
	cJSON_ArrayForEach(el, arr)
		if (insert_child(a, c, ti, el, owner, err, errlen) != 0)
			return -1;
	return 0;
}

/* Children present must be an array of objects (of strings for a scalar
 * child); checked before anything is written. */
static int
check_children(const struct atype *t, const cJSON *row, const cJSON **arr,
    char *err, size_t errlen)
{
	const cJSON *el;

	*arr = NULL;
	if (t->child == NULL)
		return 0;
	*arr = cJSON_GetObjectItemCaseSensitive(row, t->child->key);
	if (*arr == NULL || cJSON_IsNull(*arr)) {
		*arr = NULL;	/* absent: the children stay as they are */
		return 0;
	}
	if (!cJSON_IsArray(*arr)) {
		fail(err, errlen, "%s: %s is not an array", t->name,
		    t->child->key);
		return -1;
	}
	cJSON_ArrayForEach(el, *arr)
		if (t->child->scalar != NULL ? !cJSON_IsString(el) :
		    !cJSON_IsObject(el)) {
			fail(err, errlen, "%s: an element of %s is not %s",
			    t->name, t->child->key, t->child->scalar != NULL ?
			    "a string" : "an object");
			return -1;
		}
	return 0;
}

static int
upsert_row(struct applier *a, const struct atype *t, const cJSON *row,
    int64_t id, unsigned *kinds, char *err, size_t errlen)
{
	const struct tinfo *ti;
	const cJSON *vals[MAX_COLS], *children;
	sqlite3_stmt *st;
	uint64_t shape;
	int rc;

	if (check_children(t, row, &children, err, errlen) != 0 ||
	    (ti = table_info(a, t->table, err, errlen)) == NULL)
		return -1;
	shape = row_values(t, ti, row, vals);
	if ((st = upsert_stmt(a, t, ti, vals, shape, err, errlen)) == NULL)
		return -1;
	rc = upsert_step(a, t, ti, st, vals, id, err, errlen);
	if (rc == SQLITE_CONSTRAINT_UNIQUE && ti->nunique > 0) {
		/* clear_conflicts() may prepare other shapes: st is fetched
		 * again */
		if (clear_conflicts(a, t, ti, vals, id, kinds, err,
		    errlen) != 0 ||
		    (st = upsert_stmt(a, t, ti, vals, shape, err, errlen)) ==
		    NULL)
			return -1;
		rc = upsert_step(a, t, ti, st, vals, id, err, errlen);
	}
	if (rc != SQLITE_OK)
		return -1;
	if (children != NULL && replace_children(a, t->child, children, id,
	    err, errlen) != 0)
		return -1;
	if (kinds != NULL)
		*kinds |= t->kinds;
	return 0;
}

/* The row's id: its id column, which must match the entry's when both
 * are there. */
static int
row_id(const struct atype *t, const cJSON *row, const int64_t *want,
    int64_t *id, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, t->idcol);

	if (v == NULL && want != NULL) {
		*id = *want;
		return 0;
	}
	if (!json_id(v, id)) {
		fail(err, errlen, "%s: %s is missing or not an integer",
		    t->name, t->idcol);
		return -1;
	}
	if (want != NULL && *id != *want) {
		fail(err, errlen, "%s %lld: data has %s %lld", t->name,
		    (long long)*want, t->idcol, (long long)*id);
		return -1;
	}
	return 0;
}

int
apply_upsert(struct applier *a, const char *type, const cJSON *row,
    unsigned *kinds, char *err, size_t errlen)
{
	const struct atype *t = type_find(type);
	int64_t id;

	if (t == NULL) {
		fail(err, errlen, "unknown type %s", type != NULL ? type :
		    "(null)");
		return -1;
	}
	if (!cJSON_IsObject(row)) {
		fail(err, errlen, "%s: the row is not an object", type);
		return -1;
	}
	if (row_id(t, row, NULL, &id, err, errlen) != 0)
		return -1;
	return upsert_row(a, t, row, id, kinds, err, errlen);
}

int
apply_delete(struct applier *a, const char *type, int64_t id,
    unsigned *kinds, char *err, size_t errlen)
{
	const struct atype *t = type_find(type);

	if (t == NULL) {
		fail(err, errlen, "unknown type %s", type != NULL ? type :
		    "(null)");
		return -1;
	}
	return delete_row(a, t, id, kinds, err, errlen);
}

/* The server's row becomes what the row's oldest unacknowledged entry
 * rolls back to; what the user sees stays as they made it. */
static int
set_undo(struct applier *a, int64_t entry, const cJSON *data, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	char *s;

	if ((s = cJSON_PrintUnformatted(data)) == NULL) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	if ((st = stmt(a, "UPDATE outbox SET undo = ?1 WHERE id = ?2", err,
	    errlen)) == NULL) {
		cJSON_free(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, s, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, entry);
	cJSON_free(s);
	return run(a, st, err, errlen);
}

int
apply_change(struct applier *a, const cJSON *change, unsigned *kinds,
    char *err, size_t errlen)
{
	const cJSON *type, *idv, *op, *data, *children;
	const struct atype *t;
	int64_t id, rid, entry;
	int rc;

	if (!cJSON_IsObject(change)) {
		fail(err, errlen, "change entry is not an object");
		return -1;
	}
	type = cJSON_GetObjectItemCaseSensitive(change, "type");
	if (!cJSON_IsString(type)) {
		fail(err, errlen, "change entry without a type");
		return -1;
	}
	/* A newer server's type: nothing here shows it. */
	if ((t = type_find(type->valuestring)) == NULL)
		return 0;
	idv = cJSON_GetObjectItemCaseSensitive(change, "id");
	op = cJSON_GetObjectItemCaseSensitive(change, "op");
	data = cJSON_GetObjectItemCaseSensitive(change, "data");
	if (!json_id(idv, &id)) {
		fail(err, errlen, "%s change without an integer id", t->name);
		return -1;
	}
	if (!cJSON_IsString(op) || (strcmp(op->valuestring, "upsert") != 0 &&
	    strcmp(op->valuestring, "delete") != 0)) {
		fail(err, errlen, "%s %lld: op is not upsert or delete",
		    t->name, (long long)id);
		return -1;
	}
	if (strcmp(op->valuestring, "delete") == 0)
		return delete_row(a, t, id, kinds, err, errlen);
	if (!cJSON_IsObject(data)) {
		fail(err, errlen, "%s %lld: upsert data is not an object",
		    t->name, (long long)id);
		return -1;
	}
	if (row_id(t, data, &id, &rid, err, errlen) != 0 ||
	    check_children(t, data, &children, err, errlen) != 0)
		return -1;
	if (a->quiet)
		rc = 0;
	else if ((rc = oldest_unacked(a, t->name, id, &entry, err,
	    errlen)) < 0)
		return -1;
	if (rc > 0)
		return set_undo(a, entry, data, err, errlen);
	return upsert_row(a, t, data, id, kinds, err, errlen);
}

void
apply_page_begin(struct applier *a)
{
	sqlite3_stmt *st;
	char *sql = sqlite3_mprintf("SELECT EXISTS (SELECT 1 FROM outbox "
	    "WHERE %s)", unacked);

	a->quiet = false;
	if ((st = stmt_take(a, sql, NULL, 0)) == NULL)
		return;
	a->quiet = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) == 0;
	sqlite3_reset(st);
}

void
apply_page_end(struct applier *a)
{
	a->quiet = false;
}

int
apply_recount_pending(struct applier *a, const char *type, int64_t id)
{
	const struct atype *t = type_find(type);
	const struct tinfo *ti;
	sqlite3_stmt *st;

	if (t == NULL || (ti = table_info(a, t->table, NULL, 0)) == NULL)
		return -1;
	if (!ti->has_pending)
		return 0;
	st = stmt_take(a, sqlite3_mprintf("UPDATE \"%w\" SET pending = "
	    "(SELECT count(*) FROM outbox WHERE ref_type = ?1 AND ref_id = ?2 "
	    "AND %s) WHERE \"%w\" = ?2", ti->name, unacked, t->idcol), NULL, 0);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return run(a, st, NULL, 0);
}

/* ---- rows back as JSON -------------------------------------------------- */

/* SELECT every column of table but skip and pending WHERE col = ?1. */
static sqlite3_stmt *
select_stmt(struct applier *a, const struct tinfo *ti, const char *skip,
    const char *col, const char *order)
{
	sqlite3_str *q = sqlite3_str_new(a->db);
	int n = 0;

	sqlite3_str_appendall(q, "SELECT ");
	for (int i = 0; i < ti->ncols; i++) {
		if ((skip != NULL && strcmp(ti->cols[i], skip) == 0) ||
		    strcmp(ti->cols[i], "pending") == 0)
			continue;
		sqlite3_str_appendf(q, "%s\"%w\"", n++ > 0 ? ", " : "",
		    ti->cols[i]);
	}
	sqlite3_str_appendf(q, " FROM \"%w\" WHERE \"%w\" = ?1", ti->name, col);
	if (order != NULL)
		sqlite3_str_appendf(q, " ORDER BY %s", order);
	return stmt_take(a, sqlite3_str_finish(q), NULL, 0);
}

static cJSON *
result_object(sqlite3_stmt *st, const struct tinfo *ti)
{
	cJSON *o = cJSON_CreateObject();
	int n = sqlite3_column_count(st);

	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st, i);
		int ci = column_index(ti, name);

		cJSON_AddItemToObject(o, name, column_json(st, i,
		    ci >= 0 && ti->json[ci]));
	}
	return o;
}

static cJSON *
children_json(struct applier *a, const struct child *c, int64_t owner)
{
	const struct tinfo *ti;
	sqlite3_stmt *st;
	cJSON *arr;
	int rc;

	if ((ti = table_info(a, c->table, NULL, 0)) == NULL)
		return NULL;
	if (c->scalar != NULL)
		st = stmt_take(a, sqlite3_mprintf("SELECT \"%w\" FROM \"%w\" "
		    "WHERE \"%w\" = ?1 ORDER BY %s", c->scalar, ti->name,
		    c->parent, c->order), NULL, 0);
	else
		st = select_stmt(a, ti, c->parent, c->parent, c->order);
	if (st == NULL)
		return NULL;
	arr = cJSON_CreateArray();
	sqlite3_bind_int64(st, 1, owner);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(arr, c->scalar != NULL ?
		    column_json(st, 0, false) : result_object(st, ti));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

cJSON *
apply_row_json(struct applier *a, const char *type, int64_t id)
{
	const struct atype *t = type_find(type);
	const struct tinfo *ti;
	sqlite3_stmt *st;
	cJSON *row = NULL, *kids;

	if (t == NULL || (ti = table_info(a, t->table, NULL, 0)) == NULL ||
	    (st = select_stmt(a, ti, NULL, t->idcol, NULL)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		row = result_object(st, ti);
	sqlite3_reset(st);
	if (row == NULL || t->child == NULL)
		return row;
	if ((kids = children_json(a, t->child, id)) == NULL) {
		cJSON_Delete(row);
		return NULL;
	}
	cJSON_AddItemToObject(row, t->child->key, kids);
	return row;
}
