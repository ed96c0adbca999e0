/* Secrets on disk (see session.h).  The checks are made on what was
 * actually opened (O_NOFOLLOW, then fstat on the descriptor), so a file
 * swapped for a symlink or a FIFO between a check and the read is never
 * read. */
#if !defined(_POSIX_C_SOURCE) && !defined(_XOPEN_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session.h"
#include "store.h"
#include "util.h"

/* A refresh token is 43 characters; anything near this is not one. */
#define TOKEN_MAX	4096

/* Tries before giving up on finding an unused temporary name. */
#define TEMP_TRIES	100

/* The reasons all read "PATH is ...", so config.c can put its own
 * "FILE: holds a password but" in front of the rest. */
static int
check_stat(const char *path, const struct stat *sb, char *err, size_t errlen)
{
	mode_t mode = sb->st_mode & 07777;

	if (S_ISLNK(sb->st_mode)) {
		snprintf(err, errlen, "%s is a symbolic link; a secret must "
		    "be a regular file", path);
		return -1;
	}
	if (!S_ISREG(sb->st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	/* Someone else's file could be read or replaced by its owner. */
	if (sb->st_uid != geteuid()) {
		snprintf(err, errlen, "%s is owned by uid %ld, not by you "
		    "(uid %ld)", path, (long)sb->st_uid, (long)geteuid());
		return -1;
	}
	if ((mode & 077) != 0) {
		snprintf(err, errlen, "%s is %s by group or others (mode "
		    "%04o); run: chmod 600 %s", path, (mode & 044) != 0 ?
		    "readable" : "writable", (unsigned)mode, path);
		return -1;
	}
	return 0;
}

/* Non-empty printable ASCII of at most TOKEN_MAX bytes: what a token
 * file may hold, and all a token may be when it is saved. */
static bool
token_valid(const char *s, size_t n)
{
	if (n == 0 || n > TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Makes the rename itself durable.  A file system that cannot sync a
 * directory says EINVAL; there is nothing better to do there. */
static int
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 0 : (size_t)(slash - path);
	char *dir;
	int fd, rc = 0, saved;

	if (slash == NULL)
		dir = xstrdup(".");
	else
		dir = xstrndup(path, n == 0 ? 1 : n);	/* "/x": "/" */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = -1;
	else {
		if (fsync(fd) != 0 && errno != EINVAL)
			rc = -1;
		saved = errno;
		close(fd);
		errno = saved;
	}
	saved = errno;
	free(dir);
	errno = saved;
	return rc;
}

/* A new temporary file beside path, opened for writing with mode 0600;
 * its name in *tmp.  O_EXCL: never an existing file or a planted link. */
static int
open_temp(const char *path, char **tmp)
{
	static unsigned serial;
	int fd, saved = EEXIST;

	for (int i = 0; i < TEMP_TRIES; i++) {
		*tmp = xasprintf("%s.%ld.%u.tmp", path, (long)getpid(),
		    serial++);
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		saved = errno;
		free(*tmp);
		*tmp = NULL;
		if (saved != EEXIST)
			break;
	}
	errno = saved;
	return -1;
}

char *
session_token_path(const char *server_url, char *err, size_t errlen)
{
	/* The directory is also where the temporary copies are made. */
	return store_server_file("XDG_STATE_HOME", ".local/state", "state",
	    server_url, ".token", err, errlen);
}

int
session_check_private(const char *path, char *err, size_t errlen)
{
	struct stat sb;

	/* lstat: a symlink is refused, not followed to whatever it names. */
	if (lstat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return check_stat(path, &sb, err, errlen);
}

int
session_load(const char *path, char **token, char *err, size_t errlen)
{
	char buf[TOKEN_MAX + 2];	/* the token, its newline, one more */
	struct stat sb;
	size_t n = 0;
	ssize_t r;
	int fd;

	*token = NULL;
	/* O_NONBLOCK: a FIFO put in its place must not hang the open. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		if (errno == ELOOP)
			snprintf(err, errlen, "%s is a symbolic link; a secret "
			    "must be a regular file", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (check_stat(path, &sb, err, errlen) != 0)
		goto fail;
	while (n < sizeof buf) {
		r = read(fd, buf + n, sizeof buf - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n == 0) {
		snprintf(err, errlen, "%s is empty; remove it and log in again",
		    path);
		return -1;
	}
	if (!token_valid(buf, n)) {
		snprintf(err, errlen, "%s does not hold a token (%s); remove "
		    "it and log in again", path, n > TOKEN_MAX ?
		    "larger than 4 KiB" : "bytes other than printable ASCII");
		return -1;
	}
	*token = xstrndup(buf, n);
	return 0;

fail:
	close(fd);
	return -1;
}

int
session_save(const char *path, const char *token, char *err, size_t errlen)
{
	size_t n = strlen(token);
	char *tmp, *line;
	int fd, rc;

	/* Whatever is written must read back, or the next start fails. */
	if (!token_valid(token, n)) {
		snprintf(err, errlen, "%s: refusing to save a token that is "
		    "empty, larger than 4 KiB or not printable ASCII", path);
		return -1;
	}
	if ((fd = open_temp(path, &tmp)) < 0) {
		snprintf(err, errlen, "cannot create a temporary file beside "
		    "%s: %s", path, strerror(errno));
		return -1;
	}
	/* The umask can only take bits away from 0600 (0400 under umask
	 * 0277); set it exactly, so the file is what session.h promises. */
	line = xasprintf("%s\n", token);
	rc = fchmod(fd, 0600) != 0 || write_all(fd, line, n + 1) != 0 ||
	    fsync(fd) != 0 ? -1 : 0;
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	free(line);
	if (rc != 0) {
		close(fd);
		goto fail;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot replace %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	free(tmp);
	/* The new token is in place; without this a crash could bring the
	 * old one back, and presenting it would revoke the session. */
	if (sync_dir(path) != 0) {
		snprintf(err, errlen, "%s: cannot sync its directory: %s",
		    path, strerror(errno));
		return -1;
	}
	return 0;

fail:
	unlink(tmp);
	free(tmp);
	return -1;
}

int
session_forget(const char *path, char *err, size_t errlen)
{
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}
