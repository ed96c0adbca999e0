/* The "?" screen, generated from the command and key tables. */
#ifndef MKT_HELP_H
#define MKT_HELP_H

struct app;

/* Draws the help over the pane area; h rows from y. */
void	help_draw(struct app *app, int y, int h, int w);

/* Scrolls or closes it.  Returns 1 if the key was taken. */
int	help_key(struct app *app, int key, int h);

#endif
