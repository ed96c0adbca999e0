/* The fuzzy picker.  Items are ranked afresh on every change of the
 * query: pickers hold tens or hundreds of names, and fuzzy_score over
 * all of them costs less than a frame. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "draw.h"
#include "fuzzy.h"
#include "keys.h"
#include "picker.h"
#include "text.h"
#include "theme.h"
#include "util.h"
#include "wrap.h"

#define CTRL(c)	((c) & 0x1f)
#define FN(k)	(KEYF_FUNCTION | (k))

#define MAX_WIDTH	70
#define MARK		"✓"
#define PROMPT		"> "

struct ranked {
	int	idx;
	int	score;
};

/* Best first; equal scores keep the order added (qsort is not stable). */
static int
ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static void
refilter(struct picker *p)
{
	struct ranked *r;
	int n = 0, s;

	r = xreallocarray(NULL, (size_t)(p->nitems > 0 ? p->nitems : 1),
	    sizeof *r);
	for (int i = 0; i < p->nitems; i++) {
		if ((s = fuzzy_score(p->query, p->items[i].label)) >= 0) {
			r[n].idx = i;
			r[n].score = s;
			n++;
		}
	}
	qsort(r, (size_t)n, sizeof *r, ranked_cmp);
	for (int i = 0; i < n; i++)
		p->shown[i] = r[i].idx;
	p->nshown = n;
	p->sel = p->top = 0;
	free(r);
}

/* The query without the spaces around it, into buf. */
static const char *
trimmed(const struct picker *p, char *buf, size_t len)
{
	const char *s = p->query;
	size_t n;

	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* Whether the last row offers the query as a new value. */
static bool
offers_new(const struct picker *p)
{
	char q[sizeof p->query];

	if (!p->allow_new || trimmed(p, q, sizeof q)[0] == '\0')
		return false;
	for (int i = 0; i < p->nitems; i++) {
		if (strcasecmp(p->items[i].label, q) == 0)
			return false;
	}
	return true;
}

/* Rows the list has: the items shown and "+ new". */
static int
list_rows(const struct picker *p)
{
	return p->nshown + (offers_new(p) ? 1 : 0);
}

static void
move_sel(struct picker *p, int by)
{
	int rows = list_rows(p);

	p->sel += by;
	if (p->sel >= rows)
		p->sel = rows - 1;
	if (p->sel < 0)
		p->sel = 0;
}

/* Appends a typed character, through the sanitizer like all input. */
static void
query_add(struct picker *p, int key)
{
	wchar_t wc[2] = { (wchar_t)key, L'\0' };
	char raw[16], clean[16];
	size_t n, len = strlen(p->query);

	if ((key >= 0xd800 && key <= 0xdfff) || key > 0x10ffff)
		return;
	if ((n = wcstombs(raw, wc, sizeof raw)) == (size_t)-1)
		return;
	n = text_sanitize(clean, sizeof clean, raw, n, TEXT_ONELINE);
	if (n == 0 || len + n >= sizeof p->query)
		return;
	memcpy(p->query + len, clean, n + 1);
}

static void
query_word_back(struct picker *p)
{
	size_t n = strlen(p->query);

	while (n > 0 && p->query[n - 1] == ' ')
		n--;
	while (n > 0 && p->query[n - 1] != ' ')
		n--;
	p->query[n] = '\0';
}

void
picker_open(struct picker *p, const char *title, bool allow_new)
{
	picker_close(p);
	p->active = true;
	snprintf(p->title, sizeof p->title, "%s", title != NULL ? title : "");
	p->allow_new = allow_new;
	p->query[0] = '\0';
	p->sel = p->top = 0;
	p->page = 0;
}

void
picker_add(struct picker *p, int64_t id, const char *label,
    const char *detail, bool marked)
{
	struct picker_item *it;

	if (p->nitems == p->size) {
		p->size = p->size > 0 ? p->size * 2 : 16;
		p->items = xreallocarray(p->items, (size_t)p->size,
		    sizeof *p->items);
		p->shown = xreallocarray(p->shown, (size_t)p->size,
		    sizeof *p->shown);
	}
	it = &p->items[p->nitems++];
	it->id = id;
	if (label == NULL)
		label = "";
	if ((it->label = text_sanitize_dup(label, strlen(label),
	    TEXT_ONELINE)) == NULL)
		it->label = xstrdup("");
	it->detail = NULL;
	if (detail != NULL && (it->detail = text_sanitize_dup(detail,
	    strlen(detail), TEXT_ONELINE)) == NULL)
		it->detail = xstrdup("");
	it->marked = marked;
	/* With no query every item shows, in order: no need to rank. */
	if (p->query[0] == '\0')
		p->shown[p->nshown++] = p->nitems - 1;
	else
		refilter(p);
}

void
picker_close(struct picker *p)
{
	for (int i = 0; i < p->nitems; i++) {
		free(p->items[i].label);
		free(p->items[i].detail);
	}
	free(p->items);
	free(p->shown);
	p->items = NULL;
	p->shown = NULL;
	p->nitems = p->size = p->nshown = 0;
	p->sel = p->top = 0;
	p->query[0] = '\0';
	p->active = false;
}

enum picker_result
picker_key(struct picker *p, int key)
{
	size_t n;

	if (!p->active)
		return PICKER_CANCEL;
	switch (key) {
	case '\n':
		if (p->sel < p->nshown)
			return PICKER_CHOSEN;
		if (p->sel == p->nshown && offers_new(p))
			return PICKER_NEW;
		return PICKER_OPEN;
	case 27:
	case CTRL('g'):
		return PICKER_CANCEL;
	case FN(KEY_UP):
	case CTRL('p'):
		move_sel(p, -1);
		return PICKER_OPEN;
	case FN(KEY_DOWN):
	case CTRL('n'):
		move_sel(p, 1);
		return PICKER_OPEN;
	case FN(KEY_PPAGE):
		move_sel(p, -(p->page > 1 ? p->page - 1 : 1));
		return PICKER_OPEN;
	case FN(KEY_NPAGE):
		move_sel(p, p->page > 1 ? p->page - 1 : 1);
		return PICKER_OPEN;
	case FN(KEY_HOME):
		p->sel = 0;
		return PICKER_OPEN;
	case FN(KEY_END):
		move_sel(p, list_rows(p));
		return PICKER_OPEN;
	case FN(KEY_BACKSPACE):
	case CTRL('h'):
	case 127:
		if ((n = strlen(p->query)) == 0)
			return PICKER_OPEN;
		p->query[wrap_prev_char(p->query, n)] = '\0';
		break;
	case CTRL('u'):
		p->query[0] = '\0';
		break;
	case CTRL('w'):
		query_word_back(p);
		break;
	default:
		if ((key & KEYF_FUNCTION) || key < 0x20 || key == 0x7f)
			return PICKER_OPEN;
		query_add(p, key);
		break;
	}
	refilter(p);
	return PICKER_OPEN;
}

const struct picker_item *
picker_chosen(const struct picker *p)
{
	if (!p->active || p->sel < 0 || p->sel >= p->nshown)
		return NULL;
	return &p->items[p->shown[p->sel]];
}

const char *
picker_query(const struct picker *p)
{
	return p->query;
}

/* ---- drawing ---------------------------------------------------------- */

static void
box_rule(int y, int x, int w, const char *left, const char *right, attr_t attr)
{
	attrset(attr);
	mvaddstr(y, x, left);
	for (int i = 1; i < w - 1; i++)
		mvaddstr(y, x + i, "─");
	mvaddstr(y, x + w - 1, right);
	attrset(A_NORMAL);
}

/* The top border: "┌─ Assign to ──────── 3/12 ─┐". */
static void
draw_top(const struct picker *p, int y, int x, int w, attr_t border)
{
	char count[32];
	int cw, room;

	box_rule(y, x, w, "┌", "┐", border);
	cw = snprintf(count, sizeof count, " %d/%d ", p->nshown, p->nitems);
	room = w - 2;
	if (cw + 4 <= room) {
		draw_cell(y, x + w - 2 - cw, count, cw, 0, border);
		room -= cw + 1;
	}
	/* "─ " before the title, " ─" after */
	room -= 4;
	if (room >= 3 && p->title[0] != '\0') {
		char clean[sizeof p->title * 2];
		int tw;

		text_sanitize(clean, sizeof clean, p->title, strlen(p->title),
		    TEXT_ONELINE);
		tw = text_width(clean);
		if (tw > room)
			tw = room;
		draw_cell(y, x + 2, " ", 1, 0, border);
		draw_cell(y, x + 3, clean, tw, 0, theme_attr(ROLE_HEADER));
		draw_cell(y, x + 3 + tw, " ", 1, 0, border);
	}
}

/* The query, its tail if it is too long, so the end stays in view.
 * Returns the cursor's column. */
static int
draw_query(const struct picker *p, int y, int x, int w)
{
	const char *q = p->query;
	int pw = w > 4 ? 2 : 0, qw;

	draw_cell(y, x, PROMPT, pw, 0, theme_attr(ROLE_HEADER));
	while ((qw = text_width(q)) > w - pw - 1 && *q != '\0')
		q += wrap_next_char(q, 0);
	draw_cell(y, x + pw, q, w - pw, 0, theme_attr(ROLE_NORMAL));
	return pw + qw < w ? pw + qw : w - 1;
}

/* Columns for the labels of the rows in view, so their details line up:
 * the widest label, leaving the details a third of the row. */
static int
label_cols(const struct picker *p, int rows, int w)
{
	int most = 0, lw, cap = w - w / 3;

	for (int r = p->top; r < p->top + rows && r < p->nshown; r++) {
		if ((lw = text_width(p->items[p->shown[r]].label)) > most)
			most = lw;
	}
	return most < cap ? most : cap;
}

/* One item: the mark, the label in lw columns, and the detail dimmed
 * after it. */
static void
draw_item(const struct picker_item *it, bool sel, int y, int x, int w,
    int lw)
{
	attr_t base = theme_attr(sel ? ROLE_SELECTED : ROLE_NORMAL);
	attr_t dim = sel ? base : theme_attr(ROLE_DIM);
	int mw = w >= 6 ? 2 : 0, dw;

	draw_fill(y, x, w, base);
	if (mw > 0 && it->marked)
		draw_cell(y, x, MARK, 1, 0,
		    sel ? base : theme_attr(ROLE_GOOD));
	if (lw > w - mw)
		lw = w - mw;
	dw = w - mw - lw - 2;
	/* Without a detail the label may take the whole row. */
	if (it->detail == NULL || it->detail[0] == '\0' || dw < 4) {
		draw_cell(y, x + mw, it->label, w - mw, 0, base);
		return;
	}
	draw_cell(y, x + mw, it->label, lw, 0, base);
	draw_cell(y, x + mw + lw + 2, it->detail, dw, 0, dim);
}

static void
draw_new(const struct picker *p, bool sel, int y, int x, int w)
{
	char line[sizeof p->query + 16], q[sizeof p->query];

	snprintf(line, sizeof line, "+ new \"%s\"", trimmed(p, q, sizeof q));
	draw_fill(y, x, w, theme_attr(sel ? ROLE_SELECTED : ROLE_NORMAL));
	draw_text(y, x, line, w, theme_attr(sel ? ROLE_SELECTED :
	    ROLE_PENDING));
}

void
picker_draw(struct picker *p, int lines, int cols)
{
	attr_t border = theme_attr(ROLE_NORMAL);
	int bw, bh, x0, y0, iw, ix, pad, rows, nrows, curx, lw;

	if (!p->active)
		return;
	bw = cols - 4 < MAX_WIDTH ? cols - 4 : MAX_WIDTH;
	if (bw < 16)			/* a tiny screen: use all of it */
		bw = cols;
	bh = lines - 4;
	if (bh < 4)
		bh = lines;
	if (bw < 5 || bh < 3)
		return;
	nrows = list_rows(p);
	/* Borders, the query and at least one row (for "no match"). */
	if (bh > 3 + (nrows > 0 ? nrows : 1))
		bh = 3 + (nrows > 0 ? nrows : 1);
	x0 = (cols - bw) / 2;
	y0 = (lines - bh) / 2;
	pad = bw >= 12 ? 1 : 0;
	iw = bw - 2 - 2 * pad;
	ix = x0 + 1 + pad;
	rows = bh - 3;
	p->page = rows > 0 ? rows : 1;

	if (p->sel >= nrows)
		p->sel = nrows > 0 ? nrows - 1 : 0;
	if (p->top > p->sel)
		p->top = p->sel;
	if (rows > 0 && p->sel >= p->top + rows)
		p->top = p->sel - rows + 1;
	if (p->top > nrows - rows)
		p->top = nrows - rows > 0 ? nrows - rows : 0;

	draw_top(p, y0, x0, bw, border);
	for (int i = 1; i < bh - 1; i++) {
		draw_cell(i + y0, x0, "│", 1, 0, border);
		draw_fill(i + y0, x0 + 1, bw - 2, theme_attr(ROLE_NORMAL));
		draw_cell(i + y0, x0 + bw - 1, "│", 1, 0, border);
	}
	box_rule(y0 + bh - 1, x0, bw, "└", "┘", border);

	lw = label_cols(p, rows, iw - 2);
	for (int i = 0; i < rows; i++) {
		int r = p->top + i, y = y0 + 2 + i;

		if (r < p->nshown)
			draw_item(&p->items[p->shown[r]], r == p->sel, y, ix,
			    iw, lw);
		else if (r == p->nshown && r < nrows)
			draw_new(p, r == p->sel, y, ix, iw);
		else if (i == 0)
			draw_cell(y, ix, p->nitems > 0 ? "no match" :
			    "nothing to choose", iw, 0, theme_attr(ROLE_DIM));
	}

	curx = draw_query(p, y0 + 1, ix, iw);
	move(y0 + 1, ix + curx);
	curs_set(1);
}
