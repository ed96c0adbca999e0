/* The invoice view.  The header and the payments are an invoice_doc,
 * read on opening and whenever the cache changes; the lines are a
 * listwin scoped to the invoice, so an invoice of thousands of lines
 * costs what fits on the screen.
 *
 * Rows, top to bottom: the title (number, kind, company, and the
 * invoice's place in the list), the header block (facts on the left,
 * totals on the right; one column when narrow), the notes, the lines,
 * and the payments.  From SIDE_MIN_W columns the payments move to a
 * panel on the right, as the thread's side panel does.  When the height
 * is short the payments shrink first, then the notes, then the header,
 * so the lines always keep a heading and two rows. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "billing.h"
#include "columns.h"
#include "draw.h"
#include "invoice_view.h"
#include "lists.h"
#include "money.h"
#include "text.h"
#include "theme.h"
#include "timefmt.h"
#include "util.h"
#include "wrap.h"

#define SIDE_W		46	/* the payments panel, when there is room */
#define SIDE_MIN_W	120	/* narrower, payments go under the lines */
#define TWO_COL_MIN_W	64	/* narrower, the header is one column */
#define TOTALS_W	32	/* the totals: a label and an amount */
#define HEADER_MAX_W	100	/* wider, the totals would drift off */
#define LABEL_W		9	/* "due date" and a blank */
#define NOTES_ROWS	3	/* at most, when there is room */
#define LINES_MIN_H	3	/* the lines' heading and two rows */
#define PAY_ROWS	4	/* payments shown under the lines */
#define ENTRY_ROWS	4	/* a payment in the side panel, with a gap */
#define MAX_FIELDS	8

/* ---- the lines ---------------------------------------------------------- */

/* An amount without its currency, which the header states once. */
static const char *
fmt_amount(const struct list_row *row, const struct vcolumn *col, char *buf,
    size_t len, time_t now, int *role)
{
	const char *s = row_cell(row, col->cell);
	char *sp;

	(void)now; (void)role;
	if (s[0] == '\0')
		return "";
	money_format(buf, len, strtoll(s, NULL, 10), row_cell(row, col->aux));
	if ((sp = strrchr(buf, ' ')) != NULL)
		*sp = '\0';
	return buf;
}

/* At 40 columns: #, description and amount; the quantity from 44, the
 * unit price from 56, then the breakdown, then what the line bills
 * (often in the description already). */
static const struct vcolumn line_columns[] = {
	{ "#", L_POSITION, 0, 3, 4, 0, true, NULL, NULL },
	{ "description", L_DESCRIPTION, 0, 20, 0, 0, false, NULL, NULL },
	{ "qty", L_QUANTITY, 0, 3, 6, 1, true, NULL, NULL },
	{ "unit price", L_UNIT_PRICE, L_CURRENCY, 10, 16, 2, true, fmt_amount,
	  NULL },
	{ "amount", L_AMOUNT, L_CURRENCY, 10, 16, 0, true, fmt_amount, NULL },
	{ "for", L_REF, 0, 17, 20, 4, false, NULL, NULL },
	{ "breakdown", L_BREAKDOWN, 0, 12, 0, 3, false, NULL, NULL },
};

int
invoice_view_init(struct app *app, struct invoice_view *v, char *err,
    size_t errlen)
{
	memset(v, 0, sizeof *v);
	if (vlist_init(&v->lines, app->db, &list_invoice_lines, line_columns,
	    nitems(line_columns), err, errlen) != 0)
		return -1;
	v->lines.empty = "No lines on this invoice.";
	return 0;
}

void
invoice_view_free(struct invoice_view *v)
{
	invoice_view_close(v);
	vlist_free(&v->lines);
}

/* ---- opening and reading ------------------------------------------------ */

int
invoice_view_open(struct app *app, struct invoice_view *v, int64_t id)
{
	struct invoice_doc doc;
	char err[256];

	if (invoice_doc_load(app->db, id, &doc, err, sizeof err) != 0) {
		app_error(app, "%s", err);
		return -1;
	}
	invoice_view_close(v);
	v->doc = doc;
	v->open = true;
	/* The first line, at whatever height the next frame gives it. */
	if (listwin_set_scope(&v->lines.win, id) != 0) {
		app_error(app, "%s", v->lines.win.err);
		return -1;
	}
	return 0;
}

void
invoice_view_close(struct invoice_view *v)
{
	if (v->open)
		invoice_doc_free(&v->doc);
	v->open = false;
}

void
invoice_view_reload(struct app *app, struct invoice_view *v)
{
	struct invoice_doc doc;
	char err[256];

	if (!v->open)
		return;
	if (invoice_doc_load(app->db, v->doc.id, &doc, err, sizeof err) != 0) {
		app_error(app, "%s; back to the list", err);
		invoice_view_close(v);
		return;
	}
	invoice_doc_free(&v->doc);
	v->doc = doc;
	if (v->lines.loaded)
		listwin_reload(&v->lines.win);
}

int
invoice_view_show_line(struct app *app, struct invoice_view *v)
{
	const struct list_row *r = listwin_selected(&v->lines.win);
	char unit[64], amount[64];

	if (r == NULL) {
		app_error(app, "no line selected");
		return -1;
	}
	money_format(unit, sizeof unit, strtoll(row_cell(r, L_UNIT_PRICE),
	    NULL, 10), row_cell(r, L_CURRENCY));
	money_format(amount, sizeof amount, strtoll(row_cell(r, L_AMOUNT),
	    NULL, 10), row_cell(r, L_CURRENCY));
	app_message(app, "#%s %s · %s × %s = %s%s%s%s%s",
	    row_cell(r, L_POSITION), row_cell(r, L_DESCRIPTION),
	    row_cell(r, L_QUANTITY), unit, amount,
	    row_cell(r, L_REF)[0] != '\0' ? " · " : "", row_cell(r, L_REF),
	    row_cell(r, L_BREAKDOWN)[0] != '\0' ? " · " : "",
	    row_cell(r, L_BREAKDOWN));
	return 0;
}

/* ---- the header block --------------------------------------------------- */

struct field {
	char		 label[24];
	char		 value[192];
	int		 role;		/* enum role, or -1 */
	bool		 bold;
};

struct header {
	struct field	 facts[MAX_FIELDS];	/* left: dates, state */
	struct field	 totals[MAX_FIELDS];	/* right: the money */
	int		 nfacts, ntotals;
};

static void add_field(struct field *, int *, const char *, int,
    const char *, ...) __attribute__((format(printf, 5, 6)));

/* Appends a field to f, which holds n of MAX_FIELDS (more than either
 * column ever has). */
static void
add_field(struct field *f, int *n, const char *label, int role,
    const char *fmt, ...)
{
	struct field *it;
	va_list ap;

	if (*n == MAX_FIELDS)
		return;
	it = &f[(*n)++];
	snprintf(it->label, sizeof it->label, "%s", label);
	va_start(ap, fmt);
	vsnprintf(it->value, sizeof it->value, fmt, ap);
	va_end(ap);
	it->role = role;
	it->bold = false;
}

/* "overdue by 12 days", "due in 3 days", "due today"; "" when neither
 * applies (paid, cancelled, a draft). */
static int
due_note(const struct invoice_doc *d, time_t now, char *buf, size_t len)
{
	int32_t due, today;
	int late = invoice_doc_days_overdue(d, now);

	buf[0] = '\0';
	if (late > 0) {
		snprintf(buf, len, " · overdue by %d day%s", late,
		    late == 1 ? "" : "s");
		return ROLE_URGENT;
	}
	if (strcmp(d->status, "sent") != 0 || d->due_minor <= 0 ||
	    billing_date_parse(d->due_date, &due) != 0 ||
	    billing_day_from_unix(now, &today) != 0)
		return -1;
	if (due == today)
		snprintf(buf, len, " · due today");
	else
		snprintf(buf, len, " · due in %d day%s", due - today,
		    due - today == 1 ? "" : "s");
	return due - today <= 3 ? ROLE_WARN : -1;
}

/* What the tax line is called, as the billing rules charge it: VAT at
 * the rate that gives the stored amount, or none under reverse charge. */
static void
tax_label(const struct invoice_doc *d, char *buf, size_t len)
{
	const char *name = d->is_eu ? "VAT" : "tax";
	int bp = invoice_doc_vat_bp(d);

	if (invoice_doc_reverse_charge(d))
		snprintf(buf, len, "VAT rev. charge");
	else if (bp > 0 && bp % 100 == 0)
		snprintf(buf, len, "%s %d %%", name, bp / 100);
	else if (bp > 0)
		snprintf(buf, len, "%s %d.%02d %%", name, bp / 100, bp % 100);
	else
		snprintf(buf, len, "%s", name);
}

static void
build_facts(struct header *hd, const struct invoice_doc *d, time_t now)
{
	char note[64];
	int role;

	if (d->period_start[0] != '\0')
		add_field(hd->facts, &hd->nfacts, "period", -1, "%s – %s",
		    d->period_start, d->period_end[0] != '\0' ?
		    d->period_end : "…");
	else
		add_field(hd->facts, &hd->nfacts, "period", ROLE_DIM, "—");
	add_field(hd->facts, &hd->nfacts, "status", d->pending ? ROLE_PENDING :
	    status_role(d->status), "%s%s", d->status, d->pending ?
	    " · " PENDING_MARK " waiting for the server" : "");
	if (d->issue_date[0] != '\0')
		add_field(hd->facts, &hd->nfacts, "issued", -1, "%s",
		    d->issue_date);
	else
		add_field(hd->facts, &hd->nfacts, "issued", ROLE_DIM, "%s",
		    strcmp(d->status, "draft") == 0 ? "— (numbered on issue)" :
		    "—");
	role = due_note(d, now, note, sizeof note);
	if (d->due_date[0] != '\0')
		add_field(hd->facts, &hd->nfacts, "due date", role, "%s%s",
		    d->due_date, note);
	else
		add_field(hd->facts, &hd->nfacts, "due date", ROLE_DIM, "—");
	add_field(hd->facts, &hd->nfacts, "currency", -1, "%s", d->currency);
	if (d->vat_number != NULL && d->vat_number[0] != '\0')
		add_field(hd->facts, &hd->nfacts, "VAT no.", -1, "%s · %s",
		    d->vat_number, d->vat_verified ? "verified" :
		    "not verified");
	if (d->cancel_reason != NULL && d->cancel_reason[0] != '\0')
		add_field(hd->facts, &hd->nfacts, "reason", ROLE_DIM, "%s",
		    d->cancel_reason);
}

static void
add_amount(struct header *hd, const char *label, int role, int64_t minor,
    const char *currency)
{
	char amount[64];

	money_format(amount, sizeof amount, minor, currency);
	add_field(hd->totals, &hd->ntotals, label, role, "%s", amount);
}

static void
build_totals(struct header *hd, const struct invoice_doc *d, time_t now)
{
	char label[24];
	int due_role = -1;

	add_amount(hd, "subtotal", -1, d->subtotal_minor, d->currency);
	if (d->discount_minor != 0) {
		char amount[64];

		/* Taken off: shown negative, without negating the stored
		 * value (which could be INT64_MIN). */
		money_format(amount, sizeof amount, d->discount_minor,
		    d->currency);
		add_field(hd->totals, &hd->ntotals, "discount", -1, "%s%s",
		    d->discount_minor > 0 ? "-" : "", amount);
	}
	tax_label(d, label, sizeof label);
	add_amount(hd, label, -1, d->tax_minor, d->currency);
	add_amount(hd, "total", -1, d->total_minor, d->currency);
	hd->totals[hd->ntotals - 1].bold = true;
	add_amount(hd, "paid", d->paid_minor > 0 ? ROLE_GOOD : -1,
	    d->paid_minor, d->currency);
	if (strcmp(d->status, "cancelled") == 0 ||
	    strcmp(d->status, "draft") == 0)
		due_role = ROLE_DIM;
	else if (invoice_doc_days_overdue(d, now) > 0)
		due_role = ROLE_URGENT;
	else if (d->due_minor > 0)
		due_role = ROLE_WARN;
	else
		due_role = ROLE_GOOD;
	add_amount(hd, "due", due_role, d->due_minor, d->currency);
	hd->totals[hd->ntotals - 1].bold = true;
}

static attr_t
field_attr(const struct field *f)
{
	return theme_attr(f->role >= 0 ? (enum role)f->role : ROLE_NORMAL) |
	    (f->bold ? A_BOLD : 0);
}

static void
draw_fact(const struct field *f, int y, int x, int w)
{
	draw_cell(y, x, f->label, LABEL_W < w ? LABEL_W : w, 0,
	    theme_attr(ROLE_DIM));
	if (w > LABEL_W)
		draw_cell(y, x + LABEL_W, f->value, w - LABEL_W, 0,
		    field_attr(f));
}

/* A total: its label on the left, the amount flush right. */
static void
draw_total(const struct field *f, int y, int x, int w)
{
	int lw = text_width(f->label) + 1;

	if (lw > w / 2)
		lw = w / 2;
	draw_cell(y, x, f->label, lw, 0, theme_attr(ROLE_DIM) |
	    (f->bold ? A_BOLD : 0));
	draw_cell(y, x + lw, f->value, w - lw, 1, field_attr(f));
}

static bool
two_columns(int w)
{
	return w >= TWO_COL_MIN_W;
}

static int
header_rows(const struct header *hd, int w)
{
	if (two_columns(w))
		return hd->nfacts > hd->ntotals ? hd->nfacts : hd->ntotals;
	return hd->nfacts + hd->ntotals;
}

/* Narrow, one column of at most rows: what is owed first. */
static void
draw_header_narrow(const struct header *hd, int y, int x, int rows, int w)
{
	static const char *const order[] = { "status", "due", "due date",
	    "total", "period", "issued" };
	bool done_f[MAX_FIELDS] = { false }, done_t[MAX_FIELDS] = { false };
	int r = 0;

	for (size_t o = 0; o < nitems(order) && r < rows; o++) {
		for (int i = 0; i < hd->nfacts && r < rows; i++)
			if (!done_f[i] && strcmp(hd->facts[i].label,
			    order[o]) == 0) {
				draw_fact(&hd->facts[i], y + r++, x, w);
				done_f[i] = true;
			}
		for (int i = 0; i < hd->ntotals && r < rows; i++)
			if (!done_t[i] && strcmp(hd->totals[i].label,
			    order[o]) == 0) {
				draw_total(&hd->totals[i], y + r++, x,
				    w < TOTALS_W ? w : TOTALS_W);
				done_t[i] = true;
			}
	}
	for (int i = 0; i < hd->nfacts && r < rows; i++)
		if (!done_f[i])
			draw_fact(&hd->facts[i], y + r++, x, w);
	for (int i = 0; i < hd->ntotals && r < rows; i++)
		if (!done_t[i])
			draw_total(&hd->totals[i], y + r++, x,
			    w < TOTALS_W ? w : TOTALS_W);
}

/* Facts on the left, totals on the right, as on paper; on a wide
 * terminal the totals stay within reach of the facts they go with. */
static void
draw_header(const struct header *hd, int y, int x, int rows, int w)
{
	int bw = w < HEADER_MAX_W ? w : HEADER_MAX_W;
	int tw = TOTALS_W, fw = bw - TOTALS_W - 2;

	for (int r = 0; r < rows; r++)
		draw_fill(y + r, x, w, theme_attr(ROLE_NORMAL));
	if (!two_columns(w)) {
		draw_header_narrow(hd, y, x + 1, rows, w - 1);
		return;
	}
	for (int r = 0; r < rows && r < hd->nfacts; r++)
		draw_fact(&hd->facts[r], y + r, x + 1, fw - 1);
	for (int r = 0; r < rows && r < hd->ntotals; r++)
		draw_total(&hd->totals[r], y + r, x + bw - tw - 1, tw);
}

/* ---- title and notes ---------------------------------------------------- */

static void
draw_title(const struct invoice_doc *d, const char *place, int y, int x,
    int w)
{
	char left[512], right[64];
	int rw;

	snprintf(left, sizeof left, " %s · %s · %s %s",
	    d->number != NULL ? d->number : "?", d->kind,
	    d->company_code != NULL ? d->company_code : "?",
	    d->company_name != NULL ? d->company_name : "");
	right[0] = '\0';
	if (place[0] != '\0')
		snprintf(right, sizeof right, " invoice %s ", place);
	rw = text_width(right);
	if (rw > w / 3)
		rw = 0;
	draw_fill(y, x, w, theme_attr(ROLE_HEADER));
	draw_cell(y, x, left, w - rw, 0, theme_attr(ROLE_HEADER) | A_BOLD);
	if (rw > 0)
		draw_cell(y, x + w - rw, right, rw, 1,
		    theme_attr(ROLE_HEADER));
}

/* The notes without their trailing blank lines; NULL when there are
 * none to show. */
static char *
notes_text(const struct invoice_doc *d)
{
	char *s;
	size_t n;

	if (d->notes == NULL)
		return NULL;
	s = xstrdup(d->notes);
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		s[--n] = '\0';
	if (n == 0) {
		free(s);
		return NULL;
	}
	return s;
}

static int
notes_rows(const char *notes, int w)
{
	int n;

	if (notes == NULL || w <= LABEL_W + 1)
		return 0;
	n = wrap_lines(notes, w - LABEL_W - 1, NULL, 0);
	return n < NOTES_ROWS ? n : NOTES_ROWS;
}

/* The notes wrapped into rows; the last row shown takes the rest on one
 * line, cut with "…" by the cell. */
static void
draw_notes(const char *notes, int y, int x, int rows, int w)
{
	struct wrap_line wl[NOTES_ROWS];
	int cols = w - LABEL_W - 1, n;
	char buf[1024];

	if (rows <= 0)
		return;
	n = wrap_lines(notes, cols, wl, NOTES_ROWS);
	for (int r = 0; r < rows; r++) {
		size_t len = r == rows - 1 && n > rows ? strlen(notes) -
		    wl[r].off : wl[r].len;

		draw_fill(y + r, x, w, theme_attr(ROLE_NORMAL));
		if (r == 0)
			draw_cell(y, x + 1, "notes", LABEL_W, 0,
			    theme_attr(ROLE_DIM));
		if (len >= sizeof buf) {
			len = sizeof buf - 1;
			while (len > 0 && ((unsigned char)notes[wl[r].off +
			    len] & 0xc0) == 0x80)
				len--;
		}
		memcpy(buf, notes + wl[r].off, len);
		buf[len] = '\0';
		/* Breaks and tabs as spaces: curses would act on them. */
		for (char *p = buf; *p != '\0'; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		draw_cell(y + r, x + 1 + LABEL_W, buf, cols, 0,
		    theme_attr(ROLE_NORMAL));
	}
}

/* ---- payments ----------------------------------------------------------- */

/* A payment made here shows as queued until the server has it. */
static const char *
payment_state(const struct invoice_payment *p)
{
	return p->pending ? "queued" : p->status;
}

static int
payment_role(const struct invoice_payment *p)
{
	if (p->pending)
		return ROLE_PENDING;
	if (strcmp(p->status, "refunded") == 0)
		return ROLE_DIM;
	return status_role(p->status);
}

/* The heading of the payments: how many, and how much of the total. */
static void
draw_payments_title(const struct invoice_doc *d, int y, int x, int w)
{
	char paid[64], total[64], line[256];

	money_format(paid, sizeof paid, d->paid_minor, d->currency);
	money_format(total, sizeof total, d->total_minor, d->currency);
	snprintf(line, sizeof line, " Payments %lld · paid %s of %s",
	    (long long)d->npayments + d->more_payments, paid, total);
	draw_cell(y, x, line, w, 0, theme_attr(ROLE_HEADER));
}

static void
draw_no_payments(const struct invoice_doc *d, int y, int x, int w)
{
	draw_cell(y, x, strcmp(d->status, "draft") == 0 ?
	    " A draft takes no payments." : " No payments yet.", w, 0,
	    theme_attr(ROLE_DIM));
}

/* One payment on one row, under the lines: the columns that fit. */
static void
draw_payment_row(const struct invoice_payment *p, const char *currency,
    int y, int x, int w)
{
	char when[32], amount[64];
	int aw = 16, dw = w >= 60 ? 16 : 10, mw = w >= 70 ? 13 : 0;
	int sw = w >= 80 ? 9 : 0, cx = x + 2, rw;

	draw_fill(y, x, w, theme_attr(ROLE_NORMAL));
	if (p->pending)
		draw_cell(y, x, PENDING_MARK, 1, 0, theme_attr(ROLE_PENDING));
	time_local(when, sizeof when, p->paid_at);
	money_format(amount, sizeof amount, p->amount_minor, currency);
	draw_cell(y, cx, when, dw, 0, theme_attr(ROLE_NORMAL));
	cx += dw + 1;
	if (mw > 0) {
		draw_cell(y, cx, p->method, mw, 0, theme_attr(ROLE_NORMAL));
		cx += mw + 1;
	}
	if (sw > 0) {
		int role = payment_role(p);

		draw_cell(y, cx, payment_state(p), sw, 0, theme_attr(role >= 0 ?
		    (enum role)role : ROLE_NORMAL));
		cx += sw + 1;
	}
	rw = x + w - aw - 1 - cx;
	if (rw > 0 && p->reference != NULL)
		draw_cell(y, cx, p->reference, rw, 0, theme_attr(ROLE_DIM));
	draw_cell(y, x + w - aw, amount, aw, 1, theme_attr(ROLE_NORMAL));
}

/* Under the lines: the heading and the newest rows - 1 payments. */
static void
draw_payments_below(const struct invoice_doc *d, int y, int x, int rows,
    int w)
{
	int shown, first;

	if (rows <= 0)
		return;
	draw_payments_title(d, y, x, w);
	if (rows == 1)
		return;
	if (d->npayments == 0) {
		draw_fill(y + 1, x, w, theme_attr(ROLE_NORMAL));
		draw_no_payments(d, y + 1, x, w);
		return;
	}
	shown = d->npayments < rows - 1 ? d->npayments : rows - 1;
	first = d->npayments - shown;
	for (int i = 0; i < shown; i++)
		draw_payment_row(&d->payments[first + i], d->currency,
		    y + 1 + i, x, w);
}

/* In the side panel each payment takes two rows and a gap: when and how
 * with its state, then the reference and the amount. */
static void
draw_payment_entry(const struct invoice_payment *p, const char *currency,
    int y, int x, int w)
{
	char when[32], amount[64];
	int role = payment_role(p), sw = text_width(payment_state(p));

	time_local(when, sizeof when, p->paid_at);
	money_format(amount, sizeof amount, p->amount_minor, currency);
	draw_cell(y, x, p->pending ? PENDING_MARK : "", 2, 0,
	    theme_attr(ROLE_PENDING));
	if (sw > w / 3)
		sw = w / 3;
	draw_cell(y, x + 2, when, w - 2 - sw - 1, 0, theme_attr(ROLE_NORMAL));
	draw_cell(y, x + w - sw, payment_state(p), sw, 1, theme_attr(role >= 0 ?
	    (enum role)role : ROLE_NORMAL));
	draw_cell(y + 1, x + 2, p->method, w - 2, 0, theme_attr(ROLE_DIM));
	draw_cell(y + 2, x + 2, p->reference != NULL ? p->reference : "",
	    w - 2 - 17, 0, theme_attr(ROLE_DIM));
	draw_cell(y + 2, x + w - 16, amount, 16, 1,
	    theme_attr(ROLE_NORMAL) | A_BOLD);
}

static void
draw_side(const struct invoice_doc *d, int y, int x, int h, int w)
{
	int cx = x + 2, cw = w - 3, avail = h - 2, fit, first, r = 2;
	char more[64];

	for (int i = 0; i < h; i++) {
		draw_fill(y + i, x, w, theme_attr(ROLE_NORMAL));
		draw_cell(y + i, x, "│", 1, 0, theme_attr(ROLE_DIM));
	}
	draw_payments_title(d, y, x + 1, w - 1);
	if (d->npayments == 0) {
		draw_no_payments(d, y + 2, x + 1, w - 1);
		return;
	}
	/* The newest that fit (the last needs no gap); when some do not,
	 * a row above them counts those. */
	fit = (avail + 1) / ENTRY_ROWS;
	if (fit < d->npayments || d->more_payments > 0)
		fit = avail / ENTRY_ROWS;
	if (fit > d->npayments)
		fit = d->npayments;
	if (fit <= 0)
		return;
	first = d->npayments - fit;
	if (first > 0 || d->more_payments > 0) {
		snprintf(more, sizeof more, "… %lld earlier",
		    (long long)first + d->more_payments);
		draw_cell(y + r++, cx, more, cw, 0, theme_attr(ROLE_DIM));
	}
	for (int i = first; i < d->npayments; i++, r += ENTRY_ROWS)
		draw_payment_entry(&d->payments[i], d->currency, y + r, cx, cw);
}

/* ---- the frame ---------------------------------------------------------- */

/* How the height is shared.  The lines keep LINES_MIN_H; then the
 * payments shrink to their heading and one row, the notes to one row
 * and then none, the payments to nothing, and last the header. */
struct split {
	int	 header, notes, gap, lines, payments;
};

static void
share_height(struct split *s, int body)
{
	int budget = body - LINES_MIN_H;

	if (budget < 0)
		budget = 0;
	if (s->header + s->notes + s->payments > budget && s->payments > 2)
		s->payments = 2;
	if (s->header + s->notes + s->payments > budget && s->notes > 1)
		s->notes = 1;
	if (s->header + s->notes + s->payments > budget)
		s->notes = 0;
	if (s->header + s->payments > budget)
		s->payments = 0;
	if (s->header > budget)
		s->header = budget;
	s->lines = body - s->header - s->notes - s->payments;
	/* A blank row sets the lines apart when they have room to spare. */
	s->gap = s->lines >= 12 ? 1 : 0;
	s->lines -= s->gap;
}

void
invoice_view_draw(struct app *app, struct invoice_view *v, const char *place,
    int y, int x, int h, int w)
{
	const struct invoice_doc *d = &v->doc;
	int side = w >= SIDE_MIN_W ? SIDE_W : 0, mw = w - side, cy;
	struct header hd;
	struct split s;
	char *notes;

	if (!v->open || h < 1 || w < 1)
		return;
	draw_title(d, place, y, x, w);
	if (h < 2)
		return;
	y++;
	h--;
	memset(&hd, 0, sizeof hd);
	build_facts(&hd, d, app->now);
	build_totals(&hd, d, app->now);
	notes = notes_text(d);
	memset(&s, 0, sizeof s);
	s.header = header_rows(&hd, mw);
	s.notes = notes_rows(notes, mw);
	if (side == 0)
		s.payments = 1 + (d->npayments == 0 ? 1 : d->npayments <
		    PAY_ROWS ? d->npayments : PAY_ROWS);
	share_height(&s, h);

	cy = y;
	draw_header(&hd, cy, x, s.header, mw);
	cy += s.header;
	if (notes != NULL)
		draw_notes(notes, cy, x, s.notes, mw);
	cy += s.notes;
	for (int i = 0; i < s.gap; i++)
		draw_fill(cy++, x, mw, theme_attr(ROLE_NORMAL));
	if (s.lines >= 2)
		vlist_draw(&v->lines, cy, x, s.lines, mw, true, app->now);
	else
		for (int i = 0; i < s.lines; i++)
			draw_fill(cy + i, x, mw, theme_attr(ROLE_NORMAL));
	cy += s.lines;
	draw_payments_below(d, cy, x, s.payments, mw);
	if (side > 0)
		draw_side(d, y, x + mw, h, side);
	free(notes);
}
