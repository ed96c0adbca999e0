/* Display formats: money by currency exponent, half-up percentages, and
 * the short ages lists show. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "money.h"
#include "timefmt.h"

static void
test_money_formats_by_currency_exponent(void **state)
{
	char b[64];

	(void)state;
	money_format(b, sizeof b, 123450, "EUR");
	assert_string_equal(b, "1,234.50 EUR");
	money_format(b, sizeof b, 5, "RUB");
	assert_string_equal(b, "0.05 RUB");
	money_format(b, sizeof b, 0, "EUR");
	assert_string_equal(b, "0.00 EUR");
	money_format(b, sizeof b, 1250000, "IQD");
	assert_string_equal(b, "1,250,000 IQD");
	money_format(b, sizeof b, -99, "EUR");
	assert_string_equal(b, "-0.99 EUR");
	money_format(b, sizeof b, 1234567, "KWD");
	assert_string_equal(b, "1,234.567 KWD");
}

static void
test_money_format_survives_extremes_and_small_buffers(void **state)
{
	char b[64], tiny[6];

	(void)state;
	money_format(b, sizeof b, INT64_MIN, "EUR");
	assert_string_equal(b, "-92,233,720,368,547,758.08 EUR");
	money_format(b, sizeof b, INT64_MAX, "IQD");
	assert_string_equal(b, "9,223,372,036,854,775,807 IQD");
	assert_int_equal(money_format(tiny, sizeof tiny, 123450, "EUR"), 5);
	assert_string_equal(tiny, "1,234");
}

static void
test_money_percent_rounds_half_up_once(void **state)
{
	(void)state;
	assert_int_equal(money_percent(10000, 500), 500);	/* 5 % of 100.00 */
	assert_int_equal(money_percent(10, 500), 1);		/* 0.5 -> 1 */
	assert_int_equal(money_percent(9, 500), 0);		/* 0.45 -> 0 */
	assert_int_equal(money_percent(-10, 500), -1);		/* symmetric */
	assert_int_equal(money_percent(3333, 2300), 767);	/* 766.59 -> 767 */
	assert_int_equal(money_percent(1000000, 2000), 200000);	/* IQD fee */
}

static void
test_ages_use_the_largest_whole_unit(void **state)
{
	char b[16];
	const int64_t now = 1800000000;

	(void)state;
	time_ago(b, sizeof b, now, now - 30);
	assert_string_equal(b, "now");
	time_ago(b, sizeof b, now, now - 12 * 60);
	assert_string_equal(b, "12m");
	time_ago(b, sizeof b, now, now - 3 * 3600 - 59);
	assert_string_equal(b, "3h");
	time_ago(b, sizeof b, now, now - 2 * 86400);
	assert_string_equal(b, "2d");
	time_ago(b, sizeof b, now, now - 15 * 86400);
	assert_string_equal(b, "2w");
	time_ago(b, sizeof b, now, now - 800 * 86400);
	assert_string_equal(b, "2y");
	time_ago(b, sizeof b, now, now + 300);
	assert_string_equal(b, "in 5m");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money_formats_by_currency_exponent),
		cmocka_unit_test(test_money_format_survives_extremes_and_small_buffers),
		cmocka_unit_test(test_money_percent_rounds_half_up_once),
		cmocka_unit_test(test_ages_use_the_largest_whole_unit),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
