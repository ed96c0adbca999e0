/* mkt: command line, configuration, the cache and the sync engine, then
 * the TUI or a headless command (login, sync). */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "demo.h"
#include "localserver.h"
#include "net.h"
#include "store.h"
#include "sync.h"
#include "text.h"
#include "ui.h"
#include "util.h"

/* Exit statuses, as documented in the README and mkt(1); login and sync
 * use enum sync_result (1 network, 3 authentication, 4 cache). */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* The demo server's user: the administrator sees and may do everything. */
#define DEMO_USER	"admin@demo.mkt"
#define DEMO_PASSWORD	"demo"

#define DEMO_SEED	2026

static void
usage(FILE *f)
{
	fputs("usage: mkt [--config FILE] [--demo]\n"
	    "       mkt [--config FILE] login [--password-stdin]\n"
	    "       mkt [--config FILE] sync [--once]\n"
	    "       mkt --version | --help\n"
	    "\n"
	    "Terminal back office for marketplace and messaging businesses.\n"
	    "\n"
	    "  -c, --config FILE  read FILE instead of searching for mkt.conf\n"
	    "                     ($MKT_CONFIG, $XDG_CONFIG_HOME/mkt/mkt.conf,\n"
	    "                     ./mkt.conf)\n"
	    "  -d, --demo         start a private mktd with demo data on\n"
	    "                     127.0.0.1 and sync with it\n"
	    "  -V, --version      print the version and exit\n"
	    "  -h, --help         print this help and exit\n"
	    "\n"
	    "  login              log in as [server] user and keep the refresh\n"
	    "                     token in $XDG_STATE_HOME/mkt (mode 0600)\n"
	    "  sync --once        push queued actions, pull every change, print\n"
	    "                     counts; exit 1 network, 3 login, 4 cache\n"
	    "  sync               keep syncing until interrupted\n"
	    "\n"
	    "Press ? inside mkt for the keys.\n", f);
}

/* A fresh demo cache every time, so the demo always starts the same:
 * what mkt shows with no server, or when the demo server cannot start. */
static int
open_demo_cache(sqlite3 **db, char *err, size_t errlen)
{
	char *path = store_cache_path("demo", err, errlen), *side;

	if (path == NULL)
		return -1;
	unlink(path);
	side = xasprintf("%s-wal", path);
	unlink(side);
	free(side);
	side = xasprintf("%s-shm", path);
	unlink(side);
	free(side);
	if (store_open(path, db, err, errlen) != 0 ||
	    demo_generate(*db, DEMO_SEED, &demo_size_default,
	    (int64_t)time(NULL), err, errlen) != 0) {
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

/* The cache of one user on one server: two users sharing a machine, or
 * one user with two accounts, never see each other's rows. */
static char *
server_cache_path(const struct mkt_config *cfg, char *err, size_t errlen)
{
	char *key = xasprintf("%s@%s", cfg->user, cfg->url);
	char *path = store_cache_path(key, err, errlen);

	free(key);
	return path;
}

static void
set_string(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* Reads a password: a line from stdin, or typed on the terminal with
 * echo off.  Malloc'd, or NULL with a message. */
static char *
read_password(bool from_stdin, const char *user, char *err, size_t errlen)
{
	struct termios old, quiet;
	char buf[1024];
	bool tty = !from_stdin && isatty(STDIN_FILENO);

	if (!from_stdin && !tty) {
		snprintf(err, errlen, "no terminal to ask for the password: "
		    "use --password-stdin");
		return NULL;
	}
	if (tty) {
		fprintf(stderr, "Password for %s: ", user);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, sizeof buf, stdin) == NULL)
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		snprintf(err, errlen, "no password given");
		return NULL;
	}
	{
		char *pw = xstrdup(buf);
		explicit_bzero(buf, sizeof buf);
		return pw;
	}
}

static struct syncer *
open_syncer(const struct mkt_config *cfg, char *err, size_t errlen)
{
	char *cache;
	struct syncer *s;

	if (cfg->url == NULL || cfg->user == NULL) {
		snprintf(err, errlen, "%s: [server] url and user are needed",
		    cfg->path != NULL ? cfg->path : "mkt.conf");
		return NULL;
	}
	if ((cache = server_cache_path(cfg, err, errlen)) == NULL)
		return NULL;
	s = sync_new(cfg, cache, NULL, err, errlen);
	free(cache);
	return s;
}

static int
cmd_login(struct mkt_config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "password-stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	bool from_stdin = false;
	struct syncer *s;
	char err[512], *pw;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s", longopts, NULL)) != -1) {
		if (ch != 's') {
			fputs("usage: mkt login [--password-stdin]\n", stderr);
			return EXIT_USAGE;
		}
		from_stdin = true;
	}
	if ((s = open_syncer(cfg, err, sizeof err)) == NULL) {
		fprintf(stderr, "mkt: %s\n", err);
		return EXIT_RUNTIME;
	}
	if ((pw = read_password(from_stdin, cfg->user, err, sizeof err)) ==
	    NULL) {
		sync_free(s);
		fprintf(stderr, "mkt: %s\n", err);
		return SYNC_EAUTH;
	}
	rc = sync_login(s, pw, err, sizeof err);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	if (rc == SYNC_OK)
		printf("logged in to %s as %s\n", cfg->url, cfg->user);
	else
		fprintf(stderr, "mkt: login failed: %s\n", err);
	sync_free(s);
	return rc;
}

static void
print_counts(const struct sync_counts *c)
{
	printf("pushed %lld action%s", c->pushed, c->pushed == 1 ? "" : "s");
	if (c->rejected > 0)
		printf(" (%lld refused: see :problems)", c->rejected);
	printf("\npulled %lld change%s, %lld deletion%s\n", c->applied,
	    c->applied == 1 ? "" : "s", c->deleted, c->deleted == 1 ? "" : "s");
	for (int i = 0; i < c->ntypes; i++)
		printf("  %-18s %lld\n", c->per_type[i].type, c->per_type[i].n);
}

/* `mkt sync` without --once: the sync thread alone, until a signal. */
static int
sync_forever(struct syncer *s)
{
	sigset_t set;
	char err[256];
	int wake, sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* Blocked before the thread starts, so only sigwait sees them. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (sync_start(s, &wake, err, sizeof err) != 0) {
		fprintf(stderr, "mkt: %s\n", err);
		return EXIT_RUNTIME;
	}
	sigwait(&set, &sig);
	sync_stop(s);
	return EXIT_OK;
}

static int
cmd_sync(struct mkt_config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct sync_counts counts;
	struct syncer *s;
	bool once = false;
	char err[512];
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "o", longopts, NULL)) != -1) {
		if (ch != 'o') {
			fputs("usage: mkt sync [--once]\n", stderr);
			return EXIT_USAGE;
		}
		once = true;
	}
	if ((s = open_syncer(cfg, err, sizeof err)) == NULL) {
		fprintf(stderr, "mkt: %s\n", err);
		return EXIT_RUNTIME;
	}
	if (!once) {
		rc = sync_forever(s);
		sync_free(s);
		return rc;
	}
	rc = sync_once(s, &counts, err, sizeof err);
	print_counts(&counts);
	if (rc != SYNC_OK)
		fprintf(stderr, "mkt: sync failed: %s%s\n", err,
		    rc == SYNC_EAUTH ? " (run: mkt login)" : "");
	sync_free(s);
	return rc;
}

/* The TUI on a server's cache, syncing in the background. */
static int
run_synced(struct mkt_config *cfg, const char *cache, const char *token,
    char *err, size_t errlen)
{
	struct ui_options opt = { 0 };
	struct syncer *s;
	sqlite3 *db = NULL;
	int rc = EXIT_RUNTIME;

	if (store_open(cache, &db, err, errlen) != 0)
		return EXIT_RUNTIME;
	if ((s = sync_new(cfg, cache, token, err, errlen)) == NULL)
		goto out;
	if (sync_start(s, &opt.wake_fd, err, errlen) != 0)
		goto out;
	opt.db = db;
	opt.cfg = cfg;
	opt.user = cfg->user;
	opt.sync = s;
	if (ui_run(&opt, err, errlen) == 0)
		rc = EXIT_OK;
out:
	sync_free(s);
	sqlite3_close(db);
	return rc;
}

static int
run_offline_demo(struct mkt_config *cfg, const char *why, char *err,
    size_t errlen)
{
	struct ui_options opt = { 0 };
	sqlite3 *db = NULL;
	int rc = EXIT_RUNTIME;

	if (open_demo_cache(&db, err, errlen) == 0) {
		opt.db = db;
		opt.cfg = cfg;
		opt.user = "demo";
		opt.no_sync_reason = why;
		opt.wake_fd = -1;
		if (ui_run(&opt, err, errlen) == 0)
			rc = EXIT_OK;
	}
	sqlite3_close(db);
	return rc;
}

static int
run_tui(struct mkt_config *cfg, bool demo)
{
	struct localserver ls;
	char err[1024] = "", *cache;
	int rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fputs("mkt: the interface needs a terminal (stdin and stdout "
		    "must be a tty)\n", stderr);
		return EXIT_RUNTIME;
	}
	if (demo) {
		if (localserver_start(&ls, err, sizeof err) != 0) {
			fprintf(stderr, "mkt: %s; opening the demo data "
			    "offline\n", err);
			sleep(2);
			rc = run_offline_demo(cfg, "demo, no server", err,
			    sizeof err);
		} else {
			set_string(&cfg->url, ls.url);
			set_string(&cfg->user, DEMO_USER);
			set_string(&cfg->password, DEMO_PASSWORD);
			/* Loopback: nothing to verify, nothing to warn of. */
			cfg->insecure = false;
			rc = run_synced(cfg, ls.cache, ls.token, err,
			    sizeof err);
			localserver_stop(&ls);
		}
	} else if (cfg->url == NULL)
		rc = run_offline_demo(cfg, "no server", err, sizeof err);
	else if ((cache = server_cache_path(cfg, err, sizeof err)) == NULL)
		rc = EXIT_RUNTIME;
	else {
		rc = run_synced(cfg, cache, NULL, err, sizeof err);
		free(cache);
	}
	if (rc != EXIT_OK)
		fprintf(stderr, "mkt: %s\n", err);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "demo", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mkt_config cfg;
	const char *cli_config = NULL;
	char *path, err[1024];
	bool demo = false;
	int ch, rc;

	if (text_init_locale() != 0)
		fputs("mkt: warning: no UTF-8 locale; text may not display "
		    "correctly\n", stderr);

	opterr = 0;
	/* "+": options end at the command name; each command has its own. */
	while ((ch = getopt_long(argc, argv, "+:c:dVh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			cli_config = optarg;
			break;
		case 'd':
			demo = true;
			break;
		case 'V':
			printf("mkt %s\n", MKT_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "mkt: option '%s' needs an argument\n",
			    argv[optind - 1]);
			fputs("Try 'mkt --help'.\n", stderr);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "mkt: unknown option '%s'\n",
			    argv[optind - 1]);
			fputs("Try 'mkt --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc && strcmp(argv[optind], "login") != 0 &&
	    strcmp(argv[optind], "sync") != 0) {
		fprintf(stderr, "mkt: unknown command '%s'\n", argv[optind]);
		fputs("Try 'mkt --help'.\n", stderr);
		return EXIT_USAGE;
	}

	config_defaults(&cfg);
	path = config_find(cli_config);
	if ((path != NULL && config_load(&cfg, path, err, sizeof err) != 0) ||
	    ui_check_config(&cfg, err, sizeof err) != 0) {
		fprintf(stderr, "mkt: %s\n", err);
		free(path);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	free(path);

	/* A peer that hangs up must be an error code, not a dead process. */
	signal(SIGPIPE, SIG_IGN);
	if (net_global_init() != 0) {
		fputs("mkt: libcurl could not be initialised\n", stderr);
		config_free(&cfg);
		return EXIT_RUNTIME;
	}
	if (optind < argc && strcmp(argv[optind], "login") == 0)
		rc = cmd_login(&cfg, argc - optind, argv + optind);
	else if (optind < argc)
		rc = cmd_sync(&cfg, argc - optind, argv + optind);
	else
		rc = run_tui(&cfg, demo);
	net_global_cleanup();
	config_free(&cfg);
	return rc;
}
