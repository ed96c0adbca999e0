#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"
#include "localserver.h"
#include "seed.h"
#include "store.h"
#include "util.h"

/* How long mktd may take to say it listens, in seconds: filling the
 * default demo, opening a kept one (whose snoozes may wake at start), or
 * first generating the large demo on a slow machine. */
#define START_TIMEOUT		10
#define REOPEN_TIMEOUT		60
#define GENERATE_TIMEOUT	(15 * 60)

/* mktd built beside mkt is the one that speaks its contract. */
static char *
find_mktd(void)
{
	char self[PATH_MAX], *slash, *path;
	const char *env = getenv("MKTD");
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			path = xasprintf("%s/mktd", self);
			if (access(path, X_OK) == 0)
				return path;
			free(path);
		}
	}
	return xstrdup("mktd");
}

static void
remove_dir(const char *dir)
{
	static const char *const files[] = { "mktd.db", "mktd.db-wal",
	    "mktd.db-shm", "mktd.db.demo", "mktd.log", "cache.db",
	    "cache.db-wal", "cache.db-shm", "cache.db.seed", "token", NULL };

	for (int i = 0; files[i] != NULL; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
}

/* Reads the "listening on URL" line, waiting at most timeout seconds or
 * until mktd exits. */
static char *
read_url(int fd, int timeout)
{
	char buf[256];
	size_t len = 0;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		char *nl, *at;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= timeout || len == sizeof buf - 1 ||
		    poll(&p, 1, 500) < 0)
			return NULL;
		if (p.revents == 0)
			continue;
		if ((n = read(fd, buf + len, sizeof buf - 1 - len)) <= 0)
			return NULL;
		len += (size_t)n;
		buf[len] = '\0';
		if ((nl = strchr(buf, '\n')) == NULL)
			continue;
		*nl = '\0';
		if ((at = strstr(buf, "http://")) == NULL)
			return NULL;
		return xstrdup(at);
	}
}

/* A fresh directory under $TMPDIR, removed when the server stops. */
static int
temp_dir(struct localserver *ls, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");

	ls->dir = xasprintf("%s/mkt-demo-XXXXXX", tmp != NULL && tmp[0] ?
	    tmp : "/tmp");
	if (mkdtemp(ls->dir) == NULL) {
		snprintf(err, errlen, "%s: %s", ls->dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* $XDG_CACHE_HOME/mkt/demo-SCALE, kept between runs and locked for
 * this one: two servers on one database would not see each other's
 * changes in their feeds. */
static int
kept_dir(struct localserver *ls, const char *scale, char *err,
    size_t errlen)
{
	char *name = xasprintf("demo-%s", scale), *lock;

	ls->dir = store_server_file("XDG_CACHE_HOME", ".cache", "cache", name,
	    "", err, errlen);
	free(name);
	if (ls->dir == NULL)
		return -1;
	if (mkdir(ls->dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", ls->dir, strerror(errno));
		return -1;
	}
	lock = xasprintf("%s/lock", ls->dir);
	ls->lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (ls->lock == -1 || flock(ls->lock, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "another mkt is running the %s "
			    "demo in %s", scale, ls->dir);
		else
			snprintf(err, errlen, "%s/lock: %s", ls->dir,
			    strerror(errno));
		return -1;
	}
	return 0;
}

/* The stamp a kept demo gets once its server and cache were both
 * generated, from one now; without it they are made again. */
static char *
stamp_path(const struct localserver *ls)
{
	return xasprintf("%s/ready", ls->dir);
}

static bool
kept_ready(const struct localserver *ls, const char *scale, const char *db)
{
	char *stamp = stamp_path(ls), line[64] = "", want[64];
	FILE *f = fopen(stamp, "r");

	free(stamp);
	if (f == NULL)
		return false;
	if (fgets(line, sizeof line, f) == NULL)
		line[0] = '\0';
	fclose(f);
	snprintf(want, sizeof want, "%s ", scale);
	return strncmp(line, want, strlen(want)) == 0 &&
	    access(db, F_OK) == 0 && access(ls->cache, F_OK) == 0;
}

static int
write_stamp(const struct localserver *ls, const char *scale, int64_t now,
    char *err, size_t errlen)
{
	char *stamp = stamp_path(ls);
	FILE *f = fopen(stamp, "w");
	int rc = 0;

	if (f != NULL && fprintf(f, "%s %lld\n", scale, (long long)now) < 0)
		rc = -1;
	if (f == NULL || fclose(f) != 0 || rc != 0) {
		snprintf(err, errlen, "%s: %s", stamp, strerror(errno));
		rc = -1;
	}
	free(stamp);
	return rc;
}

/* fork and exec rather than posix_spawn, for one thing only the child
 * can ask: to be stopped when mkt dies, even by SIGKILL, so a crashed
 * demo never leaves a server behind.  Called before any thread starts. */
static pid_t
spawn(char **argv, const int out[2], const char *log)
{
	pid_t parent = getpid(), pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	dup2(out[1], STDOUT_FILENO);
	close(out[0]);
	close(out[1]);
	if ((fd = open("/dev/null", O_RDONLY)) >= 0)
		dup2(fd, STDIN_FILENO);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0)
		dup2(fd, STDERR_FILENO);
	execvp(argv[0], argv);
	_exit(127);
}

int
localserver_start(struct localserver *ls, const char *scale,
    const char *user, int history_days, char *err, size_t errlen)
{
	const struct demo_size *size;
	char *mktd = NULL, *db = NULL, *log = NULL, *argv[12], now_s[24];
	int64_t now = (int64_t)time(NULL);
	bool fresh;
	int out[2];
	int rc = -1;

	memset(ls, 0, sizeof *ls);
	ls->lock = -1;
	if ((size = demo_size_find(scale, err, errlen)) == NULL)
		return -1;
	ls->keep = size != &demo_size_default;
	if ((ls->keep ? kept_dir(ls, scale, err, errlen) :
	    temp_dir(ls, err, errlen)) != 0)
		goto done;
	mktd = find_mktd();
	db = xasprintf("%s/mktd.db", ls->dir);
	log = xasprintf("%s/mktd.log", ls->dir);
	ls->cache = xasprintf("%s/cache.db", ls->dir);
	ls->token = xasprintf("%s/token", ls->dir);
	fresh = !ls->keep || !kept_ready(ls, scale, db);
	if (fresh && ls->keep) {
		char *stamp = stamp_path(ls);

		unlink(stamp);
		free(stamp);
		store_remove(db);
		store_remove(ls->cache);
	}
	if (pipe(out) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto done;
	}
	snprintf(now_s, sizeof now_s, "%lld", (long long)now);
	argv[0] = mktd;
	argv[1] = "--listen";
	argv[2] = "127.0.0.1:0";
	argv[3] = "--db";
	argv[4] = db;
	argv[5] = "--demo";
	argv[6] = "--scale";
	argv[7] = (char *)scale;
	argv[8] = "--now";
	argv[9] = now_s;
	argv[10] = NULL;
	if ((ls->pid = spawn(argv, out, log)) < 0) {
		snprintf(err, errlen, "cannot run %s: %s", mktd,
		    strerror(errno));
		close(out[0]);
		close(out[1]);
		ls->pid = 0;
		goto done;
	}
	close(out[1]);
	/* The cache is seeded here while mktd generates its database: one
	 * core each, from the same now. */
	if (fresh && ls->keep) {
		struct seed_options o = { size, now, user, history_days };

		if (seed_cache(ls->cache, &o, err, errlen) != SEED_OK) {
			close(out[0]);
			goto done;
		}
	}
	ls->url = read_url(out[0], !ls->keep ? START_TIMEOUT : fresh ?
	    GENERATE_TIMEOUT : REOPEN_TIMEOUT);
	close(out[0]);
	if (ls->url == NULL) {
		char why[200] = "";
		FILE *f = fopen(log, "r");

		if (f != NULL) {
			if (fgets(why, sizeof why, f) != NULL)
				why[strcspn(why, "\n")] = '\0';
			fclose(f);
		}
		snprintf(err, errlen, "%s did not start%s%s", mktd,
		    why[0] != '\0' ? ": " : "", why);
		goto done;
	}
	if (fresh && ls->keep && write_stamp(ls, scale, now, err, errlen) != 0)
		goto done;
	rc = 0;
done:
	free(mktd);
	free(db);
	free(log);
	if (rc != 0)
		localserver_stop(ls);
	return rc;
}

void
localserver_stop(struct localserver *ls)
{
	if (ls->pid > 0) {
		int status;

		kill(ls->pid, SIGTERM);
		for (int i = 0; i < 20; i++) {
			if (waitpid(ls->pid, &status, WNOHANG) == ls->pid) {
				ls->pid = 0;
				break;
			}
			usleep(100 * 1000);
		}
		if (ls->pid > 0) {
			kill(ls->pid, SIGKILL);
			waitpid(ls->pid, &status, 0);
		}
	}
	if (ls->dir != NULL && !ls->keep)
		remove_dir(ls->dir);
	if (ls->lock != -1)
		close(ls->lock);
	free(ls->dir);
	free(ls->url);
	free(ls->cache);
	free(ls->token);
	memset(ls, 0, sizeof *ls);
	ls->lock = -1;
}
