/* A window of rows over an ordered SQL list, moved by keyset queries.
 *
 * The window holds at most `height` rows: exactly what is on screen.  Every
 * move asks SQLite for the rows just beyond an edge of the window, keyed on
 * (sort key, id), so the cost of a move depends on the rows it brings in,
 * never on the length of the list or the position in it.  Counting (the N
 * of "n/N") happens only on listwin_reload(), not on moves.
 *
 * This module has no curses in it; ui/vlist.c draws a listwin. */
#ifndef MKT_LISTWIN_H
#define MKT_LISTWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* An ordered list, described as pieces of one SELECT.  The pieces are
 * constant SQL written in the program; values are always bound.  `where`
 * may refer to the parameter :scope (see listwin_set_scope).  `key` must
 * never be NULL for a row, and an index must match (key, id) exactly. */
struct list_source {
	const char	*name;
	const char	*from;		/* tables and joins */
	/* The tables to count over, if fewer than `from`: joins that can
	 * never drop or repeat a row (NOT NULL foreign keys) need not be
	 * walked to count it.  Both must give `where` what it names. */
	const char	*count_from;
	const char	*where;		/* extra condition, or NULL */
	const char	*key;		/* sort expression */
	const char	*id;		/* unique id expression, the tie-break */
	const char	*cols;		/* select list shown as cells */
	int		 ncols;
	bool		 desc;		/* largest key first */
};

struct list_row {
	int64_t		 id;
	sqlite3_value	*key;
	char		**cells;	/* ncells sanitized one-line strings */
	int		 ncells;
};

/* Rewrites a fetched row's cells in place, e.g. to split a JSON column
 * into one cell per field.  Must leave only sanitized strings behind. */
typedef void (*list_expand_fn)(void *arg, struct list_row *row);

/* Binds parameters of the caller's own (the filter's values, :now) on a
 * statement of the list, after the window's own.  A parameter the
 * statement does not have must be skipped: not every statement of a list
 * names them all. */
typedef void (*list_bind_fn)(void *arg, sqlite3_stmt *st);

struct listwin;
/* Told that a list's counts went out of date (listwin_defer_counts). */
typedef void (*list_count_fn)(void *arg, struct listwin *lw);

struct listwin {
	sqlite3			*db;
	const struct list_source *src;
	sqlite3_stmt		*st_first, *st_last, *st_after, *st_before,
				*st_from, *st_count, *st_rank, *st_key;
	int64_t			 scope;
	list_expand_fn		 expand;
	void			*expand_arg;
	list_bind_fn		 binder;
	void			*binder_arg;

	struct list_row		*rows;	/* the window, in list order */
	int			 nrows;
	int			 height;	/* rows the window may hold */
	int			 sel;		/* index in rows; -1 when empty */
	/* Rows in the whole list; -1 until counted when the owner counts
	 * (listwin_defer_counts). */
	long long		 total;
	/* The 0-based rank of the selection; while !rank_known, the rows
	 * moved since the rank was last asked for. */
	long long		 pos;
	bool			 rank_known;
	bool			 deferred;	/* the owner counts */
	list_count_fn		 counter;
	void			*counter_arg;
	char			 err[256];	/* last SQLite error, if any */
};

/* Prepares the statements.  Returns 0, or -1 with a message in err. */
int	 listwin_init(struct listwin *lw, sqlite3 *db,
	    const struct list_source *src, char *err, size_t errlen);
void	 listwin_free(struct listwin *lw);

/* Sets :scope (e.g. which KB table's rows) and shows the list's start. */
int	 listwin_set_scope(struct listwin *lw, int64_t scope);

/* Sets the bind hook (NULL for none).  It applies from the next query;
 * call listwin_reload() to see the list with the new values. */
void	 listwin_set_binder(struct listwin *lw, list_bind_fn fn, void *arg);

/* Prepares the statements of another list (src, which the caller keeps
 * alive, may be the same pointer with new contents) and shows its start;
 * the scope, the bind hook and the expand hook stay.  On failure the
 * window keeps its old list and err says why.  0 or -1. */
int	 listwin_set_source(struct listwin *lw, const struct list_source *src,
	    char *err, size_t errlen);
/* The same, showing row id where it sorts in the new list if it is in
 * it (a new sort or filter keeps the row being read). */
int	 listwin_set_source_at(struct listwin *lw,
	    const struct list_source *src, int64_t id, char *err,
	    size_t errlen);

/* Changes the window height, keeping the selected row and its screen
 * offset where possible. */
int	 listwin_resize(struct listwin *lw, int height);

/* Re-reads after the data changed: recounts, and keeps the selection on
 * the same row id wherever that row now sorts.  If the row is gone the
 * selection falls on the row that followed it, or the new last row. */
int	 listwin_reload(struct listwin *lw);

/* Selects the row with this id, if it is in the list. */
int	 listwin_select_id(struct listwin *lw, int64_t id);

/* Moves the selection by delta rows (negative is up), stopping at the
 * ends.  With keep_offset the view scrolls with the selection, as paging
 * does; otherwise it scrolls only as far as needed to show it. */
int	 listwin_move(struct listwin *lw, long long delta, bool keep_offset);
int	 listwin_top(struct listwin *lw);
int	 listwin_bottom(struct listwin *lw);
/* Shows the list's start with row id selected, if it is in that first
 * window; false (and the first row selected) if not. */
bool	 listwin_start_at(struct listwin *lw, int64_t id);

/* Counting the list walks all of it (70 ms at 200,000 rows): an owner
 * that can count elsewhere (a thread) takes that over.  The window then
 * never counts; total is -1 and the rank unknown until the owner calls
 * listwin_counted() with the total and the rank of row id (-1 if it did
 * not rank one).  fn, if not NULL, is told each time the counts went
 * out of date, and may give what it knows at once. */
void	 listwin_defer_counts(struct listwin *lw, list_count_fn fn,
	    void *arg);
void	 listwin_counted(struct listwin *lw, long long total, int64_t id,
	    long long rank);
/* The rank SQL (count of rows before :k, :id) for the owner to run on
 * its own connection, with listwin_bind_rank() binding a statement of
 * it for the selected row. */
const char *listwin_rank_sql(const struct listwin *lw);
void	 listwin_bind_rank(struct listwin *lw, sqlite3_stmt *st);

/* The selected row, or NULL when the list is empty. */
const struct list_row *listwin_selected(const struct listwin *lw);

#endif
