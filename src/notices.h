/* The signed-in user's notifications, as the server keeps them and the
 * feed brings them: "assigned to you", a customer writing in a
 * conversation of yours, a new unassigned conversation, an overdue
 * invoice.  The status bar counts the unread ones; the bell rings when a
 * newer one of the triage kinds arrives. */
#ifndef MKT_NOTICES_H
#define MKT_NOTICES_H

#include <stdint.h>
#include <sqlite3.h>

#include "listwin.h"

/* Cells of list_notices rows. */
enum { N_CREATED, N_KIND, N_TITLE, N_READ, N_REF_TYPE, N_REF_ID, N_NCOLS };

/* Newest first; :scope is the user. */
extern const struct list_source list_notices;

/* Unread notifications of user, or -1 on error. */
long long notices_unread(sqlite3 *db, int64_t user);
/* The newest unread notification of user that should ring the bell (a
 * message in a conversation of theirs, a new unassigned conversation,
 * an assignment), or 0. */
int64_t	  notices_newest_ringing(sqlite3 *db, int64_t user);

#endif
