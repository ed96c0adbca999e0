/* The keyset list window, checked against a plain array model of the
 * same list: after every operation the selection and the window must be
 * exactly what the model says. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listwin.h"
#include "store.h"

struct fixture {
	sqlite3		*db;
	struct listwin	 lw;
};

/* Sort keys repeat on purpose (k = id / 3) so ties are broken by id. */
static const struct list_source items_desc = {
	.name = "items", .from = "items", .key = "k", .id = "id",
	.cols = "name", .ncols = 1, .desc = true,
};
static const struct list_source items_asc = {
	.name = "items", .from = "items", .key = "k", .id = "id",
	.cols = "name", .ncols = 1, .desc = false,
};
static const struct list_source items_scoped = {
	.name = "items", .from = "items", .where = "grp = :scope",
	.key = "k", .id = "id", .cols = "name", .ncols = 1, .desc = false,
};
/* An expression key, as the invoices pane uses for drafts. */
static const struct list_source items_expr = {
	.name = "items", .from = "items", .key = "ifnull(due, '9999')",
	.id = "id", .cols = "name", .ncols = 1, .desc = true,
};

static void
exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

static void
fill(sqlite3 *db, int n)
{
	sqlite3_stmt *st;

	exec(db, "BEGIN");
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO items(id, k, "
	    "grp, due, name) VALUES (?, ?, ?, ?, ?)", -1, &st, NULL), SQLITE_OK);
	for (int i = 1; i <= n; i++) {
		char name[32], due[16];

		snprintf(name, sizeof name, "item %d", i);
		snprintf(due, sizeof due, "2026-%02d", i % 12 + 1);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_int(st, 2, i / 3);
		sqlite3_bind_int(st, 3, i % 4);
		if (i % 5 == 0)
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_text(st, 4, due, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, name, -1, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	exec(db, "COMMIT");
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_int_equal(sqlite3_open(":memory:", &f->db), SQLITE_OK);
	exec(f->db, "CREATE TABLE items (id INTEGER PRIMARY KEY, k INTEGER "
	    "NOT NULL, grp INTEGER, due TEXT, name TEXT);"
	    "CREATE INDEX items_k ON items(k, id);"
	    "CREATE INDEX items_grp ON items(grp, k, id);"
	    "CREATE INDEX items_due ON items(ifnull(due, '9999'), id);");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	listwin_free(&f->lw);
	sqlite3_close(f->db);
	free(f);
	return 0;
}

/* The model: ids of the list in order, from a plain ORDER BY. */
static int
model(sqlite3 *db, const struct list_source *s, int64_t scope, int64_t *ids,
    int cap)
{
	char sql[512];
	sqlite3_stmt *st;
	int n = 0;

	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s ORDER BY %s %s, "
	    "%s %s", s->id, s->from, s->where != NULL ? s->where : "1", s->key,
	    s->desc ? "DESC" : "ASC", s->id, s->desc ? "DESC" : "ASC");
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (s->where != NULL)
		sqlite3_bind_int64(st, 1, scope);
	while (sqlite3_step(st) == SQLITE_ROW && n < cap)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Checks the window is a run of the model that holds the selection at
 * its rank, and is as full as the list allows. */
static void
check_window(const struct listwin *lw, const int64_t *ids, int n)
{
	int first;

	assert_int_equal(lw->total, n);
	if (n == 0) {
		assert_int_equal(lw->nrows, 0);
		assert_null(listwin_selected(lw));
		return;
	}
	assert_int_equal(lw->nrows, n < lw->height ? n : lw->height);
	assert_in_range(lw->pos, 0, n - 1);
	assert_int_equal(listwin_selected(lw)->id, ids[lw->pos]);
	first = (int)lw->pos - lw->sel;
	assert_in_range(first, 0, n - 1);
	for (int i = 0; i < lw->nrows; i++)
		assert_int_equal(lw->rows[i].id, ids[first + i]);
}

static void
test_empty_list_has_no_selection_and_moves_do_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(listwin_init(&f->lw, f->db, &items_desc, NULL, 0), 0);
	assert_int_equal(listwin_resize(&f->lw, 10), 0);
	assert_int_equal(f->lw.total, 0);
	assert_null(listwin_selected(&f->lw));
	assert_int_equal(listwin_move(&f->lw, 1, false), 0);
	assert_int_equal(listwin_move(&f->lw, -5, true), 0);
	assert_int_equal(listwin_bottom(&f->lw), 0);
	assert_int_equal(listwin_top(&f->lw), 0);
	assert_null(listwin_selected(&f->lw));
	assert_int_equal(listwin_reload(&f->lw), 0);
	assert_int_equal(f->lw.nrows, 0);
}

static void
test_one_row_stays_selected_at_both_ends(void **state)
{
	struct fixture *f = *state;
	int64_t ids[1] = { 1 };

	fill(f->db, 1);
	assert_int_equal(listwin_init(&f->lw, f->db, &items_desc, NULL, 0), 0);
	assert_int_equal(listwin_resize(&f->lw, 10), 0);
	check_window(&f->lw, ids, 1);
	listwin_move(&f->lw, 1, false);
	check_window(&f->lw, ids, 1);
	listwin_move(&f->lw, 10, true);
	check_window(&f->lw, ids, 1);
	listwin_bottom(&f->lw);
	check_window(&f->lw, ids, 1);
	listwin_move(&f->lw, -1, false);
	check_window(&f->lw, ids, 1);
	assert_string_equal(listwin_selected(&f->lw)->cells[0], "item 1");
}

static void
test_steps_and_pages_stop_at_the_boundaries(void **state)
{
	struct fixture *f = *state;
	int64_t ids[100];
	int n;

	fill(f->db, 100);
	n = model(f->db, &items_desc, 0, ids, 100);
	assert_int_equal(listwin_init(&f->lw, f->db, &items_desc, NULL, 0), 0);
	assert_int_equal(listwin_resize(&f->lw, 10), 0);
	check_window(&f->lw, ids, n);
	assert_int_equal(f->lw.pos, 0);

	listwin_move(&f->lw, -1, false);	/* already at the top */
	assert_int_equal(f->lw.pos, 0);
	for (int i = 0; i < 15; i++)
		listwin_move(&f->lw, 1, false);
	assert_int_equal(f->lw.pos, 15);
	assert_int_equal(f->lw.sel, 9);		/* scrolled just enough */
	check_window(&f->lw, ids, n);

	listwin_move(&f->lw, 10, true);		/* a page keeps the offset */
	assert_int_equal(f->lw.pos, 25);
	assert_int_equal(f->lw.sel, 9);
	check_window(&f->lw, ids, n);

	for (int i = 0; i < 20; i++)
		listwin_move(&f->lw, 10, true);
	assert_int_equal(f->lw.pos, 99);
	check_window(&f->lw, ids, n);

	listwin_top(&f->lw);
	assert_int_equal(f->lw.pos, 0);
	check_window(&f->lw, ids, n);
	listwin_move(&f->lw, -10, true);
	assert_int_equal(f->lw.pos, 0);

	listwin_bottom(&f->lw);
	assert_int_equal(f->lw.pos, 99);
	assert_int_equal(f->lw.sel, 9);
	check_window(&f->lw, ids, n);
	listwin_move(&f->lw, 1, false);
	assert_int_equal(f->lw.pos, 99);
	listwin_move(&f->lw, -10, true);
	assert_int_equal(f->lw.pos, 89);
	check_window(&f->lw, ids, n);
}

/* Random steps, pages, jumps and resizes, each checked against the model,
 * in both orders and for an expression key. */
static void
random_walk(struct fixture *f, const struct list_source *src, int64_t scope)
{
	int64_t ids[700];
	int n = model(f->db, src, scope, ids, 700);
	unsigned seed = 12345;

	assert_int_equal(listwin_init(&f->lw, f->db, src, NULL, 0), 0);
	assert_int_equal(listwin_set_scope(&f->lw, scope), 0);
	assert_int_equal(listwin_resize(&f->lw, 7), 0);
	for (int i = 0; i < 3000; i++) {
		int op = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 9;
		int h = f->lw.height;

		switch (op) {
		case 0: case 1: listwin_move(&f->lw, 1, false); break;
		case 2: case 3: listwin_move(&f->lw, -1, false); break;
		case 4: listwin_move(&f->lw, h, true); break;
		case 5: listwin_move(&f->lw, -h, true); break;
		case 6: listwin_move(&f->lw, (i % 2 ? 1 : -1) * (long long)(i % 23), i % 3 == 0); break;
		case 7: i % 5 == 0 ? listwin_top(&f->lw) : listwin_bottom(&f->lw); break;
		case 8: listwin_resize(&f->lw, 1 + i % 13); break;
		}
		check_window(&f->lw, ids, n);
	}
}

static void
test_random_walk_matches_model_descending(void **state)
{
	struct fixture *f = *state;

	fill(f->db, 500);
	random_walk(f, &items_desc, 0);
}

static void
test_random_walk_matches_model_ascending(void **state)
{
	struct fixture *f = *state;

	fill(f->db, 500);
	random_walk(f, &items_asc, 0);
}

static void
test_random_walk_matches_model_with_scope(void **state)
{
	struct fixture *f = *state;

	fill(f->db, 500);
	random_walk(f, &items_scoped, 2);
}

static void
test_random_walk_matches_model_with_expression_key(void **state)
{
	struct fixture *f = *state;

	fill(f->db, 500);
	random_walk(f, &items_expr, 0);
}

static void
test_deleting_the_selected_row_selects_its_successor(void **state)
{
	struct fixture *f = *state;
	int64_t ids[50], gone, next;
	int n;

	fill(f->db, 50);
	n = model(f->db, &items_desc, 0, ids, 50);
	assert_int_equal(listwin_init(&f->lw, f->db, &items_desc, NULL, 0), 0);
	listwin_resize(&f->lw, 10);
	listwin_move(&f->lw, 12, false);
	gone = listwin_selected(&f->lw)->id;
	assert_int_equal(gone, ids[12]);
	next = ids[13];
	{
		char sql[64];
		snprintf(sql, sizeof sql, "DELETE FROM items WHERE id = %lld",
		    (long long)gone);
		exec(f->db, sql);
	}
	assert_int_equal(listwin_reload(&f->lw), 0);
	n = model(f->db, &items_desc, 0, ids, 50);
	assert_int_equal(listwin_selected(&f->lw)->id, next);
	assert_int_equal(f->lw.pos, 12);
	check_window(&f->lw, ids, n);
}

static void
test_deleting_the_selected_last_row_selects_the_new_last(void **state)
{
	struct fixture *f = *state;
	int64_t ids[50];
	int n;

	fill(f->db, 30);
	assert_int_equal(listwin_init(&f->lw, f->db, &items_desc, NULL, 0), 0);
	listwin_resize(&f->lw, 10);
	listwin_bottom(&f->lw);
	assert_int_equal(listwin_selected(&f->lw)->id, 1);
	exec(f->db, "DELETE FROM items WHERE id = 1");
	assert_int_equal(listwin_reload(&f->lw), 0);
	n = model(f->db, &items_desc, 0, ids, 50);
	assert_int_equal(n, 29);
	assert_int_equal(listwin_selected(&f->lw)->id, ids[n - 1]);
	assert_int_equal(f->lw.pos, n - 1);
	check_window(&f->lw, ids, n);
}

static void
test_deleting_every_row_empties_the_window(void **state)
{
	struct fixture *f = *state;

	fill(f->db, 20);
	assert_int_equal(listwin_init(&f->lw, f->db, &items_desc, NULL, 0), 0);
	listwin_resize(&f->lw, 10);
	listwin_move(&f->lw, 5, false);
	exec(f->db, "DELETE FROM items");
	assert_int_equal(listwin_reload(&f->lw), 0);
	assert_int_equal(f->lw.total, 0);
	assert_null(listwin_selected(&f->lw));
}

static void
test_selection_follows_its_row_when_its_key_changes(void **state)
{
	struct fixture *f = *state;
	int64_t ids[101], id;
	int n;

	fill(f->db, 100);
	assert_int_equal(listwin_init(&f->lw, f->db, &items_desc, NULL, 0), 0);
	listwin_resize(&f->lw, 10);
	listwin_move(&f->lw, 40, false);
	id = listwin_selected(&f->lw)->id;
	/* New activity moves the row to the top of a newest-first list. */
	{
		char sql[96];
		snprintf(sql, sizeof sql, "UPDATE items SET k = 1000 WHERE "
		    "id = %lld", (long long)id);
		exec(f->db, sql);
	}
	exec(f->db, "INSERT INTO items(id, k, name) VALUES (500, 2000, 'new')");
	assert_int_equal(listwin_reload(&f->lw), 0);
	n = model(f->db, &items_desc, 0, ids, 101);
	assert_int_equal(listwin_selected(&f->lw)->id, id);
	assert_int_equal(f->lw.pos, 1);
	assert_int_equal(f->lw.total, 101);
	check_window(&f->lw, ids, n);
}

static void
test_select_id_jumps_to_any_row(void **state)
{
	struct fixture *f = *state;
	int64_t ids[300];
	int n;

	fill(f->db, 300);
	n = model(f->db, &items_asc, 0, ids, 300);
	assert_int_equal(listwin_init(&f->lw, f->db, &items_asc, NULL, 0), 0);
	listwin_resize(&f->lw, 10);
	assert_int_equal(listwin_select_id(&f->lw, ids[250]), 0);
	assert_int_equal(listwin_selected(&f->lw)->id, ids[250]);
	assert_int_equal(f->lw.pos, 250);
	check_window(&f->lw, ids, n);
	assert_int_equal(listwin_select_id(&f->lw, 99999), -1);
	assert_int_equal(listwin_selected(&f->lw)->id, ids[250]);
}

static void
test_cells_are_sanitized_on_fetch(void **state)
{
	struct fixture *f = *state;

	exec(f->db, "INSERT INTO items(id, k, name) VALUES "
	    "(1, 1, 'evil' || char(27) || '[2J' || char(27) || ']0;title' || "
	    "char(7) || ' name' || char(10) || 'line two')");
	assert_int_equal(listwin_init(&f->lw, f->db, &items_desc, NULL, 0), 0);
	listwin_resize(&f->lw, 5);
	assert_string_equal(listwin_selected(&f->lw)->cells[0],
	    "evil name line two");
}

static void
test_window_queries_seek_the_index(void **state)
{
	struct fixture *f = *state;
	const struct list_source *srcs[] = { &items_desc, &items_expr };

	/* Every prepared window query must SEARCH an index, never SCAN and
	 * sort: that is what makes a million rows cost what fifty do. */
	for (size_t s = 0; s < 2; s++) {
		assert_int_equal(listwin_init(&f->lw, f->db, srcs[s], NULL, 0),
		    0);
		sqlite3_stmt *sts[] = { f->lw.st_after, f->lw.st_before,
		    f->lw.st_from };
		for (size_t i = 0; i < 3; i++) {
			char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s",
			    sqlite3_sql(sts[i]));
			sqlite3_stmt *st;
			int searched = 0, sorted = 0;

			assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st,
			    NULL), SQLITE_OK);
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *d = (const char *)
				    sqlite3_column_text(st, 3);
				searched += strstr(d, "SEARCH") != NULL;
				sorted += strstr(d, "TEMP B-TREE") != NULL;
			}
			sqlite3_finalize(st);
			sqlite3_free(sql);
			assert_true(searched > 0);
			assert_int_equal(sorted, 0);
		}
		listwin_free(&f->lw);
	}
}

/* A list whose condition is the caller's: the bind hook supplies :lo
 * on every statement, the count and the key lookup included. */
static const struct list_source items_bound = {
	.name = "items", .from = "items", .where = "k >= :lo AND grp = :scope",
	.key = "k", .id = "id", .cols = "name", .ncols = 1, .desc = true,
};
static const struct list_source items_broken = {
	.name = "broken", .from = "no_such_table", .key = "k", .id = "id",
	.cols = "name", .ncols = 1, .desc = true,
};

static void
bind_lo(void *arg, sqlite3_stmt *st)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(st, ":lo")) > 0)
		sqlite3_bind_int64(st, i, *(int64_t *)arg);
}

static void
test_set_source_keeps_scope_and_binder(void **state)
{
	struct fixture *f = *state;
	int64_t lo = 100, ids[700];
	char err[256];
	int n;

	fill(f->db, 500);
	assert_int_equal(listwin_init(&f->lw, f->db, &items_desc, err,
	    sizeof err), 0);
	listwin_set_binder(&f->lw, bind_lo, &lo);
	assert_int_equal(listwin_set_scope(&f->lw, 3), 0);
	assert_int_equal(listwin_resize(&f->lw, 6), 0);
	listwin_move(&f->lw, 9, false);
	assert_int_equal(f->lw.total, 500);

	/* The new list starts at its top, with :scope and :lo bound. */
	assert_int_equal(listwin_set_source(&f->lw, &items_bound, err,
	    sizeof err), 0);
	assert_ptr_equal(f->lw.src, &items_bound);
	assert_int_equal(f->lw.height, 6);
	assert_int_equal(f->lw.sel, 0);
	assert_int_equal(f->lw.pos, 0);
	n = 0;
	for (int64_t id = 500; id >= 1; id--)
		if (id / 3 >= 100 && id % 4 == 3)
			ids[n++] = id;
	check_window(&f->lw, ids, n);
	for (int i = 0; i < 40; i++) {
		listwin_move(&f->lw, i % 3 == 0 ? -2 : 5, i % 2 == 0);
		check_window(&f->lw, ids, n);
	}
	assert_int_equal(listwin_select_id(&f->lw, 299), -1);	/* k < 100 */
	assert_int_equal(listwin_select_id(&f->lw, 311), 0);
	assert_int_equal(listwin_selected(&f->lw)->id, 311);

	/* A new value for the hook shows after a reload. */
	lo = 150;
	assert_int_equal(listwin_reload(&f->lw), 0);
	n = 0;
	for (int64_t id = 500; id >= 1; id--)
		if (id / 3 >= 150 && id % 4 == 3)
			ids[n++] = id;
	check_window(&f->lw, ids, n);

	/* A list that does not compile leaves the old one in place. */
	assert_int_equal(listwin_set_source(&f->lw, &items_broken, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "no_such_table"));
	assert_ptr_equal(f->lw.src, &items_bound);
	assert_int_equal(listwin_reload(&f->lw), 0);
	check_window(&f->lw, ids, n);

	/* Back to a list that names neither parameter. */
	listwin_set_binder(&f->lw, NULL, NULL);
	assert_int_equal(listwin_set_source(&f->lw, &items_asc, err,
	    sizeof err), 0);
	n = model(f->db, &items_asc, 0, ids, 700);
	check_window(&f->lw, ids, n);
	assert_int_equal(n, 500);

	/* Another order, on the row being read: where it sorts now, at
	 * its rank; a row the new list lacks gives its start. */
	listwin_move(&f->lw, 2, false);
	assert_int_equal(listwin_set_source_at(&f->lw, &items_desc, 311, err,
	    sizeof err), 0);
	assert_int_equal(listwin_selected(&f->lw)->id, 311);
	n = model(f->db, &items_desc, 0, ids, 700);
	for (int i = 0; i < n; i++)
		if (ids[i] == 311)
			assert_int_equal(f->lw.pos, i);
	assert_int_equal(f->lw.sel, 2);
	check_window(&f->lw, ids, n);
	assert_int_equal(listwin_set_source_at(&f->lw, &items_asc, 9999, err,
	    sizeof err), 0);
	assert_int_equal(f->lw.pos, 0);
	assert_int_equal(f->lw.sel, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_empty_list_has_no_selection_and_moves_do_nothing),
		T(test_one_row_stays_selected_at_both_ends),
		T(test_steps_and_pages_stop_at_the_boundaries),
		T(test_random_walk_matches_model_descending),
		T(test_random_walk_matches_model_ascending),
		T(test_random_walk_matches_model_with_scope),
		T(test_random_walk_matches_model_with_expression_key),
		T(test_deleting_the_selected_row_selects_its_successor),
		T(test_deleting_the_selected_last_row_selects_the_new_last),
		T(test_deleting_every_row_empties_the_window),
		T(test_selection_follows_its_row_when_its_key_changes),
		T(test_select_id_jumps_to_any_row),
		T(test_cells_are_sanitized_on_fetch),
		T(test_window_queries_seek_the_index),
		T(test_set_source_keeps_scope_and_binder),
	};

	return cmocka_run_group_tests_name("listwin", tests, NULL, NULL);
}
