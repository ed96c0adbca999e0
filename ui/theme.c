#include <stdlib.h>

#include "theme.h"

static attr_t attrs[ROLE_COUNT];

/* fg, bg for 8 colours (bg -1 = terminal default), and a 256-colour fg/bg
 * where a finer shade reads better. */
static const struct {
	short	fg8, bg8, fg256, bg256;
	attr_t	extra;		/* added in every colour mode */
	attr_t	mono;		/* used instead in monochrome */
} roles[ROLE_COUNT] = {
	[ROLE_NORMAL]        = { -1, -1, -1, -1, 0, A_NORMAL },
	[ROLE_DIM]           = { COLOR_BLUE, -1, 244, -1, 0, A_DIM },
	[ROLE_HEADER]        = { COLOR_CYAN, -1, 110, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ROLE_SELECTED]      = { COLOR_BLACK, COLOR_CYAN, 231, 25, 0, A_REVERSE },
	[ROLE_SELECTED_IDLE] = { COLOR_BLACK, COLOR_WHITE, 252, 238, 0, A_UNDERLINE },
	[ROLE_TAB]           = { COLOR_WHITE, COLOR_BLUE, 250, 236, 0, A_NORMAL },
	[ROLE_TAB_ACTIVE]    = { COLOR_BLACK, COLOR_CYAN, 231, 25, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_STATUS]        = { COLOR_WHITE, COLOR_BLUE, 252, 236, 0, A_REVERSE },
	[ROLE_ERROR]         = { COLOR_WHITE, COLOR_RED, 231, 124, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_PENDING]       = { COLOR_YELLOW, -1, 214, -1, 0, A_BOLD },
	[ROLE_URGENT]        = { COLOR_RED, -1, 203, -1, A_BOLD, A_BOLD },
	[ROLE_WARN]          = { COLOR_YELLOW, -1, 179, -1, 0, A_BOLD },
	[ROLE_GOOD]          = { COLOR_GREEN, -1, 114, -1, 0, A_NORMAL },
};

static bool arrow_cursor = true;

enum color_mode
theme_init(const struct mkt_config *cfg)
{
	const char *no_color = getenv("NO_COLOR");
	enum color_mode mode = cfg->color;

	arrow_cursor = cfg->arrow_cursor;
	/* https://no-color.org: any non-empty value disables colour. */
	if (no_color != NULL && no_color[0] != '\0')
		mode = COLOR_MONO;
	if (mode != COLOR_MONO && (!has_colors() || start_color() == ERR))
		mode = COLOR_MONO;
	if (mode == COLOR_AUTO)
		mode = COLORS >= 256 ? COLOR_256 : COLOR_8;
	if (mode == COLOR_256 && COLORS < 256)
		mode = COLOR_8;

	if (mode != COLOR_MONO)
		use_default_colors();
	for (int r = 0; r < ROLE_COUNT; r++) {
		if (mode == COLOR_MONO) {
			attrs[r] = roles[r].mono;
			continue;
		}
		short fg = mode == COLOR_256 ? roles[r].fg256 : roles[r].fg8;
		short bg = mode == COLOR_256 ? roles[r].bg256 : roles[r].bg8;
		if (fg == -1 && bg == -1) {
			attrs[r] = roles[r].extra;
			continue;
		}
		init_pair((short)(r + 1), fg, bg);
		attrs[r] = COLOR_PAIR(r + 1) | roles[r].extra;
	}
	return mode;
}

attr_t
theme_attr(enum role role)
{
	return attrs[role];
}

bool
theme_arrow_cursor(void)
{
	return arrow_cursor;
}
