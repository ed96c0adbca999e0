/* The command table: every action a key or ":" can run.  Each entry is a
 * name, its usage, a line of help, the pane it applies to and the function
 * that does it.  Keys (keys.c), the ":" prompt (prompt.c) and the help
 * screen (help.c) are all driven from this one table. */
#ifndef MKT_CMD_H
#define MKT_CMD_H

#include <stddef.h>

struct app;

struct cmd_entry {
	const char	*name;
	/* Arguments, e.g. "NAME|N"; "" if none.  When the last one ends
	 * in "…" ("[TEXT…]") it takes the rest of the line as typed,
	 * blanks and all: a reply's text, a cell's value. */
	const char	*usage;
	const char	*help;
	int		 pane;		/* enum pane_id, or PANE_ANY */
	int		 min_args, max_args;
	/* Returns 0, or -1 after app_error() said why. */
	int		 (*fn)(struct app *, int argc, char **argv);
	/* Words the arguments can take, for Tab completion. */
	const char *const *arg_words;
};

extern const struct cmd_entry cmd_table[];
extern const size_t cmd_count;

const struct cmd_entry *cmd_find(const char *name);

/* Parses and runs one command line ("pane 2").  Errors are reported
 * through app_error(). */
int	cmd_run(struct app *app, const char *line);

/* Checks that a command line names a command with acceptable arguments,
 * without running it (for [keys]). */
int	cmd_check(const char *line, char *err, size_t errlen);

#endif
