/* The conversation queue: which conversations the list shows (a view, a
 * filter, a full-text search) and in what order.  It builds the keyset
 * list source the list widget pages through (listwin.h) and binds its
 * parameters; the SQL lives here, the UI only names views and sorts.
 *
 * Filters read like neomutt limits or k9s filters, as terms joined by
 * blanks, all of which must hold:
 *     channel=whatsapp,telegram priority>=high label=refund !status=resolved
 *     ~c whatsapp ~p>=high ~l refund ~a me ~L ru
 * Fields, with their short letters: status ~s (as people see it: a
 * snooze that is over reads open), channel ~c (the platform), company ~C
 * (code, any case), label ~l (any case), priority ~p (= != < <= > >=, in
 * the order none < low < medium < high < urgent), assignee ~a (me, none,
 * or a user's name, first name or e-mail, any case), language ~L (the
 * contact's, "ru" also matches "ru-RU").  A comma gives alternatives;
 * "!" before a term or "!=" negates; a value with blanks is quoted:
 * assignee="Anna Petrova".  Status, channel and priority values must be
 * ones that exist, so a typo is an error rather than an empty list. */
#ifndef MKT_QUEUE_H
#define MKT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "listwin.h"

enum queue_view {
	QV_MINE,	/* assigned to me and not resolved */
	QV_UNASSIGNED,	/* nobody's, not resolved */
	QV_WAITING,	/* the AI handed off or the customer asked for a
			   person: handoff_requested, not resolved */
	QV_UNPAID,	/* a payment link sent and not paid */
	QV_ALL,
	QV_RESOLVED,
	QV_COUNT
};

enum queue_sort {
	QS_WAITING,	/* longest-waiting customer first */
	QS_ACTIVITY,	/* most recent activity first */
	QS_PRIORITY,	/* most urgent first, then most recent */
	QS_COUNT
};

/* Cells of a queue row (list_row.cells), in this order. */
enum {
	C_PRIORITY, C_PLATFORM, C_COMPANY, C_CONTACT, C_PREVIEW, C_ACTIVITY,
	C_STATUS, C_ASSIGNEE, C_UNREAD, C_PAYMENT, C_WAITING, C_LABELS,
	C_PENDING, C_HANDOFF, C_NCOLS
};

#define QUEUE_TERMS	16

struct queue_term {
	int		 field;		/* private to queue.c */
	int		 op;
	bool		 negate;
	int		 nvalues;
	char		*values[8];
};

struct queue_filter {
	int			 nterms;
	struct queue_term	 terms[QUEUE_TERMS];
};

struct queue_job;

struct queue {
	enum queue_view		 view;
	enum queue_sort		 sort;
	struct queue_filter	 filter;
	char			 filter_text[512];	/* as typed, "" none */
	char			 search[256];	/* "/" text, "" none */
	int64_t			 me;		/* the signed-in user */
	int64_t			 now;		/* for snoozes that are over */
	/* How many conversations the search has found so far: it picks
	 * the plan (a few results are fetched by id and sorted, many are
	 * found walking the sort's index).  Either way the list is the
	 * same. */
	long long		 found;
	/* Searching and counting run on a thread (queue_poll). */
	sqlite3			*reader;
	struct queue_job	*job;
	bool			 recount;
	struct listwin		*ranked;	/* whose rank to count */

	/* Built by queue_build(); owned by the queue.  sql[0] is the
	 * condition src.where points to; the rest are spare. */
	struct list_source	 src;
	char			*sql[3];
};

/* "mine", "unassigned", "waiting", "unpaid", "all", "resolved". */
const char	*queue_view_name(enum queue_view v);
/* Its title in the tab line: "Mine", "Unassigned", "Waiting"… */
const char	*queue_view_title(enum queue_view v);
/* The view a name or unique prefix names, or -1. */
int		 queue_view_find(const char *name);
/* "waiting", "activity", "priority". */
const char	*queue_sort_name(enum queue_sort s);
int		 queue_sort_find(const char *name);
/* Waiting for Mine, Unassigned and Waiting; last activity otherwise. */
enum queue_sort	 queue_default_sort(enum queue_view v);

/* Parses a filter ("" clears it).  0, or -1 with a message naming the
 * term it could not read; *f is then unchanged. */
int	 queue_filter_parse(const char *text, struct queue_filter *f,
	    char *err, size_t errlen);
void	 queue_filter_free(struct queue_filter *f);

void	 queue_init(struct queue *q, enum queue_view view, int64_t me);
void	 queue_free(struct queue *q);

/* Builds q->src from the view, sort, filter and search.  Call after any
 * of them changes, then give the listwin the new source
 * (listwin_set_source(lw, &q->src, …) with queue_bind as its binder).
 * With a search, queue_search() must have run on that connection first:
 * the source reads its results. */
void	 queue_build(struct queue *q);
/* Binds the queue's parameters (:me, :now, the filter's values) on a
 * statement of its source: a listwin bind hook (listwin_set_binder). */
void	 queue_bind(void *queue, sqlite3_stmt *st);

/* Starts the "/" search over message bodies (FTS5) and contact names,
 * into the temporary table the source reads, so moving through the
 * results does not repeat it.  Words must all match, the last as a
 * prefix, in one message's body; or each must start a word of the
 * contact's name (any case, also Cyrillic and Greek).  The words are
 * only text: quotes and FTS5 operators in them are searched for, not
 * obeyed.  Blank text clears the search.  The results arrive through
 * queue_poll(), and the views are counted after them.  0, or -1 with
 * err. */
int	 queue_search(sqlite3 *db, struct queue *q, const char *text,
	    char *err, size_t errlen);
/* Starts counting how many conversations each view holds under the
 * current filter and search, for the tab line and the list's n/N: it
 * walks them all, so it runs off the UI's thread.  With a list whose
 * selection's rank is unknown (listwin_defer_counts), ranks it too.
 * 0, or -1 with err. */
int	 queue_count(sqlite3 *db, struct queue *q, struct listwin *lw,
	    char *err, size_t errlen);

struct queue_counted {
	long long	 views[QV_COUNT];
	int64_t		 rank_id;	/* the row ranked, 0 if none */
	long long	 rank;		/* rows before it */
};

#define QUEUE_MORE	0x1	/* still at work: poll again */
#define QUEUE_FOUND	0x2	/* more search results are in */
#define QUEUE_COUNTED	0x4	/* *out holds the counts */
/* Takes what the search and the count have done so far (call between
 * keys).  A mask of QUEUE_*, 0 when idle, or -1 with err. */
int	 queue_poll(sqlite3 *db, struct queue *q, struct queue_counted *out,
	    char *err, size_t errlen);
bool	 queue_busy(const struct queue *q);

/* The list's total at once when that costs nothing (the All view with
 * no filter or search), else -1. */
long long queue_total_now(sqlite3 *db, const struct queue *q);

#endif
