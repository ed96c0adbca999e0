/* What the pickers offer, from the cache: people a conversation can be
 * assigned to, the labels in use, a company's canned responses.  Each
 * calls fn once per choice, best first. */
#ifndef MKT_CHOICES_H
#define MKT_CHOICES_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

typedef void (*choice_fn)(void *arg, int64_t id, const char *label,
    const char *detail, bool marked);

/* Staff who may answer conversations (not billing, not performers),
 * the current assignee of conversation marked.  0 or -1. */
int	choices_assignees(sqlite3 *db, int64_t conversation, choice_fn fn,
	    void *arg);
/* Every label in use, most used first, those on conversation marked
 * (conversation 0: none marked).  The id is the use count. */
int	choices_labels(sqlite3 *db, int64_t conversation, choice_fn fn,
	    void *arg);
/* The canned responses of the conversation's company by short code;
 * the detail is the start of the text. */
int	choices_canned(sqlite3 *db, int64_t conversation, choice_fn fn,
	    void *arg);
/* A canned response's text, malloc'd, or NULL. */
char	*choices_canned_text(sqlite3 *db, int64_t id);

#endif
