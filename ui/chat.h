/* The conversation thread (the detail behind a queue row): its messages
 * in order, a side panel about the contact, channel, order and payment,
 * and the inline composer.  It lives inside the Conversations pane;
 * while it is open, keys go to the PANE_THREAD bindings. */
#ifndef MKT_CHAT_H
#define MKT_CHAT_H

#include <stdbool.h>
#include <stdint.h>

#include "composer.h"
#include "thread.h"

struct app;
struct chat_row;

struct chat {
	bool			 open;
	int64_t			 id;		/* the conversation */
	struct thread		 thread;
	struct thread_info	 info;
	bool			 have_info;
	/* The thread laid out for a width: one entry per screen row. */
	struct chat_row		*rows;
	int			 nrows, rowsize, layout_w;
	int			 top;		/* first row shown */
	int			 height;	/* rows shown, last frame */
	bool			 follow;	/* stick to the newest */
	bool			 asked_older;	/* backfill requested */
	int			 current;	/* message the side panel and
						   "o" are about, or -1 */
	struct composer		 composer;
};

/* Opens a conversation: loads it, marks it read (an action, so it
 * reaches the server), scrolls to the newest message.  0 or -1. */
int	 chat_open(struct app *app, struct chat *c, int64_t id);
/* Closes the view; an open composer's text is kept as the draft. */
void	 chat_close(struct app *app, struct chat *c);
/* Re-reads after the cache changed, keeping the scroll (or following
 * the bottom), and marks newly arrived messages read. */
void	 chat_reload(struct app *app, struct chat *c);
void	 chat_draw(struct app *app, struct chat *c, int y, int x, int h,
	    int w);

/* Scrolling: by rows, pages (delta in pages), or to either end. */
enum chat_move { CHAT_ROWS, CHAT_PAGES, CHAT_HALF, CHAT_TOP, CHAT_BOTTOM };
void	 chat_scroll(struct chat *c, enum chat_move how, long long delta);

/* Opens the composer for a reply ("text") or a note, from the draft. */
void	 chat_compose(struct app *app, struct chat *c, const char *kind);
bool	 chat_composing(const struct chat *c);
/* A key while composing. */
void	 chat_composer_key(struct app *app, struct chat *c, int key);
/* Inserts text at the composer's cursor (a canned response). */
void	 chat_composer_insert(struct chat *c, const char *text);
/* Replaces the composer's text (back from $EDITOR), sanitized. */
void	 chat_composer_set(struct chat *c, const char *text);

/* Scrolled up to the top: ask the server for older messages, once per
 * opening. */
void	 chat_want_older(struct app *app, struct chat *c);

/* The attachment "o" acts on: the current message's, else the newest
 * one on screen.  NULL when there is none. */
const struct thread_msg *chat_attachment(const struct chat *c);

#endif
