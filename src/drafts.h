/* The composer's unsent text, kept in the cache per conversation and
 * kind ("text" or "note") so it survives closing the pane and quitting. */
#ifndef MKT_DRAFTS_H
#define MKT_DRAFTS_H

#include <stdint.h>
#include <sqlite3.h>

/* The draft, malloc'd, or NULL when there is none (or on error). */
char	*draft_load(sqlite3 *db, int64_t conversation, const char *kind);
/* Saves body; an empty or blank body deletes the draft.  0 or -1. */
int	 draft_save(sqlite3 *db, int64_t conversation, const char *kind,
	    const char *body);

#endif
