/* fuzzy.c: what matches, in which order, in any case and script. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzy.h"

/* a must rank strictly above b for pattern. */
static void
better(const char *pattern, const char *a, const char *b)
{
	int sa = fuzzy_score(pattern, a), sb = fuzzy_score(pattern, b);

	if (sa < 0 || sb < 0 || sa <= sb)
		fail_msg("\"%s\": \"%s\" scores %d, \"%s\" %d", pattern, a, sa,
		    b, sb);
}

static void
test_no_match_is_minus_one(void **state)
{
	(void)state;
	assert_int_equal(fuzzy_score("xyz", "refund-policy"), -1);
	/* In order only. */
	assert_int_equal(fuzzy_score("fer", "refund"), -1);
	assert_int_equal(fuzzy_score("refunds", "refund"), -1);
	assert_int_equal(fuzzy_score("a", ""), -1);
	assert_true(fuzzy_score("rfd", "refund") >= 0);
}

static void
test_empty_pattern_matches_everything(void **state)
{
	(void)state;
	assert_int_equal(fuzzy_score("", "anything"), 0);
	assert_int_equal(fuzzy_score("", ""), 0);
}

static void
test_prefix_and_word_starts_beat_scattered(void **state)
{
	(void)state;
	/* Prefix over a word start inside, over the middle of a word, over
	 * letters scattered. */
	better("ref", "refund-policy", "late-refund");
	better("ref", "late-refund", "prefer");
	better("ref", "prefer", "xrxexfx");
	better("ref", "refund-policy", "xrxexfx");
	better("ref", "late-refund", "xrxexfx");
	better("ref", "refund-policy", "prefer");
	/* Initials of words over the same letters scattered in one word. */
	better("rp", "refund-policy", "repeat");
	better("dt", "delivery-time", "delta");
	/* camelCase humps count as words. */
	better("dt", "deliveryTime", "delta");
	/* Of two prefixes, the shorter text. */
	better("ref", "ref", "refund-policy");
	better("anna", "Anna", "Annabel Lee");
	/* Consecutive over split. */
	better("pol", "policy", "p-o-l-icy");
}

static void
test_case_insensitive_in_every_script(void **state)
{
	(void)state;
	assert_int_equal(fuzzy_score("REFUND", "refund"),
	    fuzzy_score("refund", "refund"));
	assert_true(fuzzy_score("refund", "REFUND") >= 0);
	/* Cyrillic: Ё and ё, and the whole alphabet. */
	assert_true(fuzzy_score("иван", "Иван Петров") >= 0);
	assert_true(fuzzy_score("ПЕТ", "Иван Петров") >= 0);
	assert_true(fuzzy_score("ёлка", "ЁЛКА") >= 0);
	assert_true(fuzzy_score("щя", "ЩЯ") >= 0);
	better("пет", "Петров Иван", "Иван Петров");
	assert_int_equal(fuzzy_score("ж", "Иван Петров"), -1);
	/* Ukrainian and Greek, Latin with accents. */
	assert_true(fuzzy_score("їжак", "ЇЖАК") >= 0);
	assert_true(fuzzy_score("σοφία", "ΣΟΦΊΑ") >= 0);
	assert_true(fuzzy_score("garcía", "GARCÍA") >= 0);
	assert_true(fuzzy_score("łódź", "ŁÓDŹ") >= 0);
	/* An accent is a different letter, not a case. */
	assert_int_equal(fuzzy_score("é", "e"), -1);
}

static void
test_odd_input_is_safe(void **state)
{
	char *big;

	(void)state;
	/* Invalid UTF-8 matches itself and nothing else. */
	assert_true(fuzzy_score("\xff", "a\xff") >= 0);
	assert_int_equal(fuzzy_score("\xff", "a\xfe"), -1);
	assert_true(fuzzy_score("ab", "a\xc3") == -1);
	assert_true(fuzzy_score("a", "\xe2\x82") == -1);
	/* A long text: matched at all, and quickly. */
	big = malloc(100001);
	memset(big, 'x', 100000);
	big[100000] = '\0';
	big[99999] = 'y';
	assert_int_equal(fuzzy_score("xy", big), 0);
	big[1] = 'y';
	assert_true(fuzzy_score("xy", big) > 0);
	free(big);
}

static void
test_fold(void **state)
{
	char *s;

	(void)state;
	s = fuzzy_fold("Hello, МИР! ΣΟΦΊΑ Ÿ İ \xff");
	assert_string_equal(s, "hello, мир! σοφία ÿ i \xff");
	free(s);
	s = fuzzy_fold("");
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_match_is_minus_one),
		cmocka_unit_test(test_empty_pattern_matches_everything),
		cmocka_unit_test(test_prefix_and_word_starts_beat_scattered),
		cmocka_unit_test(test_case_insensitive_in_every_script),
		cmocka_unit_test(test_odd_input_is_safe),
		cmocka_unit_test(test_fold),
	};

	return cmocka_run_group_tests_name("fuzzy", tests, NULL, NULL);
}
