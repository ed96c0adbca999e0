/* The inline composer: a multi-line text editor for a reply or a private
 * note, drawn at the bottom of the thread.  It counts characters as the
 * server does (conv_chars) against the channel's cap and will not send
 * over it.  It knows nothing of conversations or drafts: the thread view
 * loads the draft into it, saves it back and sends what it returns.
 *
 * Keys are keys.h codes, driven like readline and emacs:
 *   Enter ('\n')	send, unless blank or over the cap (a note says why)
 *   KEY_NEWLINE	a line break (C-j, Alt-Enter)
 *   Esc (27)		close; the caller keeps the text as the draft
 *   C-t		the caller offers canned responses (composer_insert)
 *   C-o		the caller runs $EDITOR on the text (composer_set)
 *   Left Right C-b C-f	a character (a base with its combining marks)
 *   Up Down C-p C-n	a visual row, keeping the column; PgUp PgDn a page
 *   Home End C-a C-e	start and end of the line ('\n' to '\n')
 *   Backspace, Delete C-d	the character before, at the cursor
 *   C-w		the word before the cursor
 *   C-u C-k		to the line's start, to its end (at either, the
 *			line break itself, as emacs's C-k does)
 * Tab and keys not listed do nothing (COMPOSER_EDITING): a caller that
 * wants one handles it before calling composer_key.
 *
 * Text is sanitized as it comes in (typed, composer_set, composer_insert):
 * no controls but '\n', and tabs become spaces.  The struct must be
 * zeroed before its first composer_open. */
#ifndef MKT_COMPOSER_H
#define MKT_COMPOSER_H

#include <stdbool.h>
#include <stddef.h>

/* C-j, or Esc immediately followed by Enter: read_key() in app.c makes
 * these from the terminal's bytes. */
#define KEY_NEWLINE	(0x40000000 | 0x3ff0)

struct composer {
	bool	 active;
	char	 kind[8];		/* "text" or "note" */
	char	 title[128];		/* "Reply to Ana Ruiz · whatsapp" */
	size_t	 cap;			/* characters allowed; 0 none */
	char	*buf;			/* UTF-8, NUL-terminated */
	size_t	 len, size;		/* bytes used, allocated */
	size_t	 cur;			/* cursor, a byte offset */
	int	 top;			/* first visual line shown */
	int	 want_col;		/* column kept by up and down, or -1 */
	int	 cols, rows;		/* text columns and rows at the last
					   draw: what Up, Down and PgDn use */
	char	 note[160];		/* one-line message under the text,
					   until the next key */
};

enum composer_result {
	COMPOSER_EDITING,	/* key taken, keep going */
	COMPOSER_SEND,		/* Enter and within the cap: send text() */
	COMPOSER_CLOSE,		/* Esc: close; the text is the draft */
	COMPOSER_CANNED,	/* C-t: the caller picks a canned response */
	COMPOSER_EDITOR,	/* C-o: the caller runs $EDITOR on text() */
};

/* Opens with initial text (NULL: empty), the cursor at its end.  The
 * title is data (a customer's name): it is sanitized when drawn.  A
 * "note" is drawn in the pending colour, its title led by "Private
 * note" unless it already says so. */
void	composer_open(struct composer *c, const char *kind, const char *title,
	    size_t cap, const char *initial);
/* Closes and frees the text: save composer_text() first to keep it. */
void	composer_close(struct composer *c);

/* Feeds one key; KEYF_FUNCTION | KEY_RESIZE and keys it does not use
 * return COMPOSER_EDITING and change nothing.  A closed composer answers
 * COMPOSER_CLOSE to everything. */
enum composer_result composer_key(struct composer *c, int key);

/* Inserts text at the cursor (a canned response).  Both this and
 * composer_set do nothing to a closed composer. */
void	composer_insert(struct composer *c, const char *text);
/* Replaces the whole text (back from $EDITOR), the cursor at its end. */
void	composer_set(struct composer *c, const char *text);
const char *composer_text(const struct composer *c);
/* Characters as the server counts them, and whether that is over cap. */
size_t	composer_chars(const struct composer *c);
bool	composer_over_cap(const struct composer *c);

/* Rows the composer would like for width w: its text plus a title and a
 * help line, at least 3 and at most max. */
int	composer_height(const struct composer *c, int w, int max);
/* Draws into the rectangle (title rule with the live count, the text,
 * the key help or the note) and places the terminal cursor, visible.
 * Text wraps at w - 1 columns so the cursor has a cell after a full row.
 * With h 2 the help goes, with h 1 the title too. */
void	composer_draw(struct composer *c, int y, int x, int h, int w);

#endif
