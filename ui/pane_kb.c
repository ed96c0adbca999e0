/* Knowledge base: the catalogue tables on the left, the selected table's
 * rows as a grid on the right.  Enter or l opens the grid, where h/l move
 * between columns; Esc, or h in the first column, returns to the tables. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "columns.h"
#include "kb.h"
#include "lists.h"
#include "util.h"

/* Below this width only the focused side is shown. */
#define SPLIT_MIN_COLS	90

static const struct vcolumn table_columns[] = {
	{ "table", T_NAME, 0, 16, 0, 0, false, NULL, NULL },
	{ "company", T_COMPANY, 0, 7, 7, 2, false, NULL, NULL },
	{ "kind", T_KIND, 0, 7, 7, 1, false, NULL, NULL },
	{ "rows", T_ROWS, 0, 5, 6, 0, true, NULL, NULL },
};

struct kb_pane {
	struct vlist	 tables;
	struct vlist	 rows;
	struct kb_schema schema;	/* of the table whose rows are shown */
	struct vcolumn	*row_columns;
	bool		 in_rows;	/* the grid has focus */
};

/* Column widths by type: enough for a typical value, never the whole of
 * a description. */
static void
column_width(const struct kb_column *c, struct vcolumn *v)
{
	static const struct {
		const char	*type;
		int		 min, max;
		bool		 right;
	} widths[] = {
		{ "integer", 6, 10, true }, { "money", 9, 12, true },
		{ "boolean", 5, 5, false }, { "enum", 8, 14, false },
		{ "url", 16, 30, false }, { "json_list", 14, 30, false },
	};

	v->min = 14;
	v->max = 28;
	for (size_t i = 0; i < nitems(widths); i++)
		if (strcmp(c->type, widths[i].type) == 0) {
			v->min = widths[i].min;
			v->max = widths[i].max;
			v->right = widths[i].right;
		}
	if ((int)strlen(c->name) > v->min && strlen(c->name) <= 20)
		v->min = (int)strlen(c->name);
}

/* kb_expand_row makes one cell per schema column out of the row's JSON
 * and drops the rest; the pending count is carried over behind them, in
 * the cell the grid's pending_cell names. */
static void
expand_row(void *arg, struct list_row *row)
{
	char *pending = NULL;

	if (row->ncells > R_PENDING) {
		pending = row->cells[R_PENDING];
		row->cells[R_PENDING] = NULL;
		row->ncells = R_PENDING;
	}
	kb_expand_row(arg, row);
	row->cells = xreallocarray(row->cells, (size_t)row->ncells + 1,
	    sizeof *row->cells);
	row->cells[row->ncells++] = pending != NULL ? pending : xstrdup("0");
}

/* Loads table_id's columns into the grid's column table. */
static void
load_columns(struct kb_pane *kb, sqlite3 *db, int64_t table_id)
{
	kb_schema_free(&kb->schema);
	free(kb->row_columns);
	kb_schema_load(db, table_id, &kb->schema);
	kb->schema.table_id = table_id;
	kb->row_columns = xcalloc((size_t)kb->schema.ncols + 1,
	    sizeof *kb->row_columns);
	for (int i = 0; i < kb->schema.ncols; i++) {
		kb->row_columns[i].title = kb->schema.cols[i].name;
		kb->row_columns[i].cell = i;
		column_width(&kb->schema.cols[i], &kb->row_columns[i]);
	}
	kb->rows.cols = kb->row_columns;
	kb->rows.ncols = kb->schema.ncols;
	kb->rows.pending_cell = kb->schema.ncols;
	if (kb->rows.first_col >= kb->rows.ncols)
		kb->rows.first_col = 0;
	if (kb->rows.cur_col >= kb->rows.ncols)
		kb->rows.cur_col = kb->rows.ncols > 0 ? kb->rows.ncols - 1 : 0;
}

/* Shows the rows of table_id: loads its columns and re-scopes the grid. */
static void
show_table(struct kb_pane *kb, sqlite3 *db, int64_t table_id)
{
	load_columns(kb, db, table_id);
	kb->rows.first_col = 0;
	listwin_set_scope(&kb->rows.win, table_id);
	kb->rows.loaded = true;
}

static int
init(struct app *app, enum pane_id self, char *err, size_t errlen)
{
	struct kb_pane *kb = xcalloc(1, sizeof *kb);

	app->pane_data[self] = kb;
	if (vlist_init(&kb->tables, app->db, &list_kb_tables, table_columns,
	    nitems(table_columns), err, errlen) != 0 ||
	    vlist_init(&kb->rows, app->db, &list_kb_rows, NULL, 0, err, errlen) != 0)
		return -1;
	kb->tables.empty = "No knowledge-base tables in the cache yet.";
	kb->tables.pending_cell = T_PENDING;
	kb->rows.empty = "This table has no rows.";
	kb->rows.win.expand = expand_row;
	kb->rows.win.expand_arg = &kb->schema;
	kb->schema.table_id = -1;
	return 0;
}

static void
fini(struct app *app, enum pane_id self)
{
	struct kb_pane *kb = app->pane_data[self];

	vlist_free(&kb->tables);
	vlist_free(&kb->rows);
	kb_schema_free(&kb->schema);
	free(kb->row_columns);
	free(kb);
	app->pane_data[self] = NULL;
}

static void
draw(struct app *app, enum pane_id self, int y, int x, int h, int w)
{
	struct kb_pane *kb = app->pane_data[self];
	const struct list_row *t;
	int lw = w >= SPLIT_MIN_COLS ? w * 3 / 8 : w;

	/* Draw the tables first: that loads them, and the grid follows the
	 * selected table. */
	if (w >= SPLIT_MIN_COLS || !kb->in_rows)
		vlist_draw(&kb->tables, y, x, h, lw, !kb->in_rows, app->now);
	else if (!kb->tables.loaded) {
		listwin_resize(&kb->tables.win, h - 1);
		kb->tables.loaded = true;
	}
	t = listwin_selected(&kb->tables.win);
	if (t != NULL && t->id != kb->schema.table_id)
		show_table(kb, app->db, t->id);
	if (w >= SPLIT_MIN_COLS) {
		mvvline(y, x + lw, ACS_VLINE, h);
		vlist_draw(&kb->rows, y, x + lw + 1, h, w - lw - 1, kb->in_rows,
		    app->now);
	} else if (kb->in_rows)
		vlist_draw(&kb->rows, y, x, h, w, true, app->now);
}

static struct vlist *
focus(struct app *app, enum pane_id self)
{
	struct kb_pane *kb = app->pane_data[self];

	return kb->in_rows ? &kb->rows : &kb->tables;
}

static int
open_rows(struct app *app, enum pane_id self)
{
	struct kb_pane *kb = app->pane_data[self];

	/* Enter in the grid edits the cell under the cursor. */
	if (kb->in_rows)
		return cmd_run(app, "edit-cell");
	if (listwin_selected(&kb->tables.win) == NULL)
		return 0;
	kb->in_rows = true;
	if (kb->rows.cur_col < 0)
		kb->rows.cur_col = 0;
	return 0;
}

static int
back(struct app *app, enum pane_id self)
{
	struct kb_pane *kb = app->pane_data[self];

	kb->in_rows = false;
	return 0;
}

static int
column(struct app *app, enum pane_id self, int delta)
{
	struct kb_pane *kb = app->pane_data[self];

	if (!kb->in_rows)
		return delta > 0 ? open_rows(app, self) : 0;
	if (delta < 0 && kb->rows.cur_col == 0)
		return back(app, self);
	vlist_column(&kb->rows, delta);
	return 0;
}

/* The columns are read again too: a change to a table may have added,
 * renamed or reordered them. */
static void
reload(struct app *app, enum pane_id self)
{
	struct kb_pane *kb = app->pane_data[self];

	if (kb->tables.loaded)
		listwin_reload(&kb->tables.win);
	if (kb->rows.loaded) {
		if (kb->schema.table_id >= 0)
			load_columns(kb, app->db, kb->schema.table_id);
		listwin_reload(&kb->rows.win);
	}
}

int
kb_pane_cell(struct app *app, int64_t *row_id, const char **column,
    const char **text)
{
	struct kb_pane *kb = app->pane_data[PANE_KB];
	const struct list_row *r = listwin_selected(&kb->rows.win);
	int c = kb->rows.cur_col;

	if (!kb->in_rows || r == NULL || c < 0 || c >= kb->schema.ncols)
		return -1;
	*row_id = r->id;
	*column = kb->schema.cols[c].name;
	*text = c < r->ncells ? r->cells[c] : "";
	return 0;
}

const struct pane_ops pane_kb = {
	.name = "kb",
	.title = "Knowledge base",
	.init = init,
	.free = fini,
	.draw = draw,
	.focus = focus,
	.reload = reload,
	.open = open_rows,
	.back = back,
	.column = column,
};
