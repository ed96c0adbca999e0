#include <curses.h>
#include <stdio.h>

#include "app.h"
#include "cmd.h"
#include "draw.h"
#include "help.h"
#include "keys.h"
#include "theme.h"

#define CTRL(c)	((c) & 0x1f)
#define FN(k)	(KEYF_FUNCTION | (k))

/* One line of the help: a section title, or a command with its keys. */
struct help_line {
	const char		*section;
	const struct cmd_entry	*cmd;
	int			 pane;
};

/* Whether the help lists command c in the section of pane: the pane's
 * own commands, and the global ones the pane binds keys of its own to
 * (Enter opens an invoice, q goes back from it). */
static bool
listed_in(const struct cmd_entry *c, int pane)
{
	char keys[128];

	if (c->pane == pane)
		return true;
	return pane != PANE_ANY && c->pane == PANE_ANY &&
	    keys_for(c->name, pane, keys, sizeof keys) > 0;
}

/* Sections: everything global first, then each pane's own commands, in
 * table order.  Returns the number of lines; fills lines if not NULL. */
static int
help_lines(struct app *app, struct help_line *lines)
{
	int n = 0;

	for (int pane = PANE_ANY; pane < VIEW_COUNT; pane++) {
		bool titled = false;

		for (size_t i = 0; i < cmd_count; i++) {
			if (!listed_in(&cmd_table[i], pane))
				continue;
			if (!titled) {
				if (lines != NULL) {
					lines[n].section =
					    app_view_title(app, pane);
					lines[n].cmd = NULL;
				}
				n++;
				titled = true;
			}
			if (lines != NULL) {
				lines[n].section = NULL;
				lines[n].cmd = &cmd_table[i];
				lines[n].pane = pane;
			}
			n++;
		}
	}
	return n;
}

void
help_draw(struct app *app, int y, int h, int w)
{
	struct help_line lines[256];
	int n = help_lines(app, NULL);
	char keys[128], usage[96];

	/* The table is far smaller; this only keeps a mistake in bounds. */
	if (n > (int)(sizeof lines / sizeof lines[0]))
		return;
	help_lines(app, lines);
	if (app->help_top > n - h + 1)
		app->help_top = n - h + 1 > 0 ? n - h + 1 : 0;

	draw_cell(y, 0, " Help — keys and commands (j/k scroll, q or Esc "
	    "closes; run any command with :name)", w, 0,
	    theme_attr(ROLE_HEADER));
	for (int r = 1; r < h; r++) {
		int i = app->help_top + r - 1;
		int kw = w > 60 ? 18 : 12, uw = w > 60 ? 28 : 20;

		draw_fill(y + r, 0, w, theme_attr(ROLE_NORMAL));
		if (i >= n)
			continue;
		if (lines[i].section != NULL) {
			draw_cell(y + r, 1, lines[i].section, w - 1, 0,
			    theme_attr(ROLE_HEADER));
			continue;
		}
		const struct cmd_entry *c = lines[i].cmd;
		if (keys_for(c->name, lines[i].pane, keys, sizeof keys) == 0 &&
		    c->pane == PANE_ANY)
			keys_for(c->name, PANE_ANY, keys, sizeof keys);
		snprintf(usage, sizeof usage, ":%s%s%s", c->name,
		    c->usage[0] != '\0' ? " " : "", c->usage);
		draw_cell(y + r, 3, keys, kw, 0, theme_attr(ROLE_WARN));
		draw_cell(y + r, 3 + kw + 1, usage, uw, 0,
		    theme_attr(ROLE_NORMAL));
		if (w > 3 + kw + uw + 2)
			draw_cell(y + r, 3 + kw + uw + 2, c->help,
			    w - (3 + kw + uw + 2), 0, theme_attr(ROLE_DIM));
	}
}

int
help_key(struct app *app, int key, int h)
{
	int n = help_lines(app, NULL);

	switch (key) {
	case 'q':
	case 27:
	case '?':
		app->help = false;
		return 1;
	case 'j':
	case FN(KEY_DOWN):
		app->help_top++;
		break;
	case 'k':
	case FN(KEY_UP):
		app->help_top--;
		break;
	case ' ':
	case FN(KEY_NPAGE):
	case CTRL('f'):
		app->help_top += h - 2;
		break;
	case FN(KEY_PPAGE):
	case CTRL('b'):
		app->help_top -= h - 2;
		break;
	case 'g':
	case FN(KEY_HOME):
		app->help_top = 0;
		break;
	case 'G':
	case FN(KEY_END):
		app->help_top = n;
		break;
	default:
		return 0;
	}
	if (app->help_top < 0)
		app->help_top = 0;
	return 1;
}
