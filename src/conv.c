/* The conversation rules mkt shares with mktd.  Where mktd has its own
 * copy (the caps, the character count in src/mktd/api.c), this one must
 * give the same answers: a reply mkt lets through and the server refuses
 * comes back as a sync problem long after the user moved on. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conv.h"
#include "timefmt.h"
#include "util.h"

/* Seed 002 §2.5, as mktd's reply_caps. */
static const struct {
	const char	*platform;
	size_t		 chars;
} reply_caps[] = {
	{ "instagram", 800 },
	{ "facebook", 1950 },
	{ "whatsapp", 3800 },
	{ "telegram", 3800 },
	{ "email", 7000 },
};
#define REPLY_CAP_OTHER	1950

/* The server refuses snoozes past 9999-12-31T23:59:59Z; a relative one
 * longer than ten years is a typo. */
#define SNOOZE_MAX	INT64_C(253402300799)
#define SNOOZE_SPAN	(3650LL * 86400)
/* Where a snooze to a day, rather than a minute, wakes up. */
#define SNOOZE_HOUR	9

size_t
conv_reply_cap(const char *platform)
{
	if (platform != NULL)
		for (size_t i = 0; i < nitems(reply_caps); i++)
			if (strcmp(platform, reply_caps[i].platform) == 0)
				return reply_caps[i].chars;
	return REPLY_CAP_OTHER;
}

size_t
conv_message_cap(const char *platform, const char *kind)
{
	if (kind != NULL && strcmp(kind, "note") == 0)
		return CONV_NOTE_CAP;
	return conv_reply_cap(platform);
}

size_t
conv_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

int64_t
conv_waiting_after(int64_t waiting_since, const char *direction,
    const char *kind, int64_t at)
{
	if (kind == NULL || strcmp(kind, "text") != 0)
		return waiting_since;
	if (strcmp(direction, "in") == 0)
		return waiting_since > 0 ? waiting_since : at;
	return 0;
}

size_t
conv_waiting_label(char *buf, size_t len, int64_t now, int64_t waiting_since)
{
	if (waiting_since <= 0) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	/* A clock a little behind the server's must not read "in 2m". */
	if (waiting_since > now)
		waiting_since = now;
	return time_ago(buf, len, now, waiting_since);
}

bool
conv_snooze_over(const char *status, int64_t snoozed_until, int64_t now)
{
	return status != NULL && strcmp(status, "snoozed") == 0 &&
	    snoozed_until > 0 && snoozed_until <= now;
}

const char *
conv_effective_status(const char *status, int64_t snoozed_until, int64_t now)
{
	return conv_snooze_over(status, snoozed_until, now) ? "open" : status;
}

/* ---- snooze times ------------------------------------------------------- */

/* mktime of a local broken-down time, letting it decide on DST; -1 if
 * the fields do not name a real day (2026-02-30) or it fails. */
static int64_t
local_time(int year, int mon, int mday, int hour, int min)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	if (tm.tm_year != year - 1900 || tm.tm_mon != mon - 1 ||
	    tm.tm_mday != mday)
		return -1;
	return (int64_t)t;
}

/* hour:min on the day days after now's local date.  Normalising through
 * mktime keeps it right across month ends and DST changes. */
static int64_t
day_at(time_t now, int days, int hour, int min)
{
	struct tm tm;
	time_t t;

	if (localtime_r(&now, &tm) == NULL)
		return -1;
	tm.tm_mday += days;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	return (int64_t)t;
}

/* "30m", "2h", "3d", "1w": 1 and *until set, 0 if text is not of this
 * form, -1 if it is but out of range. */
static int
parse_relative(const char *s, time_t now, int64_t *until)
{
	static const struct { char unit; long long secs; } units[] = {
		{ 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
	};
	long long n;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return 0;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (end[0] == '\0' || end[1] != '\0')
		return 0;
	for (size_t i = 0; i < nitems(units); i++)
		if (tolower((unsigned char)end[0]) == units[i].unit) {
			if (errno == 0 && n <= 0)
				return 0;
			if (errno != 0 || n > SNOOZE_SPAN / units[i].secs)
				return -1;
			*until = (int64_t)now + n * units[i].secs;
			return 1;
		}
	return 0;
}

/* "monday" … "sunday" → 0 … 6 days from Sunday; "next-week" is Monday. */
static int
weekday(const char *s)
{
	static const char *const days[] = { "sunday", "monday", "tuesday",
	    "wednesday", "thursday", "friday", "saturday" };

	if (strcasecmp(s, "next-week") == 0)
		return 1;
	for (size_t i = 0; i < nitems(days); i++)
		if (strcasecmp(s, days[i]) == 0)
			return (int)i;
	return -1;
}

/* "18:30" or "8:05": 1 with *hour and *min, else 0. */
static int
parse_clock(const char *s, int *hour, int *min)
{
	int h = 0, m, i = 0;

	while (i < 2 && isdigit((unsigned char)s[i]))
		h = h * 10 + (s[i++] - '0');
	if (i == 0 || s[i] != ':' || !isdigit((unsigned char)s[i + 1]) ||
	    !isdigit((unsigned char)s[i + 2]) || s[i + 3] != '\0')
		return 0;
	m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	if (h > 23 || m > 59)
		return 0;
	*hour = h;
	*min = m;
	return 1;
}

/* "2026-12-01" (09:00), "2026-12-01 18:30" or "2026-12-01T18:30": 1 and
 * *until, 0 if not a date, -1 if a date that does not exist. */
static int
parse_date(const char *s, int64_t *until)
{
	int y, mo, d, h = SNOOZE_HOUR, mi = 0, n = 0;

	if (strlen(s) < 10 || !isdigit((unsigned char)s[0]) || s[4] != '-' ||
	    s[7] != '-')
		return 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	if (s[10] != '\0') {
		if ((s[10] != ' ' && s[10] != 'T') ||
		    !parse_clock(s + 11, &h, &mi))
			return 0;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	return (*until = local_time(y, mo, d, h, mi)) < 0 ? -1 : 1;
}

/* Copies text without the blanks around it. */
static void
trimmed(char *buf, size_t len, const char *text)
{
	size_t n;

	while (isspace((unsigned char)*text))
		text++;
	n = strlen(text);
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
}

int
conv_snooze_parse(const char *text, time_t now, int64_t *until, char *err,
    size_t errlen)
{
	char s[64], when[32];
	int64_t t = -1;
	int rc, wd, h, m;
	struct tm tm;

	trimmed(s, sizeof s, text != NULL ? text : "");
	if (strcasecmp(s, "tomorrow") == 0)
		t = day_at(now, 1, SNOOZE_HOUR, 0);
	else if ((wd = weekday(s)) >= 0) {
		int days;

		if (localtime_r(&now, &tm) == NULL)
			goto bad;
		/* The next such day, never today: "friday" on a Friday
		 * means a week from now. */
		days = (wd - tm.tm_wday + 7) % 7;
		t = day_at(now, days == 0 ? 7 : days, SNOOZE_HOUR, 0);
	} else if (parse_clock(s, &h, &m)) {
		if ((t = day_at(now, 0, h, m)) >= 0 && t <= (int64_t)now)
			t = day_at(now, 1, h, m);
	} else if ((rc = parse_relative(s, now, &t)) != 0) {
		if (rc < 0) {
			snprintf(err, errlen, "a snooze lasts at most ten "
			    "years");
			return -1;
		}
	} else if ((rc = parse_date(s, &t)) != 0) {
		if (rc < 0) {
			snprintf(err, errlen, "there is no day %s", s);
			return -1;
		}
	} else
		goto bad;
	if (t < 0)
		goto bad;
	if (t <= (int64_t)now) {
		time_local(when, sizeof when, t);
		snprintf(err, errlen, "%s is in the past", when);
		return -1;
	}
	if (t > SNOOZE_MAX || t - (int64_t)now > SNOOZE_SPAN) {
		snprintf(err, errlen, "a snooze lasts at most ten years");
		return -1;
	}
	*until = t;
	return 0;
bad:
	snprintf(err, errlen, "snooze for 30m, 2h, 3d or 1w, or until "
	    "tomorrow, next-week, a weekday, 18:30 or 2026-12-01 [18:30]");
	return -1;
}
