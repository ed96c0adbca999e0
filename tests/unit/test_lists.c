/* The real lists the panes show, over the demo data: each one walks end
 * to end in the same order as a plain ORDER BY, and every window query
 * seeks an index instead of sorting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"
#include "kb.h"
#include "lists.h"
#include "store.h"

static sqlite3 *db;

static int
setup(void **state)
{
	char err[256];

	(void)state;
	if (store_open(":memory:", &db, err, sizeof err) != 0 ||
	    demo_generate(db, 7, &demo_size_default, 1795000000, err,
	    sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sqlite3_close(db);
	return 0;
}

static int64_t
first_kb_table(void)
{
	return store_scalar(db, "SELECT id FROM kb_tables ORDER BY id LIMIT 1");
}

/* Ids in list order from a plain query over the same pieces. */
static int
model(const struct list_source *s, int64_t scope, int64_t **out)
{
	char *sql = sqlite3_mprintf("SELECT %s FROM %s WHERE %s ORDER BY %s %s,"
	    " %s %s", s->id, s->from, s->where != NULL ? s->where : "1",
	    s->key, s->desc ? "DESC" : "ASC", s->id, s->desc ? "DESC" : "ASC");
	sqlite3_stmt *st;
	int n = 0, cap = 64;

	*out = malloc((size_t)cap * sizeof **out);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (s->where != NULL)
		sqlite3_bind_int64(st, 1, scope);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap)
			*out = realloc(*out, (size_t)(cap *= 2) * sizeof **out);
		(*out)[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return n;
}

static void
walk(const struct list_source *s, int64_t scope, int min_rows)
{
	struct listwin lw;
	int64_t *ids;
	char err[256];
	int n = model(s, scope, &ids), seen = 0;

	assert_true(n >= min_rows);
	assert_int_equal(listwin_init(&lw, db, s, err, sizeof err), 0);
	assert_int_equal(listwin_set_scope(&lw, scope), 0);
	assert_int_equal(listwin_resize(&lw, 17), 0);
	assert_int_equal(lw.total, n);
	/* Row by row to the end: every id in order, the position counting. */
	for (;;) {
		const struct list_row *r = listwin_selected(&lw);

		assert_non_null(r);
		assert_int_equal(r->id, ids[seen]);
		assert_int_equal(lw.pos, seen);
		assert_int_equal(r->ncells, s->ncols);
		seen++;
		if (lw.pos == lw.total - 1)
			break;
		assert_int_equal(listwin_move(&lw, 1, false), 0);
	}
	assert_int_equal(seen, n);
	/* And back up a page at a time. */
	while (lw.pos > 0) {
		assert_int_equal(listwin_move(&lw, -17, true), 0);
		assert_int_equal(listwin_selected(&lw)->id, ids[lw.pos]);
	}
	listwin_free(&lw);
	free(ids);
}

static void
assert_seeks_index(const struct list_source *s)
{
	struct listwin lw;
	char err[256];

	assert_int_equal(listwin_init(&lw, db, s, err, sizeof err), 0);
	sqlite3_stmt *sts[] = { lw.st_first, lw.st_last, lw.st_after,
	    lw.st_before, lw.st_from };
	for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++) {
		char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s",
		    sqlite3_sql(sts[i]));
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
		    SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 3);
			if (strstr(d, "TEMP B-TREE") != NULL)
				fail_msg("%s sorts: %s", s->name, d);
		}
		sqlite3_finalize(st);
		sqlite3_free(sql);
	}
	listwin_free(&lw);
}

static void
test_orders_walk_in_date_order(void **state)
{
	(void)state;
	walk(&list_orders, 0, 150);
}

static void
test_invoices_walk_in_due_date_order(void **state)
{
	(void)state;
	walk(&list_invoices, 0, 200);
}

/* The invoice with the most lines. */
static int64_t
longest_invoice(void)
{
	return store_scalar(db, "SELECT invoice_id FROM invoice_lines "
	    "GROUP BY invoice_id ORDER BY count(*) DESC, invoice_id LIMIT 1");
}

static void
test_invoice_lines_walk_in_position_order(void **state)
{
	(void)state;
	walk(&list_invoice_lines, longest_invoice(), 10);
}

static void
test_kb_tables_and_rows_walk_in_order(void **state)
{
	(void)state;
	walk(&list_kb_tables, 0, 6);
	walk(&list_kb_rows, first_kb_table(), 10);
}

static void
test_every_list_seeks_an_index(void **state)
{
	(void)state;
	assert_seeks_index(&list_orders);
	assert_seeks_index(&list_invoices);
	assert_seeks_index(&list_invoice_lines);
	assert_seeks_index(&list_kb_tables);
	assert_seeks_index(&list_kb_rows);
	assert_seeks_index(&list_problems);
}

static void
test_kb_rows_expand_to_one_cell_per_column(void **state)
{
	struct kb_schema schema;
	struct listwin lw;
	char err[256];

	(void)state;
	assert_int_equal(kb_schema_load(db, first_kb_table(), &schema), 0);
	assert_true(schema.ncols >= 3);
	assert_int_equal(listwin_init(&lw, db, &list_kb_rows, err, sizeof err),
	    0);
	lw.expand = kb_expand_row;
	lw.expand_arg = &schema;
	assert_int_equal(listwin_set_scope(&lw, schema.table_id), 0);
	assert_int_equal(listwin_resize(&lw, 5), 0);
	for (int i = 0; i < lw.nrows; i++) {
		assert_int_equal(lw.rows[i].ncells, schema.ncols);
		/* The first column is the name, required in every catalogue. */
		assert_true(strlen(lw.rows[i].cells[0]) > 0);
	}
	listwin_free(&lw);
	kb_schema_free(&schema);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orders_walk_in_date_order),
		cmocka_unit_test(test_invoices_walk_in_due_date_order),
		cmocka_unit_test(test_invoice_lines_walk_in_position_order),
		cmocka_unit_test(test_kb_tables_and_rows_walk_in_order),
		cmocka_unit_test(test_every_list_seeks_an_index),
		cmocka_unit_test(test_kb_rows_expand_to_one_cell_per_column),
	};

	return cmocka_run_group_tests_name("lists", tests, setup, teardown);
}
