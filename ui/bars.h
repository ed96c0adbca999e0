/* The tab bar (top line) and the status bar (bottom line). */
#ifndef MKT_BARS_H
#define MKT_BARS_H

struct app;

void	tabbar_draw(struct app *app, int y, int w);
void	statusbar_draw(struct app *app, int y, int w);

#endif
