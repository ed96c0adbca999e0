/* Files compiled into the binary: SQL migrations (db/) and demo corpora
 * (assets/demo/).  The arrays end with a { NULL, NULL } entry. */
#ifndef MKT_EMBED_H
#define MKT_EMBED_H

struct embedded_file {
	const char *name;	/* basename, e.g. "001_init.sql" */
	const char *text;	/* whole file, NUL-terminated */
};

extern const struct embedded_file embedded_migrations[];
extern const struct embedded_file embedded_assets[];
/* mktd's own tables, applied after the cache schema (db/server/). */
extern const struct embedded_file embedded_server_migrations[];

/* The text of the named file, or NULL. */
const char *embedded_find(const struct embedded_file *files, const char *name);

#endif
