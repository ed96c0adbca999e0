/* The command line: editing, history (kept across runs in
 * $XDG_STATE_HOME/mkt/history) and Tab completion from the command
 * table.  The same line editor also takes free text after a label (a
 * cell's new value) and secrets: a secret is never drawn, not even as
 * asterisks, never completed, never kept in the history, and wiped from
 * memory as soon as the line is handed over or abandoned. */
#ifndef MKT_PROMPT_H
#define MKT_PROMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#define PROMPT_MAX	256
#define HISTORY_MAX	200

enum prompt_mode {
	PROMPT_COMMAND,		/* ":", completion and history */
	PROMPT_TEXT,		/* label, then free text */
	PROMPT_SECRET,		/* label, then nothing shown */
};

struct prompt {
	bool	 active;
	enum prompt_mode mode;
	char	 label[160];		/* drawn before the line */
	wchar_t	 buf[PROMPT_MAX + 1];
	int	 len, cur;
	char	*history[HISTORY_MAX];	/* oldest first */
	int	 nhistory;
	int	 browse;		/* index while recalling; nhistory = new */
	char	 hint[256];		/* completion candidates, or a note */
};

enum prompt_result { PROMPT_EDITING, PROMPT_DONE, PROMPT_CANCEL };

void	prompt_load_history(struct prompt *p);
void	prompt_free(struct prompt *p);
/* Opens in a mode with a label (NULL: ":") and initial text (NULL: none),
 * the cursor at its end; hint is shown dimmed after the line.  The app
 * opens it only through app_ask(), which records what the line is for:
 * a command line must never be taken for a password. */
void	prompt_open_mode(struct prompt *p, enum prompt_mode mode,
	    const char *label, const char *initial, const char *hint);
/* Closes it, wiping what was typed. */
void	prompt_close(struct prompt *p);

/* Feeds one key (as from keys.h).  On PROMPT_DONE the line is in out
 * (UTF-8) and, for a command, added to the history; a secret is wiped
 * from the prompt, and the caller wipes out after use. */
enum prompt_result prompt_key(struct prompt *p, int key, char *out,
	    size_t outlen);

/* Draws the label and line on row y across w columns and places the
 * cursor. */
void	prompt_draw(const struct prompt *p, int y, int w);

#endif
