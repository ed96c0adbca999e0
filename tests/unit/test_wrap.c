/* wrap.c: rows never exceed their columns, break at spaces when they can,
 * and neither rows nor cursor steps ever split a character or part a
 * combining mark from its base. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "wrap.h"

#define MAXROWS	64

static struct wrap_line rows[MAXROWS];
static char row_text[MAXROWS][256];

static int
setup_locale(void **state)
{
	(void)state;
	return setlocale(LC_CTYPE, "C.UTF-8") == NULL ? -1 : 0;
}

/* Wraps s and keeps each row's drawn text in row_text. */
static int
wrap(const char *s, int cols)
{
	int n = wrap_lines(s, cols, rows, MAXROWS);

	assert_true(n <= MAXROWS);
	for (int i = 0; i < n; i++) {
		assert_true(rows[i].len < sizeof row_text[i]);
		memcpy(row_text[i], s + rows[i].off, rows[i].len);
		row_text[i][rows[i].len] = '\0';
		assert_int_equal(rows[i].width, text_width(row_text[i]));
	}
	return n;
}

/* ---- rows ------------------------------------------------------------ */

static void
test_empty_text_is_one_empty_row(void **state)
{
	(void)state;
	assert_int_equal(wrap("", 10), 1);
	assert_int_equal(rows[0].off, 0);
	assert_int_equal(rows[0].len, 0);
	assert_int_equal(rows[0].next, 0);
	assert_int_equal(rows[0].width, 0);
}

static void
test_short_text_is_one_row(void **state)
{
	(void)state;
	assert_int_equal(wrap("hello", 10), 1);
	assert_string_equal(row_text[0], "hello");
	assert_int_equal(rows[0].next, 5);
}

static void
test_breaks_at_the_last_space_that_fits(void **state)
{
	(void)state;
	assert_int_equal(wrap("the quick brown fox", 10), 2);
	assert_string_equal(row_text[0], "the quick");
	assert_string_equal(row_text[1], "brown fox");
	/* the space at the break is drawn by neither row */
	assert_int_equal(rows[0].next, 10);
	assert_int_equal(rows[1].off, 10);
}

static void
test_space_exactly_at_the_edge_is_the_break(void **state)
{
	(void)state;
	assert_int_equal(wrap("abcd efgh", 4), 2);
	assert_string_equal(row_text[0], "abcd");
	assert_string_equal(row_text[1], "efgh");
	assert_int_equal(rows[0].width, 4);
}

static void
test_long_word_is_split_between_characters(void **state)
{
	(void)state;
	assert_int_equal(wrap("abcdefghij", 4), 3);
	assert_string_equal(row_text[0], "abcd");
	assert_string_equal(row_text[1], "efgh");
	assert_string_equal(row_text[2], "ij");
	assert_int_equal(rows[0].next, rows[0].off + rows[0].len);
}

static void
test_newline_is_a_hard_break(void **state)
{
	(void)state;
	assert_int_equal(wrap("one\ntwo\n\nfour", 20), 4);
	assert_string_equal(row_text[0], "one");
	assert_string_equal(row_text[1], "two");
	assert_string_equal(row_text[2], "");
	assert_string_equal(row_text[3], "four");
	assert_int_equal(rows[0].next, 4);
}

static void
test_trailing_newline_gives_an_empty_last_row(void **state)
{
	(void)state;
	assert_int_equal(wrap("hi\n", 20), 2);
	assert_int_equal(rows[1].off, 3);
	assert_int_equal(rows[1].len, 0);
	assert_int_equal(wrap("\n", 20), 2);
}

static void
test_wide_characters_take_two_columns(void **state)
{
	(void)state;
	/* 日本語のテキスト: 8 characters, 16 columns */
	assert_int_equal(wrap("日本語のテキスト", 5), 4);
	assert_string_equal(row_text[0], "日本");
	assert_int_equal(rows[0].width, 4);
	assert_string_equal(row_text[3], "スト");
	assert_int_equal(wrap("ab😀cd", 3), 3);
	assert_string_equal(row_text[0], "ab");
	assert_string_equal(row_text[1], "😀c");
	assert_string_equal(row_text[2], "d");
}

static void
test_character_wider_than_the_row_goes_alone(void **state)
{
	(void)state;
	assert_int_equal(wrap("日本", 1), 2);
	assert_string_equal(row_text[0], "日");
	assert_string_equal(row_text[1], "本");
	assert_int_equal(wrap("ab", 0), 2);	/* cols < 1 counts as 1 */
}

static void
test_combining_marks_stay_on_their_base_row(void **state)
{
	(void)state;
	/* "cafe" + U+0301, then "e" + U+0301 U+0323 */
	assert_int_equal(wrap("cafe\xcc\x81" "e\xcc\x81\xcc\xa3x", 4), 2);
	assert_string_equal(row_text[0], "cafe\xcc\x81");
	assert_string_equal(row_text[1], "e\xcc\x81\xcc\xa3x");
	assert_int_equal(rows[1].width, 2);
}

static void
test_rows_never_exceed_cols_and_cover_the_text(void **state)
{
	const char *texts[] = {
		"Hola Ana, tu pedido 4711 ya salió. ¿Te llega el martes?",
		"短い文と long English words mixed 😀😀😀 together\nnext",
		"a  b   c    d     e",
		"e\xcc\x81\xcc\x81\xcc\x81 x\xe2\x80\x8dy zz",
	};

	(void)state;
	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		for (int cols = 1; cols < 30; cols++) {
			int n = wrap(texts[t], cols);
			size_t pos = 0;

			for (int i = 0; i < n; i++) {
				assert_int_equal(rows[i].off, pos);
				assert_true(rows[i].width <= cols ||
				    text_width(row_text[i]) == 2);
				assert_true(rows[i].next >= rows[i].off +
				    rows[i].len);
				assert_true(rows[i].next <= rows[i].off +
				    rows[i].len + 1);
				pos = rows[i].next;
			}
			assert_int_equal(pos, strlen(texts[t]));
		}
	}
}

static void
test_count_without_storing(void **state)
{
	(void)state;
	assert_int_equal(wrap_lines("aaa bbb ccc", 3, NULL, 0), 3);
	assert_int_equal(wrap_lines("aaa bbb ccc", 3, rows, 1), 3);
	assert_int_equal(rows[0].len, 3);
}

static void
test_line_at_lays_out_one_row(void **state)
{
	struct wrap_line l;

	(void)state;
	assert_int_equal(wrap_line_at("hello world", 6, 20, &l), 11);
	assert_int_equal(l.off, 6);
	assert_int_equal(l.len, 5);
}

/* ---- characters and the cursor --------------------------------------- */

static void
test_next_and_prev_step_over_whole_characters(void **state)
{
	const char *s = "a\xcc\x81" "日\n😀";	/* a+mark, 日, \n, 😀 */

	(void)state;
	assert_int_equal(wrap_next_char(s, 0), 3);
	assert_int_equal(wrap_next_char(s, 3), 6);
	assert_int_equal(wrap_next_char(s, 6), 7);
	assert_int_equal(wrap_next_char(s, 7), 11);
	assert_int_equal(wrap_next_char(s, 11), 11);
	assert_int_equal(wrap_prev_char(s, 11), 7);
	assert_int_equal(wrap_prev_char(s, 7), 6);
	assert_int_equal(wrap_prev_char(s, 6), 3);
	assert_int_equal(wrap_prev_char(s, 3), 0);
	assert_int_equal(wrap_prev_char(s, 0), 0);
}

static void
test_mark_after_newline_is_not_attached_across_it(void **state)
{
	const char *s = "a\n\xcc\x81" "b";

	(void)state;
	assert_int_equal(wrap_next_char(s, 1), 2);
	assert_int_equal(wrap_next_char(s, 2), 4);
	assert_int_equal(wrap_prev_char(s, 4), 2);
	assert_int_equal(wrap_prev_char(s, 2), 1);
}

static void
test_width_of_a_span(void **state)
{
	(void)state;
	assert_int_equal(wrap_width("a日e\xcc\x81!", 0, 8), 5);
	assert_int_equal(wrap_width("a日e\xcc\x81!", 1, 4), 2);
	assert_int_equal(wrap_width("a\tb", 0, 3), 3);
}

static void
test_locate_finds_row_and_column(void **state)
{
	const char *s = "the quick brown fox";
	int n, col;

	(void)state;
	n = wrap(s, 10);
	assert_int_equal(wrap_locate(s, rows, n, 0, &col), 0);
	assert_int_equal(col, 0);
	/* on the space the wrap took: end of the first row */
	assert_int_equal(wrap_locate(s, rows, n, 9, &col), 0);
	assert_int_equal(col, 9);
	assert_int_equal(wrap_locate(s, rows, n, 10, &col), 1);
	assert_int_equal(col, 0);
	assert_int_equal(wrap_locate(s, rows, n, strlen(s), &col), 1);
	assert_int_equal(col, 9);
}

static void
test_locate_puts_a_split_end_on_the_next_row(void **state)
{
	const char *s = "abcdefgh";
	int n, col;

	(void)state;
	n = wrap(s, 4);
	assert_int_equal(wrap_locate(s, rows, n, 4, &col), 1);
	assert_int_equal(col, 0);
	assert_int_equal(wrap_locate(s, rows, n, 8, &col), 1);
	assert_int_equal(col, 4);
}

static void
test_offset_at_keeps_the_column_without_passing_it(void **state)
{
	const char *s = "日本語\nabcdef\nx";
	int n;

	(void)state;
	n = wrap(s, 20);
	assert_int_equal(n, 3);
	/* column 3 is inside 本: stop before it */
	assert_int_equal(wrap_offset_at(s, &rows[0], 3), 3);
	assert_int_equal(wrap_offset_at(s, &rows[0], 4), 6);
	assert_int_equal(wrap_offset_at(s, &rows[1], 4), 14);
	/* past the end of a short row: its end, before the '\n' */
	assert_int_equal(wrap_offset_at(s, &rows[2], 9), strlen(s));
	assert_int_equal(wrap_offset_at(s, &rows[0], 99), 9);
}

static void
test_offset_at_stays_on_a_split_row(void **state)
{
	const char *s = "abcdefgh";
	int n;

	(void)state;
	n = wrap(s, 4);
	assert_int_equal(n, 2);
	assert_int_equal(wrap_offset_at(s, &rows[0], 4), 3);
	assert_int_equal(wrap_offset_at(s, &rows[1], 4), 8);
}

static void
test_offset_at_keeps_marks_with_their_base(void **state)
{
	const char *s = "e\xcc\x81" "e\xcc\x81";

	(void)state;
	wrap(s, 10);
	assert_int_equal(wrap_offset_at(s, &rows[0], 1), 3);
	assert_int_equal(wrap_offset_at(s, &rows[0], 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_text_is_one_empty_row),
		cmocka_unit_test(test_short_text_is_one_row),
		cmocka_unit_test(test_breaks_at_the_last_space_that_fits),
		cmocka_unit_test(test_space_exactly_at_the_edge_is_the_break),
		cmocka_unit_test(test_long_word_is_split_between_characters),
		cmocka_unit_test(test_newline_is_a_hard_break),
		cmocka_unit_test(test_trailing_newline_gives_an_empty_last_row),
		cmocka_unit_test(test_wide_characters_take_two_columns),
		cmocka_unit_test(test_character_wider_than_the_row_goes_alone),
		cmocka_unit_test(test_combining_marks_stay_on_their_base_row),
		cmocka_unit_test(
		    test_rows_never_exceed_cols_and_cover_the_text),
		cmocka_unit_test(test_count_without_storing),
		cmocka_unit_test(test_line_at_lays_out_one_row),
		cmocka_unit_test(
		    test_next_and_prev_step_over_whole_characters),
		cmocka_unit_test(
		    test_mark_after_newline_is_not_attached_across_it),
		cmocka_unit_test(test_width_of_a_span),
		cmocka_unit_test(test_locate_finds_row_and_column),
		cmocka_unit_test(test_locate_puts_a_split_end_on_the_next_row),
		cmocka_unit_test(
		    test_offset_at_keeps_the_column_without_passing_it),
		cmocka_unit_test(test_offset_at_stays_on_a_split_row),
		cmocka_unit_test(test_offset_at_keeps_marks_with_their_base),
	};

	return cmocka_run_group_tests(tests, setup_locale, NULL);
}
