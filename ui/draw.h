/* Drawing sanitized text into exact column spans.  Every string drawn
 * from data has passed text_sanitize() (listwin does it on fetch); these
 * helpers only fit and pad by display width. */
#ifndef MKT_DRAW_H
#define MKT_DRAW_H

#include <curses.h>

/* Draws s at (y, x) filling exactly cols columns with attribute attr:
 * truncated with "…" or padded with spaces.  Returns cols. */
int	draw_cell(int y, int x, const char *s, int cols, int right_align,
	    attr_t attr);

/* Like draw_cell, but sanitizes s first (for text not from listwin). */
int	draw_text(int y, int x, const char *s, int cols, attr_t attr);

/* Fills a span with spaces in attr. */
void	draw_fill(int y, int x, int cols, attr_t attr);

#endif
