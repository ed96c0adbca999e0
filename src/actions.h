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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apply.h"

/* status: open, pending, snoozed or resolved; snoozed_until (Unix
 * seconds) only with snoozed. */
int	conversation_set_status(struct applier *ap, int64_t id,
	    const char *status, int64_t snoozed_until, char *err,
	    size_t errlen);
/* priority: urgent, high, medium, low or none; or up or down a step
 * from what the cache holds. */
int	conversation_set_priority(struct applier *ap, int64_t id,
	    const char *priority, char *err, size_t errlen);
/* assignee 0 unassigns. */
int	conversation_assign(struct applier *ap, int64_t id, int64_t assignee,
	    char *err, size_t errlen);
/* kind "text" answers the customer; "note" is private to staff.  A body
 * longer than conv_message_cap() for the channel is refused before it is
 * queued, in the server's words. */
int	conversation_reply(struct applier *ap, int64_t id, const char *kind,
	    const char *body, char *err, size_t errlen);
/* Sets unread_count to 0.  When it is 0 already nothing is queued and
 * 0 is returned: opening a thread calls it every time. */
int	conversation_mark_read(struct applier *ap, int64_t id, char *err,
	    size_t errlen);
/* Removes, then adds labels, as the server does; a label in both lists,
 * an invalid label or more than 20 in the end is refused.  When nothing
 * would change, nothing is queued and 0 is returned. */
int	conversation_set_labels(struct applier *ap, int64_t id,
	    const char *const *add, int nadd, const char *const *remove,
	    int nremove, char *err, size_t errlen);
/* to "human" takes the chat from the AI, "ai" hands it back; either
 * settles a pending handoff request.  Order chats have no AI. */
int	conversation_handoff(struct applier *ap, int64_t id, const char *to,
	    char *err, size_t errlen);
/* The customer's payment reminder on or off. */
int	conversation_set_reminder(struct applier *ap, int64_t id,
	    bool enabled, char *err, size_t errlen);

/* Turns the payment reminder the other way from what the cache holds. */
int	conversation_toggle_reminder(struct applier *ap, int64_t id, char *err,
	    size_t errlen);

/* Marks one of the user's notifications read (POST .../read). */
int	notification_mark_read(struct applier *ap, int64_t id, char *err,
	    size_t errlen);

/* A payment of amount (minor units, in the invoice's currency). */
int	invoice_record_payment(struct applier *ap, int64_t id,
	    int64_t amount_minor, const char *method, const char *reference,
	    char *err, size_t errlen);

/* Sets one cell of a knowledge-base row from text as typed; the column's
 * type decides how it is read ("12.50" for money, "yes" for boolean). */
int	kb_row_set_cell(struct applier *ap, int64_t row_id,
	    const char *column, const char *text, char *err, size_t errlen);

#endif
