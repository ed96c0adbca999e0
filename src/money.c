#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "money.h"

static const struct {
	const char	*code;
	int		 exponent;
} exponents[] = {
	{ "IQD", 0 }, { "JPY", 0 }, { "KRW", 0 }, { "CLP", 0 },
	{ "BHD", 3 }, { "KWD", 3 }, { "OMR", 3 }, { "TND", 3 },
};

int
money_exponent(const char *currency)
{
	for (size_t i = 0; i < sizeof exponents / sizeof exponents[0]; i++)
		if (currency != NULL && strcmp(currency, exponents[i].code) == 0)
			return exponents[i].exponent;
	return 2;
}

size_t
money_format(char *buf, size_t len, int64_t minor, const char *currency)
{
	/* Work on the magnitude as unsigned so INT64_MIN formats too. */
	uint64_t mag = minor < 0 ? -(uint64_t)minor : (uint64_t)minor;
	int exp = money_exponent(currency);
	uint64_t scale = 1;
	char whole[40], *w = whole + sizeof whole;
	int digits = 0, n;

	for (int i = 0; i < exp; i++)
		scale *= 10;
	*--w = '\0';
	uint64_t units = mag / scale;
	do {
		if (digits > 0 && digits % 3 == 0)
			*--w = ',';
		*--w = (char)('0' + units % 10);
		units /= 10;
		digits++;
	} while (units > 0);

	if (exp > 0)
		n = snprintf(buf, len, "%s%s.%0*llu %s", minor < 0 ? "-" : "",
		    w, exp, (unsigned long long)(mag % scale),
		    currency != NULL ? currency : "");
	else
		n = snprintf(buf, len, "%s%s %s", minor < 0 ? "-" : "", w,
		    currency != NULL ? currency : "");
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len > 0 ? len - 1 : 0;
}

int64_t
money_percent(int64_t amount, int64_t bp)
{
	int64_t p = amount * bp;

	return p >= 0 ? (p + 5000) / 10000 : -((-p + 5000) / 10000);
}

int
money_parse(const char *s, const char *currency, int64_t *out)
{
	int exp = money_exponent(currency), frac = 0;
	bool neg = false, digits = false, point = false;
	uint64_t v = 0;

	while (*s == ' ')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s != '\0' && *s != ' '; s++) {
		if (*s == ',' && !point)
			continue;	/* "1,234.50" as money_format writes it */
		if (*s == '.' && !point) {
			point = true;
			continue;
		}
		if (*s < '0' || *s > '9' || (point && ++frac > exp))
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		digits = true;
	}
	while (*s == ' ')
		s++;
	/* A trailing currency code must be the right one. */
	if (*s != '\0' && strcmp(s, currency) != 0)
		return -1;
	for (; frac < exp; frac++) {
		if (v > UINT64_MAX / 10)
			return -1;
		v *= 10;
	}
	if (!digits || v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}
