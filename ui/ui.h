/* The full-screen interface.  src/main.c calls only these. */
#ifndef MKT_UI_H
#define MKT_UI_H

#include <stddef.h>
#include <sqlite3.h>

#include "config.h"

struct syncer;

struct ui_options {
	sqlite3			*db;
	const struct mkt_config	*cfg;
	const char		*user;		/* "demo" without a server */
	/* The running sync engine (sync_start() already called, wake_fd
	 * its pipe), or NULL for a cache with no server. */
	struct syncer		*sync;
	int			 wake_fd;
	const char		*no_sync_reason; /* "no server", shown when
						    sync is NULL */
};

/* Checks what only the interface can judge: the [keys] section against
 * the key and command tables, and [ui] view against the queue's views,
 * so a mistake is a config error before the screen is taken over. */
int	ui_check_config(const struct mkt_config *cfg, char *err, size_t errlen);

/* Runs until the user quits.  Returns 0, or -1 with a message in err
 * after the terminal has been restored. */
int	ui_run(const struct ui_options *opt, char *err, size_t errlen);

#endif
