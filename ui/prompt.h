/* The ":" command line: editing, history (kept across runs in
 * $XDG_STATE_HOME/mkt/history) and Tab completion from the command
 * table. */
#ifndef MKT_PROMPT_H
#define MKT_PROMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#define PROMPT_MAX	256
#define HISTORY_MAX	200

struct prompt {
	bool	 active;
	wchar_t	 buf[PROMPT_MAX + 1];
	int	 len, cur;
	char	*history[HISTORY_MAX];	/* oldest first */
	int	 nhistory;
	int	 browse;		/* index while recalling; nhistory = new */
	char	 hint[256];		/* completion candidates */
};

enum prompt_result { PROMPT_EDITING, PROMPT_DONE, PROMPT_CANCEL };

void	prompt_load_history(struct prompt *p);
void	prompt_free(struct prompt *p);
void	prompt_open(struct prompt *p);

/* Feeds one key (as from keys.h).  On PROMPT_DONE the line is in out
 * (UTF-8) and added to the history. */
enum prompt_result prompt_key(struct prompt *p, int key, char *out,
	    size_t outlen);

/* Draws ":line" on row y across w columns and places the cursor. */
void	prompt_draw(const struct prompt *p, int y, int w);

#endif
