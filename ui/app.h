/* The application state shared by the key loop, the commands and the
 * panes.  One struct app exists for the life of the TUI. */
#ifndef MKT_APP_H
#define MKT_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sqlite3.h>

#include "chat.h"
#include "config.h"
#include "picker.h"
#include "prompt.h"
#include "sync.h"
#include "vlist.h"

/* Where keys and commands apply: one of the four panes, or the sync
 * problems view, which opens over them and has keys of its own. */
enum pane_id {
	PANE_CONVERSATIONS,
	PANE_ORDERS,
	PANE_KB,
	PANE_INVOICES,
	PANE_COUNT,
	PANE_PROBLEMS = PANE_COUNT,	/* :problems */
	PANE_NOTIFICATIONS,		/* :notifications */
	/* A conversation opened from the Conversations list: its own keys
	 * first, then the Conversations pane's. */
	PANE_THREAD,
	/* An invoice opened from the Invoices list, the same way. */
	PANE_INVOICE,
	VIEW_COUNT,
	PANE_ANY = -1		/* a command or key that works everywhere */
};

struct app;

/* What each pane provides.  A pane keeps its state in
 * app->pane_data[self], draws into the rectangle it is given and names the
 * list that movement keys act on. */
struct pane_ops {
	const char	*name;		/* for ":pane NAME" */
	const char	*title;		/* for the tab bar */
	int		 (*init)(struct app *, enum pane_id self, char *err,
			    size_t errlen);
	void		 (*free)(struct app *, enum pane_id self);
	void		 (*draw)(struct app *, enum pane_id self, int y, int x,
			    int h, int w);
	struct vlist	*(*focus)(struct app *, enum pane_id self);
	/* Re-read after the data changed. */
	void		 (*reload)(struct app *, enum pane_id self);
	/* Optional: Enter, Esc and column moves inside the pane. */
	int		 (*open)(struct app *, enum pane_id self);
	int		 (*back)(struct app *, enum pane_id self);
	int		 (*column)(struct app *, enum pane_id self, int delta);
	/* Optional: movement keys when focus() has no list (a thread). */
	int		 (*scroll_by)(struct app *, enum pane_id self,
			    enum chat_move how, long long delta);
	/* Optional: a step of work left between keys (taking a search's
	 * hits or the views' counts from their thread), a few milliseconds
	 * at most; runs after a key's frame, never before it.  1 while
	 * more is left. */
	int		 (*work)(struct app *, enum pane_id self);
};

/* A pane that is one list (pane_list.c); pane_data[self] is its vlist.
 * pending_cell is the list's *_PENDING cell (lists.h), or -1. */
int	 list_pane_init(struct app *app, enum pane_id self,
	    const struct list_source *src, const struct vcolumn *cols,
	    int ncols, int pending_cell, const char *empty, char *err,
	    size_t errlen);
void	 list_pane_free(struct app *app, enum pane_id self);
void	 list_pane_draw(struct app *app, enum pane_id self, int y, int x,
	    int h, int w);
struct vlist *list_pane_focus(struct app *app, enum pane_id self);
void	 list_pane_reload(struct app *app, enum pane_id self);

/* The knowledge-base grid's cell under the cursor: 0 with its row id,
 * column name and text as shown, or -1 when the grid is not focused or
 * empty. */
int	 kb_pane_cell(struct app *app, int64_t *row_id, const char **column,
	    const char **text);

extern const struct pane_ops pane_conversations, pane_orders, pane_kb,
    pane_invoices;

/* What the command line is open for. */
enum prompt_purpose {
	ASK_COMMAND,		/* ":" */
	ASK_PASSWORD,		/* the server wants a login; never echoed */
	ASK_CELL,		/* a knowledge-base cell's new text */
};

/* What the fuzzy picker is open for. */
enum pick_purpose {
	PICK_ASSIGNEE,		/* assign the target conversations */
	PICK_LABEL,		/* add or remove a label */
	PICK_CANNED,		/* insert a canned response in the composer */
};

/* A yes/no question in the status line; y runs fn, any other key
 * cancels. */
struct confirm {
	bool		 active;
	char		 question[256];
	int64_t		 id;
	int		 (*fn)(struct app *, int64_t id);
};

struct applier;

struct app {
	sqlite3			*db;
	const struct mkt_config	*cfg;
	const char		*user;
	struct syncer		*sync;		/* NULL: no server */
	int			 wake_fd;
	const char		*no_sync_reason;
	struct applier		*ap;		/* actions on db */
	struct sync_status	 status;	/* copied every frame */
	bool			 login_dismissed;	/* Esc on the prompt */
	bool			 login_tried;	/* a password was sent */
	bool			 filling;	/* the first sync is running */

	const struct pane_ops	*panes[PANE_COUNT];
	void			*pane_data[PANE_COUNT];
	enum pane_id		 active;

	bool			 quit;
	bool			 help;		/* the help screen is up */
	int			 help_top;	/* its first visible line */
	bool			 problems;	/* the problems view is up */
	struct vlist		 problem_list;
	bool			 notifications;	/* :notifications is up */
	struct vlist		 notification_list;
	long long		 unread_notices;	/* for the status bar */
	int64_t			 last_notice;	/* newest seen, for the bell */
	struct picker		 picker;	/* purpose: enum pick_purpose */
	struct prompt		 prompt;	/* the command line */
	enum prompt_purpose	 prompt_for;
	int64_t			 edit_row;	/* ASK_CELL: which row, */
	char			 edit_column[128];	/* which column */
	struct confirm		 confirm;
	char			 message[256];	/* until the next key, or a
						   few seconds if not an
						   error */
	bool			 message_is_error;
	time_t			 message_at;
	long long		 outbox_pending;	/* from the cache */
	long long		 outbox_problems;
	time_t			 now;		/* the frame's clock */
};

/* Shows a message in the status line until the next key press. */
void	app_message(struct app *app, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	app_error(struct app *app, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Re-reads counts and every pane after the cache changed. */
void	app_reload(struct app *app);
/* Re-reads what changed, as apply_kind bits (apply.h): the panes of
 * those kinds, keeping each selection by row id. */
void	app_reload_kinds(struct app *app, unsigned kinds);
/* Re-reads the pending and problem counts. */
void	app_recount(struct app *app);

/* The view keys go to: the active pane, PANE_PROBLEMS,
 * PANE_NOTIFICATIONS, PANE_THREAD or PANE_INVOICE. */
int	app_view(const struct app *app);
/* The view a view sits inside, whose commands and keys work in it too
 * (a thread is inside Conversations), or PANE_ANY. */
int	app_view_parent(int view);
/* Whether commands of pane work in the current view: the global ones,
 * the view's own and its parent's. */
bool	app_view_in(const struct app *app, int pane);
const char *app_view_title(const struct app *app, int view);
/* The list the movement keys act on in the current view, or NULL. */
struct vlist *app_focus(struct app *app);

/* Opens the command line for a purpose, with a label ("Password for
 * x: ") and text to start from; label NULL is ":". */
void	app_ask(struct app *app, enum prompt_purpose purpose,
	    const char *label, const char *initial);
/* Asks y/n in the status line before running fn(app, id). */
void	app_confirm(struct app *app, int (*fn)(struct app *, int64_t),
	    int64_t id, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* The notifications view (notices.c). */
int	notices_init(struct app *app, char *err, size_t errlen);
void	notices_free(struct app *app);
void	notices_draw(struct app *app, int y, int h, int w);
/* Re-reads the list and the unread count; rings for new ones. */
void	notices_reload(struct app *app);
/* Enter in it: marks the selected one read and opens what it is
 * about. */
int	notices_open(struct app *app);

/* The problems view (problems.c). */
int	problems_init(struct app *app, char *err, size_t errlen);
void	problems_free(struct app *app);
void	problems_draw(struct app *app, int y, int h, int w);
void	problems_reload(struct app *app);

#endif
