/* Colours by role.  NO_COLOR or [ui] color = none gives monochrome, where
 * roles map to bold, reverse and underline; 8 and 256 colours map to
 * pairs.  Widgets ask for a role, never for a colour. */
#ifndef MKT_THEME_H
#define MKT_THEME_H

#include <curses.h>

#include "config.h"

enum role {
	ROLE_NORMAL,
	ROLE_DIM,
	ROLE_HEADER,		/* column headings */
	ROLE_SELECTED,		/* cursor row in the focused list */
	ROLE_SELECTED_IDLE,	/* cursor row in a list without focus */
	ROLE_TAB,
	ROLE_TAB_ACTIVE,
	ROLE_STATUS,
	ROLE_ERROR,
	ROLE_PENDING,		/* local change not yet acknowledged */
	ROLE_URGENT,
	ROLE_WARN,
	ROLE_GOOD,
	ROLE_COUNT
};

/* Call after initscr(), with [ui] color and arrow_cursor.  Returns the
 * colour mode actually used. */
enum color_mode	theme_init(const struct mkt_config *cfg);
attr_t		theme_attr(enum role role);
/* Whether a list's cursor is its row's marks (the default), or the
 * whole row. */
bool		theme_arrow_cursor(void);

#endif
