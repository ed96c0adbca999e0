/* The rules of a conversation that mkt and mktd must agree on: how long a
 * reply may be, how long the customer has been waiting, when a snooze
 * ends.  mktd enforces them; mkt applies them optimistically and checks
 * them before a reply is queued, so neither side can drift. */
#ifndef MKT_CONV_H
#define MKT_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A private note has no channel; it may be as long as the largest cap. */
#define CONV_NOTE_CAP	7000

/* The most characters a reply on this platform may hold (seed 002 §2.5:
 * instagram 800, facebook 1950, whatsapp and telegram 3800, email 7000;
 * anything else 1950). */
size_t	conv_reply_cap(const char *platform);

/* The cap for a message of this kind ("text" or "note") on platform. */
size_t	conv_message_cap(const char *platform, const char *kind);

/* Characters as the server counts them: Unicode code points of the UTF-8
 * text, with no normalisation, so a combining mark, each part of an emoji
 * sequence and each of \r and \n count one.  Like the server it counts
 * the bytes that do not continue a sequence, so of invalid UTF-8 a stray
 * continuation byte counts nothing (the server refuses it anyway). */
size_t	conv_chars(const char *s);

/* waiting_since after a message: an inbound text from the customer
 * starts the wait if none is running; an outbound reply ("text" by a
 * person or the AI) ends it; notes and system events change nothing.
 * 0 means nobody is waiting. */
int64_t	conv_waiting_after(int64_t waiting_since, const char *direction,
	    const char *kind, int64_t at);

/* The wait as a list shows it: "" when nobody waits, else "now", "12m",
 * "3h", "2d", "5w" (see time_ago). */
size_t	conv_waiting_label(char *buf, size_t len, int64_t now,
	    int64_t waiting_since);

/* A snoozed conversation is awake again once its time has passed. */
bool	conv_snooze_over(const char *status, int64_t snoozed_until,
	    int64_t now);
/* The status people should see: "open" for a snooze that is over,
 * otherwise status itself. */
const char *conv_effective_status(const char *status, int64_t snoozed_until,
	    int64_t now);

/* When a snooze typed as text ends, in local time:
 *   "30m", "2h", "3d", "1w"          from now;
 *   "tomorrow"                        tomorrow 09:00;
 *   "monday" … "sunday", "next-week" the next such day (Monday) 09:00,
 *                                     never today: a week on today's;
 *   "18:30"                           today, or tomorrow if past;
 *   "2026-12-01", "2026-12-01 18:30"  that day (09:00) or that minute
 *                                     ("2026-12-01T18:30" too).
 * Words are case-insensitive and blanks around the text are ignored.  At
 * most ten years ahead.  Returns 0 with *until in the future, or -1 with
 * a message in err (*until unchanged). */
int	conv_snooze_parse(const char *text, time_t now, int64_t *until,
	    char *err, size_t errlen);

#endif
