/* ptydrive: runs a program on a pseudo-terminal of a given size and drives
 * it from a script, timing what it draws, for the benchmark and its tests.
 *
 *   ptydrive [--size COLSxROWS] [--trace FILE] [--script FILE]
 *            [--quiet-ms MS] [--log FILE] -- CMD ARGS...
 *
 * One command a line (from --script, else stdin), one result line each on
 * stdout; see usage().  A reader thread drains the pty all the time, so
 * the child never blocks on a full one whatever the script is doing, and
 * feeds a small terminal emulator: curses rewrites only the cells that
 * changed, so text it updated in place is never in the output whole, only
 * on the screen.  Every wait is bounded.  Exit status: 0 when the script
 * ran to its end, 1 for a usage or setup error, 2 when a wait for text
 * timed out, 3 when the child died while something still waited on it. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#define DEFAULT_COLS		200
#define DEFAULT_ROWS		50
#define DEFAULT_QUIET_MS	30
#define EXPECT_TIMEOUT_MS	10000
#define TRACE_TIMEOUT_MS	5000	/* for a key's line in the trace */
#define QUIET_LIMIT_MS		10000	/* a screen that never settles */
#define WRITE_TIMEOUT_MS	5000	/* a child that reads no input */
#define EXIT_WAIT_MS		3000	/* then SIGTERM */
#define KILL_WAIT_MS		2000	/* then SIGKILL */
#define SLICE_MS		10	/* how often a wait looks at the child */

#define EXIT_SETUP	1
#define EXIT_TIMEOUT	2
#define EXIT_CHILD	3

/* Output since the last mark, and when each piece of it arrived, so an
 * expect reports the moment its text came rather than when it looked. */
struct chunk {
	size_t		 end;		/* offset in win after this read */
	int64_t		 at;		/* ns */
};

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	char		*win;
	size_t		 len, cap;
	struct chunk	*chunks;
	size_t		 nchunks, chunks_cap;
	uint64_t	 total;		/* bytes since spawn */
	int64_t		 last_rx;	/* ns of the latest read */
	bool		 eof;
	/* A "screen" command's text, and when a read first showed it. */
	const char	*want;
	size_t		 wantlen, want_bytes;
	int64_t		 want_at;	/* 0: not yet */
} out = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static int	 master = -1, slave = -1, stop_pipe[2] = { -1, -1 };
static pid_t	 child = -1;
static bool	 child_gone;
static int	 child_status;
static int64_t	 spawn_ns;
static int	 quiet_ms = DEFAULT_QUIET_MS;

static int	 log_fd = -1;		/* --log: every byte the child wrote */
static const char *trace_path;
static off_t	 trace_off;
static char	 trace_part[512];	/* a line not yet complete */
static size_t	 trace_partlen;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3),
    noreturn));

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL) {
		fputs("ptydrive: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* ---- the child ---------------------------------------------------------- */

/* Reaps the child if it has exited.  Returns whether it is still there. */
static bool
child_alive(void)
{
	pid_t r;

	if (child_gone)
		return false;
	while ((r = waitpid(child, &child_status, WNOHANG)) < 0 &&
	    errno == EINTR)
		continue;
	if (r == child || (r < 0 && errno == ECHILD))
		child_gone = true;
	return !child_gone;
}

static int
exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		continue;
}

/* Waits up to ms for the child to exit; returns whether it did. */
static bool
wait_exit(int ms)
{
	int64_t end = now_ns() + (int64_t)ms * 1000000;

	while (child_alive() && now_ns() < end)
		sleep_ms(SLICE_MS);
	return !child_alive();
}

/* Asks, then tells.  The output keeps draining meanwhile. */
static void
stop_child(int grace_ms)
{
	if (child < 0 || wait_exit(grace_ms))
		return;
	kill(child, SIGTERM);
	if (wait_exit(KILL_WAIT_MS))
		return;
	fprintf(stderr, "ptydrive: child %ld ignored SIGTERM; killing it\n",
	    (long)child);
	kill(child, SIGKILL);
	while (waitpid(child, &child_status, 0) < 0 && errno == EINTR)
		continue;
	child_gone = true;
}

static void
die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("ptydrive: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stdout);
	stop_child(0);
	exit(status);
}

/* The child died while something waited on it. */
static void
died(const char *what)
{
	die(EXIT_CHILD, "child exited (status %d) %s", exit_code(child_status),
	    what);
}

/* Opens the pty, sized, with the line discipline a UTF-8 terminal
 * emulator sets up.  The parent keeps a slave open, so the master never
 * reports a hangup before the child has opened its own, and no output is
 * lost when the child exits. */
static void
open_pty(int cols, int rows)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };
	struct termios tio;
	const char *name;

	if ((master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    grantpt(master) != 0 || unlockpt(master) != 0 ||
	    (name = ptsname(master)) == NULL)
		die(EXIT_SETUP, "cannot open a pty: %s", strerror(errno));
	if ((slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		die(EXIT_SETUP, "%s: %s", name, strerror(errno));
	if (ioctl(slave, TIOCSWINSZ, &ws) != 0)
		die(EXIT_SETUP, "cannot size the pty: %s", strerror(errno));
	if (tcgetattr(slave, &tio) == 0) {
		tio.c_iflag |= IUTF8;
		tcsetattr(slave, TCSANOW, &tio);
	}
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
}

/* In the child: a session of its own, the pty as its controlling
 * terminal and stdio, and no size from the environment to override it. */
static void
exec_child(char **argv, int errfd)
{
	const char *name = ptsname(master);
	sigset_t none;
	int fd, e;

	setsid();
	if (name == NULL || (fd = open(name, O_RDWR)) < 0)
		goto fail;
	if (ioctl(fd, TIOCSCTTY, 0) != 0)
		goto fail;
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		goto fail;
	if (fd > 2)
		close(fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (getenv("TERM") == NULL || getenv("TERM")[0] == '\0')
		setenv("TERM", "xterm-256color", 1);
	unsetenv("LINES");
	unsetenv("COLUMNS");
	execvp(argv[0], argv);
fail:
	e = errno;
	while (write(errfd, &e, sizeof e) < 0 && errno == EINTR)
		continue;
	_exit(127);
}

static void
spawn(char **argv)
{
	int pfd[2], e;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		die(EXIT_SETUP, "pipe: %s", strerror(errno));
	spawn_ns = now_ns();
	if ((child = fork()) < 0)
		die(EXIT_SETUP, "fork: %s", strerror(errno));
	if (child == 0)
		exec_child(argv, pfd[1]);
	close(pfd[1]);
	/* The pipe closes on exec: EOF means the program runs. */
	while ((n = read(pfd[0], &e, sizeof e)) < 0 && errno == EINTR)
		continue;
	close(pfd[0]);
	if (n == (ssize_t)sizeof e) {
		child_alive();
		die(EXIT_SETUP, "cannot run %s: %s", argv[0], strerror(e));
	}
}

/* ---- the screen --------------------------------------------------------- */

/* What a terminal would show after the child's output: enough of xterm
 * for what curses sends it with TERM=xterm-256color (cursor addressing,
 * erases, insert and delete, scroll regions, REP, insert mode, the
 * alternate screen, DEC line drawing), so that "screen TEXT" sees text
 * curses updated in pieces.  Attributes are not kept; neither are
 * combining marks.  A cell holds a code point; 0 is the right half of a
 * wide character. */
enum vt_state { VT_GROUND, VT_ESC, VT_CHARSET, VT_SKIP1, VT_CSI, VT_STR,
	VT_STR_ESC };

#define VT_NPARAM	16

static struct {
	int		 cols, rows;
	uint32_t	*cell, *main_cell;	/* main_cell: under the alt one */
	int		 x, y, top, bot, sx, sy;
	bool		 wrapnext, insert, autowrap, alt, graphics;
	bool		 g0_next;	/* the charset designated is G0's */
	uint32_t	 last;		/* for REP */
	enum vt_state	 st;
	int		 param[VT_NPARAM], np;
	bool		 priv;
	uint32_t	 cp;		/* UTF-8 being decoded */
	int		 need;
} vt;

static uint32_t *
vt_row(int y)
{
	return vt.cell + (size_t)y * vt.cols;
}

static void
vt_blank(int y, int from, int to)
{
	uint32_t *r = vt_row(y);

	for (int x = from < 0 ? 0 : from; x < to && x < vt.cols; x++)
		r[x] = ' ';
}

static void
vt_init(int cols, int rows)
{
	size_t n = (size_t)cols * rows;

	vt.cols = cols;
	vt.rows = rows;
	vt.cell = xrealloc(NULL, n * sizeof *vt.cell);
	vt.main_cell = xrealloc(NULL, n * sizeof *vt.cell);
	for (int y = 0; y < rows; y++)
		vt_blank(y, 0, cols);
	vt.bot = rows - 1;
	vt.autowrap = true;
}

/* Rows top..bot move up by n (down when n < 0); the rows freed blank. */
static void
vt_scroll(int top, int bot, int n)
{
	int h = bot - top + 1, k = n < 0 ? -n : n;

	if (top < 0 || bot >= vt.rows || top > bot)
		return;
	if (k > h)
		k = h;
	if (n > 0)
		memmove(vt_row(top), vt_row(top + k), (size_t)(h - k) *
		    vt.cols * sizeof *vt.cell);
	else
		memmove(vt_row(top + k), vt_row(top), (size_t)(h - k) *
		    vt.cols * sizeof *vt.cell);
	for (int i = 0; i < k; i++)
		vt_blank(n > 0 ? bot - i : top + i, 0, vt.cols);
}

static void
vt_linefeed(void)
{
	if (vt.y == vt.bot)
		vt_scroll(vt.top, vt.bot, 1);
	else if (vt.y < vt.rows - 1)
		vt.y++;
}

static void
vt_goto(int x, int y)
{
	vt.x = x < 0 ? 0 : x >= vt.cols ? vt.cols - 1 : x;
	vt.y = y < 0 ? 0 : y >= vt.rows ? vt.rows - 1 : y;
	vt.wrapnext = false;
}

/* Cells from x on move right by n (left when n < 0) within the row. */
static void
vt_shift(int x, int n)
{
	uint32_t *r = vt_row(vt.y);
	int k = n < 0 ? -n : n;

	if (k > vt.cols - x)
		k = vt.cols - x;
	if (n > 0) {
		memmove(r + x + k, r + x, (size_t)(vt.cols - x - k) *
		    sizeof *r);
		vt_blank(vt.y, x, x + k);
	} else {
		memmove(r + x, r + x + k, (size_t)(vt.cols - x - k) *
		    sizeof *r);
		vt_blank(vt.y, vt.cols - k, vt.cols);
	}
}

static void
vt_put(uint32_t c)
{
	/* DEC special graphics for ` to ~, as ESC ( 0 selects them. */
	static const uint32_t dec[] = {
		0x25c6, 0x2592, 0x2409, 0x240c, 0x240d, 0x240a, 0x00b0,
		0x00b1, 0x2424, 0x240b, 0x2518, 0x2510, 0x250c, 0x2514,
		0x253c, 0x23ba, 0x23bb, 0x2500, 0x23bc, 0x23bd, 0x251c,
		0x2524, 0x2534, 0x252c, 0x2502, 0x2264, 0x2265, 0x03c0,
		0x2260, 0x00a3, 0x00b7,
	};
	int w;
	uint32_t *r;

	if (vt.graphics && c >= 0x60 && c <= 0x7e)
		c = dec[c - 0x60];
	if ((w = wcwidth((wchar_t)c)) == 0)
		return;
	if (w < 0)
		w = 1;
	if (vt.wrapnext && vt.autowrap) {
		vt.x = 0;
		vt_linefeed();
	}
	vt.wrapnext = false;
	if (w == 2 && vt.x == vt.cols - 1) {
		if (!vt.autowrap)
			return;
		vt_blank(vt.y, vt.x, vt.cols);
		vt.x = 0;
		vt_linefeed();
	}
	if (vt.insert)
		vt_shift(vt.x, w);
	r = vt_row(vt.y);
	/* Half of a wide character overwritten: the other half goes. */
	if (r[vt.x] == 0 && vt.x > 0)
		r[vt.x - 1] = ' ';
	if (vt.x + w < vt.cols && r[vt.x + w] == 0)
		r[vt.x + w] = ' ';
	r[vt.x] = c;
	if (w == 2)
		r[vt.x + 1] = 0;
	vt.last = c;
	if (vt.x + w >= vt.cols) {
		vt.x = vt.cols - 1;
		vt.wrapnext = true;
	} else
		vt.x += w;
}

static void
vt_alt(bool on)
{
	size_t n = (size_t)vt.cols * vt.rows * sizeof *vt.cell;

	if (on == vt.alt)
		return;
	vt.alt = on;
	if (on) {
		memcpy(vt.main_cell, vt.cell, n);
		for (int y = 0; y < vt.rows; y++)
			vt_blank(y, 0, vt.cols);
	} else
		memcpy(vt.cell, vt.main_cell, n);
}

static void
vt_mode(bool set)
{
	for (int i = 0; i < vt.np; i++) {
		int m = vt.param[i];

		if (!vt.priv && m == 4)
			vt.insert = set;
		else if (vt.priv && m == 7)
			vt.autowrap = set;
		else if (vt.priv && (m == 47 || m == 1047 || m == 1049)) {
			if (m == 1049 && set) {
				vt.sx = vt.x;
				vt.sy = vt.y;
			}
			vt_alt(set);
			if (m == 1049 && !set)
				vt_goto(vt.sx, vt.sy);
		}
	}
}

static void
vt_erase_display(int how)
{
	if (how == 0) {
		vt_blank(vt.y, vt.x, vt.cols);
		for (int y = vt.y + 1; y < vt.rows; y++)
			vt_blank(y, 0, vt.cols);
	} else if (how == 1) {
		for (int y = 0; y < vt.y; y++)
			vt_blank(y, 0, vt.cols);
		vt_blank(vt.y, 0, vt.x + 1);
	} else
		for (int y = 0; y < vt.rows; y++)
			vt_blank(y, 0, vt.cols);
}

static void
vt_csi(char f)
{
	int p0 = vt.np > 0 ? vt.param[0] : 0, n = p0 > 0 ? p0 : 1;

	if (vt.priv && f != 'h' && f != 'l')
		return;
	switch (f) {
	case 'A': vt_goto(vt.x, vt.y - n); break;
	case 'B': vt_goto(vt.x, vt.y + n); break;
	case 'C': vt_goto(vt.x + n, vt.y); break;
	case 'D': vt_goto(vt.x - n, vt.y); break;
	case 'E': vt_goto(0, vt.y + n); break;
	case 'F': vt_goto(0, vt.y - n); break;
	case 'G': case '`': vt_goto(n - 1, vt.y); break;
	case 'd': vt_goto(vt.x, n - 1); break;
	case 'H': case 'f':
		vt_goto(vt.np > 1 && vt.param[1] > 0 ? vt.param[1] - 1 : 0,
		    n - 1);
		break;
	case 'J': vt_erase_display(p0); break;
	case 'K':
		if (p0 == 0)
			vt_blank(vt.y, vt.x, vt.cols);
		else if (p0 == 1)
			vt_blank(vt.y, 0, vt.x + 1);
		else
			vt_blank(vt.y, 0, vt.cols);
		break;
	case 'X': vt_blank(vt.y, vt.x, vt.x + n); break;
	case '@': vt_shift(vt.x, n); break;
	case 'P': vt_shift(vt.x, -n); break;
	case 'L':
		if (vt.y >= vt.top && vt.y <= vt.bot)
			vt_scroll(vt.y, vt.bot, -n);
		break;
	case 'M':
		if (vt.y >= vt.top && vt.y <= vt.bot)
			vt_scroll(vt.y, vt.bot, n);
		break;
	case 'S': vt_scroll(vt.top, vt.bot, n); break;
	case 'T': vt_scroll(vt.top, vt.bot, -n); break;
	case 'b':
		while (vt.last != 0 && n-- > 0)
			vt_put(vt.last);
		break;
	case 'r': {
		int t = p0 > 0 ? p0 - 1 : 0, b = vt.np > 1 && vt.param[1] > 0 ?
		    vt.param[1] - 1 : vt.rows - 1;

		if (t < b && b < vt.rows) {
			vt.top = t;
			vt.bot = b;
		}
		vt_goto(0, 0);
		break;
	}
	case 's': vt.sx = vt.x; vt.sy = vt.y; break;
	case 'u': vt_goto(vt.sx, vt.sy); break;
	case 'h': vt_mode(true); break;
	case 'l': vt_mode(false); break;
	default: break;		/* SGR, reports, window operations */
	}
}

static void
vt_esc(unsigned char c)
{
	vt.st = VT_GROUND;
	switch (c) {
	case '[':
		vt.st = VT_CSI;
		vt.np = 0;
		vt.priv = false;
		memset(vt.param, 0, sizeof vt.param);
		break;
	case ']': case 'P': case '_': case '^': case 'X':
		vt.st = VT_STR;
		break;
	case '(': case ')': case '*': case '+':
		vt.g0_next = c == '(';
		vt.st = VT_CHARSET;
		break;
	case '#': case ' ': case '%':
		vt.st = VT_SKIP1;
		break;
	case '7': vt.sx = vt.x; vt.sy = vt.y; break;
	case '8': vt_goto(vt.sx, vt.sy); break;
	case 'D': vt_linefeed(); break;
	case 'E': vt.x = 0; vt_linefeed(); break;
	case 'M':
		if (vt.y == vt.top)
			vt_scroll(vt.top, vt.bot, -1);
		else if (vt.y > 0)
			vt.y--;
		break;
	case 'c':
		vt_erase_display(2);
		vt.top = 0;
		vt.bot = vt.rows - 1;
		vt.insert = vt.graphics = false;
		vt.autowrap = true;
		vt_goto(0, 0);
		break;
	default: break;		/* keypad modes, tab stops */
	}
}

static void
vt_control(unsigned char c)
{
	switch (c) {
	case '\b':
		if (vt.x > 0)
			vt.x--;
		vt.wrapnext = false;
		break;
	case '\t':
		vt_goto((vt.x / 8 + 1) * 8, vt.y);
		break;
	case '\n': case '\v': case '\f':
		vt_linefeed();
		break;
	case '\r':
		vt.x = 0;
		vt.wrapnext = false;
		break;
	case 033:
		vt.st = VT_ESC;
		break;
	default: break;
	}
}

static void
vt_byte(unsigned char c)
{
	switch (vt.st) {
	case VT_ESC:
		vt_esc(c);
		return;
	case VT_CHARSET:
		if (vt.g0_next)
			vt.graphics = c == '0';
		vt.st = VT_GROUND;
		return;
	case VT_SKIP1:
		vt.st = VT_GROUND;
		return;
	case VT_STR:		/* OSC, DCS...: to BEL or ST */
		if (c == 007)
			vt.st = VT_GROUND;
		else if (c == 033)
			vt.st = VT_STR_ESC;
		return;
	case VT_STR_ESC:
		vt.st = c == '\\' ? VT_GROUND : VT_STR;
		return;
	case VT_CSI:
		if (c >= '0' && c <= '9') {
			if (vt.np == 0)
				vt.np = 1;
			if (vt.np <= VT_NPARAM && vt.param[vt.np - 1] < 100000)
				vt.param[vt.np - 1] = vt.param[vt.np - 1] *
				    10 + (c - '0');
		} else if (c == ';' || c == ':') {
			if (vt.np == 0)
				vt.np = 1;
			if (vt.np < VT_NPARAM)
				vt.np++;
		} else if (c >= '<' && c <= '?')
			vt.priv = true;
		else if (c >= 0x40 && c <= 0x7e) {
			vt.st = VT_GROUND;
			vt_csi((char)c);
		} else if (c < 0x20)
			vt_control(c);
		return;
	case VT_GROUND:
		break;
	}
	if (vt.need > 0 && (c & 0xc0) == 0x80) {
		vt.cp = vt.cp << 6 | (c & 0x3f);
		if (--vt.need == 0)
			vt_put(vt.cp);
		return;
	}
	if (vt.need > 0) {
		vt.need = 0;
		vt_put(0xfffd);
	}
	if (c < 0x20 || c == 0x7f)
		vt_control(c);
	else if (c < 0x80)
		vt_put(c);
	else if ((c & 0xe0) == 0xc0)
		vt.cp = c & 0x1f, vt.need = 1;
	else if ((c & 0xf0) == 0xe0)
		vt.cp = c & 0x0f, vt.need = 2;
	else if ((c & 0xf8) == 0xf0)
		vt.cp = c & 0x07, vt.need = 3;
	else
		vt_put(0xfffd);
}

static void
vt_feed(const char *p, size_t n)
{
	while (n-- > 0)
		vt_byte((unsigned char)*p++);
}

/* Row y as UTF-8, without the right halves of wide characters. */
static size_t
vt_text(int y, char *buf, size_t len)
{
	const uint32_t *r = vt_row(y);
	size_t o = 0;

	for (int x = 0; x < vt.cols && o + 4 < len; x++) {
		uint32_t c = r[x];

		if (c == 0)
			continue;
		if (c < 0x80)
			buf[o++] = (char)c;
		else if (c < 0x800) {
			buf[o++] = (char)(0xc0 | c >> 6);
			buf[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			buf[o++] = (char)(0xe0 | c >> 12);
			buf[o++] = (char)(0x80 | (c >> 6 & 0x3f));
			buf[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			buf[o++] = (char)(0xf0 | c >> 18);
			buf[o++] = (char)(0x80 | (c >> 12 & 0x3f));
			buf[o++] = (char)(0x80 | (c >> 6 & 0x3f));
			buf[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	buf[o] = '\0';
	return o;
}

/* Whether a row of the screen shows text. */
static bool
vt_shows(const char *text, size_t len)
{
	char *buf = xrealloc(NULL, (size_t)vt.cols * 4 + 8);
	bool found = false;

	for (int y = 0; y < vt.rows && !found; y++) {
		size_t n = vt_text(y, buf, (size_t)vt.cols * 4 + 8);

		found = memmem(buf, n, text, len) != NULL;
	}
	free(buf);
	return found;
}

/* The screen on stderr, for a failure's report: blanks at the ends of
 * rows and blank rows at the bottom left out. */
static void
vt_dump(void)
{
	size_t len = (size_t)vt.cols * 4 + 8, *n;
	char *buf = xrealloc(NULL, len * vt.rows);
	int last = -1;

	n = xrealloc(NULL, vt.rows * sizeof *n);
	for (int y = 0; y < vt.rows; y++) {
		n[y] = vt_text(y, buf + y * len, len);
		while (n[y] > 0 && buf[y * len + n[y] - 1] == ' ')
			n[y]--;
		if (n[y] > 0)
			last = y;
	}
	for (int y = 0; y <= last; y++)
		fprintf(stderr, "screen| %.*s\n", (int)n[y], buf + y * len);
	free(n);
	free(buf);
}

/* ---- the reader thread -------------------------------------------------- */

static void
out_add(const char *p, size_t n, int64_t at)
{
	if (out.len + n > out.cap) {
		out.cap = out.cap ? out.cap : 65536;
		while (out.cap < out.len + n)
			out.cap *= 2;
		out.win = xrealloc(out.win, out.cap);
	}
	memcpy(out.win + out.len, p, n);
	out.len += n;
	if (out.nchunks == out.chunks_cap) {
		out.chunks_cap = out.chunks_cap ? out.chunks_cap * 2 : 256;
		out.chunks = xrealloc(out.chunks, out.chunks_cap *
		    sizeof *out.chunks);
	}
	out.chunks[out.nchunks].end = out.len;
	out.chunks[out.nchunks++].at = at;
	out.total += n;
	out.last_rx = at;
	vt_feed(p, n);
	if (out.want != NULL && out.want_at == 0 &&
	    vt_shows(out.want, out.wantlen)) {
		out.want_at = at;
		out.want_bytes = out.len;
	}
}

static void *
reader(void *arg)
{
	struct pollfd fds[2] = {
		{ .fd = master, .events = POLLIN },
		{ .fd = stop_pipe[0], .events = POLLIN },
	};
	char buf[65536];
	ssize_t n;

	(void)arg;
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents != 0)
			break;
		if (fds[0].revents == 0)
			continue;
		n = read(master, buf, sizeof buf);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n > 0 && log_fd >= 0 && write(log_fd, buf, (size_t)n) < 0)
			log_fd = -1;	/* a debugging aid: not worth dying */
		pthread_mutex_lock(&out.lock);
		if (n > 0)
			out_add(buf, (size_t)n, now_ns());
		else {
			out.eof = true;	/* EIO: no slave open any more */
			fds[0].fd = -1;
		}
		pthread_cond_broadcast(&out.cond);
		pthread_mutex_unlock(&out.lock);
	}
	return NULL;
}

/* Sleeps until the reader has news or ms pass, whichever is first.  Call
 * with the lock held. */
static void
wait_news(int ms)
{
	struct timespec ts;
	int64_t t = now_ns() + (int64_t)ms * 1000000;

	ts.tv_sec = (time_t)(t / 1000000000);
	ts.tv_nsec = (long)(t % 1000000000);
	pthread_cond_timedwait(&out.cond, &out.lock, &ts);
}

static void
start_reader(pthread_t *tid)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&out.cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pipe2(stop_pipe, O_CLOEXEC) != 0)
		die(EXIT_SETUP, "pipe: %s", strerror(errno));
	if (pthread_create(tid, NULL, reader, NULL) != 0)
		die(EXIT_SETUP, "cannot start the reader thread");
}

static uint64_t
total_bytes(void)
{
	uint64_t n;

	pthread_mutex_lock(&out.lock);
	n = out.total;
	pthread_mutex_unlock(&out.lock);
	return n;
}

/* Waits until nothing has arrived for ms (counted from no earlier than
 * since), at most QUIET_LIMIT_MS.  Returns the ms it waited. */
static double
drain_quiet(int ms, int64_t since)
{
	int64_t start = now_ns(), limit = start +
	    (int64_t)QUIET_LIMIT_MS * 1000000, last, left;

	pthread_mutex_lock(&out.lock);
	for (;;) {
		int64_t now = now_ns();

		last = out.last_rx > since ? out.last_rx : since;
		left = last + (int64_t)ms * 1000000 - now;
		if (left <= 0)
			break;
		if (now >= limit) {
			fprintf(stderr, "ptydrive: output still flowing after "
			    "%d ms; going on\n", QUIET_LIMIT_MS);
			break;
		}
		wait_news((int)((left + 999999) / 1000000));
	}
	pthread_mutex_unlock(&out.lock);
	return (double)(now_ns() - start) / 1e6;
}

/* ---- writing to the child ----------------------------------------------- */

/* Writes all of p, waiting (bounded) while the child's input is full. */
static void
put(const char *p, size_t n, const char *what)
{
	int64_t end = now_ns() + (int64_t)WRITE_TIMEOUT_MS * 1000000;
	struct pollfd pfd = { .fd = master, .events = POLLOUT };
	ssize_t w;

	while (n > 0) {
		if (!child_alive())
			died(what);
		if ((w = write(master, p, n)) > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EINTR && errno != EAGAIN)
			die(EXIT_CHILD, "writing %s: %s", what,
			    strerror(errno));
		if (now_ns() >= end)
			die(EXIT_CHILD, "the child has read no input for %d "
			    "ms (%s)", WRITE_TIMEOUT_MS, what);
		poll(&pfd, 1, SLICE_MS);
	}
}

/* \e \r \n \t \\ \xHH, in place.  Returns the new length. */
static size_t
unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++) {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r;
			continue;
		}
		switch (*++r) {
		case 'e': *w++ = '\033'; break;
		case 'r': *w++ = '\r'; break;
		case 'n': *w++ = '\n'; break;
		case 't': *w++ = '\t'; break;
		case 'x': {
			char hex[3] = { 0 };
			char *end;

			memcpy(hex, r + 1, r[1] != '\0' ? 2 : 0);
			*w = (char)strtol(hex, &end, 16);
			if (end == hex) {
				*w++ = '\\';
				*w++ = 'x';
				break;
			}
			w++;
			r += end - hex;
			break;
		}
		default: *w++ = *r; break;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* What an xterm sends for a key, in the keypad mode curses sets (smkx):
 * cursor keys, Home and End as SS3. */
static const struct {
	const char	*name;
	const char	*seq;
} keynames[] = {
	{ "Up", "\033OA" },	{ "Down", "\033OB" },
	{ "Right", "\033OC" },	{ "Left", "\033OD" },
	{ "Home", "\033OH" },	{ "End", "\033OF" },
	{ "PgUp", "\033[5~" },	{ "PgDn", "\033[6~" },
	{ "Insert", "\033[2~" }, { "Delete", "\033[3~" },
	{ "Enter", "\r" },	{ "Esc", "\033" },
	{ "Tab", "\t" },	{ "BTab", "\033[Z" },
	{ "Space", " " },	{ "BSpace", "\177" },
	{ "F1", "\033OP" },	{ "F2", "\033OQ" },
	{ "F3", "\033OR" },	{ "F4", "\033OS" },
	{ "F5", "\033[15~" },	{ "F6", "\033[17~" },
	{ "F7", "\033[18~" },	{ "F8", "\033[19~" },
	{ "F9", "\033[20~" },	{ "F10", "\033[21~" },
	{ "F11", "\033[23~" },	{ "F12", "\033[24~" },
};

/* Writes SPEC's bytes into buf (at least 8 bytes, or strlen(spec) + 1). */
static size_t
key_bytes(const char *spec, char *buf)
{
	for (size_t i = 0; i < sizeof keynames / sizeof keynames[0]; i++)
		if (strcmp(spec, keynames[i].name) == 0) {
			strcpy(buf, keynames[i].seq);
			return strlen(buf);
		}
	if (spec[0] == 'C' && spec[1] == '-' && spec[2] >= 'a' &&
	    spec[2] <= 'z' && spec[3] == '\0') {
		buf[0] = (char)(spec[2] & 0x1f);
		return 1;
	}
	if (spec[0] == 'M' && spec[1] == '-' && spec[2] != '\0' &&
	    spec[3] == '\0') {
		buf[0] = '\033';
		buf[1] = spec[2];
		return 2;
	}
	strcpy(buf, spec);
	return strlen(buf);
}

/* ---- the trace ---------------------------------------------------------- */

/* Where the trace ends now: only lines written after this count. */
static void
trace_skip_old(void)
{
	struct stat st;

	if (trace_path != NULL && stat(trace_path, &st) == 0)
		trace_off = st.st_size;
}

/* The next "key" line the trace gained, without its newline, into line.
 * Other lines (frame first) are skipped.  Returns false if none yet. */
static bool
trace_next_key(char *line, size_t len)
{
	ssize_t n;
	int fd;

	for (;;) {
		char *nl = memchr(trace_part, '\n', trace_partlen);

		if (nl != NULL) {
			size_t l = (size_t)(nl - trace_part);
			bool is_key = l > 4 && memcmp(trace_part, "key\t",
			    4) == 0;

			if (is_key)
				snprintf(line, len, "%.*s", (int)l,
				    trace_part);
			memmove(trace_part, nl + 1, trace_partlen - l - 1);
			trace_partlen -= l + 1;
			if (is_key)
				return true;
			continue;
		}
		if ((fd = open(trace_path, O_RDONLY | O_CLOEXEC)) < 0)
			return false;
		n = pread(fd, trace_part + trace_partlen, sizeof trace_part -
		    trace_partlen, trace_off);
		close(fd);
		if (n <= 0)
			return false;
		trace_partlen += (size_t)n;
		trace_off += n;
		if (trace_partlen == sizeof trace_part &&
		    memchr(trace_part, '\n', trace_partlen) == NULL)
			trace_partlen = 0;	/* not a line of ours */
	}
}

/* "key\tNAME\tCOMMAND\tUS\tN": the latency and the command. */
static void
trace_parse(char *line, long long *us, const char **cmd)
{
	char *f[5];
	int n = 0;

	for (char *p = line; n < 5 && p != NULL; n++) {
		f[n] = p;
		if ((p = strchr(p, '\t')) != NULL)
			*p++ = '\0';
	}
	*us = -1;
	*cmd = "-";
	if (n >= 4) {
		*cmd = f[2];
		*us = strtoll(f[3], NULL, 10);
	}
}

/* ---- the commands ------------------------------------------------------- */

static void
do_key(const char *spec)
{
	char seq[256], line[512];
	const char *cmd = "-";
	long long us = -1;
	uint64_t before;
	int64_t sent, end;
	bool traced = false, dead;
	size_t n;
	int extra = 0;

	if (strlen(spec) >= sizeof seq)
		die(EXIT_SETUP, "key %.20s...: too long", spec);
	n = key_bytes(spec, seq);
	/* Lines already there came from what was sent before (send). */
	while (trace_path != NULL && trace_next_key(line, sizeof line))
		continue;
	before = total_bytes();
	put(seq, n, spec);
	sent = now_ns();
	end = sent + (int64_t)TRACE_TIMEOUT_MS * 1000000;
	while (trace_path != NULL && !traced) {
		/* Looked at before the trace, so a line written just before
		 * the child exited (the key that quit) still counts. */
		dead = !child_alive();
		if ((traced = trace_next_key(line, sizeof line)))
			break;
		if (dead)
			died("before its trace line for the key");
		if (now_ns() >= end) {
			fprintf(stderr, "ptydrive: key %s: no trace line in "
			    "%d ms\n", spec, TRACE_TIMEOUT_MS);
			break;
		}
		pthread_mutex_lock(&out.lock);
		wait_news(1);
		pthread_mutex_unlock(&out.lock);
	}
	drain_quiet(quiet_ms, traced ? now_ns() : sent);
	if (traced) {
		char more[512];

		trace_parse(line, &us, &cmd);
		/* Text typed as one word may reach the child in pieces. */
		while (trace_next_key(more, sizeof more))
			extra++;
		if (extra > 0)
			fprintf(stderr, "ptydrive: key %s was %d batches; the "
			    "first is reported\n", spec, extra + 1);
	}
	printf("key %s bytes=%llu us=%lld cmd=%s\n", spec,
	    (unsigned long long)(total_bytes() - before), us, cmd);
}

/* Splits off a trailing number of ms, if there is one after the text. */
static int
split_timeout(char *arg, int dflt)
{
	char *sp = strrchr(arg, ' '), *end;
	long ms;

	if (sp == NULL || sp[1] == '\0')
		return dflt;
	ms = strtol(sp + 1, &end, 10);
	if (*end != '\0' || ms <= 0 || ms > 3600000)
		return dflt;
	while (sp > arg && sp[-1] == ' ')
		sp--;
	*sp = '\0';
	return (int)ms;
}

static void
do_expect(char *arg)
{
	int ms = split_timeout(arg, EXPECT_TIMEOUT_MS);
	size_t tlen = unescape(arg), from = 0;
	int64_t end = now_ns() + (int64_t)ms * 1000000, at = 0;
	size_t bytes = 0;
	char *hit;

	if (tlen == 0)
		die(EXIT_SETUP, "expect: no text");
	pthread_mutex_lock(&out.lock);
	for (;;) {
		hit = out.len > from ? memmem(out.win + from, out.len - from,
		    arg, tlen) : NULL;
		if (hit != NULL) {
			size_t last = (size_t)(hit - out.win) + tlen, i = 0;

			/* The read that brought the text's last byte. */
			while (out.chunks[i].end < last)
				i++;
			at = out.chunks[i].at;
			bytes = out.chunks[i].end;
			break;
		}
		from = out.len >= tlen ? out.len - tlen + 1 : 0;
		if (now_ns() >= end || out.eof || !child_alive())
			break;
		wait_news(SLICE_MS);
	}
	if (hit == NULL) {
		bytes = out.len;
		vt_dump();
	}
	pthread_mutex_unlock(&out.lock);
	if (hit == NULL) {
		if (!child_alive())
			died("while waiting for the text");
		die(EXIT_TIMEOUT, "expect: '%s' did not appear in %d ms (%zu "
		    "bytes since the mark)", arg, ms, bytes);
	}
	printf("expect ms=%.3f bytes=%zu\n", (double)(at - spawn_ns) / 1e6,
	    bytes);
}

/* Like expect, but on the screen a terminal would show: curses often
 * rewrites only the characters that changed. */
static void
do_screen(char *arg)
{
	int ms = split_timeout(arg, EXPECT_TIMEOUT_MS);
	size_t tlen = unescape(arg), bytes;
	int64_t end = now_ns() + (int64_t)ms * 1000000, at;

	if (tlen == 0)
		die(EXIT_SETUP, "screen: no text");
	pthread_mutex_lock(&out.lock);
	out.want_at = 0;
	/* Shown already: it came with the latest read at the latest. */
	if (vt_shows(arg, tlen)) {
		out.want_at = out.last_rx > 0 ? out.last_rx : now_ns();
		out.want_bytes = out.len;
	}
	out.want = arg;
	out.wantlen = tlen;
	while (out.want_at == 0 && now_ns() < end && !out.eof &&
	    child_alive())
		wait_news(SLICE_MS);
	at = out.want_at;
	bytes = out.want_at != 0 ? out.want_bytes : out.len;
	out.want = NULL;
	if (at == 0)
		vt_dump();
	pthread_mutex_unlock(&out.lock);
	if (at == 0) {
		if (!child_alive())
			died("while waiting for the screen to show the text");
		die(EXIT_TIMEOUT, "screen: '%s' was not on the screen in %d ms "
		    "(%zu bytes since the mark)", arg, ms, bytes);
	}
	printf("screen ms=%.3f bytes=%zu\n", (double)(at - spawn_ns) / 1e6,
	    bytes);
}

static void
do_dump(void)
{
	pthread_mutex_lock(&out.lock);
	vt_dump();
	pthread_mutex_unlock(&out.lock);
	printf("dump rows=%d\n", vt.rows);
}

static void
do_mark(void)
{
	pthread_mutex_lock(&out.lock);
	out.len = 0;
	out.nchunks = 0;
	pthread_mutex_unlock(&out.lock);
	printf("mark\n");
}

static void
do_rss(void)
{
	char path[64], line[256];
	long hwm = -1, rss = -1;
	FILE *f;

	if (!child_alive())
		died("before rss");
	snprintf(path, sizeof path, "/proc/%ld/status", (long)child);
	if ((f = fopen(path, "re")) == NULL)
		die(EXIT_CHILD, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f) != NULL) {
		sscanf(line, "VmHWM: %ld", &hwm);
		sscanf(line, "VmRSS: %ld", &rss);
	}
	fclose(f);
	if (hwm < 0 || rss < 0)
		die(EXIT_CHILD, "%s has no VmHWM or VmRSS", path);
	printf("rss VmHWM_kb=%ld VmRSS_kb=%ld\n", hwm, rss);
}

static int
parse_ms(const char *cmd, const char *arg)
{
	char *end;
	long ms = strtol(arg, &end, 10);

	if (arg[0] == '\0' || *end != '\0' || ms < 0 || ms > 3600000)
		die(EXIT_SETUP, "%s: '%s' is not a number of ms", cmd, arg);
	return (int)ms;
}

static void
run_line(char *line)
{
	char *cmd = line, *arg;
	size_t n = strcspn(line, "\r\n");

	line[n] = '\0';
	cmd += strspn(cmd, " \t");
	if (*cmd == '\0' || *cmd == '#')
		return;
	arg = cmd + strcspn(cmd, " \t");
	if (*arg != '\0')
		*arg++ = '\0';
	arg += strspn(arg, " \t");

	if (strcmp(cmd, "expect") == 0)
		do_expect(arg);
	else if (strcmp(cmd, "key") == 0) {
		char *spec;

		if (*arg == '\0')
			die(EXIT_SETUP, "key: no key named");
		while ((spec = strsep(&arg, " \t")) != NULL)
			if (*spec != '\0')
				do_key(spec);
	} else if (strcmp(cmd, "send") == 0) {
		size_t len = unescape(arg);

		put(arg, len, "send");
		printf("send bytes=%zu\n", len);
	} else if (strcmp(cmd, "quiet") == 0) {
		uint64_t before = total_bytes();
		/* From now: output a send just asked for may not be here
		 * yet. */
		double waited = drain_quiet(parse_ms(cmd, arg), now_ns());

		printf("quiet ms=%.3f bytes=%llu\n", waited,
		    (unsigned long long)(total_bytes() - before));
	} else if (strcmp(cmd, "sleep") == 0) {
		int ms = parse_ms(cmd, arg);

		sleep_ms(ms);
		printf("sleep ms=%d\n", ms);
	} else if (strcmp(cmd, "rss") == 0)
		do_rss();
	else if (strcmp(cmd, "mark") == 0)
		do_mark();
	else if (strcmp(cmd, "screen") == 0)
		do_screen(arg);
	else if (strcmp(cmd, "dump") == 0)
		do_dump();
	else
		die(EXIT_SETUP, "unknown command '%s' (expect, screen, key, "
		    "send, quiet, sleep, rss, mark, dump)", cmd);
}

static void
usage(FILE *f)
{
	static const char *const text[] = {
"usage: ptydrive [--size COLSxROWS] [--trace FILE] [--script FILE]",
"                [--quiet-ms MS] [--log FILE] -- CMD ARGS...",
"Runs CMD on a new pty (default 200x50; TERM from the environment, else",
"xterm-256color) and reads a script, one command a line, from --script or",
"stdin.  Each command prints one line on stdout (key: one per SPEC).",
"  expect TEXT [TIMEOUT_MS]  wait until the output since the mark holds TEXT",
"                            (raw bytes; default 10000 ms); prints",
"                            expect ms=<since spawn> bytes=<since the mark>",
"  screen TEXT [TIMEOUT_MS]  the same, until a row of the screen a terminal",
"                            would show holds TEXT; prints screen ms= bytes=",
"  key SPEC...               send each key; with --trace wait (5 s at most)",
"                            for its line in FILE, then until the output is",
"                            quiet for --quiet-ms (default 30); prints",
"                            key SPEC bytes=N us=<from FILE, or -1> cmd=C",
"  send TEXT                 write TEXT now (\\e \\r \\n \\t \\\\ \\xHH)",
"  quiet MS                  wait until no output has come for MS, from now",
"  sleep MS                  wait MS",
"  rss                       print rss VmHWM_kb=N VmRSS_kb=N of CMD",
"  mark                      restart the search window and byte count",
"  dump                      the screen on stderr",
"SPEC: Up Down Left Right PgUp PgDn Home End Insert Delete Enter Esc Tab",
"BTab Space BSpace F1..F12 C-a..C-z M-x; any other word is sent as text.",
"TEXT takes the escapes send does.  Blank lines and lines starting with #",
"are skipped.  At the end of the script CMD has 3 s to exit, then SIGTERM,",
"then 2 s more and SIGKILL; prints exit status=N (128+N for a signal).",
"--log FILE keeps every byte CMD wrote.",
"Exit: 0 the script ran, 1 usage or setup error, 2 a wait for text timed",
"out, 3 CMD died while something waited on it.",
	};

	for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
		fprintf(f, "%s\n", text[i]);
}

static void
parse_size(const char *s, int *cols, int *rows)
{
	char *x;
	long c = strtol(s, &x, 10), r;

	if (x == s || *x != 'x')
		die(EXIT_SETUP, "--size %s: want COLSxROWS, like 200x50", s);
	r = strtol(x + 1, &x, 10);
	if (*x != '\0' || c < 2 || c > 4096 || r < 2 || r > 4096)
		die(EXIT_SETUP, "--size %s: want COLSxROWS, like 200x50", s);
	*cols = (int)c;
	*rows = (int)r;
}

int
main(int argc, char **argv)
{
	int cols = DEFAULT_COLS, rows = DEFAULT_ROWS, i;
	const char *script = NULL;
	char *line = NULL;
	size_t cap = 0;
	pthread_t tid;
	FILE *in = stdin;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *opt = argv[i], *val = argv[i + 1];

		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (val == NULL || strcmp(val, "--") == 0) {
			usage(stderr);
			die(EXIT_SETUP, "%s needs a value", opt);
		}
		if (strcmp(opt, "--size") == 0)
			parse_size(val, &cols, &rows);
		else if (strcmp(opt, "--trace") == 0)
			trace_path = val;
		else if (strcmp(opt, "--script") == 0)
			script = val;
		else if (strcmp(opt, "--log") == 0) {
			log_fd = open(val, O_WRONLY | O_CREAT | O_TRUNC |
			    O_CLOEXEC, 0644);
			if (log_fd < 0)
				die(EXIT_SETUP, "%s: %s", val,
				    strerror(errno));
		} else if (strcmp(opt, "--quiet-ms") == 0)
			quiet_ms = parse_ms(opt, val);
		else {
			usage(stderr);
			die(EXIT_SETUP, "unknown option '%s'", opt);
		}
		i++;
	}
	if (i + 1 >= argc) {
		usage(stderr);
		die(EXIT_SETUP, "no command after --");
	}
	if (script != NULL && (in = fopen(script, "re")) == NULL)
		die(EXIT_SETUP, "%s: %s", script, strerror(errno));
	/* A harness reads the results while the script runs. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	trace_skip_old();

	/* wcwidth() as the child's UTF-8 terminal counts. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	vt_init(cols, rows);
	open_pty(cols, rows);
	spawn(argv + i + 1);
	start_reader(&tid);
	while (getline(&line, &cap, in) != -1)
		run_line(line);
	free(line);

	stop_child(EXIT_WAIT_MS);
	drain_quiet(quiet_ms, 0);
	if (write(stop_pipe[1], "x", 1) < 0)
		die(EXIT_SETUP, "cannot stop the reader: %s", strerror(errno));
	pthread_join(tid, NULL);
	close(master);
	close(slave);
	printf("exit status=%d\n", exit_code(child_status));
	return 0;
}
