/* What a person can do to the data, as local actions: each is one cache
 * transaction that applies the change optimistically and queues it in
 * the outbox (see outbox.h); the sync thread carries it to the server.
 * Nothing here touches the network, so every action works offline.
 *
 * Each returns 0, or -1 with a message fit for the status line when the
 * action makes no sense on the row as cached (an unknown row, a payment
 * larger than what is due…); then nothing changed. */
#ifndef MKT_ACTIONS_H
#define MKT_ACTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "apply.h"

/* status: open, pending, snoozed or resolved; snoozed_until (Unix
 * seconds) only with snoozed. */
int	conversation_set_status(struct applier *ap, int64_t id,
	    const char *status, int64_t snoozed_until, char *err,
	    size_t errlen);
/* priority: urgent, high, medium, low or none. */
int	conversation_set_priority(struct applier *ap, int64_t id,
	    const char *priority, char *err, size_t errlen);
/* assignee 0 unassigns. */
int	conversation_assign(struct applier *ap, int64_t id, int64_t assignee,
	    char *err, size_t errlen);
/* kind "text" answers the customer; "note" is private to staff. */
int	conversation_reply(struct applier *ap, int64_t id, const char *kind,
	    const char *body, char *err, size_t errlen);

/* A payment of amount (minor units, in the invoice's currency). */
int	invoice_record_payment(struct applier *ap, int64_t id,
	    int64_t amount_minor, const char *method, const char *reference,
	    char *err, size_t errlen);

/* Sets one cell of a knowledge-base row from text as typed; the column's
 * type decides how it is read ("12.50" for money, "yes" for boolean). */
int	kb_row_set_cell(struct applier *ap, int64_t row_id,
	    const char *column, const char *text, char *err, size_t errlen);

#endif
