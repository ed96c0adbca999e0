/* The common case of a pane: one list filling the pane. */
#include <stdlib.h>

#include "app.h"
#include "util.h"

int
list_pane_init(struct app *app, enum pane_id self,
    const struct list_source *src, const struct vcolumn *cols, int ncols,
    int pending_cell, const char *empty, char *err, size_t errlen)
{
	struct vlist *vl = xcalloc(1, sizeof *vl);

	app->pane_data[self] = vl;
	if (vlist_init(vl, app->db, src, cols, ncols, err, errlen) != 0)
		return -1;
	vl->empty = empty;
	vl->pending_cell = pending_cell;
	return 0;
}

void
list_pane_free(struct app *app, enum pane_id self)
{
	struct vlist *vl = app->pane_data[self];

	vlist_free(vl);
	free(vl);
	app->pane_data[self] = NULL;
}

void
list_pane_draw(struct app *app, enum pane_id self, int y, int x, int h,
    int w)
{
	vlist_draw(app->pane_data[self], y, x, h, w, true, app->now);
}

struct vlist *
list_pane_focus(struct app *app, enum pane_id self)
{
	return app->pane_data[self];
}

void
list_pane_reload(struct app *app, enum pane_id self)
{
	struct vlist *vl = app->pane_data[self];

	if (vl->loaded)
		listwin_reload(&vl->win);
}
