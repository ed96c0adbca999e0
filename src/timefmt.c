#include <stdio.h>
#include <time.h>

#include "timefmt.h"

size_t
time_ago(char *buf, size_t len, int64_t now, int64_t t)
{
	static const struct { int64_t secs; char unit; } units[] = {
		{ 365 * 86400, 'y' }, { 7 * 86400, 'w' }, { 86400, 'd' },
		{ 3600, 'h' }, { 60, 'm' },
	};
	int64_t d = now - t;
	const char *pre = "";
	int n = -1;

	if (d < 0) {
		d = -d;
		pre = "in ";
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (d >= units[i].secs) {
			n = snprintf(buf, len, "%s%lld%c", pre,
			    (long long)(d / units[i].secs), units[i].unit);
			break;
		}
	if (n < 0)
		n = snprintf(buf, len, "now");
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len > 0 ? len - 1 : 0;
}

size_t
time_local(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (len == 0)
		return 0;
	if (localtime_r(&tt, &tm) == NULL)
		return (size_t)snprintf(buf, len, "?");
	return strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}
