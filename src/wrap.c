/* Rows and characters of UTF-8 text.  Widths come from text_width, one
 * code point at a time, so a row measured here is the row text_cell and
 * draw_cell draw.  Nothing allocates; the composer calls all of this on
 * every key and frame over a few thousand characters at most. */
#include <string.h>

#include "text.h"
#include "wrap.h"

/* Bytes of the code point at p, which is not the NUL.  Sanitized text is
 * well formed; a stray byte of anything else is a unit of its own, and a
 * NUL never continues a sequence. */
static size_t
cp_len(const unsigned char *p)
{
	size_t need, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3;
	else
		return 1;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return i;
	}
	return i;
}

/* Columns of the code point at s[pos], its length in *n.  Asking
 * text_width keeps one answer for every width in mkt. */
static int
cp_width(const char *s, size_t pos, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s + pos;
	char one[5];

	*n = cp_len(p);
	if ((p[0] >= 0x20 && p[0] < 0x7f) || p[0] == '\t')
		return 1;
	memcpy(one, p, *n);
	one[*n] = '\0';
	return text_width(one);
}

/* The character at pos (not the NUL): one code point and the zero-width
 * ones after it, except that '\n' is always alone.  Returns its end. */
static size_t
char_at(const char *s, size_t pos, int *width)
{
	size_t n;

	*width = cp_width(s, pos, &n);
	if (s[pos] == '\n')
		return pos + 1;
	pos += n;
	while (s[pos] != '\0' && s[pos] != '\n' && cp_width(s, pos, &n) == 0)
		pos += n;
	return pos;
}

static size_t
set_line(struct wrap_line *line, size_t off, size_t end, size_t next,
    int width)
{
	line->off = off;
	line->len = end - off;
	line->next = next;
	line->width = width;
	return next;
}

size_t
wrap_line_at(const char *s, size_t off, int cols, struct wrap_line *line)
{
	size_t pos = off, q, brk = 0;
	int used = 0, w, brk_used = 0;

	if (cols < 1)
		cols = 1;
	while (s[pos] != '\0' && s[pos] != '\n') {
		q = char_at(s, pos, &w);
		if (used + w > cols) {
			/* A space that does not fit is the break itself. */
			if (s[pos] == ' ' && q == pos + 1)
				return set_line(line, off, pos, q, used);
			if (brk > off)
				return set_line(line, off, brk, brk + 1,
				    brk_used);
			if (pos > off)
				return set_line(line, off, pos, pos, used);
			/* One character wider than the row: it goes alone,
			 * or no row would ever hold it. */
			return set_line(line, off, q, q, w);
		}
		/* A plain space may end the row; one carrying marks is a
		 * character like any other. */
		if (s[pos] == ' ' && q == pos + 1 && pos > off) {
			brk = pos;
			brk_used = used;
		}
		used += w;
		pos = q;
	}
	return set_line(line, off, pos, s[pos] == '\n' ? pos + 1 : pos, used);
}

int
wrap_lines(const char *s, int cols, struct wrap_line *out, int max)
{
	struct wrap_line line;
	size_t pos = 0;
	int n = 0;

	for (;;) {
		wrap_line_at(s, pos, cols, &line);
		if (n < max)
			out[n] = line;
		n++;
		/* A row that ends the text without consuming a break is the
		 * last; after a '\n' or a wrapped space comes one more, even
		 * if empty, since the cursor can stand there. */
		if (s[line.next] == '\0' && line.next == line.off + line.len)
			return n;
		pos = line.next;
	}
}

size_t
wrap_next_char(const char *s, size_t pos)
{
	int w;

	if (s[pos] == '\0')
		return pos;
	return char_at(s, pos, &w);
}

/* Forward from the start of the logical line: walking UTF-8 backwards
 * would have to guess where marks and malformed bytes begin, while '\n'
 * is always the boundary of a character. */
size_t
wrap_prev_char(const char *s, size_t pos)
{
	size_t p, q;
	int w;

	if (pos == 0)
		return 0;
	if (s[pos - 1] == '\n')
		return pos - 1;
	for (p = pos - 1; p > 0 && s[p - 1] != '\n'; p--)
		;
	for (;;) {
		q = char_at(s, p, &w);
		if (q >= pos)
			return p;
		p = q;
	}
}

int
wrap_width(const char *s, size_t from, size_t to)
{
	int width = 0, w;

	while (from < to && s[from] != '\0') {
		from = char_at(s, from, &w);
		width += w;
	}
	return width;
}

int
wrap_locate(const char *s, const struct wrap_line *lines, int n, size_t pos,
    int *col)
{
	int r = 0;
	size_t end;

	if (n <= 0) {
		if (col != NULL)
			*col = 0;
		return 0;
	}
	while (r + 1 < n && lines[r + 1].off <= pos)
		r++;
	end = lines[r].off + lines[r].len;
	if (col != NULL)
		*col = pos <= lines[r].off ? 0 :
		    wrap_width(s, lines[r].off, pos < end ? pos : end);
	return r;
}

size_t
wrap_offset_at(const char *s, const struct wrap_line *line, int col)
{
	size_t pos = line->off, end = line->off + line->len, q;
	int used = 0, w;

	while (pos < end) {
		q = char_at(s, pos, &w);
		if (used + w > col)
			break;
		used += w;
		pos = q;
	}
	/* The end of a row split mid-word is the next row's start: stop
	 * on its last character instead, or the cursor would change rows. */
	if (pos == end && pos > line->off && line->next == end &&
	    s[end] != '\0')
		pos = wrap_prev_char(s, pos);
	return pos;
}
