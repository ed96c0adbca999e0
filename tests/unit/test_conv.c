/* conv.c: the rules mkt must apply exactly as mktd does (caps, the
 * character count, waiting), and snooze times in local time, across a
 * DST change. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conv.h"

/* Friday 2026-03-27 15:00 in Berlin (CET); summer time starts on the
 * Sunday after, 2026-03-29 at 02:00. */
#define NOW	((time_t)1774620000)

static int
setup_tz(void **state)
{
	(void)state;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	return 0;
}

static void
test_caps_per_platform(void **state)
{
	(void)state;
	assert_int_equal(conv_reply_cap("instagram"), 800);
	assert_int_equal(conv_reply_cap("facebook"), 1950);
	assert_int_equal(conv_reply_cap("whatsapp"), 3800);
	assert_int_equal(conv_reply_cap("telegram"), 3800);
	assert_int_equal(conv_reply_cap("email"), 7000);
	assert_int_equal(conv_reply_cap("tiktok"), 1950);
	assert_int_equal(conv_reply_cap("order_chat"), 1950);
	assert_int_equal(conv_reply_cap(NULL), 1950);
	assert_int_equal(conv_message_cap("instagram", "text"), 800);
	assert_int_equal(conv_message_cap("instagram", "note"), CONV_NOTE_CAP);
	assert_int_equal(CONV_NOTE_CAP, 7000);
}

/* What mktd's api_utf8_chars counts: every byte that does not continue
 * a sequence. */
static void
test_chars_are_code_points(void **state)
{
	(void)state;
	assert_int_equal(conv_chars(""), 0);
	assert_int_equal(conv_chars("hello"), 5);
	assert_int_equal(conv_chars("Привет"), 6);
	assert_int_equal(conv_chars("日本語"), 3);
	assert_int_equal(conv_chars("😀"), 1);
	/* e + combining acute: two code points, no normalisation. */
	assert_int_equal(conv_chars("e\xcc\x81"), 2);
	/* man + ZWJ + woman: three parts of one emoji sequence. */
	assert_int_equal(conv_chars("👨\u200d👩"), 3);
	assert_int_equal(conv_chars("a\r\nb"), 4);
	/* Stray bytes: a lead byte counts, a lone continuation does not. */
	assert_int_equal(conv_chars("\xff" "a" "\x80"), 2);
}

static void
test_waiting_follows_messages(void **state)
{
	(void)state;
	/* A customer's text starts the wait, a second one keeps it. */
	assert_int_equal(conv_waiting_after(0, "in", "text", 100), 100);
	assert_int_equal(conv_waiting_after(100, "in", "text", 200), 100);
	/* A reply ends it; a note or a system event changes nothing. */
	assert_int_equal(conv_waiting_after(100, "out", "text", 300), 0);
	assert_int_equal(conv_waiting_after(100, "out", "note", 300), 100);
	assert_int_equal(conv_waiting_after(0, "out", "note", 300), 0);
	assert_int_equal(conv_waiting_after(100, "out", "system", 300), 100);
	assert_int_equal(conv_waiting_after(0, "in", "system", 300), 0);
}

static void
test_waiting_label(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(conv_waiting_label(buf, sizeof buf, 1000, 0), 0);
	assert_string_equal(buf, "");
	conv_waiting_label(buf, sizeof buf, 1000, 990);
	assert_string_equal(buf, "now");
	conv_waiting_label(buf, sizeof buf, 10000, 10000 - 12 * 60);
	assert_string_equal(buf, "12m");
	conv_waiting_label(buf, sizeof buf, 100000, 100000 - 3 * 3600);
	assert_string_equal(buf, "3h");
	conv_waiting_label(buf, sizeof buf, 1000000, 1000000 - 2 * 86400);
	assert_string_equal(buf, "2d");
	conv_waiting_label(buf, sizeof buf, 10000000, 10000000 - 35 * 86400);
	assert_string_equal(buf, "5w");
	/* The server's clock ahead of ours still reads as just now. */
	conv_waiting_label(buf, sizeof buf, 1000, 1100);
	assert_string_equal(buf, "now");
}

static void
test_effective_status(void **state)
{
	(void)state;
	assert_false(conv_snooze_over("snoozed", 2000, 1999));
	assert_true(conv_snooze_over("snoozed", 2000, 2000));
	assert_true(conv_snooze_over("snoozed", 2000, 3000));
	/* Only a snooze ends; a snooze without a time never does. */
	assert_false(conv_snooze_over("open", 2000, 3000));
	assert_false(conv_snooze_over("snoozed", 0, 3000));
	assert_string_equal(conv_effective_status("snoozed", 2000, 3000),
	    "open");
	assert_string_equal(conv_effective_status("snoozed", 4000, 3000),
	    "snoozed");
	assert_string_equal(conv_effective_status("resolved", 2000, 3000),
	    "resolved");
}

static int64_t
snooze(const char *text)
{
	char err[256] = "";
	int64_t until = 0;

	if (conv_snooze_parse(text, NOW, &until, err, sizeof err) != 0)
		fail_msg("\"%s\": %s", text, err);
	return until;
}

static void
refused(const char *text, const char *want)
{
	char err[256] = "";
	int64_t until = -7;

	assert_int_equal(conv_snooze_parse(text, NOW, &until, err, sizeof err),
	    -1);
	assert_int_equal(until, -7);
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\": %s", text, err);
}

static void
test_snooze_relative(void **state)
{
	(void)state;
	assert_int_equal(snooze("30m"), NOW + 1800);
	assert_int_equal(snooze("2h"), NOW + 7200);
	assert_int_equal(snooze("3d"), NOW + 3 * 86400);
	assert_int_equal(snooze("1w"), NOW + 7 * 86400);
	assert_int_equal(snooze(" 2H "), NOW + 7200);
	refused("0m", "snooze for");
	refused("-5m", "snooze for");
	refused("5x", "snooze for");
	refused("5", "snooze for");
	refused("5mm", "snooze for");
	refused("11000d", "ten years");
	refused("99999999999999999999w", "ten years");
}

static void
test_snooze_days(void **state)
{
	(void)state;
	/* Saturday 09:00. */
	assert_int_equal(snooze("tomorrow"), 1774684800);
	/* Monday 09:00, across the change to summer time: 23-hour Sunday. */
	assert_int_equal(snooze("next-week"), 1774854000);
	assert_int_equal(snooze("monday"), 1774854000);
	assert_int_equal(snooze("Monday"), 1774854000);
	assert_int_equal(snooze("sunday"), 1774767600);
	/* Today is Friday: "friday" is next week's. */
	assert_int_equal(snooze("friday"), 1775199600);
	refused("someday", "snooze for");
	refused("", "snooze for");
}

static void
test_snooze_clock_and_dates(void **state)
{
	(void)state;
	/* Later today, or tomorrow once the time has passed. */
	assert_int_equal(snooze("18:30"), 1774632600);
	assert_int_equal(snooze("8:05"), 1774681500);
	assert_int_equal(snooze("08:05"), 1774681500);
	assert_int_equal(snooze("2026-12-01"), 1796112000);
	assert_int_equal(snooze("2026-12-01 18:30"), 1796146200);
	assert_int_equal(snooze("2026-12-01T18:30"), 1796146200);
	assert_int_equal(snooze("2026-03-31 23:30"), 1774992600);
	refused("24:00", "snooze for");
	refused("18:60", "snooze for");
	refused("18:3", "snooze for");
	refused("2026-02-30", "no day 2026-02-30");
	refused("2026-13-01", "no day");
	refused("2026-12-01 25:00", "snooze for");
	refused("2026-03-27 14:00", "in the past");
	refused("2025-01-01", "2025-01-01 09:00 is in the past");
	refused("2099-01-01", "ten years");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_per_platform),
		cmocka_unit_test(test_chars_are_code_points),
		cmocka_unit_test(test_waiting_follows_messages),
		cmocka_unit_test(test_waiting_label),
		cmocka_unit_test(test_effective_status),
		cmocka_unit_test(test_snooze_relative),
		cmocka_unit_test(test_snooze_days),
		cmocka_unit_test(test_snooze_clock_and_dates),
	};

	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
