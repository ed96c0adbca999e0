/* See fts.h.  The rebuilds mirror what the schema's triggers store
 * (db/001_init.sql, db/003_invoice_search.sql, db/005_search.sql); the
 * integration test compares an index built here with one the triggers
 * build, term by term. */
#include <stdio.h>
#include <string.h>

#include "fts.h"
#include "util.h"

static const char *const messages_sql[] = {
	/* Contentless, keyed as its triggers key it. */
	"INSERT INTO messages_fts(messages_fts) VALUES ('delete-all')",
	"INSERT INTO messages_fts(rowid, body) SELECT (conversation_id << 32) "
	"| (id & 4294967295), body FROM messages",
	NULL
};
static const char *const contacts_sql[] = {
	"INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')", NULL
};
static const char *const kb_rows_sql[] = {
	"INSERT INTO kb_rows_fts(kb_rows_fts) VALUES ('rebuild')", NULL
};
static const char *const invoices_sql[] = {
	/* Its own copy: the company as it is now, and the lines as the
	 * insert triggers join them (each one after a blank, in order). */
	"DELETE FROM invoices_fts",
	"INSERT INTO invoices_fts(rowid, number, company, notes, lines) "
	"SELECT i.id, i.number, (SELECT code || ' ' || name FROM companies "
	"WHERE id = i.company_id), i.notes, ifnull((SELECT ' ' || "
	"group_concat(description, ' ') FROM (SELECT description FROM "
	"invoice_lines WHERE invoice_id = i.id ORDER BY position, id)), '') "
	"FROM invoices i",
	NULL
};

static const struct index {
	const char		*name;
	const char *const	*rebuild;
} indexes[] = {
	{ "messages_fts", messages_sql },
	{ "contacts_fts", contacts_sql },
	{ "kb_rows_fts", kb_rows_sql },
	{ "invoices_fts", invoices_sql },
};

#define MARK	"fts_stale"

static int
exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "full-text index: %s", sqlite3_errmsg(db));
	return -1;
}

static bool
known(const char *name)
{
	for (size_t i = 0; i < nitems(indexes); i++)
		if (strcmp(indexes[i].name, name) == 0)
			return true;
	return false;
}

/* Every FTS5 table is known, and every trigger keeps one (by the
 * schema's naming, <table>_fts_a[idu]). */
static int
schema_allows(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	bool ok = true;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT type, name, sql FROM sqlite_master "
	    "WHERE type = 'trigger' OR (type = 'table' AND sql LIKE "
	    "'CREATE VIRTUAL TABLE%USING fts5%')", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);

		if (strcmp(type, "trigger") == 0)
			ok = strstr(name, "_fts_") != NULL;
		else
			ok = known(name);
	}
	sqlite3_finalize(st);
	if (ok && rc != SQLITE_DONE)
		goto fail;
	return ok ? 1 : 0;
fail:
	snprintf(err, errlen, "full-text index: %s", sqlite3_errmsg(db));
	return -1;
}

static void
set_triggers(sqlite3 *db, int on)
{
	/* Changing it expires the connection's prepared statements, which
	 * SQLite prepares again, with or without the triggers, on their
	 * next step. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, on, NULL);
}

bool
fts_stale(sqlite3 *db)
{
	sqlite3_stmt *st;
	bool stale = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sync_state WHERE key = '"
	    MARK "'", -1, &st, NULL) != SQLITE_OK)
		return false;
	stale = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return stale;
}

int
fts_defer(sqlite3 *db, char *err, size_t errlen)
{
	int rc;

	if ((rc = schema_allows(db, err, errlen)) != 1)
		return rc;
	if (exec(db, "INSERT OR REPLACE INTO sync_state(key, value) VALUES ('"
	    MARK "', '1')", err, errlen) != 0)
		return -1;
	set_triggers(db, 0);
	return 1;
}

int
fts_rebuild(sqlite3 *db, char *err, size_t errlen)
{
	for (size_t i = 0; i < nitems(indexes); i++)
		for (const char *const *sql = indexes[i].rebuild; *sql != NULL;
		    sql++)
			if (exec(db, *sql, err, errlen) != 0)
				return -1;
	if (exec(db, "DELETE FROM sync_state WHERE key = '" MARK "'", err,
	    errlen) != 0)
		return -1;
	set_triggers(db, 1);
	return 0;
}

void
fts_resume_triggers(sqlite3 *db)
{
	set_triggers(db, 1);
}
