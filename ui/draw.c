#include <string.h>

#include "draw.h"
#include "text.h"

int
draw_cell(int y, int x, const char *s, int cols, int right_align,
    attr_t attr)
{
	char buf[1024];

	if (cols <= 0)
		return 0;
	/* A cell wider than the buffer can hold is cut by text_cell at a
	 * character boundary; 1024 bytes covers 250+ columns of any script. */
	text_cell(buf, sizeof buf, s != NULL ? s : "", cols, right_align);
	attrset(attr);
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
	return cols;
}

int
draw_text(int y, int x, const char *s, int cols, attr_t attr)
{
	char clean[1024];

	text_sanitize(clean, sizeof clean, s, strlen(s), TEXT_ONELINE);
	return draw_cell(y, x, clean, cols, 0, attr);
}

void
draw_fill(int y, int x, int cols, attr_t attr)
{
	attrset(attr);
	for (int i = 0; i < cols; i++)
		mvaddch(y, x + i, ' ');
	attrset(A_NORMAL);
}
