/* session.c: where the token lives, the 0600 rule and its message, what
 * session_load refuses (group/other access, symlinks, FIFOs, someone
 * else's file, garbage), and that a save replaces the token atomically
 * and never leaves its temporary file behind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session.h"
#include "store.h"
#include "util.h"

#define URL	"https://mkt.example.com:8443/api"
#define NAME	"https___mkt.example.com_8443_api"

struct env {
	char	*dir;		/* mkdtemp, XDG_STATE_HOME */
	char	*home, *state, *cache;	/* the caller's, restored */
	char	*path;		/* the token file in dir */
};

static const char *
tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	return t != NULL && t[0] == '/' ? t : "/tmp";
}

static char *
saved_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL ? xstrdup(v) : NULL;
}

static void
restore_env(const char *name, const char *v)
{
	if (v != NULL)
		setenv(name, v, 1);
	else
		unsetenv(name);
}

static void
remove_tree(const char *path)
{
	struct stat sb;
	struct dirent *de;
	DIR *d;

	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *p;

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			p = xasprintf("%s/%s", path, de->d_name);
			remove_tree(p);
			free(p);
		}
		closedir(d);
	}
	(void)remove(path);
}

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);
	char err[512];

	if (e == NULL)
		return -1;
	e->home = saved_env("HOME");
	e->state = saved_env("XDG_STATE_HOME");
	e->cache = saved_env("XDG_CACHE_HOME");
	e->dir = xasprintf("%s/mkt-session-XXXXXX", tmp_base());
	if (mkdtemp(e->dir) == NULL)
		return -1;
	setenv("XDG_STATE_HOME", e->dir, 1);
	if ((e->path = session_token_path(URL, err, sizeof err)) == NULL) {
		fprintf(stderr, "session_token_path: %s\n", err);
		return -1;
	}
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	remove_tree(e->dir);
	restore_env("HOME", e->home);
	restore_env("XDG_STATE_HOME", e->state);
	restore_env("XDG_CACHE_HOME", e->cache);
	free(e->home);
	free(e->state);
	free(e->cache);
	free(e->path);
	free(e->dir);
	free(e);
	return 0;
}

/* Writes n bytes to path with the given mode, whatever the umask. */
static void
put_file(const char *path, const char *text, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(lstat(path, &sb), 0);
	return sb.st_mode & 07777;
}

/* The entries of dir other than . and .., for "nothing left behind". */
static int
entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static char *
state_dir(const struct env *e)
{
	return xasprintf("%s/mkt", e->dir);
}

/* Expects session_load to refuse path with exactly want (or, when want
 * starts with '~', with a message containing the rest). */
static void
expect_refused(const char *path, const char *want)
{
	char err[1024], *token = (char *)1;

	err[0] = '\0';
	assert_int_equal(session_load(path, &token, err, sizeof err), -1);
	assert_null(token);
	if (want[0] == '~') {
		if (strstr(err, want + 1) == NULL)
			fail_msg("'%s' does not contain '%s'", err, want + 1);
	} else
		assert_string_equal(err, want);
}

/* ---- the path ----------------------------------------------------------- */

static void
test_path_is_in_xdg_state_home_with_a_private_directory(void **state)
{
	struct env *e = *state;
	char *want = xasprintf("%s/mkt/" NAME ".token", e->dir);
	char *dir = state_dir(e);

	assert_string_equal(e->path, want);
	assert_int_equal(mode_of(dir), 0700);
	free(dir);
	free(want);
}

static void
test_path_falls_back_to_home_local_state(void **state)
{
	struct env *e = *state;
	char err[512], *path, *want;

	setenv("HOME", e->dir, 1);
	unsetenv("XDG_STATE_HOME");
	path = session_token_path(URL, err, sizeof err);
	assert_non_null(path);
	want = xasprintf("%s/.local/state/mkt/" NAME ".token", e->dir);
	assert_string_equal(path, want);
	free(want);
	want = xasprintf("%s/.local/state/mkt", e->dir);
	assert_int_equal(mode_of(want), 0700);
	free(want);
	free(path);

	/* a relative XDG_STATE_HOME is ignored, as the spec says */
	setenv("XDG_STATE_HOME", "relative/state", 1);
	path = session_token_path(URL, err, sizeof err);
	assert_non_null(path);
	assert_non_null(strstr(path, "/.local/state/mkt/"));
	free(path);

	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	assert_null(session_token_path(URL, err, sizeof err));
	assert_non_null(strstr(err, "cannot create state directory"));
}

static void
test_path_is_named_like_the_cache(void **state)
{
	struct env *e = *state;
	char err[512], *cache, *base, *name;

	setenv("XDG_CACHE_HOME", e->dir, 1);
	cache = store_cache_path(URL, err, sizeof err);
	assert_non_null(cache);
	base = strrchr(cache, '/') + 1;
	assert_string_equal(base, NAME ".db");
	name = store_server_name(URL);
	assert_string_equal(name, NAME);
	assert_string_equal(strrchr(e->path, '/') + 1, NAME ".token");
	free(name);
	free(cache);
}

/* ---- load and save ------------------------------------------------------ */

static void
test_round_trip(void **state)
{
	struct env *e = *state;
	const char *tok = "Zx9_-0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2y";
	char err[512], *got = NULL, buf[128];
	int fd;

	assert_int_equal(session_save(e->path, tok, err, sizeof err), 0);
	assert_int_equal(session_load(e->path, &got, err, sizeof err), 0);
	assert_string_equal(got, tok);
	free(got);
	/* on disk: the token and one newline */
	fd = open(e->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof buf), (ssize_t)strlen(tok) + 1);
	close(fd);
	assert_memory_equal(buf, tok, strlen(tok));
	assert_int_equal(buf[strlen(tok)], '\n');
	assert_int_equal(session_check_private(e->path, err, sizeof err), 0);
}

static void
test_a_file_without_newline_loads(void **state)
{
	struct env *e = *state;
	char err[512], *got = NULL;

	put_file(e->path, "abc def", 7, 0600);
	assert_int_equal(session_load(e->path, &got, err, sizeof err), 0);
	assert_string_equal(got, "abc def");
	free(got);
}

static void
test_mode_is_0600_whatever_the_umask(void **state)
{
	static const mode_t masks[] = { 0, 022, 0277 };
	struct env *e = *state;
	char err[512];

	for (size_t i = 0; i < nitems(masks); i++) {
		mode_t old = umask(masks[i]);
		int rc = session_save(e->path, "t0ken", err, sizeof err);

		umask(old);
		assert_int_equal(rc, 0);
		assert_int_equal(mode_of(e->path), 0600);
		assert_int_equal(session_forget(e->path, err, sizeof err), 0);
	}
}

static void
test_missing_file_is_1(void **state)
{
	struct env *e = *state;
	char err[512], *got = (char *)1;

	assert_int_equal(session_load(e->path, &got, err, sizeof err), 1);
	assert_null(got);
}

/* A file of this mode is refused by both session_load and
 * session_check_private, which name the mode and the fix. */
static void
expect_mode_refused(const char *path, mode_t mode, const char *how)
{
	char err[1024], want[1024];

	put_file(path, "t0ken\n", 6, mode);
	snprintf(want, sizeof want, "%s is %s by group or others (mode %04o); "
	    "run: chmod 600 %s", path, how, (unsigned)mode, path);
	expect_refused(path, want);
	assert_int_equal(session_check_private(path, err, sizeof err), -1);
	assert_string_equal(err, want);
}

static void
test_group_or_world_access_is_refused_naming_mode_and_fix(void **state)
{
	struct env *e = *state;
	char err[1024];

	expect_mode_refused(e->path, 0644, "readable");
	expect_mode_refused(e->path, 0640, "readable");
	/* writable is as bad as readable: it could be swapped */
	expect_mode_refused(e->path, 0602, "writable");

	/* 0400 is private enough */
	put_file(e->path, "t0ken\n", 6, 0400);
	assert_int_equal(session_check_private(e->path, err, sizeof err), 0);
}

static void
test_symlink_is_refused(void **state)
{
	struct env *e = *state;
	char err[1024], *real = xasprintf("%s/real.token", e->dir);

	put_file(real, "t0ken\n", 6, 0600);
	assert_int_equal(symlink(real, e->path), 0);
	expect_refused(e->path, "~is a symbolic link");
	assert_int_equal(session_check_private(e->path, err, sizeof err), -1);
	assert_non_null(strstr(err, "is a symbolic link"));
	/* the target itself is fine */
	assert_int_equal(session_check_private(real, err, sizeof err), 0);
	free(real);
}

static void
test_directory_and_fifo_are_refused_without_hanging(void **state)
{
	struct env *e = *state;
	char err[1024];

	assert_int_equal(mkdir(e->path, 0700), 0);
	expect_refused(e->path, "~is not a regular file");
	assert_int_equal(session_check_private(e->path, err, sizeof err), -1);
	assert_int_equal(rmdir(e->path), 0);
	/* a FIFO with no writer would block a plain open(O_RDONLY) */
	assert_int_equal(mkfifo(e->path, 0600), 0);
	expect_refused(e->path, "~is not a regular file");
}

static void
test_someone_elses_file_is_refused(void **state)
{
	struct env *e = *state;

	if (geteuid() != 0)
		skip();		/* only root can give a file away */
	put_file(e->path, "t0ken\n", 6, 0600);
	assert_int_equal(chown(e->path, 65534, 65534), 0);
	expect_refused(e->path, "~is owned by uid 65534, not by you");
}

static void
test_garbage_is_refused(void **state)
{
	static const struct {
		const char	*bytes;
		size_t		 len;
		const char	*why;
	} bad[] = {
		{ "", 0, "is empty" },
		{ "\n", 1, "is empty" },
		{ "tok\001en\n", 8, "printable ASCII" },
		{ "tok\0en\n", 7, "printable ASCII" },
		{ "\xff\xfe\xfd", 3, "printable ASCII" },
		{ "caf\xc3\xa9\n", 6, "printable ASCII" },
		{ "t0ken\r\n", 7, "printable ASCII" },
		{ "t0ken\n\n", 7, "printable ASCII" },
	};
	struct env *e = *state;
	char big[5000], want[64];

	for (size_t i = 0; i < nitems(bad); i++) {
		put_file(e->path, bad[i].bytes, bad[i].len, 0600);
		snprintf(want, sizeof want, "~%s", bad[i].why);
		expect_refused(e->path, want);
	}
	/* 4 KiB of token (with its newline) is the most; one more is not */
	memset(big, 'a', sizeof big);
	big[4096] = '\n';
	put_file(e->path, big, 4097, 0600);
	{
		char err[512], *got = NULL;

		assert_int_equal(session_load(e->path, &got, err, sizeof err),
		    0);
		assert_int_equal(strlen(got), 4096);
		free(got);
	}
	put_file(e->path, big, 4097 + 1, 0600);
	expect_refused(e->path, "~larger than 4 KiB");
	put_file(e->path, big, sizeof big, 0600);
	expect_refused(e->path, "~larger than 4 KiB");
}

static void
test_save_refuses_what_load_would_refuse(void **state)
{
	struct env *e = *state;
	char err[512], big[4098];

	assert_int_equal(session_save(e->path, "", err, sizeof err), -1);
	assert_int_equal(session_save(e->path, "a\nb", err, sizeof err), -1);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(session_save(e->path, big, err, sizeof err), -1);
	assert_int_equal(access(e->path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_save_replaces_the_old_token_and_leaves_nothing_behind(void **state)
{
	struct env *e = *state;
	char err[512], *got = NULL, *dir = state_dir(e);

	assert_int_equal(session_save(e->path, "old-token", err, sizeof err),
	    0);
	assert_int_equal(session_save(e->path, "new", err, sizeof err), 0);
	assert_int_equal(session_load(e->path, &got, err, sizeof err), 0);
	assert_string_equal(got, "new");	/* not "new-token" */
	free(got);
	assert_int_equal(entries(dir), 1);

	/* an unsafe old file is replaced by a private one */
	assert_int_equal(chmod(e->path, 0644), 0);
	assert_int_equal(session_save(e->path, "newer", err, sizeof err), 0);
	assert_int_equal(mode_of(e->path), 0600);
	assert_int_equal(session_load(e->path, &got, err, sizeof err), 0);
	assert_string_equal(got, "newer");
	free(got);

	/* a symlink is replaced itself; its target is left alone */
	{
		char *real = xasprintf("%s/elsewhere", e->dir);

		put_file(real, "keep\n", 5, 0600);
		assert_int_equal(unlink(e->path), 0);
		assert_int_equal(symlink(real, e->path), 0);
		assert_int_equal(session_save(e->path, "mine", err,
		    sizeof err), 0);
		assert_int_equal(session_load(e->path, &got, err,
		    sizeof err), 0);
		assert_string_equal(got, "mine");
		free(got);
		assert_int_equal(session_load(real, &got, err, sizeof err),
		    0);
		assert_string_equal(got, "keep");
		free(got);
		free(real);
	}
	assert_int_equal(entries(dir), 1);
	free(dir);
}

static void
test_failed_save_leaves_no_temporary_file(void **state)
{
	struct env *e = *state;
	char err[512], *dir = state_dir(e), *inner;

	/* rename(2) cannot put a file over a non-empty directory */
	assert_int_equal(mkdir(e->path, 0700), 0);
	inner = xasprintf("%s/x", e->path);
	assert_int_equal(mkdir(inner, 0700), 0);
	assert_int_equal(session_save(e->path, "t0ken", err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot replace"));
	assert_int_equal(entries(dir), 1);	/* the directory only */
	assert_int_equal(rmdir(inner), 0);
	assert_int_equal(rmdir(e->path), 0);
	free(inner);

	/* no directory to create the temporary file in */
	free(e->path);
	e->path = xasprintf("%s/missing/t.token", e->dir);
	assert_int_equal(session_save(e->path, "t0ken", err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot create a temporary file"));
	assert_int_equal(entries(dir), 0);
	free(dir);
}

static void
test_forget_removes_and_tolerates_missing(void **state)
{
	struct env *e = *state;
	char err[512], *got = NULL;

	assert_int_equal(session_save(e->path, "t0ken", err, sizeof err), 0);
	assert_int_equal(session_forget(e->path, err, sizeof err), 0);
	assert_int_equal(session_load(e->path, &got, err, sizeof err), 1);
	assert_int_equal(session_forget(e->path, err, sizeof err), 0);
	/* a real failure is reported */
	assert_int_equal(mkdir(e->path, 0700), 0);
	assert_int_equal(session_forget(e->path, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot remove"));
}

#define env_test(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		env_test(
		    test_path_is_in_xdg_state_home_with_a_private_directory),
		env_test(test_path_falls_back_to_home_local_state),
		env_test(test_path_is_named_like_the_cache),
		env_test(test_round_trip),
		env_test(test_a_file_without_newline_loads),
		env_test(test_mode_is_0600_whatever_the_umask),
		env_test(test_missing_file_is_1),
		env_test(
		    test_group_or_world_access_is_refused_naming_mode_and_fix),
		env_test(test_symlink_is_refused),
		env_test(test_directory_and_fifo_are_refused_without_hanging),
		env_test(test_someone_elses_file_is_refused),
		env_test(test_garbage_is_refused),
		env_test(test_save_refuses_what_load_would_refuse),
		env_test(
		    test_save_replaces_the_old_token_and_leaves_nothing_behind),
		env_test(test_failed_save_leaves_no_temporary_file),
		env_test(test_forget_removes_and_tolerates_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
