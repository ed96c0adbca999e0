/* The Conversations pane's commands (entries of the command table in
 * cmd.c) and the word lists Tab completes for them. */
#ifndef MKT_TRIAGE_H
#define MKT_TRIAGE_H

#include "picker.h"

struct app;

/* The queue. */
int	cmd_view(struct app *, int, char **);
int	cmd_sort(struct app *, int, char **);
int	cmd_filter(struct app *, int, char **);
int	cmd_search(struct app *, int, char **);
/* Says how many conversations the search found, once it is complete. */
void	triage_search_done(struct app *);
int	cmd_tag(struct app *, int, char **);
int	cmd_untag(struct app *, int, char **);
/* The thread. */
int	cmd_next_conversation(struct app *, int, char **);
int	cmd_previous_conversation(struct app *, int, char **);
int	cmd_open_attachment(struct app *, int, char **);
int	cmd_load_history(struct app *, int, char **);
/* Acting on conversations. */
int	cmd_resolve(struct app *, int, char **);
int	cmd_reopen(struct app *, int, char **);
int	cmd_pending(struct app *, int, char **);
int	cmd_snooze(struct app *, int, char **);
int	cmd_priority(struct app *, int, char **);
int	cmd_assign(struct app *, int, char **);
int	cmd_label(struct app *, int, char **);
int	cmd_handoff(struct app *, int, char **);
int	cmd_reminder(struct app *, int, char **);
int	cmd_reply(struct app *, int, char **);
int	cmd_note(struct app *, int, char **);
int	cmd_reply_editor(struct app *, int, char **);
int	cmd_canned(struct app *, int, char **);

/* The picker closed with a choice (or a new label). */
void	triage_picked(struct app *app, enum picker_result how);

extern const char *const view_words[], *const sort_words[],
    *const filter_words[], *const snooze_words[], *const priority_words[],
    *const assign_words[], *const handoff_words[], *const toggle_words[];

#endif
