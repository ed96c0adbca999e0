/* Text layout: wrapping UTF-8 into rows of at most N columns, and moving
 * through it by character.  The composer edits with it and the thread
 * view wraps message bodies with it, so both agree on where a row ends.
 *
 * Text is sanitized UTF-8 (text_sanitize without TEXT_ONELINE: '\n' and
 * '\t' may remain).  Widths are text_width's: a combining mark or other
 * zero-width code point 0, East Asian wide characters and emoji 2.  A
 * "character" here is what the cursor steps over: one code point and the
 * zero-width code points after it, so a mark never leaves its base.  '\n'
 * is always a character of its own; '\t' counts one column (draw it as a
 * space: curses would expand it). */
#ifndef MKT_WRAP_H
#define MKT_WRAP_H

#include <stddef.h>

/*
 * One visual row: bytes [off, off + len) are drawn, taking width columns.
 * The row ends at
 *   - a '\n' (s[off + len] == '\n', next == off + len + 1);
 *   - a space where it wrapped: that one space is drawn by neither row
 *     (s[off + len] == ' ', next == off + len + 1);
 *   - a word too long for a row, split between characters
 *     (next == off + len, s[next] != '\0');
 *   - the end of the text (next == off + len, s[next] == '\0').
 * Every row but one holding a single character wider than cols has
 * width <= cols.
 */
struct wrap_line {
	size_t	off;	/* first byte of the row */
	size_t	len;	/* bytes drawn */
	size_t	next;	/* first byte of the following row */
	int	width;	/* columns of the bytes drawn */
};

/* Lays out the row starting at byte off of s (cols < 1 counts as 1),
 * breaking after the last space that fits, else between characters.
 * Returns line->next. */
size_t	wrap_line_at(const char *s, size_t off, int cols,
	    struct wrap_line *line);

/* Splits s into rows of at most cols columns, storing the first max of
 * them in out (which may be NULL when max is 0).  Returns how many rows
 * there are, as snprintf does, so a caller can size out and call again.
 * The empty string is one empty row.  Text ending in a break ('\n', or a
 * space the last row wrapped at) has an empty last row, where an editor's
 * cursor stands after it; a viewer may trim trailing white space first. */
int	wrap_lines(const char *s, int cols, struct wrap_line *out, int max);

/* Character steps: the offset after the character at pos (its marks
 * included), and the start of the character before pos.  Both stay
 * within [0, strlen(s)]. */
size_t	wrap_next_char(const char *s, size_t pos);
size_t	wrap_prev_char(const char *s, size_t pos);

/* Columns of s[from, to), which must be character boundaries in one row
 * (a '\n' in the span counts 0). */
int	wrap_width(const char *s, size_t from, size_t to);

/* The row of n holding the cursor at byte pos and, in *col if not NULL,
 * its column.  A cursor on the first byte of a row is on that row, so
 * the end of a row split mid-word is the start of the next; a position
 * past every row is on the last. */
int	wrap_locate(const char *s, const struct wrap_line *lines, int n,
	    size_t pos, int *col);

/* The cursor position on line nearest column col without passing it:
 * at most the end of the drawn bytes, or the last character's start on
 * a row split mid-word (whose end is the next row's start). */
size_t	wrap_offset_at(const char *s, const struct wrap_line *line, int col);

#endif
