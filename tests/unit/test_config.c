/* config.c: every key, every error message with its FILE:LINE, quoting,
 * [keys] order, the shipped mkt.conf, and config_find's search order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

static const char *
tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	return t != NULL && t[0] == '/' ? t : "/tmp";
}

/* Writes n bytes to a fresh temporary file; returns its malloc'd path. */
static char *
write_file_n(const char *text, size_t n)
{
	char *path = xasprintf("%s/mkt-test-XXXXXX", tmp_base());
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

static char *
write_file(const char *text)
{
	return write_file_n(text, strlen(text));
}

static void
remove_file(char *path)
{
	unlink(path);
	free(path);
}

/* Loads text over the defaults into cfg, expecting success. */
static void
load_ok(struct mkt_config *cfg, const char *text)
{
	char *path = write_file(text), err[512];

	config_defaults(cfg);
	if (config_load(cfg, path, err, sizeof err) != 0)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(cfg->path, path);
	remove_file(path);
}

/* Loads n bytes and expects exactly "PATH:line: msg". */
static void
expect_error_n(const char *text, size_t n, int line, const char *msg)
{
	struct mkt_config cfg;
	char *path = write_file_n(text, n), err[512], want[512];

	snprintf(want, sizeof want, "%s:%d: %s", path, line, msg);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
	assert_string_equal(err, want);
	config_free(&cfg);
	remove_file(path);
}

static void
expect_error(const char *text, int line, const char *msg)
{
	expect_error_n(text, strlen(text), line, msg);
}

static void
assert_defaults(const struct mkt_config *cfg)
{
	assert_null(cfg->url);
	assert_null(cfg->user);
	assert_null(cfg->password);
	assert_null(cfg->ca_file);
	assert_false(cfg->insecure);
	assert_int_equal(cfg->history_days, 90);
	assert_int_equal(cfg->poll_wait, 3600);
	assert_int_equal(cfg->page_size, 500);
	assert_false(cfg->low_bandwidth);
	assert_int_equal(cfg->color, COLOR_AUTO);
	assert_true(cfg->bell);
	assert_true(cfg->arrow_cursor);
	assert_string_equal(cfg->clock_format, "%H:%M");
	assert_int_equal(cfg->nkeys, 0);
}

/* ---- good files --------------------------------------------------------- */

static void
test_defaults_are_documented_values(void **state)
{
	struct mkt_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_null(cfg.path);
	assert_defaults(&cfg);
	config_free(&cfg);
	config_free(&cfg);	/* a second free is harmless */
}

static void
test_complete_file_sets_every_key(void **state)
{
	struct mkt_config cfg;

	(void)state;
	load_ok(&cfg,
	    "[server]\n"
	    "url = https://mkt.example.com/api\n"
	    "user = anna@example.com\n"
	    "password = hunter2\n"
	    "ca_file = /etc/mkt/ca.pem\n"
	    "insecure = true\n"
	    "[sync]\n"
	    "history_days = 30\n"
	    "poll_wait = 50\n"
	    "page_size = 1000\n"
	    "low_bandwidth = yes\n"
	    "[ui]\n"
	    "color = 256\n"
	    "bell = off\n"
	    "arrow_cursor = no\n"
	    "clock_format = %a %H:%M:%S\n"
	    "[keys]\n"
	    "C-n = down\n");
	assert_string_equal(cfg.url, "https://mkt.example.com/api");
	assert_string_equal(cfg.user, "anna@example.com");
	assert_string_equal(cfg.password, "hunter2");	/* mkstemp: 0600 */
	assert_string_equal(cfg.ca_file, "/etc/mkt/ca.pem");
	assert_true(cfg.insecure);
	assert_int_equal(cfg.history_days, 30);
	assert_int_equal(cfg.poll_wait, 50);
	assert_int_equal(cfg.page_size, 1000);
	assert_true(cfg.low_bandwidth);
	assert_int_equal(cfg.color, COLOR_256);
	assert_false(cfg.bell);
	assert_false(cfg.arrow_cursor);
	assert_string_equal(cfg.clock_format, "%a %H:%M:%S");
	assert_int_equal(cfg.nkeys, 1);
	assert_string_equal(cfg.keys[0].key, "C-n");
	assert_string_equal(cfg.keys[0].command, "down");
	config_free(&cfg);
}

static void
test_absent_keys_keep_defaults(void **state)
{
	struct mkt_config cfg;

	(void)state;
	load_ok(&cfg, "");
	assert_defaults(&cfg);
	config_free(&cfg);

	load_ok(&cfg, "[server]\n[sync]\n[ui]\n[keys]\n");
	assert_defaults(&cfg);
	config_free(&cfg);

	load_ok(&cfg, "[sync]\npoll_wait = 5\n");
	assert_int_equal(cfg.poll_wait, 5);
	assert_int_equal(cfg.history_days, 90);
	assert_int_equal(cfg.page_size, 500);
	assert_true(cfg.bell);
	config_free(&cfg);
}

static void
test_color_values(void **state)
{
	static const struct {
		const char	*text;
		enum color_mode	 mode;
	} cases[] = {
		{ "[ui]\ncolor = auto\n", COLOR_AUTO },
		{ "[ui]\ncolor = 256\n", COLOR_256 },
		{ "[ui]\ncolor = 8\n", COLOR_8 },
		{ "[ui]\ncolor = none\n", COLOR_MONO },
	};
	struct mkt_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		load_ok(&cfg, cases[i].text);
		assert_int_equal(cfg.color, cases[i].mode);
		config_free(&cfg);
	}
	expect_error("[ui]\ncolor = 16\n", 2,
	    "color must be auto, 256, 8 or none");
}

static void
test_booleans_accept_every_spelling(void **state)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "TRUE",
	    "Yes" };
	static const char *const no[] = { "false", "no", "off", "0", "False",
	    "OFF" };
	struct mkt_config cfg;
	char text[128];

	(void)state;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		snprintf(text, sizeof text, "[ui]\nbell = %s\n[sync]\n"
		    "low_bandwidth = %s\n", no[i], yes[i]);
		load_ok(&cfg, text);
		assert_false(cfg.bell);
		assert_true(cfg.low_bandwidth);
		config_free(&cfg);
	}
	expect_error("[ui]\nbell = maybe\n", 2, "expected true or false");
	expect_error("[server]\ninsecure =\n", 2, "expected true or false");
	expect_error("[sync]\nlow_bandwidth = 2\n", 2,
	    "expected true or false");
}

static void
test_poll_wait_accepts_1_and_3600(void **state)
{
	struct mkt_config cfg;

	(void)state;
	load_ok(&cfg, "[sync]\npoll_wait = 1\n");
	assert_int_equal(cfg.poll_wait, 1);
	config_free(&cfg);
	load_ok(&cfg, "[sync]\npoll_wait = 3600\n");
	assert_int_equal(cfg.poll_wait, 3600);
	config_free(&cfg);
}

static void
test_poll_wait_rejects_0_and_3601(void **state)
{
	(void)state;
	expect_error("[sync]\npoll_wait = 0\n", 2,
	    "poll_wait must be between 1 and 3600");
	expect_error("[sync]\n\npoll_wait = 3601\n", 3,
	    "poll_wait must be between 1 and 3600");
	expect_error("[sync]\npoll_wait = -5\n", 2,
	    "poll_wait must be between 1 and 3600");
	expect_error("[sync]\npoll_wait = 99999999999999999999999\n", 2,
	    "poll_wait must be between 1 and 3600");
}

static void
test_history_days_and_page_size_limits(void **state)
{
	struct mkt_config cfg;

	(void)state;
	load_ok(&cfg, "[sync]\nhistory_days = 1\npage_size = 10\n");
	assert_int_equal(cfg.history_days, 1);
	assert_int_equal(cfg.page_size, 10);
	config_free(&cfg);
	load_ok(&cfg, "[sync]\nhistory_days = 3650\npage_size = 5000\n");
	assert_int_equal(cfg.history_days, 3650);
	assert_int_equal(cfg.page_size, 5000);
	config_free(&cfg);

	expect_error("[sync]\nhistory_days = 0\n", 2,
	    "history_days must be between 1 and 3650");
	expect_error("[sync]\nhistory_days = 3651\n", 2,
	    "history_days must be between 1 and 3650");
	expect_error("[sync]\npage_size = 9\n", 2,
	    "page_size must be between 10 and 5000");
	expect_error("[sync]\npage_size = 5001\n", 2,
	    "page_size must be between 10 and 5000");
}

static void
test_integers_must_be_plain_decimal(void **state)
{
	(void)state;
	expect_error("[sync]\npoll_wait = ten\n", 2,
	    "poll_wait must be an integer");
	expect_error("[sync]\npoll_wait = 0x10\n", 2,
	    "poll_wait must be an integer");
	expect_error("[sync]\npoll_wait = 10s\n", 2,
	    "poll_wait must be an integer");
	expect_error("[sync]\npoll_wait =\n", 2,
	    "poll_wait must be an integer");
	expect_error("[sync]\npoll_wait = -\n", 2,
	    "poll_wait must be an integer");
}

static void
test_empty_server_values_mean_unset(void **state)
{
	struct mkt_config cfg;
	char *path, err[512];

	(void)state;
	load_ok(&cfg, "[server]\nurl = http://localhost:8080\nuser = a@b\n"
	    "ca_file = ca.pem\n");
	assert_string_equal(cfg.url, "http://localhost:8080");
	/* a second file on top clears them again */
	path = write_file("[server]\nurl =\nuser = \"\"\nca_file =   # none\n");
	assert_int_equal(config_load(&cfg, path, err, sizeof err), 0);
	assert_null(cfg.url);
	assert_null(cfg.user);
	assert_null(cfg.ca_file);
	config_free(&cfg);
	remove_file(path);
}

static void
test_url_must_be_http_or_https(void **state)
{
	(void)state;
	expect_error("[server]\nurl = ftp://example.com\n", 2,
	    "url must start with http:// or https://");
	expect_error("[server]\nurl = example.com\n", 2,
	    "url must start with http:// or https://");
}

static void
test_clock_format_must_not_be_empty(void **state)
{
	(void)state;
	expect_error("[ui]\nclock_format =\n", 2,
	    "clock_format must not be empty");
	expect_error("[ui]\nclock_format = \"\"\n", 2,
	    "clock_format must not be empty");
}

/* ---- syntax ------------------------------------------------------------- */

static void
test_comments_and_whitespace(void **state)
{
	struct mkt_config cfg;

	(void)state;
	load_ok(&cfg,
	    "# a comment\n"
	    "; another\n"
	    "   # indented comment\n"
	    "\n"
	    "  [ sync ]   # section comment\n"
	    "\tpoll_wait\t=\t30\t\n"
	    "history_days=7 # trailing comment\n"
	    "[server]\n"
	    "user = ann#1@example.com\n"	/* no blank before #: literal */
	    "ca_file = /a;b.pem ; not a comment\n");
	assert_int_equal(cfg.poll_wait, 30);
	assert_int_equal(cfg.history_days, 7);
	assert_string_equal(cfg.user, "ann#1@example.com");
	assert_string_equal(cfg.ca_file, "/a;b.pem ; not a comment");
	config_free(&cfg);
}

static void
test_quoted_values(void **state)
{
	struct mkt_config cfg;

	(void)state;
	load_ok(&cfg,
	    "[ui]\n"
	    "clock_format = \"  %H:%M # literal  \"  # comment\n"
	    "[server]\n"
	    "user = \"say \\\"hi\\\" \\\\ ok\"\n"
	    "ca_file = \"/path with = sign\"\n");
	assert_string_equal(cfg.clock_format, "  %H:%M # literal  ");
	assert_string_equal(cfg.user, "say \"hi\" \\ ok");
	assert_string_equal(cfg.ca_file, "/path with = sign");
	config_free(&cfg);
}

static void
test_quote_errors(void **state)
{
	(void)state;
	expect_error("[ui]\nclock_format = \"%H:%M\n", 2,
	    "unterminated quote");
	expect_error("[ui]\nclock_format = \"%H:%M\\\"\n", 2,
	    "unterminated quote");
	expect_error("[ui]\nclock_format = \"%H\" x\n", 2,
	    "unexpected text after closing quote");
	expect_error("[ui]\nclock_format = \"a\\nb\"\n", 2,
	    "unknown escape '\\n' (only \\\" and \\\\)");
}

static void
test_crlf_and_byte_order_mark_are_accepted(void **state)
{
	struct mkt_config cfg;

	(void)state;
	load_ok(&cfg, "\xef\xbb\xbf[sync]\r\npoll_wait = 7\r\n[ui]\r\n"
	    "clock_format = %H\r\n");
	assert_int_equal(cfg.poll_wait, 7);
	assert_string_equal(cfg.clock_format, "%H");
	config_free(&cfg);
}

static void
test_last_line_without_newline(void **state)
{
	struct mkt_config cfg;

	(void)state;
	load_ok(&cfg, "[sync]\npoll_wait = 9");
	assert_int_equal(cfg.poll_wait, 9);
	config_free(&cfg);
	expect_error("[sync]\npoll_wait = 9000", 2,
	    "poll_wait must be between 1 and 3600");
}

/* ---- errors ------------------------------------------------------------- */

static void
test_unknown_section(void **state)
{
	(void)state;
	expect_error("[server]\n\n[foo]\n", 3, "unknown section [foo]");
	expect_error("[Server]\n", 1, "unknown section [Server]");
	expect_error("[sync\n", 1, "expected ']' to close the section name");
	expect_error("[sync] x\n", 1, "unexpected text after [sync]");
}

static void
test_unknown_key_names_key_and_section(void **state)
{
	(void)state;
	expect_error("[sync]\npoll_wait = 5\nx = 1\n", 3,
	    "unknown key 'x' in [sync]");
	/* a key in the wrong section is unknown there */
	expect_error("[ui]\nurl = http://a\n", 2,
	    "unknown key 'url' in [ui]");
}

static void
test_key_outside_any_section(void **state)
{
	(void)state;
	expect_error("# top\nurl = http://a\n", 2, "key outside any section");
}

static void
test_malformed_lines(void **state)
{
	(void)state;
	expect_error("[sync]\npoll_wait 5\n", 2, "expected 'key = value'");
	expect_error("[sync]\n= 5\n", 2, "expected 'key = value'");
	expect_error("just words\n", 1, "expected 'key = value'");
}

static void
test_duplicate_key_names_first_line(void **state)
{
	(void)state;
	expect_error("[sync]\npoll_wait = 5\n\n[ui]\n[sync]\npoll_wait = 6\n",
	    6, "duplicate key 'poll_wait' in [sync] (first set on line 2)");
}

static void
test_duplicate_key_binding_names_first_line(void **state)
{
	(void)state;
	expect_error("[keys]\nj = down\nk = up\nj = top\n", 4,
	    "duplicate binding for 'j' in [keys] (first on line 2)");
}

static void
test_invalid_utf8_line(void **state)
{
	(void)state;
	expect_error("[ui]\n# fine: é\nclock_format = \xc0\xaf\n", 3,
	    "line is not valid UTF-8");
	expect_error("[ui]\n# \xed\xa0\x80\n", 2, "line is not valid UTF-8");
}

static void
test_nul_byte_in_file(void **state)
{
	static const char text[] = "[sync]\npoll_wait = 5\nbad\0line\n";

	(void)state;
	expect_error_n(text, sizeof text - 1, 3, "NUL byte in line");
}

static void
test_control_characters_are_rejected(void **state)
{
	(void)state;
	expect_error("[ui]\nclock_format = \x1b[31m%H\n", 2,
	    "control character in line");
	expect_error("[ui]\nclock_format = %H\xc2\x9b\n", 2,
	    "control character in line");
}

static void
test_file_over_1_mib_is_rejected(void **state)
{
	struct mkt_config cfg;
	size_t n = 1024 * 1024;
	char *text = xmalloc(n + 1), *path, err[512], want[512];

	(void)state;
	/* exactly 1 MiB of comment is fine */
	memset(text, '#', n);
	text[n - 1] = '\n';
	path = write_file_n(text, n);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), 0);
	config_free(&cfg);
	remove_file(path);

	text[n] = '\n';
	path = write_file_n(text, n + 1);
	snprintf(want, sizeof want, "%s: file is larger than 1 MiB", path);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
	assert_string_equal(err, want);
	assert_null(cfg.path);
	config_free(&cfg);
	remove_file(path);
	free(text);
}

static void
test_missing_file_reports_strerror(void **state)
{
	struct mkt_config cfg;
	char path[PATH_MAX], err[512], want[PATH_MAX + 64];

	(void)state;
	snprintf(path, sizeof path, "%s/mkt-test-no-such-dir/mkt.conf",
	    tmp_base());
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
	assert_string_equal(err, want);
	assert_null(cfg.path);
	assert_defaults(&cfg);
	config_free(&cfg);
}

static void
test_error_keeps_earlier_lines_and_frees_cleanly(void **state)
{
	struct mkt_config cfg;
	char *path, err[512];

	(void)state;
	path = write_file("[server]\nurl = https://a.example\n[keys]\n"
	    "j = down\n[sync]\npoll_wait = 0\nhistory_days = 5\n");
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
	assert_string_equal(cfg.url, "https://a.example");
	assert_int_equal(cfg.nkeys, 1);
	assert_int_equal(cfg.poll_wait, 3600);
	assert_int_equal(cfg.history_days, 90);
	config_free(&cfg);	/* ASan checks nothing leaks */
	remove_file(path);
}

static void
test_tiny_error_buffer_is_safe(void **state)
{
	struct mkt_config cfg;
	char *path, err[8];

	(void)state;
	path = write_file("[nope]\n");
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
	assert_int_equal(strlen(err), sizeof err - 1);
	assert_int_equal(config_load(&cfg, path, NULL, 0), -1);
	config_free(&cfg);
	remove_file(path);
}

/* ---- [keys] -------------------------------------------------------------- */

static void
test_key_bindings_keep_order_and_line_numbers(void **state)
{
	struct mkt_config cfg;

	(void)state;
	load_ok(&cfg,
	    "[keys]\n"
	    "# comment\n"
	    "C-n = down\n"
	    "G = bottom\n"
	    "\n"
	    "F5 = pane invoices   # trailing comment\n"
	    "Tab = set filter=open\n"
	    "\"#\" = help\n");
	assert_int_equal(cfg.nkeys, 5);
	assert_string_equal(cfg.keys[0].key, "C-n");
	assert_string_equal(cfg.keys[0].command, "down");
	assert_int_equal(cfg.keys[0].line, 3);
	assert_string_equal(cfg.keys[1].key, "G");
	assert_string_equal(cfg.keys[1].command, "bottom");
	assert_int_equal(cfg.keys[1].line, 4);
	assert_string_equal(cfg.keys[2].key, "F5");
	assert_string_equal(cfg.keys[2].command, "pane invoices");
	assert_int_equal(cfg.keys[2].line, 6);
	assert_string_equal(cfg.keys[3].key, "Tab");
	assert_string_equal(cfg.keys[3].command, "set filter=open");
	assert_int_equal(cfg.keys[3].line, 7);
	assert_string_equal(cfg.keys[4].key, "#");
	assert_string_equal(cfg.keys[4].command, "help");
	assert_int_equal(cfg.keys[4].line, 8);
	config_free(&cfg);
}

static void
test_later_file_replaces_earlier_binding(void **state)
{
	struct mkt_config cfg;
	char *path, err[512];

	(void)state;
	load_ok(&cfg, "[keys]\nj = down\nk = up\n");
	path = write_file("[keys]\n\nk = top\nx = quit\n");
	assert_int_equal(config_load(&cfg, path, err, sizeof err), 0);
	assert_int_equal(cfg.nkeys, 3);
	assert_string_equal(cfg.keys[0].key, "j");
	assert_string_equal(cfg.keys[1].key, "k");
	assert_string_equal(cfg.keys[1].command, "top");
	assert_int_equal(cfg.keys[1].line, 3);
	assert_string_equal(cfg.keys[2].key, "x");
	config_free(&cfg);
	remove_file(path);
}

/* ---- the shipped mkt.conf ------------------------------------------------ */

static void
test_repository_mkt_conf_yields_defaults(void **state)
{
	struct mkt_config cfg;
	char err[512];

	(void)state;
	config_defaults(&cfg);
	if (config_load(&cfg, "mkt.conf", err, sizeof err) != 0)
		fail_msg("mkt.conf: %s", err);
	assert_defaults(&cfg);
	config_free(&cfg);
}

/* ---- a password makes the file a secret ----------------------------------- */

/* Writes text with mode (whatever the umask) and loads it over the
 * defaults; returns config_load's result with the message in err. */
static int
load_with_mode(struct mkt_config *cfg, char **path, const char *text,
    mode_t mode, char *err, size_t errlen)
{
	*path = write_file(text);
	assert_int_equal(chmod(*path, mode), 0);
	config_defaults(cfg);
	return config_load(cfg, *path, err, errlen);
}

static void
test_password_in_a_private_file_loads(void **state)
{
	struct mkt_config cfg;
	char *path, err[512];

	(void)state;
	if (load_with_mode(&cfg, &path, "[server]\nurl = http://127.0.0.1:8080"
	    "\nuser = admin@demo.mkt\npassword = \"de#mo\"\n", 0600, err,
	    sizeof err) != 0)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(cfg.password, "de#mo");
	config_free(&cfg);
	remove_file(path);

	/* owner-only read is private too */
	if (load_with_mode(&cfg, &path, "[server]\npassword = demo\n", 0400,
	    err, sizeof err) != 0)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(cfg.password, "demo");
	config_free(&cfg);
	remove_file(path);
}

static void
test_password_in_a_readable_file_is_refused(void **state)
{
	static const mode_t modes[] = { 0644, 0640, 0604 };
	struct mkt_config cfg;
	char *path, err[1024], want[1024];

	(void)state;
	for (size_t i = 0; i < nitems(modes); i++) {
		assert_int_equal(load_with_mode(&cfg, &path, "[server]\n"
		    "user = admin@demo.mkt\npassword = demo\n", modes[i], err,
		    sizeof err), -1);
		snprintf(want, sizeof want, "%s: holds a password but is "
		    "readable by group or others (mode %04o); run: chmod 600 "
		    "%s", path, (unsigned)modes[i], path);
		assert_string_equal(err, want);
		assert_null(cfg.password);	/* not kept from that file */
		config_free(&cfg);
		remove_file(path);
	}
}

static void
test_password_with_a_line_error_is_dropped_too(void **state)
{
	struct mkt_config cfg;
	char *path, err[1024], want[1024];

	(void)state;
	assert_int_equal(load_with_mode(&cfg, &path, "[server]\n"
	    "password = demo\nbogus = 1\n", 0644, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:3: unknown key 'bogus' in [server]",
	    path);
	assert_string_equal(err, want);
	assert_null(cfg.password);
	config_free(&cfg);
	remove_file(path);
}

static void
test_readable_file_without_password_loads(void **state)
{
	struct mkt_config cfg;
	char *path, err[512];

	(void)state;
	if (load_with_mode(&cfg, &path, "[server]\nurl = http://127.0.0.1:8080"
	    "\nuser = admin@demo.mkt\n", 0644, err, sizeof err) != 0)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(cfg.user, "admin@demo.mkt");
	assert_null(cfg.password);
	config_free(&cfg);
	remove_file(path);

	/* an empty password is no password */
	if (load_with_mode(&cfg, &path, "[server]\npassword =\n", 0644, err,
	    sizeof err) != 0)
		fail_msg("unexpected error: %s", err);
	assert_null(cfg.password);
	config_free(&cfg);
	remove_file(path);
}

static void
test_password_through_a_symlink_is_refused(void **state)
{
	struct mkt_config cfg;
	char *real = write_file("[server]\npassword = demo\n"), err[1024];
	char *link = xasprintf("%s.link", real);

	(void)state;
	assert_int_equal(chmod(real, 0600), 0);
	assert_int_equal(symlink(real, link), 0);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, link, err, sizeof err), -1);
	assert_non_null(strstr(err, "holds a password but is a symbolic "
	    "link"));
	assert_null(cfg.password);
	config_free(&cfg);
	remove_file(link);
	remove_file(real);
}

/* ---- config_find ----------------------------------------------------------- */

struct find_env {
	char	 cwd[PATH_MAX];
	char	*home;		/* $HOME to restore */
	char	*dir;		/* temporary home, config home and cwd */
};

static char *
path_in(const struct find_env *e, const char *leaf)
{
	return xasprintf("%s/%s", e->dir, leaf);
}

static void
touch(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fclose(f);
}

static int
find_setup(void **state)
{
	struct find_env *e = calloc(1, sizeof *e);

	if (e == NULL || getcwd(e->cwd, sizeof e->cwd) == NULL)
		return -1;
	if (getenv("HOME") != NULL)
		e->home = xstrdup(getenv("HOME"));
	e->dir = xasprintf("%s/mkt-find-XXXXXX", tmp_base());
	if (mkdtemp(e->dir) == NULL || chdir(e->dir) != 0)
		return -1;
	unsetenv("MKT_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", e->dir, 1);
	*state = e;
	return 0;
}

static int
find_teardown(void **state)
{
	static const char *const leaves[] = {
		"mkt.conf", "xdg/mkt/mkt.conf", "xdg/mkt", "xdg",
		".config/mkt/mkt.conf", ".config/mkt", ".config", "",
	};
	struct find_env *e = *state;

	/* each test creates only some of these */
	for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
		char *p = path_in(e, leaves[i]);

		(void)remove(p);
		free(p);
	}
	unsetenv("MKT_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	if (e->home != NULL)
		setenv("HOME", e->home, 1);
	else
		unsetenv("HOME");
	if (chdir(e->cwd) != 0)
		return -1;
	free(e->home);
	free(e->dir);
	free(e);
	return 0;
}

static void
make_xdg_file(const struct find_env *e, const char *base)
{
	char *p = path_in(e, base), *f;

	assert_int_equal(mkdir_p(p, 0700), 0);
	f = xasprintf("%s/mkt.conf", p);
	touch(f);
	free(f);
	free(p);
}

static void
test_find_prefers_cli_path_over_everything(void **state)
{
	struct find_env *e = *state;
	char *p;

	make_xdg_file(e, ".config/mkt");
	touch("mkt.conf");
	setenv("MKT_CONFIG", "/env/mkt.conf", 1);
	p = config_find("/cli/missing.conf");
	assert_string_equal(p, "/cli/missing.conf");
	free(p);
}

static void
test_find_uses_mkt_config_even_if_missing(void **state)
{
	struct find_env *e = *state;
	char *p, *xdg = path_in(e, "xdg");

	make_xdg_file(e, "xdg/mkt");
	touch("mkt.conf");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	setenv("MKT_CONFIG", "/no/such/mkt.conf", 1);
	p = config_find(NULL);
	assert_string_equal(p, "/no/such/mkt.conf");
	free(p);
	free(xdg);
}

static void
test_find_ignores_empty_mkt_config(void **state)
{
	char *p;

	(void)state;
	touch("mkt.conf");
	setenv("MKT_CONFIG", "", 1);
	p = config_find(NULL);
	assert_string_equal(p, "./mkt.conf");
	free(p);
}

static void
test_find_uses_xdg_config_home_when_it_exists(void **state)
{
	struct find_env *e = *state;
	char *p, *want, *xdg = path_in(e, "xdg");

	make_xdg_file(e, "xdg/mkt");
	touch("mkt.conf");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	want = path_in(e, "xdg/mkt/mkt.conf");
	p = config_find(NULL);
	assert_string_equal(p, want);
	free(p);
	free(want);
	free(xdg);
}

static void
test_find_falls_back_to_home_dot_config(void **state)
{
	struct find_env *e = *state;
	char *p, *want;

	make_xdg_file(e, ".config/mkt");
	touch("mkt.conf");
	want = path_in(e, ".config/mkt/mkt.conf");
	p = config_find(NULL);
	assert_string_equal(p, want);
	free(p);
	free(want);
}

static void
test_find_skips_missing_xdg_file_for_cwd(void **state)
{
	struct find_env *e = *state;
	char *p, *xdg = path_in(e, "xdg");

	setenv("XDG_CONFIG_HOME", xdg, 1);
	touch("mkt.conf");
	p = config_find(NULL);
	assert_string_equal(p, "./mkt.conf");
	free(p);
	free(xdg);
}

static void
test_find_returns_null_when_nothing_exists(void **state)
{
	struct find_env *e = *state;
	char *xdg = path_in(e, "xdg");

	setenv("XDG_CONFIG_HOME", xdg, 1);
	assert_null(config_find(NULL));
	unsetenv("XDG_CONFIG_HOME");
	assert_null(config_find(NULL));
	free(xdg);
}

#define find_test(f) cmocka_unit_test_setup_teardown(f, find_setup, \
	find_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_documented_values),
		cmocka_unit_test(test_complete_file_sets_every_key),
		cmocka_unit_test(test_absent_keys_keep_defaults),
		cmocka_unit_test(test_color_values),
		cmocka_unit_test(test_booleans_accept_every_spelling),
		cmocka_unit_test(test_poll_wait_accepts_1_and_3600),
		cmocka_unit_test(test_poll_wait_rejects_0_and_3601),
		cmocka_unit_test(test_history_days_and_page_size_limits),
		cmocka_unit_test(test_integers_must_be_plain_decimal),
		cmocka_unit_test(test_empty_server_values_mean_unset),
		cmocka_unit_test(test_url_must_be_http_or_https),
		cmocka_unit_test(test_clock_format_must_not_be_empty),
		cmocka_unit_test(test_comments_and_whitespace),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_quote_errors),
		cmocka_unit_test(test_crlf_and_byte_order_mark_are_accepted),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_unknown_key_names_key_and_section),
		cmocka_unit_test(test_key_outside_any_section),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_duplicate_key_names_first_line),
		cmocka_unit_test(test_duplicate_key_binding_names_first_line),
		cmocka_unit_test(test_invalid_utf8_line),
		cmocka_unit_test(test_nul_byte_in_file),
		cmocka_unit_test(test_control_characters_are_rejected),
		cmocka_unit_test(test_file_over_1_mib_is_rejected),
		cmocka_unit_test(test_missing_file_reports_strerror),
		cmocka_unit_test(test_error_keeps_earlier_lines_and_frees_cleanly),
		cmocka_unit_test(test_tiny_error_buffer_is_safe),
		cmocka_unit_test(test_key_bindings_keep_order_and_line_numbers),
		cmocka_unit_test(test_later_file_replaces_earlier_binding),
		cmocka_unit_test(test_repository_mkt_conf_yields_defaults),
		cmocka_unit_test(test_password_in_a_private_file_loads),
		cmocka_unit_test(test_password_in_a_readable_file_is_refused),
		cmocka_unit_test(test_password_with_a_line_error_is_dropped_too),
		cmocka_unit_test(test_readable_file_without_password_loads),
		cmocka_unit_test(test_password_through_a_symlink_is_refused),
		find_test(test_find_prefers_cli_path_over_everything),
		find_test(test_find_uses_mkt_config_even_if_missing),
		find_test(test_find_ignores_empty_mkt_config),
		find_test(test_find_uses_xdg_config_home_when_it_exists),
		find_test(test_find_falls_back_to_home_dot_config),
		find_test(test_find_skips_missing_xdg_file_for_cwd),
		find_test(test_find_returns_null_when_nothing_exists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
