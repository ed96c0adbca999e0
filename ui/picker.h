/* A fuzzy picker: a box over the screen listing items, narrowed as the
 * user types (fuzzy_score), like fzf or k9s's ":" completion.  Used to
 * choose an assignee, a label or a canned response.
 *
 * Keys (keys.h codes): typing edits the query at the end (Backspace,
 * C-u clears it, C-w drops its last word) and re-ranks the items, best
 * first, ties in the order added, non-matches hidden.  Up/Down, C-p/C-n,
 * PgUp/PgDn, Home/End move; Enter chooses; Esc or C-g cancels.
 *
 * With allow_new, a last row "+ new "query"" is offered whenever the
 * query is not blank and equals no label (ignoring ASCII case): Enter on
 * it, which is the only row when nothing matches, gives PICKER_NEW.
 *
 * The struct must be zeroed before its first picker_open; purpose and
 * target are never touched, so set them before or after opening. */
#ifndef MKT_PICKER_H
#define MKT_PICKER_H

#include <stdbool.h>
#include <stdint.h>

struct picker_item {
	int64_t	 id;
	char	*label;		/* matched and shown */
	char	*detail;	/* shown dimmed after it, or NULL */
	bool	 marked;	/* drawn with a ✓ (a label already set) */
};

struct picker {
	bool			 active;
	char			 title[96];
	/* The typed text may be handed back as a new value (a new
	 * label): see "+ new" above. */
	bool			 allow_new;
	struct picker_item	*items;
	int			 nitems, size;
	char			 query[256];	/* UTF-8, sanitized */
	int			*shown;		/* indexes into items, best
						   first */
	int			 nshown;
	int			 sel, top;	/* sel == nshown: "+ new" */
	int			 page;		/* rows shown at the last
						   draw, for PgUp/PgDn */
	int			 purpose;	/* the caller's, untouched */
	int64_t			 target;	/* the caller's, untouched */
};

enum picker_result {
	PICKER_OPEN,		/* key taken */
	PICKER_CHOSEN,		/* picker_chosen() says what */
	PICKER_NEW,		/* Enter on "+ new": picker_query() is the
				   new value (untrimmed) */
	PICKER_CANCEL,
};

/* Opens empty with no query, freeing any items left from before. */
void	picker_open(struct picker *p, const char *title, bool allow_new);
/* Copies label and detail (NULL: none), sanitized to one line: they are
 * data.  Call after open, before the first key. */
void	picker_add(struct picker *p, int64_t id, const char *label,
	    const char *detail, bool marked);
/* Closes and frees the items: read picker_chosen() first. */
void	picker_close(struct picker *p);

/* Feeds one key.  KEYF_FUNCTION | KEY_RESIZE and keys it does not use
 * return PICKER_OPEN; a closed picker answers PICKER_CANCEL. */
enum picker_result picker_key(struct picker *p, int key);
/* The item under the cursor, or NULL (none shown, or on "+ new"). */
const struct picker_item *picker_chosen(const struct picker *p);
const char *picker_query(const struct picker *p);

/* Draws the box centred in a screen of lines x cols (min(cols - 4, 70)
 * wide, as tall as its rows up to lines - 4) and places the terminal
 * cursor, visible, at the end of the query. */
void	picker_draw(struct picker *p, int lines, int cols);

#endif
