/* mkt.conf: an INI file with sections [server], [sync], [ui] and [keys].
 * Every error is reported as "FILE:LINE: message". */
#ifndef MKT_CONFIG_H
#define MKT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum color_mode { COLOR_AUTO, COLOR_256, COLOR_8, COLOR_MONO };

struct key_binding {
	char	*key;		/* as written: "j", "C-d", "PgDn", "F1" */
	char	*command;	/* ":"-command line, e.g. "pane invoices" */
	int	 line;		/* for error messages from the key table */
};

struct mkt_config {
	char	*path;		/* file read, or NULL when built-in defaults */

	/* [server] */
	char	*url;		/* NULL: no server, open the demo cache */
	char	*user;		/* login e-mail */
	char	*password;	/* unattended sync; the file must be private */
	char	*ca_file;
	bool	 insecure;	/* skip TLS verification (loudly) */

	/* [sync] */
	int	 history_days;	/* messages older than this are fetched on demand */
	int	 poll_wait;	/* long-poll seconds, 1..3600 */
	int	 page_size;	/* changes per page, 10..5000 */
	bool	 low_bandwidth;

	/* [ui] */
	enum color_mode color;
	bool	 bell;
	char	*clock_format;	/* strftime(3) format for the status bar clock */
	char	*conversations_view;	/* the queue view mkt opens on */
	bool	 notify_bell;	/* ring for a new message to me, a new chat */
	bool	 arrow_cursor;	/* the cursor is a block, not the whole row */

	/* [keys] */
	struct key_binding *keys;
	size_t	 nkeys;
};

/* Built-in defaults: no server (and no user or password), history 90
 * days, poll 3600 s, page 500, colour auto, bell on, clock "%H:%M", view
 * "all", notify_bell on, arrow_cursor on, no key overrides. */
void config_defaults(struct mkt_config *cfg);

/* Reads path on top of the current values.  Returns 0, or -1 with
 * "FILE:LINE: message" (or "FILE: message" for an unreadable file) in err.
 * Unknown sections and keys, bad values and malformed lines are errors.
 * On error cfg keeps only valid earlier values and must still be freed.
 * A key set twice in one file is an error, in [keys] too; a binding for a
 * key that an earlier load bound replaces that binding in place.  A file
 * that sets password must pass session_check_private(), else it is
 * refused with "FILE: holds a password but is readable by group or
 * others (mode 0644); run: chmod 600 FILE" and the password is dropped. */
int config_load(struct mkt_config *cfg, const char *path, char *err,
    size_t errlen);

/* Picks the file to read: cli_path if given, then $MKT_CONFIG, then
 * $XDG_CONFIG_HOME/mkt/mkt.conf (or ~/.config/mkt/mkt.conf), then
 * ./mkt.conf.  An explicitly named file (cli_path or $MKT_CONFIG) is
 * returned even if missing, so the caller reports it; the others only if
 * they exist.  Returns a malloc'd path, or NULL when there is none. */
char *config_find(const char *cli_path);

void config_free(struct mkt_config *cfg);

#endif
