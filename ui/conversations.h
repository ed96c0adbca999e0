/* The Conversations pane: the queue (views, filter, sort, search, tags)
 * and the thread opened from it.  The pane's commands (ui/triage.c) and
 * actions (ui/act.c) reach its state through here. */
#ifndef MKT_CONVERSATIONS_H
#define MKT_CONVERSATIONS_H

#include <stdint.h>

#include "chat.h"
#include "queue.h"
#include "vlist.h"

struct app;

struct conv_pane {
	struct vlist	 list;
	struct queue	 queue;
	long long	 counts[QV_COUNT];	/* per view, for the tabs */
	struct chat	 chat;
	char		 counted_for[800];	/* filter and search counted */
	bool		 count_wanted;	/* start a count between keys */
	/* A search's results: when the list last took some, whether some
	 * are not in it yet, and whether to say how many when done. */
	struct timespec	 search_shown;
	bool		 unshown, announce;
};

struct conv_pane *conv_pane(struct app *app);

/* Rebuilds the list after the view, sort, filter or search changed,
 * keeping the selection on its conversation when it is still listed.
 * 0, or -1 after app_error(). */
int	conv_requery(struct app *app);

/* The conversations an action applies to: the open thread's, else every
 * tagged one, else the selected one.  Returns how many (ids is
 * malloc'd), or 0 after saying there is none. */
int	conv_targets(struct app *app, int64_t **ids);
/* After an action on the tagged ones: untag them. */
void	conv_untag_all(struct app *app);

#endif
