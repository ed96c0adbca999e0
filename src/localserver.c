#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "localserver.h"
#include "util.h"

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
	    "mktd.db-shm", "mktd.log", "cache.db", "cache.db-wal",
	    "cache.db-shm", "token", NULL };

	for (int i = 0; files[i] != NULL; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
}

/* Reads the "listening on URL" line, waiting at most ten seconds. */
static char *
read_url(int fd)
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
		if (t.tv_sec - t0.tv_sec >= 10 || len == sizeof buf - 1 ||
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
localserver_start(struct localserver *ls, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	char *mktd = find_mktd(), *db, *log;
	int out[2];
	char *argv[8];
	int rc;

	memset(ls, 0, sizeof *ls);
	ls->dir = xasprintf("%s/mkt-demo-XXXXXX", tmp != NULL && tmp[0] ?
	    tmp : "/tmp");
	if (mkdtemp(ls->dir) == NULL) {
		snprintf(err, errlen, "%s: %s", ls->dir, strerror(errno));
		free(ls->dir);
		free(mktd);
		ls->dir = NULL;
		return -1;
	}
	db = xasprintf("%s/mktd.db", ls->dir);
	log = xasprintf("%s/mktd.log", ls->dir);
	ls->cache = xasprintf("%s/cache.db", ls->dir);
	ls->token = xasprintf("%s/token", ls->dir);
	if (pipe(out) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		rc = -1;
		goto done;
	}
	argv[0] = mktd;
	argv[1] = "--listen";
	argv[2] = "127.0.0.1:0";
	argv[3] = "--db";
	argv[4] = db;
	argv[5] = "--demo";
	argv[6] = NULL;
	if ((ls->pid = spawn(argv, out, log)) < 0) {
		snprintf(err, errlen, "cannot run %s: %s", mktd,
		    strerror(errno));
		close(out[0]);
		close(out[1]);
		ls->pid = 0;
		rc = -1;
		goto done;
	}
	close(out[1]);
	ls->url = read_url(out[0]);
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
		rc = -1;
		goto done;
	}
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
	if (ls->dir != NULL)
		remove_dir(ls->dir);
	free(ls->dir);
	free(ls->url);
	free(ls->cache);
	free(ls->token);
	memset(ls, 0, sizeof *ls);
}
