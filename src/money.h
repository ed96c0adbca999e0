/* Money is an int64 count of minor units plus an ISO 4217 code.  This
 * module knows each currency's exponent and formats amounts for display;
 * it never converts through floating point. */
#ifndef MKT_MONEY_H
#define MKT_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Digits after the decimal point: EUR, RUB, USD 2; IQD and JPY 0.  IQD's
 * ISO exponent is 3, but fils are not used in practice (DESIGN.md), so the
 * cache stores whole dinars.  Unknown codes use 2. */
int	 money_exponent(const char *currency);

/* bp basis points of amount (500 = 5 %), rounded half-up, away from
 * zero for negative amounts: the one rounding rule for every line. */
int64_t	 money_percent(int64_t amount, int64_t bp);

/* "1,234.50 EUR", "-0.05 RUB", "1,250,000 IQD".  Returns bytes written. */
size_t	 money_format(char *buf, size_t len, int64_t minor,
	    const char *currency);

/* Reads an amount as people type it: "12.5", "1,234.50", "-3",
 * "12.50 EUR" (the code, if any, must be currency's).  More decimals
 * than the currency has are refused, never rounded.  0 or -1. */
int	 money_parse(const char *s, const char *currency, int64_t *out);

#endif
