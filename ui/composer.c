/* The reply box.  The text is one UTF-8 buffer and the cursor a byte
 * offset that only ever lands between characters (wrap.h's sense: a base
 * and its marks).  Layout is recomputed from the buffer on each draw and
 * each vertical move: a reply is a few thousand characters at most, and
 * a cache would only be one more thing to get wrong. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "composer.h"
#include "conv.h"
#include "draw.h"
#include "keys.h"
#include "text.h"
#include "theme.h"
#include "util.h"
#include "wrap.h"

#define CTRL(c)	((c) & 0x1f)
#define FN(k)	(KEYF_FUNCTION | (k))

#define RULE		"─"
#define NOTE_TITLE	"Private note"
/* Before the first draw there is no width: lay out by logical lines. */
#define UNWRAPPED	(1 << 20)

/* The key help, longest first: the first that fits is drawn. */
static const char *const helps[] = {
	"Enter send · C-j newline · C-t canned · C-o $EDITOR · "
	    "Esc close (draft kept)",
	"Enter send · C-j newline · C-t canned · C-o $EDITOR · Esc close",
	"Enter send · C-j newline · C-t canned · Esc close",
	"Enter send · C-j newline · Esc close",
	"Enter send · Esc close",
	"Enter send",
};

/* ---- the buffer --------------------------------------------------------- */

static void
reserve(struct composer *c, size_t more)
{
	size_t want = c->len + more + 1, size = c->size > 0 ? c->size : 256;

	if (c->buf != NULL && want <= c->size)
		return;
	while (size < want)
		size *= 2;
	c->buf = xreallocarray(c->buf, size, 1);
	if (c->len == 0)
		c->buf[0] = '\0';
	c->size = size;
}

static void
insert_bytes(struct composer *c, const char *s, size_t n)
{
	reserve(c, n);
	memmove(c->buf + c->cur + n, c->buf + c->cur, c->len - c->cur + 1);
	memcpy(c->buf + c->cur, s, n);
	c->len += n;
	c->cur += n;
}

/* Deletes [from, to), both character boundaries, keeping the cursor on
 * the same text. */
static void
delete_range(struct composer *c, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(c->buf + from, c->buf + to, c->len - to + 1);
	c->len -= to - from;
	if (c->cur >= to)
		c->cur -= to - from;
	else if (c->cur > from)
		c->cur = from;
}

/* Text from outside (a draft, a canned response, $EDITOR's file) as the
 * buffer holds it: sanitized, and tabs as spaces since curses would
 * expand them past the row's measured width. */
static char *
clean_copy(const char *text)
{
	char *s;

	if ((s = text_sanitize_dup(text, strlen(text), 0)) == NULL)
		s = xstrdup("");
	for (char *p = s; *p != '\0'; p++) {
		if (*p == '\t')
			*p = ' ';
	}
	return s;
}

static void
insert_text(struct composer *c, const char *text)
{
	char *s = clean_copy(text);

	insert_bytes(c, s, strlen(s));
	free(s);
}

/* A typed character, through the same gate as pasted text: a key code
 * could be a C1 control or a bidi override. */
static void
insert_key(struct composer *c, int key)
{
	wchar_t wc[2] = { (wchar_t)key, L'\0' };
	char raw[16], clean[16];
	size_t n;

	if ((key >= 0xd800 && key <= 0xdfff) || key > 0x10ffff)
		return;
	if ((n = wcstombs(raw, wc, sizeof raw)) == (size_t)-1)
		return;
	n = text_sanitize(clean, sizeof clean, raw, n, TEXT_ONELINE);
	if (n > 0)
		insert_bytes(c, clean, n);
}

static size_t
line_start(const struct composer *c, size_t pos)
{
	while (pos > 0 && c->buf[pos - 1] != '\n')
		pos--;
	return pos;
}

static size_t
line_end(const struct composer *c, size_t pos)
{
	while (pos < c->len && c->buf[pos] != '\n')
		pos++;
	return pos;
}

/* A character of white space: a plain space or a line break, not a
 * space carrying a mark. */
static int
is_blank_at(const struct composer *c, size_t from, size_t to)
{
	return to == from + 1 && (c->buf[from] == ' ' || c->buf[from] == '\n');
}

static void
delete_word(struct composer *c)
{
	size_t p = c->cur, q;

	while (p > 0 && is_blank_at(c, q = wrap_prev_char(c->buf, p), p))
		p = q;
	while (p > 0 && !is_blank_at(c, q = wrap_prev_char(c->buf, p), p))
		p = q;
	delete_range(c, p, c->cur);
}

static int
is_blank(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s != ' ' && *s != '\n')
			return 0;
	}
	return 1;
}

/* ---- layout --------------------------------------------------------- */

/* The rows of the text at cols columns, malloc'd; *n gets their number. */
static struct wrap_line *
layout(const struct composer *c, int cols, int *n)
{
	struct wrap_line *lines;

	*n = wrap_lines(composer_text(c), cols, NULL, 0);
	lines = xreallocarray(NULL, (size_t)*n, sizeof *lines);
	wrap_lines(composer_text(c), cols, lines, *n);
	return lines;
}

static int
text_cols(int w)
{
	return w > 1 ? w - 1 : 1;
}

/* Up or Down by rows, keeping want_col; past the first or last row, the
 * start or end of the text, as a browser's text area does. */
static void
move_rows(struct composer *c, int by)
{
	struct wrap_line *lines;
	int n, row, col;

	lines = layout(c, c->cols > 0 ? c->cols : UNWRAPPED, &n);
	row = wrap_locate(c->buf, lines, n, c->cur, &col);
	if (c->want_col < 0)
		c->want_col = col;
	row += by;
	if (row < 0)
		c->cur = 0;
	else if (row >= n)
		c->cur = c->len;
	else
		c->cur = wrap_offset_at(c->buf, &lines[row], c->want_col);
	free(lines);
}

/* 3812 -> "3,812". */
static void
group(char *buf, size_t len, size_t n)
{
	char digits[32];
	size_t nd, o = 0;

	nd = (size_t)snprintf(digits, sizeof digits, "%zu", n);
	for (size_t i = 0; i < nd && o + 1 < len; i++) {
		if (i > 0 && (nd - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	if (len > 0)
		buf[o] = '\0';
}

/* ---- the interface ------------------------------------------------------ */

void
composer_open(struct composer *c, const char *kind, const char *title,
    size_t cap, const char *initial)
{
	free(c->buf);
	memset(c, 0, sizeof *c);
	c->active = true;
	snprintf(c->kind, sizeof c->kind, "%s", kind != NULL ? kind : "text");
	snprintf(c->title, sizeof c->title, "%s", title != NULL ? title : "");
	c->cap = cap;
	c->want_col = -1;
	reserve(c, 0);
	if (initial != NULL)
		insert_text(c, initial);
}

void
composer_close(struct composer *c)
{
	free(c->buf);
	c->buf = NULL;
	c->len = c->size = c->cur = 0;
	c->top = 0;
	c->want_col = -1;
	c->note[0] = '\0';
	c->active = false;
}

void
composer_insert(struct composer *c, const char *text)
{
	if (!c->active || c->buf == NULL)
		return;
	if (text != NULL)
		insert_text(c, text);
	c->want_col = -1;
}

void
composer_set(struct composer *c, const char *text)
{
	if (!c->active || c->buf == NULL)
		return;
	c->len = c->cur = 0;
	c->buf[0] = '\0';
	c->top = 0;
	c->want_col = -1;
	if (text != NULL)
		insert_text(c, text);
}

const char *
composer_text(const struct composer *c)
{
	return c->buf != NULL ? c->buf : "";
}

size_t
composer_chars(const struct composer *c)
{
	return conv_chars(composer_text(c));
}

bool
composer_over_cap(const struct composer *c)
{
	return c->cap > 0 && composer_chars(c) > c->cap;
}

/* Enter: send, or say in the note why not. */
static enum composer_result
try_send(struct composer *c)
{
	char have[32], cap[32], over[32];
	size_t n;

	if (is_blank(composer_text(c))) {
		snprintf(c->note, sizeof c->note, "nothing to send");
		return COMPOSER_EDITING;
	}
	if (composer_over_cap(c)) {
		n = composer_chars(c);
		group(have, sizeof have, n);
		group(cap, sizeof cap, c->cap);
		group(over, sizeof over, n - c->cap);
		snprintf(c->note, sizeof c->note,
		    "%s / %s characters: %s over the cap",
		    have, cap, over);
		return COMPOSER_EDITING;
	}
	return COMPOSER_SEND;
}

enum composer_result
composer_key(struct composer *c, int key)
{
	int keep_col = 0;

	/* Closed, there is no buffer to edit: the caller has forgotten to
	 * route keys elsewhere, and closed is what it should hear. */
	if (!c->active || c->buf == NULL)
		return COMPOSER_CLOSE;
	if (key == FN(KEY_RESIZE))
		return COMPOSER_EDITING;
	c->note[0] = '\0';
	switch (key) {
	case '\n':
		return try_send(c);
	case 27:
		return COMPOSER_CLOSE;
	case CTRL('t'):
		return COMPOSER_CANNED;
	case CTRL('o'):
		return COMPOSER_EDITOR;
	case KEY_NEWLINE:
		insert_bytes(c, "\n", 1);
		break;
	case FN(KEY_BACKSPACE):
	case CTRL('h'):
	case 127:
		delete_range(c, wrap_prev_char(c->buf, c->cur), c->cur);
		break;
	case FN(KEY_DC):
	case CTRL('d'):
		delete_range(c, c->cur, wrap_next_char(c->buf, c->cur));
		break;
	case FN(KEY_LEFT):
	case CTRL('b'):
		c->cur = wrap_prev_char(c->buf, c->cur);
		break;
	case FN(KEY_RIGHT):
	case CTRL('f'):
		c->cur = wrap_next_char(c->buf, c->cur);
		break;
	case FN(KEY_UP):
	case CTRL('p'):
		move_rows(c, -1);
		keep_col = 1;
		break;
	case FN(KEY_DOWN):
	case CTRL('n'):
		move_rows(c, 1);
		keep_col = 1;
		break;
	case FN(KEY_PPAGE):
		move_rows(c, -(c->rows > 1 ? c->rows - 1 : 1));
		keep_col = 1;
		break;
	case FN(KEY_NPAGE):
		move_rows(c, c->rows > 1 ? c->rows - 1 : 1);
		keep_col = 1;
		break;
	case FN(KEY_HOME):
	case CTRL('a'):
		c->cur = line_start(c, c->cur);
		break;
	case FN(KEY_END):
	case CTRL('e'):
		c->cur = line_end(c, c->cur);
		break;
	case CTRL('w'):
		delete_word(c);
		break;
	case CTRL('u'):
		/* At the start of a line, the break before it: repeated C-u
		 * goes on eating upwards, as repeated C-k eats downwards. */
		if (line_start(c, c->cur) == c->cur && c->cur > 0)
			delete_range(c, c->cur - 1, c->cur);
		else
			delete_range(c, line_start(c, c->cur), c->cur);
		break;
	case CTRL('k'):
		if (line_end(c, c->cur) == c->cur && c->cur < c->len)
			delete_range(c, c->cur, c->cur + 1);
		else
			delete_range(c, c->cur, line_end(c, c->cur));
		break;
	default:
		if (!(key & KEYF_FUNCTION) && key >= 0x20 && key != 0x7f)
			insert_key(c, key);
		else
			keep_col = 1;	/* a key we ignore moves nothing */
		break;
	}
	if (!keep_col)
		c->want_col = -1;
	return COMPOSER_EDITING;
}

int
composer_height(const struct composer *c, int w, int max)
{
	int rows = wrap_lines(composer_text(c), text_cols(w), NULL, 0) + 2;

	if (rows < 3)
		rows = 3;
	if (rows > max)
		rows = max;
	return rows > 0 ? rows : 0;
}

/* ---- drawing ---------------------------------------------------------- */

static void
draw_rule(int y, int x, int w, attr_t attr)
{
	attrset(attr);
	for (int i = 0; i < w; i++)
		mvaddstr(y, x + i, RULE);
	attrset(A_NORMAL);
}

static bool
is_note(const struct composer *c)
{
	return strcmp(c->kind, "note") == 0;
}

/* "── Reply to Ana Ruiz · whatsapp ───── 123 / 3,800 ──": the title goes
 * first when the row is short, then the count. */
static void
draw_title(const struct composer *c, int y, int x, int w)
{
	char title[sizeof c->title + 32], count[80], have[32], cap[32];
	attr_t rule, head, num;
	size_t n = composer_chars(c);
	int cw, room;

	if (is_note(c) && strncasecmp(c->title, NOTE_TITLE,
	    strlen(NOTE_TITLE)) != 0)
		snprintf(title, sizeof title, "%s%s%s", NOTE_TITLE,
		    c->title[0] != '\0' ? " · " : "", c->title);
	else
		snprintf(title, sizeof title, "%s", c->title);
	rule = theme_attr(is_note(c) ? ROLE_PENDING : ROLE_DIM);
	head = theme_attr(is_note(c) ? ROLE_PENDING : ROLE_HEADER);

	group(have, sizeof have, n);
	if (c->cap > 0) {
		group(cap, sizeof cap, c->cap);
		snprintf(count, sizeof count, " %s / %s ", have, cap);
	} else
		snprintf(count, sizeof count, " %s ", have);
	if (c->cap > 0 && n > c->cap)
		num = theme_attr(ROLE_ERROR);
	else if (c->cap > 0 && n * 10 > c->cap * 9)
		num = theme_attr(ROLE_WARN);
	else
		num = rule;

	draw_rule(y, x, w, rule);
	cw = (int)strlen(count);	/* digits, commas and spaces */
	room = w;
	if (cw + 4 <= w) {
		draw_cell(y, x + w - 2 - cw, count, cw, 0, num);
		room = w - 2 - cw;
	}
	/* "── " before the title, " " and at least one rule after it */
	room -= 3 + 2;
	if (room >= 3 && title[0] != '\0') {
		char clean[sizeof title * 2];
		int tw;

		text_sanitize(clean, sizeof clean, title, strlen(title),
		    TEXT_ONELINE);
		tw = text_width(clean);
		if (tw > room)
			tw = room;
		draw_cell(y, x + 2, " ", 1, 0, rule);
		draw_cell(y, x + 3, clean, tw, 0, head);
		draw_cell(y, x + 3 + tw, " ", 1, 0, rule);
	}
}

/* The help that fits, or the note in its place. */
static void
draw_footer(const struct composer *c, int y, int x, int w)
{
	size_t i;

	if (c->note[0] != '\0') {
		draw_text(y, x, c->note, w, theme_attr(composer_over_cap(c) ?
		    ROLE_ERROR : ROLE_WARN));
		return;
	}
	for (i = 0; i + 1 < nitems(helps); i++) {
		if (text_width(helps[i]) <= w)
			break;
	}
	draw_cell(y, x, helps[i], w, 0, theme_attr(ROLE_DIM));
}

/* One row of the text.  The buffer is sanitized on the way in; this pass
 * is the drawing gate all data goes through, and turns nothing here. */
static void
draw_row(const struct composer *c, const struct wrap_line *l, int y, int x,
    int w)
{
	char clean[2048];

	text_sanitize(clean, sizeof clean, c->buf + l->off, l->len,
	    TEXT_ONELINE);
	draw_cell(y, x, clean, w, 0, theme_attr(ROLE_NORMAL));
}

void
composer_draw(struct composer *c, int y, int x, int h, int w)
{
	struct wrap_line *lines;
	int n, row, col, ty = y, th = h;

	if (h <= 0 || w <= 0 || !c->active || c->buf == NULL)
		return;
	if (h >= 2) {
		if (h == 2 && c->note[0] != '\0')
			draw_footer(c, y, x, w);
		else
			draw_title(c, y, x, w);
		ty++;
		th--;
	}
	if (h >= 3) {
		draw_footer(c, y + h - 1, x, w);
		th--;
	}

	c->cols = text_cols(w);
	c->rows = th;
	lines = layout(c, c->cols, &n);
	row = wrap_locate(c->buf, lines, n, c->cur, &col);
	/* Keep the cursor in view, and no blank rows below the text while
	 * there is text above the top to fill them. */
	if (c->top > n - th)
		c->top = n - th;
	if (c->top > row)
		c->top = row;
	if (row >= c->top + th)
		c->top = row - th + 1;
	if (c->top < 0)
		c->top = 0;
	for (int i = 0; i < th; i++) {
		if (c->top + i < n)
			draw_row(c, &lines[c->top + i], ty + i, x, w);
		else
			draw_fill(ty + i, x, w, theme_attr(ROLE_NORMAL));
	}
	free(lines);

	move(ty + row - c->top, x + (col < w ? col : w - 1));
	curs_set(1);
}
