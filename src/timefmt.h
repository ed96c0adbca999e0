/* Times for people.  Stored times are UTC Unix seconds; shown in local
 * time, and in lists as a short age ("now", "12m", "3h", "2d", "5w"). */
#ifndef MKT_TIMEFMT_H
#define MKT_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Short age of t relative to now: "now" under a minute, then m, h, d, w,
 * and "3y" beyond a year.  A time in the future reads "in 5m". */
size_t	time_ago(char *buf, size_t len, int64_t now, int64_t t);

/* t as local "YYYY-MM-DD HH:MM". */
size_t	time_local(char *buf, size_t len, int64_t t);

#endif
