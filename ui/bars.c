#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "bars.h"
#include "draw.h"
#include "text.h"
#include "theme.h"

void
tabbar_draw(struct app *app, int y, int w)
{
	char label[64];
	int x = 0;

	draw_fill(y, 0, w, theme_attr(ROLE_TAB));
	for (int i = 0; i < PANE_COUNT && x < w; i++) {
		int n = snprintf(label, sizeof label, " %d %s ", i + 1,
		    app->panes[i]->title);
		if (n > w - x)
			n = w - x;
		draw_cell(y, x, label, n, 0, theme_attr(i == (int)app->active ?
		    ROLE_TAB_ACTIVE : ROLE_TAB));
		x += n + 1;
	}
	if (w - x > 12)
		draw_cell(y, x, "mkt " MKT_VERSION, w - x - 1, 1,
		    theme_attr(ROLE_TAB));
}

static void
clock_text(struct app *app, char *buf, size_t len)
{
	struct tm tm;

	if (localtime_r(&app->now, &tm) == NULL ||
	    strftime(buf, len, app->cfg->clock_format, &tm) == 0)
		snprintf(buf, len, "--:--");
}

void
statusbar_draw(struct app *app, int y, int w)
{
	struct vlist *vl = app->panes[app->active]->focus(app,
	    app->active);
	char left[256], right[128], clock[64];
	int rw;

	clock_text(app, clock, sizeof clock);
	if (vl != NULL && vl->win.total > 0)
		snprintf(right, sizeof right, " %lld/%lld │ %s ",
		    vl->win.pos + 1, vl->win.total, clock);
	else
		snprintf(right, sizeof right, " 0/0 │ %s ", clock);
	snprintf(left, sizeof left, " %s │ %s │ %lld pending", app->user,
	    app->sync_state, app->outbox_pending);

	rw = text_width(right);
	if (rw > w)
		rw = w;
	draw_fill(y, 0, w, theme_attr(ROLE_STATUS));
	if (app->message[0] != '\0')
		draw_text(y, 0, app->message, w - rw, theme_attr(
		    app->message_is_error ? ROLE_ERROR : ROLE_STATUS));
	else
		draw_cell(y, 0, left, w - rw, 0, theme_attr(ROLE_STATUS));
	draw_cell(y, w - rw, right, rw, 1, theme_attr(ROLE_STATUS));
}
