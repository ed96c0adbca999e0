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

struct app;

/* Conversations. */
int	cmd_resolve(struct app *, int, char **);
int	cmd_reopen(struct app *, int, char **);
int	cmd_snooze(struct app *, int, char **);
int	cmd_priority(struct app *, int, char **);
int	cmd_assign(struct app *, int, char **);
int	cmd_reply(struct app *, int, char **);
int	cmd_note(struct app *, int, char **);
int	cmd_load_history(struct app *, int, char **);
/* Invoices. */
int	cmd_pay(struct app *, int, char **);
/* Knowledge base. */
int	cmd_edit_cell(struct app *, int, char **);
/* The sync engine and its problems view. */
int	cmd_login(struct app *, int, char **);
int	cmd_sync(struct app *, int, char **);
int	cmd_problems(struct app *, int, char **);
int	cmd_retry(struct app *, int, char **);
int	cmd_edit_request(struct app *, int, char **);
int	cmd_discard(struct app *, int, char **);
int	cmd_close(struct app *, int, char **);

extern const char *const snooze_words[], *const priority_words[],
    *const assign_words[], *const method_words[];

/* Opens the password prompt for the configured user. */
void	act_ask_password(struct app *app);
/* What the prompts opened above hand back on Enter. */
void	act_password_entered(struct app *app, char *password);
void	act_cell_entered(struct app *app, const char *text);

#endif
