#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb.h"
#include "money.h"
#include "text.h"
#include "util.h"

int
kb_schema_load(sqlite3 *db, int64_t table_id, struct kb_schema *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	out->table_id = table_id;
	if (sqlite3_prepare_v2(db, "SELECT name, type, required FROM kb_columns"
	    " WHERE table_id = ? ORDER BY position", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, table_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kb_column *c;

		out->cols = xreallocarray(out->cols, (size_t)out->ncols + 1,
		    sizeof *out->cols);
		c = &out->cols[out->ncols++];
		c->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		c->type = xstrdup((const char *)sqlite3_column_text(st, 1));
		c->required = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
kb_schema_free(struct kb_schema *s)
{
	for (int i = 0; i < s->ncols; i++) {
		free(s->cols[i].name);
		free(s->cols[i].type);
	}
	free(s->cols);
	memset(s, 0, sizeof *s);
}

/* Money columns are named for their currency (price_eur, travel_fee_eur,
 * as in the X8 catalogues); the cell holds minor units. */
static const char *
column_currency(const char *name)
{
	const char *u = strrchr(name, '_');

	if (u != NULL && strcmp(u, "_eur") == 0)
		return "EUR";
	if (u != NULL && strcmp(u, "_rub") == 0)
		return "RUB";
	if (u != NULL && strcmp(u, "_iqd") == 0)
		return "IQD";
	return "EUR";
}

static char *
format_cell(const struct kb_column *c, const cJSON *v)
{
	char buf[512];

	if (v == NULL || cJSON_IsNull(v))
		return xstrdup("");
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "yes" : "no");
	if (cJSON_IsNumber(v) && strcmp(c->type, "money") == 0) {
		/* No currency suffix in a grid cell: the column says it. */
		money_format(buf, sizeof buf, (int64_t)v->valuedouble,
		    column_currency(c->name));
		buf[strcspn(buf, " ")] = '\0';
		if (v->valuedouble == 0)
			return xstrdup("free");
		return xstrdup(buf);
	}
	if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof buf, "%.0f", v->valuedouble);
		return xstrdup(buf);
	}
	if (cJSON_IsString(v))
		return text_sanitize_dup(v->valuestring,
		    strlen(v->valuestring), TEXT_ONELINE);
	if (cJSON_IsArray(v)) {
		/* A JSON list of strings reads as "Barcelona, Valencia". */
		size_t used = 0;
		const cJSON *e;

		buf[0] = '\0';
		cJSON_ArrayForEach(e, v) {
			const char *s = cJSON_IsString(e) ? e->valuestring : "?";
			int n = snprintf(buf + used, sizeof buf - used, "%s%s",
			    used > 0 ? ", " : "", s);
			if (n < 0 || (size_t)n >= sizeof buf - used)
				break;
			used += (size_t)n;
		}
		return text_sanitize_dup(buf, strlen(buf), TEXT_ONELINE);
	}
	{
		char *raw = cJSON_PrintUnformatted(v), *clean;
		clean = text_sanitize_dup(raw, strlen(raw), TEXT_ONELINE);
		cJSON_free(raw);
		return clean;
	}
}

void
kb_expand_row(void *arg, struct list_row *row)
{
	const struct kb_schema *s = arg;
	cJSON *json = NULL;
	char **cells;

	if (row->ncells > 0)
		json = cJSON_Parse(row->cells[0]);
	cells = xcalloc((size_t)s->ncols + 1, sizeof *cells);
	for (int i = 0; i < s->ncols; i++)
		cells[i] = json != NULL ? format_cell(&s->cols[i],
		    cJSON_GetObjectItemCaseSensitive(json, s->cols[i].name)) :
		    xstrdup(i == 0 ? "(unreadable row)" : "");
	cJSON_Delete(json);
	for (int i = 0; i < row->ncells; i++)
		free(row->cells[i]);
	free(row->cells);
	row->cells = cells;
	row->ncells = s->ncols;
}

static bool
word_is(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcasecmp(s, *words) == 0)
			return true;
	return false;
}

static cJSON *
list_from_text(const char *text)
{
	cJSON *a = cJSON_CreateArray();
	const char *p = text;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		const char *b = p, *e = p + n;

		while (b < e && *b == ' ')
			b++;
		while (e > b && e[-1] == ' ')
			e--;
		if (e > b) {
			char *item = xstrndup(b, (size_t)(e - b));
			cJSON_AddItemToArray(a, cJSON_CreateString(item));
			free(item);
		}
		p += n + (p[n] == ',');
	}
	return a;
}

cJSON *
kb_cell_from_text(const struct kb_column *c, const char *text, char *err,
    size_t errlen)
{
	static const char *const yes[] = { "yes", "y", "true", "1", NULL };
	static const char *const no[] = { "no", "n", "false", "0", NULL };
	int64_t v;
	char *end;

	if (text[0] == '\0')
		return cJSON_CreateNull();
	if (strcmp(c->type, "money") == 0) {
		const char *cur = column_currency(c->name);

		if (strcasecmp(text, "free") == 0)
			return cJSON_CreateNumber(0);
		if (money_parse(text, cur, &v) != 0 || v < 0) {
			snprintf(err, errlen, "%s: not an amount in %s", c->name,
			    cur);
			return NULL;
		}
		return cJSON_CreateNumber((double)v);
	}
	if (strcmp(c->type, "integer") == 0) {
		errno = 0;
		v = strtoll(text, &end, 10);
		if (errno != 0 || *end != '\0' || end == text) {
			snprintf(err, errlen, "%s: not a whole number", c->name);
			return NULL;
		}
		return cJSON_CreateNumber((double)v);
	}
	if (strcmp(c->type, "boolean") == 0) {
		if (word_is(text, yes))
			return cJSON_CreateTrue();
		if (word_is(text, no))
			return cJSON_CreateFalse();
		snprintf(err, errlen, "%s: answer yes or no", c->name);
		return NULL;
	}
	if (strcmp(c->type, "json_list") == 0)
		return list_from_text(text);
	return cJSON_CreateString(text);
}
