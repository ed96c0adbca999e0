/* The outbox: local actions queued for the server, in order. */
#ifndef MKT_OUTBOX_H
#define MKT_OUTBOX_H

#include <sqlite3.h>

/* Entries not yet acknowledged (queued or in flight), or -1 on error. */
long long	outbox_pending(sqlite3 *db);

#endif
