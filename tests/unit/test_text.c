/* text.c: the sanitizer must turn hostile bytes into inert, valid UTF-8,
 * and the column functions must never split a character or its marks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define FFFD	"\xef\xbf\xbd"

static char out[4096];

/* Sanitizes a string literal, embedded NULs included. */
#define SAN(lit, flags) san((lit), sizeof(lit) - 1, (flags))

static const char *
san(const char *s, size_t n, unsigned flags)
{
	size_t len = text_sanitize(out, sizeof out, s, n, flags);

	assert_int_equal(len, strlen(out));
	return out;
}

static const char *
cell(const char *s, int cols, int right)
{
	size_t len = text_cell(out, sizeof out, s, cols, right);

	assert_int_equal(len, strlen(out));
	return out;
}

static int
setup_locale(void **state)
{
	(void)state;
	return setlocale(LC_CTYPE, "C.UTF-8") == NULL ? -1 : 0;
}

/* ---- sanitizing: escape sequences ------------------------------------ */

static void
test_plain_text_passes_unchanged(void **state)
{
	(void)state;
	assert_string_equal(SAN("Invoice 42: 3 × €9.99", 0),
	    "Invoice 42: 3 × €9.99");
	assert_string_equal(SAN("Привет 日本語 مرحبا 😀 e\xcc\x81", 0),
	    "Привет 日本語 مرحبا 😀 e\xcc\x81");
	assert_string_equal(SAN("", 0), "");
}

static void
test_csi_colour_is_stripped(void **state)
{
	(void)state;
	assert_string_equal(SAN("\x1b[1;31mred\x1b[0m and \x1b[38;5;196mmore"
	    "\x1b[m", 0), "red and more");
	assert_string_equal(SAN("\x1b[38:2::255:0:0mrgb", 0), "rgb");
}

static void
test_csi_cursor_movement_is_stripped(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\x1b[2J\x1b[H\x1b[10;20Hb\x1b[3A\x1b[K", 0),
	    "ab");
	/* private parameters and intermediate bytes */
	assert_string_equal(SAN("a\x1b[?25l\x1b[?1049h\x1b[>4;1m\x1b[2 qb", 0),
	    "ab");
}

static void
test_osc52_clipboard_write_is_stripped(void **state)
{
	(void)state;
	assert_string_equal(SAN("x\x1b]52;c;cm0gLXJmIH4K\x07y", 0), "xy");
	assert_string_equal(SAN("x\x1b]52;c;cm0gLXJmIH4K\x1b\\y", 0), "xy");
}

static void
test_osc8_hyperlink_is_stripped_keeping_its_text(void **state)
{
	(void)state;
	assert_string_equal(SAN("\x1b]8;;https://evil.example/\x1b\\click"
	    "\x1b]8;;\x1b\\ here", 0), "click here");
	assert_string_equal(SAN("\x1b]8;id=1;https://evil.example/\x07" "click"
	    "\x1b]8;;\x07", 0), "click");
}

static void
test_title_setting_is_stripped(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\x1b]0;pwned\x07" "b\x1b]2;title\x1b\\c"
	    "\x1b]1;icon\x07", 0), "abc");
}

static void
test_dcs_sos_pm_apc_are_stripped(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\x1bPq#0;2;0;0;0#0~~@@\x1b\\b", 0), "ab");
	assert_string_equal(SAN("a\x1bP$q\"p\x1b\\b", 0), "ab");
	assert_string_equal(SAN("a\x1bXsos\x1b\\b\x1b^pm\x1b\\c\x1b_apc"
	    "\x1b\\d", 0), "abcd");
	/* BEL ends only OSC: a DCS runs on past it */
	assert_string_equal(SAN("a\x1bPdata\x07hidden\x1b\\b", 0), "ab");
}

static void
test_8bit_c1_sequences_are_stripped(void **state)
{
	(void)state;
	/* U+009B CSI */
	assert_string_equal(SAN("a\xc2\x9b" "31mb\xc2\x9b" "2J", 0), "ab");
	/* U+009D OSC ended by BEL and by U+009C ST */
	assert_string_equal(SAN("a\xc2\x9d" "0;t\x07" "b\xc2\x9d" "52;c;x"
	    "\xc2\x9c" "c", 0), "abc");
	/* U+0090 DCS, U+0098 SOS, U+009E PM, U+009F APC */
	assert_string_equal(SAN("a\xc2\x90q\xc2\x9c" "b\xc2\x98s\xc2\x9c"
	    "c\xc2\x9ep\xc2\x9c" "d\xc2\x9f" "x\xc2\x9c" "e", 0), "abcde");
	/* the raw byte 0x9B is not UTF-8: it is replaced, not obeyed */
	assert_string_equal(SAN("a\x9b" "31m", 0), "a" FFFD "31m");
}

static void
test_two_byte_and_charset_escapes_are_stripped(void **state)
{
	(void)state;
	assert_string_equal(SAN("\x1b" "7a\x1b" "8\x1b" "cb\x1b=\x1b>", 0),
	    "ab");
	assert_string_equal(SAN("a\x1b(0b\x1b(Bc\x1b#8", 0), "abc");
	/* after an intermediate, [ and ] are final bytes, not CSI or OSC */
	assert_string_equal(SAN("a\x1b(]b\x1b [c", 0), "abc");
}

static void
test_esc_at_end_of_input_is_dropped(void **state)
{
	(void)state;
	assert_string_equal(SAN("abc\x1b", 0), "abc");
	assert_string_equal(SAN("abc\x1b[", 0), "abc");
	assert_string_equal(SAN("abc\x1b[12;", 0), "abc");
	assert_string_equal(SAN("abc\x1b(", 0), "abc");
}

static void
test_unterminated_string_sequence_swallows_the_rest(void **state)
{
	(void)state;
	assert_string_equal(SAN("ok\x1b]0;never ends, hides all this", 0),
	    "ok");
	assert_string_equal(SAN("ok\x1bPq#0;2\x1b", 0), "ok");
}

static void
test_esc_inside_string_starts_a_new_sequence(void **state)
{
	(void)state;
	/* as in a terminal: ESC aborts the OSC, then ESC [ 31 m is a CSI */
	assert_string_equal(SAN("\x1b]0;t\x1b[31mred", 0), "red");
}

static void
test_can_and_sub_cancel_a_sequence(void **state)
{
	(void)state;
	assert_string_equal(SAN("\x1b[31\x18" "a\x1b]0;x\x1a" "b", 0), "ab");
}

static void
test_non_ascii_ends_a_csi_and_is_kept(void **state)
{
	(void)state;
	assert_string_equal(SAN("\x1b[31é", 0), "é");
	assert_string_equal(SAN("\x1bé", 0), "é");
}

/* ---- sanitizing: controls -------------------------------------------- */

static void
test_nul_inside_input_is_dropped(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\0b\0", 0), "ab");
	assert_int_equal(text_sanitize(out, sizeof out, "a\0b", 3, 0), 2);
}

static void
test_c0_del_and_c1_controls_are_dropped(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\x01\x07\x08\x0b\x0c\x7f" "b\xc2\x85"
	    "c\xc2\x80\xc2\x9c" "d", 0), "abcd");
}

static void
test_bidi_controls_are_dropped(void **state)
{
	(void)state;
	/* U+202E RIGHT-TO-LEFT OVERRIDE */
	assert_string_equal(SAN("invoice\xe2\x80\xae" "fdp.exe", 0),
	    "invoicefdp.exe");
	/* U+202A..U+202D, U+2066..U+2069, U+200E, U+200F, U+061C */
	assert_string_equal(SAN("a\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac"
	    "\xe2\x80\xad" "b\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9"
	    "c\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c" "d", 0), "abcd");
	/* the zero-width non-joiner is not a bidi control and stays */
	assert_string_equal(SAN("a\xe2\x80\x8c" "b", 0), "a\xe2\x80\x8c" "b");
}

static void
test_joined_emoji_are_shown_apart(void **state)
{
	/* U+1F469 ZWJ U+1F469 ZWJ U+1F467: one glyph on some terminals,
	 * three on others; the joiners go, so every terminal draws three
	 * and the width mkt counts is the width drawn. */
	const char *family = "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9"
	    "\xe2\x80\x8d\xf0\x9f\x91\xa7";
	char *s;

	(void)state;
	s = text_sanitize_dup(family, strlen(family), 0);
	assert_string_equal(s, "\xf0\x9f\x91\xa9\xf0\x9f\x91\xa9"
	    "\xf0\x9f\x91\xa7");
	assert_int_equal(text_width(s), 6);
	free(s);
}

static void
test_crlf_becomes_newline_without_oneline(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\r\nb\tc\rd", 0), "a\nb\tcd");
}

static void
test_oneline_collapses_newline_runs_to_one_space(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\r\nb", TEXT_ONELINE), "a b");
	assert_string_equal(SAN("a\r\n\r\n\t\tb\tc", TEXT_ONELINE), "a b c");
	assert_string_equal(SAN("a\n\x1b[0m\x01\nb", TEXT_ONELINE), "a b");
	/* ordinary spaces are text, not part of a run */
	assert_string_equal(SAN("a \n b", TEXT_ONELINE), "a   b");
}

/* ---- sanitizing: invalid UTF-8 --------------------------------------- */

static void
test_lone_continuation_bytes_become_one_fffd_each(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\x80" "b", 0), "a" FFFD "b");
	assert_string_equal(SAN("\x80\xbf\x80", 0), FFFD FFFD FFFD);
}

static void
test_overlong_slash_is_rejected(void **state)
{
	(void)state;
	/* C0 and C1 can never start a sequence: one U+FFFD per byte */
	assert_string_equal(SAN("\xc0\xaf", 0), FFFD FFFD);
	assert_string_equal(SAN("\xe0\x80\xaf", 0), FFFD FFFD FFFD);
	assert_string_equal(SAN("\xf0\x80\x80\xaf", 0),
	    FFFD FFFD FFFD FFFD);
}

static void
test_encoded_surrogate_is_rejected(void **state)
{
	(void)state;
	assert_string_equal(SAN("\xed\xa0\x80", 0), FFFD FFFD FFFD);
	assert_string_equal(SAN("\xed\xbf\xbf", 0), FFFD FFFD FFFD);
	/* the last code point before the surrogates is fine */
	assert_string_equal(SAN("\xed\x9f\xbf", 0), "\xed\x9f\xbf");
}

static void
test_code_point_past_10ffff_is_rejected(void **state)
{
	(void)state;
	assert_string_equal(SAN("\xf4\x90\x80\x80", 0),
	    FFFD FFFD FFFD FFFD);
	assert_string_equal(SAN("\xf5\x80\x80\x80", 0),
	    FFFD FFFD FFFD FFFD);
	assert_string_equal(SAN("\xff\xfe", 0), FFFD FFFD);
	assert_string_equal(SAN("\xf4\x8f\xbf\xbf", 0), "\xf4\x8f\xbf\xbf");
}

static void
test_truncated_sequence_is_one_fffd(void **state)
{
	(void)state;
	/* at the end of input */
	assert_string_equal(SAN("ab\xe2\x82", 0), "ab" FFFD);
	assert_string_equal(SAN("ab\xf0\x9f\x98", 0), "ab" FFFD);
	/* in the middle: the interrupting byte is decoded on its own */
	assert_string_equal(SAN("\xe2\x82" "x\xf0\x9f" "y", 0),
	    FFFD "x" FFFD "y");
	/* srclen, not the NUL, ends the input */
	assert_string_equal(san("\xe2\x82\xac", 2, 0), FFFD);
}

/* ---- sanitizing: capacity --------------------------------------------- */

static void
test_small_dst_is_cut_at_a_character_boundary(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'X', sizeof buf);
	assert_int_equal(text_sanitize(buf, 5, "日本", 6, 0), 3);
	assert_string_equal(buf, "日");
	assert_int_equal(buf[5], 'X');

	assert_int_equal(text_sanitize(buf, 1, "abc", 3, 0), 0);
	assert_string_equal(buf, "");

	memset(buf, 'X', sizeof buf);
	assert_int_equal(text_sanitize(buf, 0, "abc", 3, 0), 0);
	assert_int_equal(buf[0], 'X');

	/* a replacement character does not fit in two bytes */
	assert_int_equal(text_sanitize(buf, 4, "a\xff", 2, 0), 1);
	assert_string_equal(buf, "a");
}

static void
test_sanitize_dup_allows_for_growth(void **state)
{
	char *s;

	(void)state;
	s = text_sanitize_dup("\xff\xfe\x80", 3, 0);
	assert_non_null(s);
	assert_string_equal(s, FFFD FFFD FFFD);
	free(s);

	s = text_sanitize_dup("a\x1b[31mb\r\nc", 10, TEXT_ONELINE);
	assert_non_null(s);
	assert_string_equal(s, "ab c");
	free(s);

	s = text_sanitize_dup("", 0, 0);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

/* Whatever the input, the output is valid UTF-8 with no ESC, no C0 but \n
 * and \t, no DEL, no C1 and no bidi control. */
static void
assert_inert(const char *s, size_t n, unsigned flags)
{
	const unsigned char *u = (const unsigned char *)s;

	assert_true(text_utf8_valid(s, n));
	for (size_t i = 0; i < n; i++) {
		if (u[i] < 0x20) {
			assert_false(flags & TEXT_ONELINE);
			assert_true(u[i] == '\n' || u[i] == '\t');
		}
		assert_int_not_equal(u[i], 0x7f);
		if (u[i] == 0xc2 && i + 1 < n)
			assert_true(u[i + 1] >= 0xa0);
		if (u[i] == 0xe2 && i + 2 < n && u[i + 1] == 0x80)
			assert_false(u[i + 2] >= 0xaa && u[i + 2] <= 0xae);
	}
}

static void
test_random_bytes_always_come_out_inert(void **state)
{
	static const unsigned char pick[] = {
		0x1b, '[', ']', 'P', '\\', 0x07, '\n', '\r', '\t', ';', 'm',
		'0', 'a', 0xc2, 0x9b, 0x9c, 0x9d, 0xe2, 0x80, 0xae, 0xed,
		0xa0, 0xf4, 0x90, 0xff, 0x00, 0x7f, 0xbf, 0xe6, 0x97, 0xa5,
	};
	unsigned char in[96];
	uint32_t seed = 12345;
	size_t n, len;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		n = (size_t)(iter % (int)sizeof in);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = (seed >> 16) & 1 ? pick[(seed >> 17) %
			    sizeof pick] : (unsigned char)(seed >> 20);
		}
		len = text_sanitize(out, sizeof out, (char *)in, n, 0);
		assert_inert(out, len, 0);
		len = text_sanitize(out, sizeof out, (char *)in, n,
		    TEXT_ONELINE);
		assert_inert(out, len, TEXT_ONELINE);
	}
}

static void
test_utf8_valid_is_strict(void **state)
{
	(void)state;
	assert_true(text_utf8_valid("", 0));
	assert_true(text_utf8_valid("abc Привет 日本 😀",
	    strlen("abc Привет 日本 😀")));
	assert_true(text_utf8_valid(FFFD, 3));
	assert_false(text_utf8_valid("\xc0\xaf", 2));
	assert_false(text_utf8_valid("\xed\xa0\x80", 3));
	assert_false(text_utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(text_utf8_valid("a\xe2\x82", 3));
	assert_false(text_utf8_valid("\x80", 1));
}

/* ---- widths ------------------------------------------------------------ */

static void
test_width_counts_columns_per_script(void **state)
{
	(void)state;
	assert_int_equal(text_width(""), 0);
	assert_int_equal(text_width("hello"), 5);
	assert_int_equal(text_width("Привет"), 6);
	assert_int_equal(text_width("مرحبا"), 5);
	assert_int_equal(text_width("日本語"), 6);
	assert_int_equal(text_width("한국"), 4);
	assert_int_equal(text_width("😀"), 2);
	assert_int_equal(text_width("a😀b"), 4);
}

static void
test_width_of_combining_marks_is_zero(void **state)
{
	(void)state;
	assert_int_equal(text_width("e\xcc\x81"), 1);
	assert_int_equal(text_width("e\xcc\x81\xcc\xa3x"), 2);
	/* a string starting with a combining mark: the mark counts 0 */
	assert_int_equal(text_width("\xcc\x81" "a"), 1);
	assert_int_equal(text_width("\xcc\x81"), 0);
}

static void
test_width_of_unknown_code_points(void **state)
{
	(void)state;
	/* unassigned: 1; unassigned in a wide block: 2; format: 0 */
	assert_int_equal(text_width("\xcd\xb8"), 1);		/* U+0378 */
	assert_int_equal(text_width("\xf0\xaf\xbf\xbd"), 2);	/* U+2FFFD */
	assert_int_equal(text_width("\xf0\x9f\xab\xa8"), 2);	/* U+1FAE8 */
	assert_int_equal(text_width("\xe2\x80\x8b"), 0);	/* U+200B */
	/* bytes that are not UTF-8 show as U+FFFD */
	assert_int_equal(text_width("a\xff"), 2);
}

/* ---- text_fit ---------------------------------------------------------- */

static void
test_fit_never_splits_a_wide_character(void **state)
{
	int w;

	(void)state;
	assert_int_equal(text_fit("日本語", 3, &w), 3);
	assert_int_equal(w, 2);
	assert_int_equal(text_fit("日本語", 5, &w), 6);
	assert_int_equal(w, 4);
	assert_int_equal(text_fit("日本語", 1, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(text_fit("a😀b", 2, &w), 1);
	assert_int_equal(w, 1);
	assert_int_equal(text_fit("a😀b", 3, NULL), 5);
}

static void
test_fit_keeps_combining_marks_with_their_base(void **state)
{
	int w;

	(void)state;
	/* e + U+0301 + U+0323, then x */
	assert_int_equal(text_fit("e\xcc\x81\xcc\xa3x", 1, &w), 5);
	assert_int_equal(w, 1);
	assert_int_equal(text_fit("e\xcc\x81x", 0, &w), 0);
	/* a leading mark has no base to stay with and fits anywhere */
	assert_int_equal(text_fit("\xcc\x81" "ab", 0, &w), 2);
	assert_int_equal(w, 0);
	assert_int_equal(text_fit("\xcc\x81" "ab", 1, &w), 3);
	assert_int_equal(w, 1);
}

static void
test_fit_of_whole_string_and_of_nothing(void **state)
{
	int w;

	(void)state;
	assert_int_equal(text_fit("Привет", 80, &w), strlen("Привет"));
	assert_int_equal(w, 6);
	assert_int_equal(text_fit("", 5, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(text_fit("abc", -3, &w), 0);
	assert_int_equal(w, 0);
}

/* ---- text_cell --------------------------------------------------------- */

static void
test_cell_pads_short_text(void **state)
{
	(void)state;
	assert_string_equal(cell("abc", 5, 0), "abc  ");
	assert_string_equal(cell("abc", 5, 1), "  abc");
	assert_string_equal(cell("日本", 5, 0), "日本 ");
	assert_string_equal(cell("", 3, 0), "   ");
	assert_string_equal(cell("abc", 3, 0), "abc");
}

static void
test_cell_truncates_with_ellipsis(void **state)
{
	(void)state;
	assert_string_equal(cell("abcdef", 4, 0), "abc…");
	assert_string_equal(cell("abcdef", 4, 1), "abc…");
	assert_string_equal(cell("Привет мир", 7, 0), "Привет…");
	assert_string_equal(cell("ab", 1, 0), "…");
	assert_string_equal(cell("a", 1, 0), "a");
	assert_string_equal(cell("abc", 0, 0), "");
}

static void
test_cell_pads_where_a_wide_character_would_straddle(void **state)
{
	(void)state;
	assert_string_equal(cell("日本語", 6, 0), "日本語");
	assert_string_equal(cell("日本語", 5, 0), "日本…");
	assert_string_equal(cell("日本語", 4, 0), "日… ");
	assert_string_equal(cell("日本語", 4, 1), " 日…");
	assert_string_equal(cell("日本語", 3, 0), "日…");
	assert_string_equal(cell("日本語", 2, 0), "… ");
	assert_string_equal(cell("😀😀", 3, 0), "😀…");
	assert_string_equal(cell("日", 1, 0), "…");
}

static void
test_cell_keeps_combining_marks_with_their_base(void **state)
{
	(void)state;
	assert_string_equal(cell("e\xcc\x81\xcc\xa3xyz", 2, 0),
	    "e\xcc\x81\xcc\xa3…");
	assert_string_equal(cell("e\xcc\x81" "x", 2, 0), "e\xcc\x81x");
	assert_string_equal(cell("\xcc\x81" "abc", 2, 0), "\xcc\x81" "a…");
}

/* The invariant the layout depends on, over many strings and widths. */
static void
test_cell_is_always_exactly_cols_wide(void **state)
{
	static const char *const samples[] = {
		"", "a", "abc", "Привет мир", "مرحبا بالعالم", "日本語のテキスト",
		"a日b本c語", "😀😀😀x", ("e\xcc\x81" "e\xcc\x81" "e\xcc\x81"),
		("\xcc\x81" "lead"), "x\xe2\x80\x8by", "mixed 日本 and Ελληνικά",
	};

	(void)state;
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		for (int cols = 1; cols <= 24; cols++) {
			for (int right = 0; right <= 1; right++) {
				cell(samples[i], cols, right);
				assert_int_equal(text_width(out), cols);
				assert_true(text_utf8_valid(out,
				    strlen(out)));
			}
		}
	}
}

static void
test_cell_with_small_dst_is_safe(void **state)
{
	char buf[32];
	size_t n;

	(void)state;
	memset(buf, 'X', sizeof buf);
	n = text_cell(buf, 6, "日本語です", 20, 0);
	assert_int_equal(n, 3);
	assert_string_equal(buf, "日");
	for (size_t i = 6; i < sizeof buf; i++)
		assert_int_equal(buf[i], 'X');

	/* right-aligned: the padding comes first and uses the room */
	memset(buf, 'X', sizeof buf);
	n = text_cell(buf, 4, "ab", 10, 1);
	assert_int_equal(n, 3);
	assert_string_equal(buf, "   ");
	assert_int_equal(buf[4], 'X');

	/* no room for the ellipsis: it is left out whole */
	memset(buf, 'X', sizeof buf);
	n = text_cell(buf, 5, "abcdef", 4, 0);
	assert_int_equal(n, 3);
	assert_string_equal(buf, "abc");

	memset(buf, 'X', sizeof buf);
	assert_int_equal(text_cell(buf, 1, "abc", 3, 0), 0);
	assert_string_equal(buf, "");
	memset(buf, 'X', sizeof buf);
	assert_int_equal(text_cell(buf, 0, "abc", 3, 0), 0);
	assert_int_equal(buf[0], 'X');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_passes_unchanged),
		cmocka_unit_test(test_csi_colour_is_stripped),
		cmocka_unit_test(test_csi_cursor_movement_is_stripped),
		cmocka_unit_test(test_osc52_clipboard_write_is_stripped),
		cmocka_unit_test(
		    test_osc8_hyperlink_is_stripped_keeping_its_text),
		cmocka_unit_test(test_title_setting_is_stripped),
		cmocka_unit_test(test_dcs_sos_pm_apc_are_stripped),
		cmocka_unit_test(test_8bit_c1_sequences_are_stripped),
		cmocka_unit_test(test_two_byte_and_charset_escapes_are_stripped),
		cmocka_unit_test(test_esc_at_end_of_input_is_dropped),
		cmocka_unit_test(
		    test_unterminated_string_sequence_swallows_the_rest),
		cmocka_unit_test(test_esc_inside_string_starts_a_new_sequence),
		cmocka_unit_test(test_can_and_sub_cancel_a_sequence),
		cmocka_unit_test(test_non_ascii_ends_a_csi_and_is_kept),
		cmocka_unit_test(test_nul_inside_input_is_dropped),
		cmocka_unit_test(test_c0_del_and_c1_controls_are_dropped),
		cmocka_unit_test(test_bidi_controls_are_dropped),
		cmocka_unit_test(test_joined_emoji_are_shown_apart),
		cmocka_unit_test(test_crlf_becomes_newline_without_oneline),
		cmocka_unit_test(
		    test_oneline_collapses_newline_runs_to_one_space),
		cmocka_unit_test(
		    test_lone_continuation_bytes_become_one_fffd_each),
		cmocka_unit_test(test_overlong_slash_is_rejected),
		cmocka_unit_test(test_encoded_surrogate_is_rejected),
		cmocka_unit_test(test_code_point_past_10ffff_is_rejected),
		cmocka_unit_test(test_truncated_sequence_is_one_fffd),
		cmocka_unit_test(test_small_dst_is_cut_at_a_character_boundary),
		cmocka_unit_test(test_sanitize_dup_allows_for_growth),
		cmocka_unit_test(test_random_bytes_always_come_out_inert),
		cmocka_unit_test(test_utf8_valid_is_strict),
		cmocka_unit_test(test_width_counts_columns_per_script),
		cmocka_unit_test(test_width_of_combining_marks_is_zero),
		cmocka_unit_test(test_width_of_unknown_code_points),
		cmocka_unit_test(test_fit_never_splits_a_wide_character),
		cmocka_unit_test(test_fit_keeps_combining_marks_with_their_base),
		cmocka_unit_test(test_fit_of_whole_string_and_of_nothing),
		cmocka_unit_test(test_cell_pads_short_text),
		cmocka_unit_test(test_cell_truncates_with_ellipsis),
		cmocka_unit_test(
		    test_cell_pads_where_a_wide_character_would_straddle),
		cmocka_unit_test(test_cell_keeps_combining_marks_with_their_base),
		cmocka_unit_test(test_cell_is_always_exactly_cols_wide),
		cmocka_unit_test(test_cell_with_small_dst_is_safe),
	};

	return cmocka_run_group_tests(tests, setup_locale, NULL);
}
