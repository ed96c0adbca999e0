/* The knowledge base against a real mktd on loopback: row create, update
 * and delete with their feed entries; each column type's validation;
 * stale If-Match; column edits; CSV export and import (round trip,
 * quoting, BOM, header aliases, all-or-nothing); who may do each action;
 * idempotent retries.
 *
 * One mktd --demo serves the whole file.  Tables are found by reading its
 * database read-only.  The demo has: a product catalogue and a delivery
 * zones table of a company manager@ manages and client@ owns, service
 * tables of other companies, and a table of a company neither sees. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "harness.h"

static struct {
	struct mktd	*m;
	sqlite3		*db;
	char		*tok[NROLES];
	int64_t		 uid[NROLES];
	int64_t		 product;	/* shared company: product catalogue */
	int64_t		 zones;		/* shared company: zones (custom) */
	int64_t		 promo;		/* a promo-code table */
	int64_t		 service_a;	/* service tables */
	int64_t		 service_b;
	int64_t		 foreign;	/* neither manager@ nor client@ */
} t;

/* ---- database (read-only) ----------------------------------------------- */

static int64_t
rows_in(int64_t table)
{
	return db_int(t.db, -1, "SELECT count(*) FROM kb_rows WHERE table_id = ?",
	    1, table);
}

static const char *
last_op(const char *type, int64_t id)
{
	static char op[16];
	sqlite3_stmt *st;

	op[0] = '\0';
	if (sqlite3_prepare_v2(t.db, "SELECT op FROM changes WHERE type = ? "
	    "AND row_id = ?", -1, &st, NULL) != SQLITE_OK)
		fail_msg("changes: %s", sqlite3_errmsg(t.db));
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(op, sizeof op, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return op;
}

/* A table matching a fixed condition over kt = kb_tables, co = companies
 * (?1 = manager@, ?2 = client@). */
static int64_t
table_pick(const char *where, int nth)
{
	sqlite3_stmt *st;
	char sql[512];
	int64_t id = 0;

	snprintf(sql, sizeof sql, "SELECT kt.id FROM kb_tables kt JOIN "
	    "companies co ON co.id = kt.company_id WHERE (%s) AND ?1 > 0 AND "
	    "?2 > 0 ORDER BY kt.id LIMIT 1 OFFSET %d", where, nth);
	if (sqlite3_prepare_v2(t.db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(t.db));
	sqlite3_bind_int64(st, 1, t.uid[MANAGER]);
	sqlite3_bind_int64(st, 2, t.uid[CLIENT]);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* ---- requests ----------------------------------------------------------- */

static struct api_reply
call(enum role r, const char *method, const char *body,
    const char *if_match, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static struct api_reply
call(enum role r, const char *method, const char *body,
    const char *if_match, const char *key, const char *fmt, ...)
{
	char path[256], im[64], ik[160];
	const char *extra[3] = { NULL, NULL, NULL };
	int n = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	if (if_match != NULL) {
		snprintf(im, sizeof im, "If-Match: \"%s\"", if_match);
		extra[n++] = im;
	}
	if (key != NULL) {
		snprintf(ik, sizeof ik, "Idempotency-Key: %s", key);
		extra[n++] = ik;
	}
	return api_call(t.m, t.tok[r], method, path, body, extra);
}

static struct api_reply
create_row(enum role r, int64_t table, const char *cells)
{
	char body[8192];

	snprintf(body, sizeof body, "{\"cells\":%s}", cells);
	return call(r, "POST", body, NULL, NULL, "/api/v1/kb/tables/%lld/rows",
	    (long long)table);
}

static int64_t
create_zone(const char *zone)
{
	char cells[256];
	struct api_reply rep;
	int64_t id;

	snprintf(cells, sizeof cells, "{\"zone\":\"%s\",\"cities\":"
	    "[\"Madrid\"]}", zone);
	rep = create_row(ADMIN, t.zones, cells);
	expect_status(rep, 201);
	id = (int64_t)json_num(rep.json, "id", 0);
	api_reply_free(&rep);
	assert_true(id > 0);
	return id;
}

/* POST a CSV body as text/csv. */
static struct api_reply
csv_import(enum role r, int64_t table, const char *mode, const char *csv)
{
	static const char *const csv_type[] = {
		"Content-Type: text/csv; charset=utf-8", NULL
	};
	char path[128];

	snprintf(path, sizeof path, "/api/v1/kb/tables/%lld/import%s%s",
	    (long long)table, mode != NULL ? "?mode=" : "",
	    mode != NULL ? mode : "");
	return api_call(t.m, t.tok[r], "POST", path, csv, csv_type);
}

/* The table's columns as a PUT body, with drop left out and (when add is
 * set) one more column appended. */
static char *
columns_body(int64_t table, const char *drop, const char *retype,
    const char *to, const char *add)
{
	sqlite3_stmt *st;
	cJSON *root = cJSON_CreateObject(), *list, *c;
	char *s;

	list = cJSON_AddArrayToObject(root, "columns");
	if (sqlite3_prepare_v2(t.db, "SELECT name, type, required, "
	    "enum_values FROM kb_columns WHERE table_id = ? ORDER BY "
	    "position", -1, &st, NULL) != SQLITE_OK)
		fail_msg("columns: %s", sqlite3_errmsg(t.db));
	sqlite3_bind_int64(st, 1, table);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);

		if (drop != NULL && strcmp(name, drop) == 0)
			continue;
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", name);
		cJSON_AddStringToObject(c, "type", retype != NULL &&
		    strcmp(name, retype) == 0 ? to : type);
		cJSON_AddBoolToObject(c, "required",
		    sqlite3_column_int(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			cJSON_AddItemToObject(c, "enum_values", cJSON_Parse(
			    (const char *)sqlite3_column_text(st, 3)));
		cJSON_AddItemToArray(list, c);
	}
	sqlite3_finalize(st);
	if (add != NULL) {
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", add);
		cJSON_AddStringToObject(c, "type", "text");
		cJSON_AddBoolToObject(c, "required", 0);
		cJSON_AddItemToArray(list, c);
	}
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

/* ---- setup -------------------------------------------------------------- */

static int
group_setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof t);
	if ((t.m = mktd_start(true)) == NULL ||
	    demo_login(t.m, NROLES, role_email, t.tok, t.uid) != 0)
		return -1;
	t.db = mktd_db(t.m);
#define SHARED "co.manager_id = ?1 AND co.owner_id = ?2"
	t.product = table_pick(SHARED " AND kt.kind = 'product'", 0);
	t.zones = table_pick(SHARED " AND EXISTS (SELECT 1 FROM kb_columns k "
	    "WHERE k.table_id = kt.id AND k.name = 'zone')", 0);
	t.promo = table_pick("EXISTS (SELECT 1 FROM kb_columns k WHERE "
	    "k.table_id = kt.id AND k.name = 'discount_percent')", 0);
	t.service_a = table_pick("kt.kind = 'service'", 0);
	t.service_b = table_pick("kt.kind = 'service'", 1);
	t.foreign = table_pick("co.manager_id IS NOT ?1 AND "
	    "co.owner_id IS NOT ?2", 0);
	if (!t.product || !t.zones || !t.promo || !t.service_a ||
	    !t.service_b || !t.foreign) {
		fprintf(stderr, "the demo lacks a KB table this file needs\n");
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return demo_finish(t.m, NROLES, t.tok);
}

/* ---- rows --------------------------------------------------------------- */

static void
test_create_update_delete_with_feed(void **state)
{
	struct api_reply rep;
	int64_t id, before = rows_in(t.zones);
	char *cells;

	(void)state;
	rep = create_row(CLIENT, t.zones, "{\"zone\":\"Norte\",\"cities\":"
	    "[\"Madrid\",\"Toledo\"],\"delivery_price_eur\":450}");
	expect_status(rep, 201);
	id = (int64_t)json_num(rep.json, "id", 0);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), 1);
	assert_string_equal(json_str(rep.json, "cells.zone"), "Norte");
	assert_int_equal((int64_t)json_num(rep.json,
	    "cells.delivery_price_eur", -1), 450);
	api_reply_free(&rep);
	assert_int_equal(rows_in(t.zones), before + 1);
	assert_string_equal(last_op("kb_row", id), "upsert");

	rep = call(MANAGER, "PATCH", "{\"cells\":{\"same_day\":true,"
	    "\"delivery_price_eur\":null}}", "1", NULL,
	    "/api/v1/kb/tables/%lld/rows/%lld", (long long)t.zones,
	    (long long)id);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), 2);
	assert_string_equal(json_str(rep.json, "cells.zone"), "Norte");
	assert_int_equal((int64_t)json_num(rep.json,
	    "cells.delivery_price_eur", -1), -1);
	api_reply_free(&rep);
	cells = db_text(t.db, "SELECT cells FROM kb_rows WHERE id = ?", 1, id);
	assert_non_null(strstr(cells, "\"same_day\":true"));
	assert_null(strstr(cells, "delivery_price_eur"));
	free(cells);

	/* A required cell cannot be cleared. */
	rep = call(ADMIN, "PATCH", "{\"cells\":{\"zone\":\"\"}}", NULL, NULL,
	    "/api/v1/kb/tables/%lld/rows/%lld", (long long)t.zones,
	    (long long)id);
	expect_case(rep, 422, "missing_field", "zone", "clear required");
	api_reply_free(&rep);

	rep = call(SUPPORT, "DELETE", NULL, NULL, NULL,
	    "/api/v1/kb/tables/%lld/rows/%lld", (long long)t.zones,
	    (long long)id);
	expect_status(rep, 204);
	api_reply_free(&rep);
	assert_int_equal(rows_in(t.zones), before);
	assert_string_equal(last_op("kb_row", id), "delete");

	rep = call(ADMIN, "DELETE", NULL, NULL, NULL,
	    "/api/v1/kb/tables/%lld/rows/%lld", (long long)t.zones,
	    (long long)id);
	expect_status(rep, 404);
	api_reply_free(&rep);
	/* A row is only found under its own table. */
	id = create_zone("Sur");
	rep = call(ADMIN, "PATCH", "{\"cells\":{}}", NULL, NULL,
	    "/api/v1/kb/tables/%lld/rows/%lld", (long long)t.product,
	    (long long)id);
	expect_status(rep, 404);
	api_reply_free(&rep);
}

#define PRODUCT(extra) "{\"product_name\":\"Rosa\",\"sku\":77," \
	"\"description\":\"Una rosa\",\"price_eur\":100,\"cities\":" \
	"[\"Madrid\"]" extra "}"

static void
test_validation_per_type(void **state)
{
	static const struct {
		const char	*cells, *field, *code;
	} bad[] = {
		{ "{\"product_name\":\"Rosa\",\"sku\":\"77\",\"description\":"
		  "\"x\",\"price_eur\":1,\"cities\":[\"M\"]}", "sku",
		  "invalid_type" },
		{ "{\"product_name\":\"Rosa\",\"sku\":7.5,\"description\":"
		  "\"x\",\"price_eur\":1,\"cities\":[\"M\"]}", "sku",
		  "invalid_type" },
		{ "{\"product_name\":\"Rosa\",\"sku\":7,\"description\":"
		  "\"x\",\"price_eur\":-1,\"cities\":[\"M\"]}", "price_eur",
		  "out_of_range" },
		{ "{\"product_name\":\"Rosa\",\"sku\":7,\"description\":"
		  "\"x\",\"price_eur\":\"1\",\"cities\":[\"M\"]}", "price_eur",
		  "invalid_type" },
		{ "{\"product_name\":\"Rosa\",\"sku\":7,\"description\":"
		  "\"x\",\"price_eur\":1,\"cities\":\"Madrid\"}", "cities",
		  "invalid_type" },
		{ "{\"product_name\":\"Rosa\",\"sku\":7,\"description\":"
		  "\"x\",\"price_eur\":1,\"cities\":[1]}", "cities",
		  "invalid_type" },
		{ "{\"product_name\":\"Rosa\",\"sku\":7,\"description\":"
		  "\"x\",\"price_eur\":1,\"cities\":[]}", "cities",
		  "missing_field" },
		{ PRODUCT(",\"website_url\":\"ftp://x.example\""),
		  "website_url", "invalid_value" },
		{ PRODUCT(",\"image_url\":\"https://a b\""), "image_url",
		  "invalid_value" },
		{ PRODUCT(",\"unit\":5"), "unit", "invalid_type" },
		{ PRODUCT(",\"stock_units\":1e300"), "stock_units",
		  "out_of_range" },
		{ PRODUCT(",\"stock_units\":true"), "stock_units",
		  "invalid_type" },
		{ "{\"sku\":7,\"description\":\"x\",\"price_eur\":1,"
		  "\"cities\":[\"M\"]}", "product_name", "missing_field" },
		{ PRODUCT(",\"colour\":\"red\""), "colour", "unknown_column" },
	};
	struct api_reply rep;
	int64_t before = rows_in(t.product);
	char *longtext, *cells;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rep = create_row(ADMIN, t.product, bad[i].cells);
		expect_case(rep, 422, bad[i].code, bad[i].field, bad[i].cells);
		api_reply_free(&rep);
	}
	/* text: at most 4000 characters (code points, not bytes). */
	longtext = malloc(4001 * 2 + 1);
	for (int i = 0; i < 4001; i++)
		memcpy(longtext + 2 * i, "\xc3\xb1", 2);
	longtext[4001 * 2] = '\0';
	cells = malloc(strlen(longtext) + 256);
	sprintf(cells, PRODUCT(",\"unit\":\"%s\""), longtext);
	rep = create_row(ADMIN, t.product, cells);
	expect_case(rep, 422, "too_long", "unit", "4001 characters");
	api_reply_free(&rep);
	sprintf(cells, PRODUCT(",\"unit\":\"%s\""), longtext + 2);
	rep = create_row(ADMIN, t.product, cells);
	expect_status(rep, 201);
	api_reply_free(&rep);
	free(cells);
	free(longtext);
	/* boolean and enum, on the promo table. */
	rep = create_row(ADMIN, t.promo, "{\"code\":\"X1\",\"discount_percent\""
	    ":5,\"active\":\"yes\"}");
	expect_case(rep, 422, "invalid_type", "active", "boolean");
	api_reply_free(&rep);
	rep = create_row(ADMIN, t.promo, "{\"code\":\"X1\",\"discount_percent\""
	    ":5,\"channel\":\"fax\"}");
	expect_case(rep, 422, "invalid_value", "channel", "enum");
	api_reply_free(&rep);
	rep = create_row(ADMIN, t.promo, "{\"code\":\"X1\",\"discount_percent\""
	    ":5,\"channel\":\"whatsapp\",\"active\":false}");
	expect_status(rep, 201);
	api_reply_free(&rep);
	/* Body shape. */
	rep = call(ADMIN, "POST", "{\"cells\":[1]}", NULL, NULL,
	    "/api/v1/kb/tables/%lld/rows", (long long)t.product);
	expect_case(rep, 422, "invalid_type", "cells", "cells array");
	api_reply_free(&rep);
	rep = call(ADMIN, "POST", "{}", NULL, NULL,
	    "/api/v1/kb/tables/%lld/rows", (long long)t.product);
	expect_case(rep, 422, "missing_field", "cells", "no cells");
	api_reply_free(&rep);
	/* price_eur 0 means free (seed 002). */
	rep = create_row(ADMIN, t.product, "{\"product_name\":\"Gratis\","
	    "\"sku\":78,\"description\":\"x\",\"price_eur\":0,\"cities\":"
	    "[\"Madrid\"]}");
	expect_status(rep, 201);
	assert_int_equal((int64_t)json_num(rep.json, "cells.price_eur", -1),
	    0);
	api_reply_free(&rep);
	assert_int_equal(rows_in(t.product), before + 2);
}

static void
test_stale_if_match(void **state)
{
	int64_t id = create_zone("Este");
	struct api_reply rep;

	(void)state;
	rep = call(ADMIN, "PATCH", "{\"cells\":{\"cutoff_time\":\"14:00\"}}",
	    "1", NULL, "/api/v1/kb/tables/%lld/rows/%lld",
	    (long long)t.zones, (long long)id);
	expect_status(rep, 200);
	assert_string_equal(rep.etag, "\"2\"");
	api_reply_free(&rep);
	rep = call(ADMIN, "PATCH", "{\"cells\":{\"cutoff_time\":\"15:00\"}}",
	    "1", NULL, "/api/v1/kb/tables/%lld/rows/%lld",
	    (long long)t.zones, (long long)id);
	expect_error(rep, 412, "version_mismatch");
	assert_int_equal((int64_t)json_num(rep.json, "current.version", 0), 2);
	assert_string_equal(json_str(rep.json, "current.cells.cutoff_time"),
	    "14:00");
	api_reply_free(&rep);
	/* Stale wins over a bad body: nothing is judged past it. */
	rep = call(ADMIN, "PATCH", "{\"cells\":{\"nope\":1}}", "1", NULL,
	    "/api/v1/kb/tables/%lld/rows/%lld", (long long)t.zones,
	    (long long)id);
	expect_status(rep, 412);
	api_reply_free(&rep);
	rep = call(ADMIN, "DELETE", NULL, "1", NULL,
	    "/api/v1/kb/tables/%lld/rows/%lld", (long long)t.zones,
	    (long long)id);
	expect_status(rep, 412);
	api_reply_free(&rep);
	assert_int_equal(db_int(t.db, 0, "SELECT count(*) FROM kb_rows WHERE id = ?",
	    1, id), 1);
}

static void
test_idempotent_create(void **state)
{
	int64_t before = rows_in(t.zones), a, b;
	const char *body = "{\"cells\":{\"zone\":\"Oeste\",\"cities\":"
	    "[\"Avila\"]}}";
	struct api_reply rep;

	(void)state;
	rep = call(ADMIN, "POST", body, NULL, "kb-create-1",
	    "/api/v1/kb/tables/%lld/rows", (long long)t.zones);
	expect_status(rep, 201);
	a = (int64_t)json_num(rep.json, "id", 0);
	api_reply_free(&rep);
	rep = call(ADMIN, "POST", body, NULL, "kb-create-1",
	    "/api/v1/kb/tables/%lld/rows", (long long)t.zones);
	expect_status(rep, 201);
	b = (int64_t)json_num(rep.json, "id", 0);
	api_reply_free(&rep);
	assert_int_equal(a, b);
	assert_int_equal(rows_in(t.zones), before + 1);
}

/* ---- columns ------------------------------------------------------------ */

static void
test_column_edit(void **state)
{
	int64_t tb = t.service_a, v0, rows = rows_in(tb);
	struct api_reply rep;
	char *body, ver[32];

	(void)state;
	assert_true(db_int(t.db, 0, "SELECT count(*) FROM kb_rows WHERE table_id = ? "
	    "AND json_extract(cells, '$.location') IS NOT NULL", 1, tb) > 0);
	v0 = db_int(t.db, 0, "SELECT version FROM kb_tables WHERE id = ?", 1, tb);
	snprintf(ver, sizeof ver, "%lld", (long long)v0);
	body = columns_body(tb, "location", "slots_available", "text",
	    "notes");
	rep = call(ADMIN, "PUT", body, ver, NULL,
	    "/api/v1/kb/tables/%lld/columns", (long long)tb);
	expect_status(rep, 200);
	assert_int_equal((int64_t)json_num(rep.json, "version", 0), v0 + 1);
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(rep.json, "columns")));
	api_reply_free(&rep);
	assert_string_equal(last_op("kb_table", tb), "upsert");
	/* The removed column left every row; the retyped one was converted. */
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM kb_rows WHERE "
	    "table_id = ? AND json_extract(cells, '$.location') IS NOT NULL",
	    1, tb), 0);
	assert_int_equal(db_int(t.db, -1, "SELECT count(*) FROM kb_rows WHERE "
	    "table_id = ? AND json_type(cells, '$.slots_available') = "
	    "'integer'", 1, tb), 0);
	assert_true(db_int(t.db, 0, "SELECT count(*) FROM kb_rows WHERE "
	    "table_id = ? AND json_type(cells, '$.slots_available') = "
	    "'text'", 1, tb) > 0);
	assert_int_equal(rows_in(tb), rows);
	assert_int_equal(db_int(t.db, 0, "SELECT count(*) FROM kb_columns WHERE "
	    "table_id = ? AND name IN ('notes', 'location')", 1, tb), 1);

	/* Stale: the old version is refused with the current table. */
	rep = call(ADMIN, "PUT", body, ver, NULL,
	    "/api/v1/kb/tables/%lld/columns", (long long)tb);
	expect_status(rep, 412);
	assert_int_equal((int64_t)json_num(rep.json, "current.version", 0),
	    v0 + 1);
	api_reply_free(&rep);
	free(body);

	rep = call(ADMIN, "PUT", "{\"columns\":[{\"name\":\"Bad Name\","
	    "\"type\":\"text\"}]}", NULL, NULL,
	    "/api/v1/kb/tables/%lld/columns", (long long)tb);
	expect_case(rep, 422, "invalid_value", "columns[0].name", "name");
	api_reply_free(&rep);
	rep = call(ADMIN, "PUT", "{\"columns\":[{\"name\":\"a\",\"type\":"
	    "\"text\"},{\"name\":\"a\",\"type\":\"url\"}]}", NULL, NULL,
	    "/api/v1/kb/tables/%lld/columns", (long long)tb);
	expect_case(rep, 422, "duplicate_column", "columns[1].name", "dup");
	api_reply_free(&rep);
	rep = call(ADMIN, "PUT", "{\"columns\":[{\"name\":\"a\",\"type\":"
	    "\"float\"}]}", NULL, NULL,
	    "/api/v1/kb/tables/%lld/columns", (long long)tb);
	expect_case(rep, 422, "invalid_value", "columns[0].type", "type");
	api_reply_free(&rep);
	rep = call(ADMIN, "PUT", "{\"columns\":[{\"name\":\"a\",\"type\":"
	    "\"enum\"}]}", NULL, NULL,
	    "/api/v1/kb/tables/%lld/columns", (long long)tb);
	expect_case(rep, 422, "missing_field", "columns[0].enum_values",
	    "enum without values");
	api_reply_free(&rep);
	/* A new required column must fit the rows already there. */
	body = columns_body(tb, NULL, NULL, NULL, NULL);
	{
		cJSON *j = cJSON_Parse(body), *c = cJSON_CreateObject();
		char *s;

		cJSON_AddStringToObject(c, "name", "must_have");
		cJSON_AddStringToObject(c, "type", "text");
		cJSON_AddBoolToObject(c, "required", 1);
		cJSON_AddItemToArray(cJSON_GetObjectItem(j, "columns"), c);
		s = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		rep = call(ADMIN, "PUT", s, NULL, NULL,
		    "/api/v1/kb/tables/%lld/columns", (long long)tb);
		free(s);
	}
	expect_case(rep, 422, "missing_field", "must_have", "new required");
	assert_true(json_num(rep.json, "row_id", 0) > 0);
	api_reply_free(&rep);
	free(body);
	assert_int_equal(db_int(t.db, 0, "SELECT version FROM kb_tables WHERE "
	    "id = ?", 1, tb), v0 + 1);
}

/* ---- CSV ---------------------------------------------------------------- */

static struct api_reply
export_csv(enum role r, int64_t table)
{
	return call(r, "GET", NULL, NULL, NULL,
	    "/api/v1/kb/tables/%lld/export.csv", (long long)table);
}

static void
test_export_import_round_trip(void **state)
{
	int64_t tb = t.service_b, n = rows_in(tb);
	struct api_reply a, b;
	struct api_reply imp;

	(void)state;
	a = export_csv(BILLING, tb);
	expect_status(a, 200);
	assert_true(a.body_len > 0);
	assert_non_null(strstr(a.body, "\r\n"));
	assert_true(strncmp(a.body, "service_name,", 13) == 0);
	imp = csv_import(ADMIN, tb, "replace", a.body);
	expect_status(imp, 200);
	assert_int_equal((int64_t)json_num(imp.json, "imported", -1), n);
	api_reply_free(&imp);
	assert_int_equal(rows_in(tb), n);
	b = export_csv(ADMIN, tb);
	expect_status(b, 200);
	assert_int_equal(a.body_len, b.body_len);
	assert_memory_equal(a.body, b.body, a.body_len);
	api_reply_free(&a);
	api_reply_free(&b);
}

static void
test_import_quotes_newlines_bom_alias(void **state)
{
	static const char csv[] =
	    "\xEF\xBB\xBF" "Название товара,SKU,Description,Price,Cities,"
	    "free-delivery\r\n"
	    "\"Rosa \"\"roja\"\", grande\",5001,\"Línea 1\r\nLínea 2\","
	    "1250,\"Madrid, Sevilla\",\r\n"
	    "\r\n"
	    "Tulipán,5002,Simple,0,\"[\"\"Bilbao\"\"]\",8000\n";
	int64_t tb = t.product, n = rows_in(tb), id;
	struct api_reply imp;
	char *s;

	(void)state;
	imp = csv_import(CLIENT, tb, NULL, csv);
	expect_status(imp, 200);
	assert_int_equal((int64_t)json_num(imp.json, "imported", -1), 2);
	api_reply_free(&imp);
	assert_int_equal(rows_in(tb), n + 2);
	id = db_int(t.db, 0, "SELECT id FROM kb_rows WHERE table_id = ? AND "
	    "json_extract(cells, '$.sku') = 5001", 1, tb);
	assert_true(id > 0);
	s = db_text(t.db, "SELECT json_extract(cells, '$.product_name') FROM "
	    "kb_rows WHERE id = ?", 1, id);
	assert_string_equal(s, "Rosa \"roja\", grande");
	free(s);
	s = db_text(t.db, "SELECT json_extract(cells, '$.description') FROM "
	    "kb_rows WHERE id = ?", 1, id);
	assert_string_equal(s, "Línea 1\r\nLínea 2");
	free(s);
	s = db_text(t.db, "SELECT json_extract(cells, '$.cities') FROM kb_rows "
	    "WHERE id = ?", 1, id);
	assert_string_equal(s, "[\"Madrid\",\"Sevilla\"]");
	free(s);
	assert_int_equal(db_int(t.db, -1, "SELECT json_extract(cells, "
	    "'$.price_eur') FROM kb_rows WHERE id = ?", 1, id), 1250);
	assert_int_equal(db_int(t.db, -1, "SELECT json_extract(cells, "
	    "'$.free_delivery') FROM kb_rows WHERE table_id = ? AND "
	    "json_extract(cells, '$.sku') = 5002", 1, tb), 8000);
	assert_string_equal(last_op("kb_row", id), "upsert");
}

static void
test_import_bad_row_imports_nothing(void **state)
{
	static const char bad_price[] =
	    "product_name,sku,description,price_eur,cities\n"
	    "A,1,d,100,Madrid\n"
	    "\"B\nsecond line\",2,d,200,Madrid\n"
	    "C,3,d,-5,Madrid\n";
	static const char bad_header[] =
	    "product_name,sku,colour\nA,1,red\n";
	static const char bad_bool[] =
	    "code,discount_percent,active\nP1,5,maybe\n";
	static const char unclosed[] =
	    "product_name,sku,description,price_eur,cities\n\"A,1,d,1,M\n";
	static const char ragged[] =
	    "product_name,sku,description,price_eur,cities\nA,1,d\n";
	/* row 0: the answer need not name one */
	static const struct {
		const int64_t	*table;
		const char	*mode, *csv, *code, *field, *what;
		int		 row;
	} bad[] = {
		/* line 5: the quoted newline in the second record spans 3
		 * and 4 */
		{ &t.product, "append", bad_price, "out_of_range", "price_eur",
		    "bad price", 5 },
		{ &t.product, "replace", bad_header, "unknown_column",
		    "colour", "bad header", 1 },
		{ &t.promo, NULL, bad_bool, NULL, "active", "bad boolean", 2 },
		{ &t.product, NULL, unclosed, "bad_csv", NULL,
		    "unclosed quote", 0 },
		{ &t.product, NULL, ragged, "bad_csv", NULL, "ragged row", 2 },
		{ &t.product, "merge", ragged, NULL, "mode", "bad mode", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t n = rows_in(*bad[i].table);
		struct api_reply imp = csv_import(ADMIN, *bad[i].table,
		    bad[i].mode, bad[i].csv);

		expect_case(imp, 422, bad[i].code, bad[i].field, bad[i].what);
		if (bad[i].row != 0)
			assert_int_equal((int64_t)json_num(imp.json, "row", 0),
			    bad[i].row);
		api_reply_free(&imp);
		assert_int_equal(rows_in(*bad[i].table), n);
	}
}

/* ---- who may do what ---------------------------------------------------- */

static void
test_authorization_matrix(void **state)
{
	static const long write_ok[NROLES] = {
		[ADMIN] = 1, [MANAGER] = 1, [SUPPORT] = 1, [CLIENT] = 1,
	};
	int64_t tb = t.zones;
	char *cols;

	(void)state;
	for (int r = 0; r < NROLES; r++) {
		long deny = r == PERFORMER ? 404 : 403;
		int64_t row = create_zone(role_name[r]);
		char ver[32];
		struct api_reply rep;
		struct api_reply imp;
		static const char csv[] = "zone,cities\r\nMatrix,Madrid\r\n";

		rep = create_row((enum role)r, tb, "{\"zone\":\"M\","
		    "\"cities\":[\"Madrid\"]}");
		expect_case(rep, write_ok[r] ? 201 : deny, NULL, NULL,
		    role_name[r]);
		api_reply_free(&rep);

		rep = call((enum role)r, "PATCH", "{\"cells\":{\"cutoff_time\":"
		    "\"10:00\"}}", NULL, NULL,
		    "/api/v1/kb/tables/%lld/rows/%lld", (long long)tb,
		    (long long)row);
		expect_case(rep, write_ok[r] ? 200 : deny, NULL, NULL,
		    role_name[r]);
		api_reply_free(&rep);

		rep = call((enum role)r, "DELETE", NULL, NULL, NULL,
		    "/api/v1/kb/tables/%lld/rows/%lld", (long long)tb,
		    (long long)row);
		expect_case(rep, write_ok[r] ? 204 : deny, NULL, NULL,
		    role_name[r]);
		api_reply_free(&rep);

		cols = columns_body(tb, NULL, NULL, NULL, NULL);
		snprintf(ver, sizeof ver, "%lld", (long long)db_int(t.db, 0,
		    "SELECT version FROM kb_tables WHERE id = ?", 1, tb));
		rep = call((enum role)r, "PUT", cols, ver, NULL,
		    "/api/v1/kb/tables/%lld/columns", (long long)tb);
		expect_case(rep, write_ok[r] ? 200 : deny, NULL, NULL,
		    role_name[r]);
		api_reply_free(&rep);
		free(cols);

		rep = export_csv((enum role)r, tb);
		expect_case(rep, r == PERFORMER ? 404 : 200, NULL, NULL,
		    role_name[r]);
		api_reply_free(&rep);

		imp = csv_import((enum role)r, tb, NULL, csv);
		expect_case(imp, write_ok[r] ? 200 : deny, NULL, NULL,
		    role_name[r]);
		api_reply_free(&imp);
	}
	/* Out of scope is 404 for the manager and the client. */
	for (int r = MANAGER; r <= CLIENT; r += CLIENT - MANAGER) {
		struct api_reply rep = export_csv((enum role)r, t.foreign);

		expect_status(rep, 404);
		api_reply_free(&rep);
		rep = create_row((enum role)r, t.foreign, "{}");
		expect_status(rep, 404);
		api_reply_free(&rep);
	}
	{
		struct api_reply rep = export_csv(ADMIN, 999999);

		expect_status(rep, 404);
		api_reply_free(&rep);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_update_delete_with_feed),
		cmocka_unit_test(test_validation_per_type),
		cmocka_unit_test(test_stale_if_match),
		cmocka_unit_test(test_idempotent_create),
		cmocka_unit_test(test_column_edit),
		cmocka_unit_test(test_export_import_round_trip),
		cmocka_unit_test(test_import_quotes_newlines_bom_alias),
		cmocka_unit_test(test_import_bad_row_imports_nothing),
		cmocka_unit_test(test_authorization_matrix),
	};

	return cmocka_run_group_tests_name("kb", tests, group_setup,
	    group_teardown);
}
