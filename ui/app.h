/* The application state shared by the key loop, the commands and the
 * panes.  One struct app exists for the life of the TUI. */
#ifndef MKT_APP_H
#define MKT_APP_H

#include <stdbool.h>
#include <time.h>
#include <sqlite3.h>

#include "config.h"
#include "prompt.h"
#include "vlist.h"

enum pane_id {
	PANE_CONVERSATIONS,
	PANE_ORDERS,
	PANE_KB,
	PANE_INVOICES,
	PANE_COUNT,
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
};

/* A pane that is one list (pane_list.c); pane_data[self] is its vlist. */
int	 list_pane_init(struct app *app, enum pane_id self,
	    const struct list_source *src, const struct vcolumn *cols,
	    int ncols, const char *empty, char *err, size_t errlen);
void	 list_pane_free(struct app *app, enum pane_id self);
void	 list_pane_draw(struct app *app, enum pane_id self, int y, int x,
	    int h, int w);
struct vlist *list_pane_focus(struct app *app, enum pane_id self);
void	 list_pane_reload(struct app *app, enum pane_id self);

extern const struct pane_ops pane_conversations, pane_orders, pane_kb,
    pane_invoices;

struct app {
	sqlite3			*db;
	const struct mkt_config	*cfg;
	const char		*user;
	const char		*sync_state;

	const struct pane_ops	*panes[PANE_COUNT];
	void			*pane_data[PANE_COUNT];
	enum pane_id		 active;

	bool			 quit;
	bool			 help;		/* the help screen is up */
	int			 help_top;	/* its first visible line */
	struct prompt		 prompt;	/* the ":" command line */
	char			 message[256];	/* shown until the next key */
	bool			 message_is_error;
	long long		 outbox_pending;
	time_t			 now;		/* the frame's clock */
};

/* Shows a message in the status line until the next key press. */
void	app_message(struct app *app, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	app_error(struct app *app, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Re-reads counts and every pane after the cache changed. */
void	app_reload(struct app *app);

#endif
