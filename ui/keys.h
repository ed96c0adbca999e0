/* The key table: which command line each key runs, globally or in one
 * pane.  Defaults are compiled in; [keys] in mkt.conf adds and overrides
 * global bindings.  Keys are wide characters, or KEYF_FUNCTION | a curses
 * KEY_* code for function keys. */
#ifndef MKT_KEYS_H
#define MKT_KEYS_H

#include <stddef.h>

#include "config.h"

#define KEYF_FUNCTION	0x40000000

struct key_binding_entry {
	int		 key;
	int		 pane;		/* enum pane_id or PANE_ANY */
	const char	*command;
};

/* "j", "C-d", "Tab", "BTab", "PgDn", "F1", "Space"... -> key code.
 * Returns 0, or -1 for a name it does not know. */
int		 key_parse(const char *name, int *key);
/* The name key_parse accepts for key. */
const char	*key_describe(int key, char *buf, size_t len);

/* Loads [keys] over the defaults, checking each key name and command.
 * Errors read "FILE:LINE: message". */
int		 keys_configure(const struct mkt_config *cfg, char *err,
		    size_t errlen);
void		 keys_free(void);

/* The command bound to key in pane, pane bindings first; NULL if none. */
const char	*keys_lookup(int key, int pane);

/* Writes the keys in pane (or globally, for PANE_ANY) that run the named
 * command, with any arguments, as "j, Down".  Returns the number. */
int		 keys_for(const char *command, int pane, char *buf, size_t len);

#endif
