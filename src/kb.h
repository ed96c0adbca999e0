/* Knowledge-base tables: a table's column list, and turning a row's JSON
 * cells into display text in column order. */
#ifndef MKT_KB_H
#define MKT_KB_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "listwin.h"

struct kb_column {
	char	*name;
	char	*type;		/* text, integer, money, boolean, json_list,
				   url, enum */
	int	 required;
};

struct kb_schema {
	int64_t			 table_id;
	struct kb_column	*cols;
	int			 ncols;
};

/* Reads the ordered column list of a table.  Returns 0 or -1. */
int	kb_schema_load(sqlite3 *db, int64_t table_id, struct kb_schema *out);
void	kb_schema_free(struct kb_schema *s);

/* A list_expand_fn: replaces the single JSON cell of a kb_rows row with
 * one sanitized display cell per schema column.  arg is the kb_schema. */
void	kb_expand_row(void *arg, struct list_row *row);

/* A cell value from text as a person types it, read by the column's
 * type: "12.50" for money (minor units by the column's currency), "yes"
 * for boolean, "a, b" for a list; empty text clears the cell (JSON null).
 * NULL with a message when the text does not fit the type. */
struct cJSON;
struct cJSON *kb_cell_from_text(const struct kb_column *c, const char *text,
	    char *err, size_t errlen);

#endif
