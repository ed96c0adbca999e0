/* The commands that change data or talk to the sync engine.  Each action
 * is one call into src/actions.h (a local transaction: the optimistic
 * change plus an outbox entry), then a poke so the sync thread sends it.
 * Nothing here waits on the network: the sync engine is only poked,
 * handed a password or asked for a backfill.
 *
 * They are entries of the one command table (cmd.c); this file holds
 * their functions and the word lists Tab completes. */
#ifndef MKT_ACT_H
#define MKT_ACT_H

#include <stdint.h>

struct app;

/* Invoices. */
int	cmd_pay(struct app *, int, char **);
/* Knowledge base. */
int	cmd_edit_cell(struct app *, int, char **);
/* The sync engine and its problems view. */
int	cmd_login(struct app *, int, char **);
int	cmd_sync(struct app *, int, char **);
int	cmd_problems(struct app *, int, char **);
int	cmd_notifications(struct app *, int, char **);
int	cmd_retry(struct app *, int, char **);
int	cmd_edit_request(struct app *, int, char **);
int	cmd_discard(struct app *, int, char **);
int	cmd_close(struct app *, int, char **);

extern const char *const method_words[];

/* After an action was queued: the lists of kinds (apply.h) reload to
 * show it with its pending mark, the sync thread is poked, and the
 * status line says "queued: …".  Returns 0. */
int	act_queued(struct app *app, unsigned kinds, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Opens the command line with "name " typed, for Tab to complete. */
int	act_ask_args(struct app *app, const char *name);
/* Runs $VISUAL or $EDITOR on initial; *out is the text afterwards,
 * trailing newlines removed.  0, or -1 after app_error(). */
int	act_edit_text(struct app *app, const char *initial, const char *suffix,
	    char **out);
/* A user as typed: me, none (0), an id, e-mail or name; -1 unknown. */
int64_t	act_parse_user(struct app *app, const char *s);
/* Puts text on the terminal's clipboard (OSC 52). */
void	act_copy(struct app *app, const char *text);

/* Opens the password prompt for the configured user. */
void	act_ask_password(struct app *app);
/* What the prompts opened above hand back on Enter. */
void	act_password_entered(struct app *app, char *password);
void	act_cell_entered(struct app *app, const char *text);

#endif
