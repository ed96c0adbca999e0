#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listwin.h"
#include "text.h"
#include "util.h"

/* Which way a query walks relative to the list order. */
enum { FORWARD, BACKWARD };

static void
row_clear(struct list_row *r)
{
	for (int i = 0; i < r->ncells; i++)
		free(r->cells[i]);
	free(r->cells);
	sqlite3_value_free(r->key);
	memset(r, 0, sizeof *r);
}

static void
rows_free(struct list_row *rows, int n)
{
	for (int i = 0; i < n; i++)
		row_clear(&rows[i]);
	free(rows);
}

/* SELECT id, key, cols FROM ... WHERE <where> [AND <cond>] ORDER BY ...
 * The redundant "key >= :k" beside the row-value comparison lets SQLite
 * seek an expression index, which it will not do for the row value alone. */
static int
prepare(sqlite3 *db, const struct list_source *s, sqlite3_stmt **st,
    const char *what, const char *cond, int dir, bool limit, char *err,
    size_t errlen)
{
	bool asc = (dir == FORWARD) != s->desc;
	char *sql, *where;

	where = xasprintf("(%s)%s%s", s->where != NULL ? s->where : "1",
	    cond != NULL ? " AND " : "", cond != NULL ? cond : "");
	if (what != NULL)
		sql = xasprintf("SELECT %s FROM %s WHERE %s", what,
		    s->count_from != NULL ? s->count_from : s->from, where);
	else
		sql = xasprintf("SELECT %s, %s, %s FROM %s WHERE %s "
		    "ORDER BY %s %s, %s %s%s", s->id, s->key, s->cols,
		    s->from, where, s->key, asc ? "ASC" : "DESC", s->id,
		    asc ? "ASC" : "DESC", limit ? " LIMIT :lim" : "");
	free(where);
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "list %s: %s", s->name,
		    sqlite3_errmsg(db));
		free(sql);
		return -1;
	}
	free(sql);
	return 0;
}

/* The statements of a window, in the order of struct listwin. */
enum {
	ST_FIRST, ST_LAST, ST_AFTER, ST_BEFORE, ST_FROM, ST_COUNT, ST_RANK,
	ST_KEY, ST_N
};

static void
finalize_all(sqlite3_stmt *st[ST_N])
{
	for (int i = 0; i < ST_N; i++) {
		sqlite3_finalize(st[i]);
		st[i] = NULL;
	}
}

/* Prepares every statement of list s; on failure none is left. */
static int
prepare_all(sqlite3 *db, const struct list_source *s, sqlite3_stmt *st[ST_N],
    char *err, size_t errlen)
{
	/* "after" in list order is ">" for ascending lists, "<" otherwise. */
	const char *gt = s->desc ? "<" : ">", *lt = s->desc ? ">" : "<";
	char *after, *from, *before, *key_eq;
	int rc = 0;

	memset(st, 0, ST_N * sizeof *st);
	after = xasprintf("%s %s= :k AND (%s, %s) %s (:k, :id)", s->key, gt,
	    s->key, s->id, gt);
	from = xasprintf("%s %s= :k AND (%s, %s) %s= (:k, :id)", s->key, gt,
	    s->key, s->id, gt);
	before = xasprintf("%s %s= :k AND (%s, %s) %s (:k, :id)", s->key, lt,
	    s->key, s->id, lt);
	key_eq = xasprintf("%s = :id", s->id);

	rc |= prepare(db, s, &st[ST_FIRST], NULL, NULL, FORWARD, true, err,
	    errlen);
	rc |= prepare(db, s, &st[ST_LAST], NULL, NULL, BACKWARD, true, err,
	    errlen);
	rc |= prepare(db, s, &st[ST_AFTER], NULL, after, FORWARD, true, err,
	    errlen);
	rc |= prepare(db, s, &st[ST_FROM], NULL, from, FORWARD, true, err,
	    errlen);
	rc |= prepare(db, s, &st[ST_BEFORE], NULL, before, BACKWARD, true, err,
	    errlen);
	rc |= prepare(db, s, &st[ST_COUNT], "count(*)", NULL, FORWARD, false,
	    err, errlen);
	rc |= prepare(db, s, &st[ST_RANK], "count(*)", before, FORWARD, false,
	    err, errlen);
	/* key of one row: SELECT key FROM ... WHERE id = :id */
	rc |= prepare(db, s, &st[ST_KEY], s->key, key_eq, FORWARD, false, err,
	    errlen);
	free(after);
	free(from);
	free(before);
	free(key_eq);
	if (rc != 0) {
		finalize_all(st);
		return -1;
	}
	return 0;
}

static void
install_statements(struct listwin *lw, sqlite3_stmt *st[ST_N])
{
	lw->st_first = st[ST_FIRST];
	lw->st_last = st[ST_LAST];
	lw->st_after = st[ST_AFTER];
	lw->st_before = st[ST_BEFORE];
	lw->st_from = st[ST_FROM];
	lw->st_count = st[ST_COUNT];
	lw->st_rank = st[ST_RANK];
	lw->st_key = st[ST_KEY];
}

int
listwin_init(struct listwin *lw, sqlite3 *db, const struct list_source *s,
    char *err, size_t errlen)
{
	sqlite3_stmt *st[ST_N];

	memset(lw, 0, sizeof *lw);
	lw->db = db;
	lw->src = s;
	lw->sel = -1;
	lw->height = 1;
	if (prepare_all(db, s, st, err, errlen) != 0)
		return -1;
	install_statements(lw, st);
	return 0;
}

void
listwin_free(struct listwin *lw)
{
	sqlite3_stmt *st[ST_N] = { lw->st_first, lw->st_last, lw->st_after,
	    lw->st_before, lw->st_from, lw->st_count, lw->st_rank,
	    lw->st_key };

	finalize_all(st);
	install_statements(lw, st);
	rows_free(lw->rows, lw->nrows);
	lw->rows = NULL;
	lw->nrows = 0;
	lw->sel = -1;
}

/* Binds the parameters a statement uses; unknown names are skipped. */
static void
bind(struct listwin *lw, sqlite3_stmt *st, const struct list_row *at,
    int64_t id, int limit)
{
	int i;

	sqlite3_reset(st);
	if ((i = sqlite3_bind_parameter_index(st, ":scope")) > 0)
		sqlite3_bind_int64(st, i, lw->scope);
	if ((i = sqlite3_bind_parameter_index(st, ":lim")) > 0)
		sqlite3_bind_int(st, i, limit);
	if (at != NULL && (i = sqlite3_bind_parameter_index(st, ":k")) > 0)
		sqlite3_bind_value(st, i, at->key);
	if ((i = sqlite3_bind_parameter_index(st, ":id")) > 0)
		sqlite3_bind_int64(st, i, at != NULL ? at->id : id);
	if (lw->binder != NULL)
		lw->binder(lw->binder_arg, st);
}

static void
note_error(struct listwin *lw)
{
	snprintf(lw->err, sizeof lw->err, "%s: %s", lw->src->name,
	    sqlite3_errmsg(lw->db));
}

/* Runs a window query and returns up to limit rows in query order. */
static int
fetch(struct listwin *lw, sqlite3_stmt *st, const struct list_row *at,
    int limit, struct list_row **out)
{
	struct list_row *rows;
	int n = 0, rc;

	*out = NULL;
	if (limit <= 0)
		return 0;
	rows = xcalloc((size_t)limit, sizeof *rows);
	bind(lw, st, at, 0, limit);
	while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct list_row *r = &rows[n++];
		int nc = sqlite3_column_count(st) - 2;

		r->id = sqlite3_column_int64(st, 0);
		r->key = sqlite3_value_dup(sqlite3_column_value(st, 1));
		r->ncells = nc;
		r->cells = xcalloc((size_t)nc, sizeof *r->cells);
		for (int c = 0; c < nc; c++) {
			const char *t = (const char *)sqlite3_column_text(st,
			    c + 2);
			int len = sqlite3_column_bytes(st, c + 2);

			r->cells[c] = t != NULL ?
			    text_sanitize_dup(t, (size_t)len, TEXT_ONELINE) :
			    xstrdup("");
		}
		if (lw->expand != NULL)
			lw->expand(lw->expand_arg, r);
	}
	if (n < limit && rc != SQLITE_DONE) {
		note_error(lw);
		sqlite3_reset(st);
		rows_free(rows, n);
		return -1;
	}
	sqlite3_reset(st);
	*out = rows;
	return n;
}

static void
reverse(struct list_row *rows, int n)
{
	for (int i = 0, j = n - 1; i < j; i++, j--) {
		struct list_row t = rows[i];
		rows[i] = rows[j];
		rows[j] = t;
	}
}

static long long
count(struct listwin *lw, sqlite3_stmt *st, const struct list_row *at)
{
	long long n = -1;

	bind(lw, st, at, 0, 0);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		note_error(lw);
	sqlite3_reset(st);
	return n;
}

/* Replaces the window with rows[start .. start+height) of a combined
 * array, freeing the rest, and selects index target of that array. */
static void
install(struct listwin *lw, struct list_row *all, int n, int start,
    int target)
{
	int keep = n - start < lw->height ? n - start : lw->height;

	for (int i = 0; i < n; i++)
		if (i < start || i >= start + keep)
			row_clear(&all[i]);
	free(lw->rows);
	lw->rows = xcalloc((size_t)(keep > 0 ? keep : 1), sizeof *lw->rows);
	if (keep > 0)
		memcpy(lw->rows, all + start, (size_t)keep * sizeof *lw->rows);
	lw->nrows = keep;
	lw->sel = keep > 0 ? target - start : -1;
	free(all);
}

/* The window's rows followed (or preceded) by fresh ones, as one array. */
static struct list_row *
combine(struct listwin *lw, struct list_row *extra, int m, bool append)
{
	struct list_row *all;

	all = xcalloc((size_t)(lw->nrows + m + 1), sizeof *all);
	/* memcpy from NULL is undefined even for zero bytes. */
	if (lw->nrows > 0)
		memcpy(all + (append ? 0 : m), lw->rows,
		    (size_t)lw->nrows * sizeof *all);
	if (m > 0)
		memcpy(all + (append ? lw->nrows : 0), extra,
		    (size_t)m * sizeof *all);
	free(extra);
	free(lw->rows);
	lw->rows = NULL;
	lw->nrows = 0;
	return all;
}

int
listwin_top(struct listwin *lw)
{
	struct list_row *rows;
	int n;

	if ((n = fetch(lw, lw->st_first, NULL, lw->height, &rows)) < 0)
		return -1;
	rows_free(lw->rows, lw->nrows);
	lw->rows = NULL;
	lw->nrows = 0;
	install(lw, rows, n, 0, 0);
	lw->pos = 0;
	lw->rank_known = true;
	return 0;
}

int
listwin_bottom(struct listwin *lw)
{
	struct list_row *rows;
	int n;

	if ((n = fetch(lw, lw->st_last, NULL, lw->height, &rows)) < 0)
		return -1;
	reverse(rows, n);
	rows_free(lw->rows, lw->nrows);
	lw->rows = NULL;
	lw->nrows = 0;
	install(lw, rows, n, 0, n - 1);
	lw->pos = lw->total > 0 ? lw->total - 1 : 0;
	/* Uncounted, the end's rank is only known when the total is. */
	lw->rank_known = lw->total >= 0;
	return 0;
}

/* Moves down within the window plus up to `need` rows fetched after it. */
static int
move_down(struct listwin *lw, int delta, bool keep_offset)
{
	int sel = lw->sel, h = lw->height, m = 0, n, t, start, need;
	struct list_row *extra = NULL, *all;

	t = sel + delta;
	/* Paging keeps the selection's screen row, so the new window starts
	 * delta rows later and must be filled; a step needs only row t. */
	need = (keep_offset ? delta + h : t + 1) - lw->nrows;
	if (need > 0 && (m = fetch(lw, lw->st_after,
	    &lw->rows[lw->nrows - 1], need, &extra)) < 0)
		return -1;
	n = lw->nrows + m;
	all = combine(lw, extra, m, true);
	if (t > n - 1)
		t = n - 1;
	start = keep_offset ? delta : t - h + 1;
	if (start > n - h)
		start = n - h;
	if (start < 0)
		start = 0;
	lw->pos += t - sel;
	install(lw, all, n, start, t);
	return 0;
}

/* The mirror image: rows are fetched before the window and prepended. */
static int
move_up(struct listwin *lw, int delta, bool keep_offset)
{
	int sel = lw->sel, h = lw->height, m = 0, n, t, start, need;
	struct list_row *extra = NULL, *all;

	need = keep_offset ? delta : delta - sel;
	if (need > 0 && (m = fetch(lw, lw->st_before, &lw->rows[0], need,
	    &extra)) < 0)
		return -1;
	reverse(extra, m);
	n = lw->nrows + m;
	all = combine(lw, extra, m, false);
	/* In the combined array the old selection is at sel + m. */
	t = sel + m - delta;
	if (t < 0)
		t = 0;
	start = keep_offset ? m - delta : (t < m ? t : m);
	if (start < 0)
		start = 0;
	if (start > n - h)
		start = n - h > 0 ? n - h : 0;
	lw->pos += t - (sel + m);
	install(lw, all, n, start, t);
	return 0;
}

int
listwin_move(struct listwin *lw, long long delta, bool keep_offset)
{
	if (lw->nrows == 0)
		return 0;
	/* A move never spans more than a screen, so no fetch exceeds one. */
	while (delta != 0) {
		int step = delta > lw->height ? lw->height :
		    delta < -lw->height ? -lw->height : (int)delta;
		int rc = step > 0 ? move_down(lw, step, keep_offset) :
		    move_up(lw, -step, keep_offset);

		if (rc != 0)
			return rc;
		delta -= step;
	}
	return 0;
}

/* Builds the window around position `at`: up to a screen of rows before
 * it and a screen from it on.  The row at `at` is selected if it exists,
 * else the row that follows, else the last, at the given screen offset. */
static int
anchor(struct listwin *lw, const struct list_row *at, int offset)
{
	struct list_row *before, *after, *all;
	int b, a, n, t, start, h = lw->height;

	if ((b = fetch(lw, lw->st_before, at, h, &before)) < 0)
		return -1;
	if ((a = fetch(lw, lw->st_from, at, h, &after)) < 0) {
		rows_free(before, b);
		return -1;
	}
	reverse(before, b);
	n = a + b;
	all = xcalloc((size_t)n + 1, sizeof *all);
	if (b > 0)
		memcpy(all, before, (size_t)b * sizeof *all);
	if (a > 0)
		memcpy(all + b, after, (size_t)a * sizeof *all);
	free(before);
	free(after);
	t = a > 0 ? b : b - 1;
	start = t - offset;
	if (start > n - h)
		start = n - h;
	if (start < 0)
		start = 0;
	rows_free(lw->rows, lw->nrows);
	lw->rows = NULL;
	lw->nrows = 0;
	install(lw, all, n, start, t < 0 ? 0 : t);
	return 0;
}

/* The current sort key of row id, or NULL if it is not in the list. */
static sqlite3_value *
key_of(struct listwin *lw, int64_t id)
{
	sqlite3_value *v = NULL;

	bind(lw, lw->st_key, NULL, id, 0);
	if (sqlite3_step(lw->st_key) == SQLITE_ROW)
		v = sqlite3_value_dup(sqlite3_column_value(lw->st_key, 0));
	sqlite3_reset(lw->st_key);
	return v;
}

/* Counts the list, and ranks the selection unless at_top says it is
 * the first row. */
static int
recount(struct listwin *lw, bool at_top)
{
	const struct list_row *r = listwin_selected(lw);

	if (lw->deferred) {
		lw->total = -1;
		lw->pos = 0;
		lw->rank_known = at_top;
		if (lw->counter != NULL)
			lw->counter(lw->counter_arg, lw);
		return 0;
	}
	lw->rank_known = true;
	if ((lw->total = count(lw, lw->st_count, NULL)) < 0) {
		lw->total = 0;
		return -1;
	}
	lw->pos = r != NULL ? count(lw, lw->st_rank, r) : 0;
	if (lw->pos < 0)
		lw->pos = 0;
	return 0;
}

/* Re-anchors on row id: where it sorts now if it still exists, else at
 * its old place (old_key) so the selection lands on its successor. */
static int
reanchor(struct listwin *lw, int64_t id, sqlite3_value *old_key, int offset)
{
	struct list_row at = { .id = id };
	int rc;

	at.key = key_of(lw, id);
	if (at.key == NULL && old_key == NULL)
		return -1;
	if (at.key == NULL)
		at.key = sqlite3_value_dup(old_key);
	rc = anchor(lw, &at, offset);
	sqlite3_value_free(at.key);
	return rc;
}

int
listwin_reload(struct listwin *lw)
{
	const struct list_row *r = listwin_selected(lw);
	int rc;

	if (r == NULL)
		rc = listwin_top(lw);
	else {
		sqlite3_value *old = sqlite3_value_dup(r->key);
		rc = reanchor(lw, r->id, old, lw->sel);
		sqlite3_value_free(old);
	}
	return rc != 0 ? rc : recount(lw, r == NULL);
}

int
listwin_select_id(struct listwin *lw, int64_t id)
{
	sqlite3_value *k = key_of(lw, id);
	int rc;

	if (k == NULL)
		return -1;
	sqlite3_value_free(k);
	rc = reanchor(lw, id, NULL, lw->sel > 0 ? lw->sel : 0);
	return rc != 0 ? rc : recount(lw, false);
}

int
listwin_resize(struct listwin *lw, int height)
{
	const struct list_row *r = listwin_selected(lw);
	int offset;

	if (height < 1)
		height = 1;
	if (height == lw->height && lw->nrows > 0)
		return 0;
	lw->height = height;
	if (r == NULL)
		return listwin_reload(lw);
	offset = lw->sel < height ? lw->sel : height - 1;
	{
		sqlite3_value *old = sqlite3_value_dup(r->key);
		int rc = reanchor(lw, r->id, old, offset);
		sqlite3_value_free(old);
		return rc;
	}
}

int
listwin_set_scope(struct listwin *lw, int64_t scope)
{
	lw->scope = scope;
	rows_free(lw->rows, lw->nrows);
	lw->rows = NULL;
	lw->nrows = 0;
	lw->sel = -1;
	return listwin_reload(lw);
}

void
listwin_set_binder(struct listwin *lw, list_bind_fn fn, void *arg)
{
	lw->binder = fn;
	lw->binder_arg = arg;
}

int
listwin_set_source(struct listwin *lw, const struct list_source *src,
    char *err, size_t errlen)
{
	return listwin_set_source_at(lw, src, 0, err, errlen);
}

int
listwin_set_source_at(struct listwin *lw, const struct list_source *src,
    int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *st[ST_N], *old[ST_N] = { lw->st_first, lw->st_last,
	    lw->st_after, lw->st_before, lw->st_from, lw->st_count,
	    lw->st_rank, lw->st_key };
	int sel = lw->sel > 0 ? lw->sel : 0;

	/* Prepared first, so a list that does not compile leaves the old
	 * one working. */
	if (prepare_all(lw->db, src, st, err, errlen) != 0)
		return -1;
	finalize_all(old);
	install_statements(lw, st);
	lw->src = src;
	lw->err[0] = '\0';
	rows_free(lw->rows, lw->nrows);
	lw->rows = NULL;
	lw->nrows = 0;
	lw->sel = -1;
	lw->total = lw->deferred ? -1 : 0;
	lw->pos = 0;
	/* On the row asked for, at the selection's old screen row, when it
	 * is in the new list; else at the start. */
	if (id != 0 && reanchor(lw, id, NULL, sel) == 0)
		return recount(lw, false);
	if (listwin_reload(lw) != 0) {
		snprintf(err, errlen, "%s", lw->err);
		return -1;
	}
	return 0;
}

void
listwin_defer_counts(struct listwin *lw, list_count_fn fn, void *arg)
{
	lw->deferred = true;
	lw->counter = fn;
	lw->counter_arg = arg;
	lw->total = -1;
	lw->rank_known = false;
}

void
listwin_counted(struct listwin *lw, long long total, int64_t id,
    long long rank)
{
	const struct list_row *r = listwin_selected(lw);

	lw->total = total;
	if (lw->rank_known || r == NULL)
		return;
	/* The rank was of the row selected then: add the moves since. */
	if (rank >= 0 && r->id == id) {
		lw->pos += rank;
		lw->rank_known = true;
	}
}

bool
listwin_start_at(struct listwin *lw, int64_t id)
{
	if (listwin_top(lw) != 0)
		return false;
	for (int i = 0; i < lw->nrows; i++)
		if (lw->rows[i].id == id) {
			lw->sel = i;
			lw->pos = i;
			return true;
		}
	return false;
}

const char *
listwin_rank_sql(const struct listwin *lw)
{
	return sqlite3_sql(lw->st_rank);
}

void
listwin_bind_rank(struct listwin *lw, sqlite3_stmt *st)
{
	bind(lw, st, listwin_selected(lw), 0, 0);
}

const struct list_row *
listwin_selected(const struct listwin *lw)
{
	return lw->sel >= 0 && lw->sel < lw->nrows ? &lw->rows[lw->sel] : NULL;
}
