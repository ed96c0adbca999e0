#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "theme.h"
#include "util.h"
#include "vlist.h"

#define GAP	1	/* columns between cells */
#define MARK_W	2	/* the pending mark and its gap */
#define TAG_W	1	/* the tag mark, before it */

int
vlist_init(struct vlist *vl, sqlite3 *db, const struct list_source *src,
    const struct vcolumn *cols, int ncols, char *err, size_t errlen)
{
	memset(vl, 0, sizeof *vl);
	vl->cols = cols;
	vl->ncols = ncols;
	vl->cur_col = -1;
	vl->empty = "(nothing here)";
	vl->pending_cell = -1;
	return listwin_init(&vl->win, db, src, err, errlen);
}

void
vlist_free(struct vlist *vl)
{
	listwin_free(&vl->win);
	vlist_tags_clear(vl);
}

/* The index where id is or would go in the sorted tags. */
static int
tag_slot(const struct vlist *vl, int64_t id)
{
	int lo = 0, hi = vl->ntags;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (vl->tags[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
vlist_tagged(const struct vlist *vl, int64_t id)
{
	int i = tag_slot(vl, id);

	return i < vl->ntags && vl->tags[i] == id;
}

bool
vlist_tag_toggle(struct vlist *vl, int64_t id)
{
	int i = tag_slot(vl, id);

	if (i < vl->ntags && vl->tags[i] == id) {
		memmove(&vl->tags[i], &vl->tags[i + 1],
		    (size_t)(vl->ntags - i - 1) * sizeof *vl->tags);
		vl->ntags--;
		return false;
	}
	if (vl->ntags == vl->tagsize) {
		vl->tagsize = vl->tagsize != 0 ? vl->tagsize * 2 : 16;
		vl->tags = xreallocarray(vl->tags, (size_t)vl->tagsize,
		    sizeof *vl->tags);
	}
	memmove(&vl->tags[i + 1], &vl->tags[i],
	    (size_t)(vl->ntags - i) * sizeof *vl->tags);
	vl->tags[i] = id;
	vl->ntags++;
	return true;
}

void
vlist_tags_clear(struct vlist *vl)
{
	free(vl->tags);
	vl->tags = NULL;
	vl->ntags = vl->tagsize = 0;
}

void
vlist_column(struct vlist *vl, int delta)
{
	vl->cur_col += delta;
	if (vl->cur_col >= vl->ncols)
		vl->cur_col = vl->ncols - 1;
	if (vl->cur_col < 0)
		vl->cur_col = 0;
}

/* Chooses which columns show and how wide.  Returns how many are shown,
 * their indexes in shown[] and widths in width[]. */
static int
layout(struct vlist *vl, int w, int *shown, int *width)
{
	int n = 0, used = 0, flex = 0;

	if (vl->cur_col >= 0) {
		/* Grid: a run of columns starting at first_col, moved so the
		 * cursor column is always in it. */
		if (vl->first_col > vl->cur_col)
			vl->first_col = vl->cur_col;
		for (;;) {
			int end = vl->first_col, sum = 0;
			while (end < vl->ncols && sum + vl->cols[end].min <= w) {
				sum += vl->cols[end].min + GAP;
				end++;
			}
			if (vl->cur_col < end || vl->first_col >= vl->cur_col)
				break;
			vl->first_col++;
		}
		for (int c = vl->first_col; c < vl->ncols; c++) {
			if (used + vl->cols[c].min > w)
				break;
			shown[n] = c;
			width[n++] = vl->cols[c].min;
			used += vl->cols[c].min + GAP;
		}
	} else {
		/* List: admit columns by priority while their minimum widths
		 * fit, then lay them out in their own order. */
		bool take[64] = { false };
		for (int p = 0; p <= 9; p++)
			for (int c = 0; c < vl->ncols && c < 64; c++) {
				if (vl->cols[c].priority != p || take[c])
					continue;
				if (used + vl->cols[c].min <= w) {
					take[c] = true;
					used += vl->cols[c].min + GAP;
				}
			}
		for (int c = 0; c < vl->ncols && c < 64; c++)
			if (take[c]) {
				shown[n] = c;
				width[n++] = vl->cols[c].min;
			}
	}

	/* Hand out the spare width.  Bounded columns may take half of it
	 * toward their max, so the flexible ones (a message preview, a
	 * title), which carry the most text, keep the rest. */
	int spare = w - (used > 0 ? used - GAP : 0);
	for (int i = 0; i < n; i++)
		flex += vl->cols[shown[i]].max == 0;
	int budget = flex > 0 ? spare / 2 : spare;
	for (int i = 0; i < n && budget > 0; i++) {
		const struct vcolumn *c = &vl->cols[shown[i]];
		int add = c->max - width[i];

		if (c->max == 0 || add <= 0)
			continue;
		if (add > budget)
			add = budget;
		width[i] += add;
		budget -= add;
		spare -= add;
	}
	for (int i = 0; i < n && spare > 0 && flex > 0; i++)
		if (vl->cols[shown[i]].max == 0) {
			int add = spare / flex--;
			width[i] += add;
			spare -= add;
		}
	return n;
}

/* Whether the row has actions still waiting for the server. */
static bool
row_pending(const struct vlist *vl, const struct list_row *row)
{
	const char *s;

	if (vl->pending_cell < 0 || vl->pending_cell >= row->ncells)
		return false;
	s = row->cells[vl->pending_cell];
	return s[0] != '\0' && strcmp(s, "0") != 0;
}

/* The one place the tag and pending marks are drawn, for every list. */
static void
draw_mark(struct vlist *vl, const struct list_row *row, int y, int x,
    int mw, attr_t base, bool selected)
{
	if (vl->taggable && mw > 0) {
		if (vlist_tagged(vl, row->id))
			draw_cell(y, x, TAG_MARK, TAG_W, 0, selected ? base :
			    theme_attr(ROLE_WARN) | A_BOLD);
		x += TAG_W;
		mw -= TAG_W;
	}
	if (mw > 0 && row_pending(vl, row))
		draw_cell(y, x, PENDING_MARK, mw, 0, selected ? base :
		    theme_attr(ROLE_PENDING) | (base & A_BOLD));
}

/* The cursor is the row's marks drawn as a block (and the grid's cell),
 * unless [ui] arrow_cursor is off and it is the whole row: that repaints
 * every cell of two rows on each move, ten times the bytes of the block
 * on a wide terminal, which people on slow links feel. */
static void
draw_row(struct vlist *vl, const struct list_row *row, int y, int x, int w,
    int mw, int n, const int *shown, const int *width, attr_t base,
    attr_t cursor, bool current, time_t now)
{
	bool bar = current && !theme_arrow_cursor();
	attr_t row_attr = bar ? cursor : base;
	char buf[512];
	int cx = x + mw;

	draw_fill(y, x, w, row_attr);
	if (current)
		draw_fill(y, x, mw, cursor);
	draw_mark(vl, row, y, x, mw, current ? cursor : base, current);
	for (int i = 0; i < n; i++) {
		const struct vcolumn *c = &vl->cols[shown[i]];
		const char *s;
		int role = -1;
		attr_t a = row_attr;

		if (c->format != NULL)
			s = c->format(row, c, buf, sizeof buf, now, &role);
		else
			s = c->cell < row->ncells ? row->cells[c->cell] : "";
		if (role >= 0 && !bar)
			a = theme_attr((enum role)role) |
			    (base & (A_BOLD | A_UNDERLINE));
		if (current && shown[i] == vl->cur_col)
			a = theme_attr(ROLE_TAB_ACTIVE);
		draw_cell(y, cx, s, width[i], c->right, a);
		cx += width[i] + GAP;
	}
}

void
vlist_draw(struct vlist *vl, int y, int x, int h, int w, bool focused,
    time_t now)
{
	struct listwin *lw = &vl->win;
	int shown[64], width[64], n, cx = x;
	/* The mark's column is kept even when no row is pending, so the
	 * columns do not jump when one becomes so; it is also the cursor. */
	int mw = (vl->pending_cell >= 0 || theme_arrow_cursor()) && w > 20 ?
	    MARK_W : 0;

	if (vl->taggable && w > 20)
		mw += TAG_W;

	if (h < 2 || w < 1)
		return;
	if (lw->height != h - 1 || !vl->loaded) {
		listwin_resize(lw, h - 1);
		vl->loaded = true;
	}
	n = layout(vl, w - mw, shown, width);

	draw_fill(y, x, w, theme_attr(ROLE_HEADER));
	cx += mw;
	for (int i = 0; i < n; i++) {
		const struct vcolumn *c = &vl->cols[shown[i]];
		draw_cell(y, cx, c->title, width[i], c->right,
		    theme_attr(ROLE_HEADER));
		cx += width[i] + GAP;
	}
	for (int r = 0; r < h - 1; r++) {
		const struct list_row *row = r < lw->nrows ? &lw->rows[r] : NULL;
		bool sel = row != NULL && r == lw->sel;
		attr_t a;

		if (row == NULL) {
			draw_fill(y + 1 + r, x, w, theme_attr(ROLE_NORMAL));
			continue;
		}
		a = vl->row_attr != NULL ? (attr_t)vl->row_attr(row) : 0;
		draw_row(vl, row, y + 1 + r, x, w, mw, n, shown, width,
		    theme_attr(ROLE_NORMAL) | a, theme_attr(focused ?
		    ROLE_SELECTED : ROLE_SELECTED_IDLE) | a, sel, now);
	}
	if (lw->nrows == 0)
		draw_cell(y + 1, x + 1, lw->err[0] != '\0' ? lw->err :
		    vl->empty, w - 1, 0, theme_attr(ROLE_DIM));
}
