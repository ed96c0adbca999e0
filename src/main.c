/* mkt: command line, configuration, the cache and the sync engine, then
 * the TUI or a headless command (login, sync, seed). */
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
#include "seed.h"
#include "store.h"
#include "sync.h"
#include "text.h"
#include "trace.h"
#include "ui.h"
#include "util.h"

/* Exit statuses, as documented in the README and mkt(1); login and sync
 * use enum sync_result (1 network, 3 authentication, 4 cache). */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* The demo server's user: the administrator sees and may do everything. */
#define DEMO_USER	"admin@demo.mkt"
#define DEMO_PASSWORD	"demo"

static void
usage(FILE *f)
{
	fputs("usage: mkt [--config FILE] [--demo] [--scale NAME]\n"
	    "       mkt [--config FILE] login [--password-stdin]\n"
	    "       mkt [--config FILE] sync [--once]\n"
	    "       mkt [--config FILE] seed [--scale NAME] --now SECONDS\n"
	    "       mkt --version | --help\n"
	    "\n"
	    "Terminal back office for marketplace and messaging businesses.\n"
	    "\n"
	    "  -c, --config FILE  read FILE instead of searching for mkt.conf\n"
	    "                     ($MKT_CONFIG, $XDG_CONFIG_HOME/mkt/mkt.conf,\n"
	    "                     ./mkt.conf)\n"
	    "  -d, --demo         start a private mktd with demo data on\n"
	    "                     127.0.0.1 and sync with it\n"
	    "  -s, --scale NAME   how much demo data: default (320\n"
	    "                     conversations, made afresh each start),\n"
	    "                     small (2,000) or large (200,000); those two\n"
	    "                     are generated once and kept in\n"
	    "                     $XDG_CACHE_HOME/mkt/demo-NAME\n"
	    "  -V, --version      print the version and exit\n"
	    "  -h, --help         print this help and exit\n"
	    "\n"
	    "  login              log in as [server] user and keep the refresh\n"
	    "                     token in $XDG_STATE_HOME/mkt (mode 0600)\n"
	    "  sync --once        push queued actions, pull every change, print\n"
	    "                     counts; exit 1 network, 3 login, 4 cache\n"
	    "  sync               keep syncing until interrupted\n"
	    "  seed               write [server] user's cache (admin@,\n"
	    "                     billing@ or support@demo.mkt) as a full\n"
	    "                     sync from mktd --demo --scale NAME --now\n"
	    "                     SECONDS leaves it; give both the same NAME\n"
	    "                     and SECONDS\n"
	    "\n"
	    "Press ? inside mkt for the keys.\n", f);
}

/* The demo cache mkt shows with no server, or when the demo server
 * cannot start.  The default one is made afresh every time, so the demo
 * always starts the same; a larger one takes too long for that and is
 * made once, as demo-SCALE.db. */
static int
open_demo_cache(const char *scale, sqlite3 **db, char *err, size_t errlen)
{
	const struct demo_size *size = demo_size_find(scale, err, errlen);
	char *name, *path, *tmp = NULL;
	sqlite3 *gen;
	int rc = -1;

	if (size == NULL)
		return -1;
	name = size == &demo_size_default ? xstrdup("demo") :
	    xasprintf("demo-%s", scale);
	path = store_cache_path(name, err, errlen);
	free(name);
	if (path == NULL)
		return -1;
	if (size == &demo_size_default || access(path, F_OK) != 0) {
		tmp = xasprintf("%s.new", path);
		if (store_open_bulk(tmp, &gen, err, errlen) != 0)
			goto out;
		rc = demo_generate(gen, DEMO_SEED, size, (int64_t)time(NULL),
		    err, errlen);
		sqlite3_close(gen);
		if (rc != 0 || (rc = store_install(tmp, path, err,
		    errlen)) != 0) {
			store_remove(tmp);
			goto out;
		}
	}
	rc = store_open(path, db, err, errlen);
out:
	free(tmp);
	free(path);
	return rc;
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

/* `mkt seed`: the account's cache as a full sync from mktd --demo
 * --scale NAME --now SECONDS would leave it (see seed.h).  now is not
 * guessed: the cache matches the server only when both were given the
 * same one. */
static int
cmd_seed(struct mkt_config *cfg, const char *scale, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "scale", required_argument, NULL, 's' },
		{ "now", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct seed_options o = { 0 };
	const char *now = NULL;
	enum seed_result rc;
	char err[1024], *cache;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:n:", longopts, NULL)) != -1) {
		if (ch == 's')
			scale = optarg;
		else if (ch == 'n')
			now = optarg;
		else
			break;
	}
	if (ch != -1 || optind < argc) {
		fputs("usage: mkt seed [--scale NAME] --now SECONDS\n", stderr);
		return EXIT_USAGE;
	}
	if (now == NULL || demo_parse_now(now, &o.now) != 0) {
		fputs("mkt: seed needs --now SECONDS: the Unix time given to "
		    "mktd --demo --now (its database keeps it in settings, as "
		    "demo_now)\n", stderr);
		return EXIT_USAGE;
	}
	if (cfg->url == NULL || cfg->user == NULL) {
		fprintf(stderr, "mkt: %s: [server] url and user are needed\n",
		    cfg->path != NULL ? cfg->path : "mkt.conf");
		return EXIT_USAGE;
	}
	if ((o.size = demo_size_find(scale, err, sizeof err)) == NULL ||
	    seed_user_ok(cfg->user, err, sizeof err) != 0) {
		fprintf(stderr, "mkt: %s\n", err);
		return EXIT_USAGE;
	}
	if ((cache = server_cache_path(cfg, err, sizeof err)) == NULL) {
		fprintf(stderr, "mkt: %s\n", err);
		return EXIT_RUNTIME;
	}
	o.user = cfg->user;
	o.history_days = cfg->history_days;
	if ((rc = seed_cache(cache, &o, err, sizeof err)) == SEED_OK)
		printf("seeded %s: the %s demo as of %s, as %s syncs it\n",
		    cache, scale, now, cfg->user);
	else
		fprintf(stderr, "mkt: %s\n", err);
	free(cache);
	return rc == SEED_OK ? EXIT_OK : rc == SEED_EUSER ? EXIT_USAGE :
	    SYNC_ECACHE;
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
run_offline_demo(struct mkt_config *cfg, const char *scale, const char *why,
    char *err, size_t errlen)
{
	struct ui_options opt = { 0 };
	sqlite3 *db = NULL;
	int rc = EXIT_RUNTIME;

	if (open_demo_cache(scale, &db, err, errlen) == 0) {
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
run_tui(struct mkt_config *cfg, bool demo, const char *scale)
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
		if (strcmp(scale, "default") != 0)
			fprintf(stderr, "mkt: starting the %s demo; the first "
			    "time, it is generated first (a minute or two for "
			    "large)\n", scale);
		if (localserver_start(&ls, scale, DEMO_USER,
		    cfg->history_days, err, sizeof err) != 0) {
			fprintf(stderr, "mkt: %s; opening the demo data "
			    "offline\n", err);
			sleep(2);
			rc = run_offline_demo(cfg, scale, "demo, no server",
			    err, sizeof err);
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
		rc = run_offline_demo(cfg, scale, "no server", err,
		    sizeof err);
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
		{ "scale", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mkt_config cfg;
	const char *cli_config = NULL, *scale = NULL;
	char *path, err[1024];
	bool demo = false;
	int ch, rc;

	trace_clock_start();
	if (text_init_locale() != 0)
		fputs("mkt: warning: no UTF-8 locale; text may not display "
		    "correctly\n", stderr);

	opterr = 0;
	/* "+": options end at the command name; each command has its own. */
	while ((ch = getopt_long(argc, argv, "+:c:ds:Vh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			cli_config = optarg;
			break;
		case 'd':
			demo = true;
			break;
		case 's':
			scale = optarg;
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
	    strcmp(argv[optind], "sync") != 0 &&
	    strcmp(argv[optind], "seed") != 0) {
		fprintf(stderr, "mkt: unknown command '%s'\n", argv[optind]);
		fputs("Try 'mkt --help'.\n", stderr);
		return EXIT_USAGE;
	}
	if (scale != NULL && optind < argc &&
	    strcmp(argv[optind], "seed") != 0) {
		fprintf(stderr, "mkt: --scale is for the demo and seed, not "
		    "%s\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (scale != NULL && demo_size_find(scale, err, sizeof err) == NULL) {
		fprintf(stderr, "mkt: %s\n", err);
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
	else if (optind < argc && strcmp(argv[optind], "seed") == 0)
		rc = cmd_seed(&cfg, scale != NULL ? scale : "default",
		    argc - optind, argv + optind);
	else if (optind < argc)
		rc = cmd_sync(&cfg, argc - optind, argv + optind);
	else if (scale != NULL && !demo && cfg.url != NULL) {
		fputs("mkt: --scale sizes the demo, and [server] url is set: "
		    "add --demo\n", stderr);
		rc = EXIT_USAGE;
	} else
		rc = run_tui(&cfg, demo, scale != NULL ? scale : "default");
	net_global_cleanup();
	config_free(&cfg);
	return rc;
}
