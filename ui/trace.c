#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys.h"
#include "trace.h"

int trace_fd = -1;

static int64_t	process_start;	/* ns */
static int64_t	batch_start;	/* ns; 0: no input since the last frame */
static int	batch_keys;
static int	first_key;
static char	first_command[64];
static bool	first_frame_done;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
trace_clock_start(void)
{
	process_start = now_ns();
}

int
trace_open(char *err, size_t errlen)
{
	const char *path = getenv("MKT_TRACE");

	if (path == NULL)
		return 0;
	if (path[0] == '\0') {
		snprintf(err, errlen, "MKT_TRACE is set but empty; it names "
		    "the file to append the trace to");
		return -1;
	}
	/* Append: a harness may tail the file, or run mkt more than once. */
	trace_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644);
	if (trace_fd < 0) {
		snprintf(err, errlen, "MKT_TRACE: cannot write %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* One write(2) per line, so a reader never sees half of one and nothing
 * waits in a buffer.  A failed write only loses that line. */
static void
put_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
put_line(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	while (write(trace_fd, line, (size_t)n) < 0 && errno == EINTR)
		continue;
}

/* The name the key table uses, else curses' own; never empty and never
 * a blank, so the line keeps its fields. */
static const char *
printable_name(int key, char *buf, size_t len)
{
	const char *name;

	key_describe(key, buf, len);
	if (buf[0] == '<' && (name = keyname(key & ~KEYF_FUNCTION)) != NULL)
		snprintf(buf, len, "%s", name);
	if (buf[0] == '\0' || strpbrk(buf, " \t\n") != NULL)
		snprintf(buf, len, "U+%04X", (unsigned)key);
	return buf;
}

static void
flush_batch(int64_t now)
{
	char name[32];

	if (batch_keys > 0)
		put_line("key\t%s\t%s\t%lld\t%d\n",
		    printable_name(first_key, name, sizeof name),
		    first_command[0] != '\0' ? first_command : "-",
		    (long long)(now - batch_start) / 1000, batch_keys);
	batch_start = 0;
	batch_keys = 0;
}

void
trace_input_(void)
{
	if (batch_start == 0)
		batch_start = now_ns();
}

void
trace_key_(int key)
{
	/* Curses may hold keys poll(2) never saw: then the clock starts at
	 * the first read. */
	if (batch_start == 0)
		batch_start = now_ns();
	if (batch_keys++ == 0) {
		first_key = key;
		first_command[0] = '\0';
	}
}

void
trace_command_(const char *command)
{
	/* Only the first key names the batch; later keys only count. */
	if (batch_keys != 1 || command == NULL)
		return;
	snprintf(first_command, sizeof first_command, "%s", command);
	/* A [keys] binding is the user's text: keep the fields apart. */
	for (char *p = first_command; (p = strpbrk(p, "\t\n")) != NULL;)
		*p = ' ';
}

void
trace_frame_(void)
{
	int64_t now = now_ns();

	if (!first_frame_done) {
		first_frame_done = true;
		put_line("frame\tfirst\t%lld\n",
		    (long long)(now - process_start) / 1000);
	}
	flush_batch(now);
}

void
trace_close(void)
{
	if (trace_fd < 0)
		return;
	flush_batch(now_ns());
	close(trace_fd);
	trace_fd = -1;
}
