/* The sync problems view (:problems): actions the server refused, newest
 * first, each with when it was made, what it was, the HTTP status and
 * the server's own words.  It opens over the panes like the help, but
 * it is a list like any other (the shared vlist over list_problems), so
 * the movement keys work in it; r, e and d act on the selected entry. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "columns.h"
#include "draw.h"
#include "keys.h"
#include "lists.h"
#include "theme.h"
#include "util.h"

/* Below this height the detail lines under the list are left out. */
#define DETAIL_MIN_H	10

static const struct vcolumn columns[] = {
	{ "when", P_CREATED, 0, 4, 5, 1, true, fmt_ago, NULL },
	{ "HTTP", P_STATUS, 0, 4, 4, 2, true, NULL, NULL },
	{ "action", P_SUMMARY, 0, 20, 40, 0, false, NULL, NULL },
	{ "server said", P_ERROR, 0, 16, 0, 0, false, NULL, NULL },
};

int
problems_init(struct app *app, char *err, size_t errlen)
{
	if (vlist_init(&app->problem_list, app->db, &list_problems, columns,
	    nitems(columns), err, errlen) != 0)
		return -1;
	app->problem_list.empty = "No sync problems.";
	return 0;
}

void
problems_free(struct app *app)
{
	vlist_free(&app->problem_list);
}

void
problems_reload(struct app *app)
{
	if (app->problem_list.loaded)
		listwin_reload(&app->problem_list.win);
}

void
problems_draw(struct app *app, int y, int h, int w)
{
	const struct list_row *r;
	char title[512], keys[4][48], line[1024];
	int lh = h - 1, detail = h >= DETAIL_MIN_H ? 3 : 0;

	keys_for("retry", PANE_PROBLEMS, keys[0], sizeof keys[0]);
	keys_for("discard", PANE_PROBLEMS, keys[1], sizeof keys[1]);
	keys_for("close", PANE_PROBLEMS, keys[2], sizeof keys[2]);
	keys_for("edit-request", PANE_PROBLEMS, keys[3], sizeof keys[3]);
	snprintf(title, sizeof title, " Sync problems — actions the server "
	    "refused (%s retry, %s edit, %s discard, %s close)", keys[0],
	    keys[3], keys[1], keys[2]);
	draw_cell(y, 0, title, w, 0, theme_attr(ROLE_HEADER));
	vlist_draw(&app->problem_list, y + 1, 0, lh - detail, w, true,
	    app->now);
	if (detail == 0)
		return;

	/* The selected entry in full: the list cuts long messages. */
	for (int i = 0; i < detail; i++)
		draw_fill(y + h - detail + i, 0, w, theme_attr(ROLE_NORMAL));
	if ((r = listwin_selected(&app->problem_list.win)) == NULL)
		return;
	mvhline(y + h - detail, 0, ACS_HLINE, w);
	snprintf(line, sizeof line, " request: %s %s%s%s", row_cell(r,
	    P_METHOD), row_cell(r, P_PATH), row_cell(r, P_STATUS)[0] != '\0' ?
	    " — HTTP " : "", row_cell(r, P_STATUS));
	draw_cell(y + h - detail + 1, 0, line, w, 0, theme_attr(ROLE_DIM));
	snprintf(line, sizeof line, " server: %s", row_cell(r, P_ERROR));
	draw_cell(y + h - detail + 2, 0, line, w, 0, theme_attr(ROLE_WARN));
}
