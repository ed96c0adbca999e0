/* mkt: command line, configuration, the cache, then the TUI. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "demo.h"
#include "store.h"
#include "text.h"
#include "ui.h"
#include "util.h"

/* Exit statuses, as documented in the README and mkt(1). */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

#define DEMO_SEED	2026

static void
usage(FILE *f)
{
	fputs("usage: mkt [--config FILE] [--demo]\n"
	    "       mkt --version | --help\n"
	    "\n"
	    "Terminal back office for marketplace and messaging businesses.\n"
	    "\n"
	    "  -c, --config FILE  read FILE instead of searching for mkt.conf\n"
	    "                     ($MKT_CONFIG, $XDG_CONFIG_HOME/mkt/mkt.conf,\n"
	    "                     ./mkt.conf)\n"
	    "  -d, --demo         open a fresh demo cache, with no server\n"
	    "  -V, --version      print the version and exit\n"
	    "  -h, --help         print this help and exit\n"
	    "\n"
	    "Press ? inside mkt for the keys.\n", f);
}

/* A fresh demo cache every time, so the demo always starts the same. */
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
	struct ui_options opt;
	const char *cli_config = NULL;
	char *path, err[1024];
	sqlite3 *db = NULL;
	bool demo = false;
	int ch, rc = EXIT_OK;

	if (text_init_locale() != 0)
		fputs("mkt: warning: no UTF-8 locale; text may not display "
		    "correctly\n", stderr);

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:dVh", longopts, NULL)) != -1) {
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
	if (optind < argc) {
		fprintf(stderr, "mkt: unexpected argument '%s'\n", argv[optind]);
		fputs("Try 'mkt --help'.\n", stderr);
		return EXIT_USAGE;
	}

	config_defaults(&cfg);
	path = config_find(cli_config);
	if ((path != NULL && config_load(&cfg, path, err, sizeof err) != 0) ||
	    ui_check_keys(&cfg, err, sizeof err) != 0) {
		fprintf(stderr, "mkt: %s\n", err);
		free(path);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	free(path);

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fputs("mkt: the interface needs a terminal (stdin and stdout "
		    "must be a tty)\n", stderr);
		config_free(&cfg);
		return EXIT_RUNTIME;
	}

	/* Without a server there is nothing to sync: the demo cache. */
	if (cfg.url == NULL)
		demo = true;
	if (demo) {
		if (open_demo_cache(&db, err, sizeof err) != 0)
			rc = EXIT_RUNTIME;
	} else {
		char *cache = store_cache_path(cfg.url, err, sizeof err);
		if (cache == NULL || store_open(cache, &db, err,
		    sizeof err) != 0)
			rc = EXIT_RUNTIME;
		free(cache);
	}
	if (rc == EXIT_OK) {
		memset(&opt, 0, sizeof opt);
		opt.db = db;
		opt.cfg = &cfg;
		opt.user = demo ? "demo" : cfg.user != NULL ? cfg.user : "?";
		opt.sync_state = demo ? "no server" : "offline";
		if (ui_run(&opt, err, sizeof err) != 0)
			rc = EXIT_RUNTIME;
	}
	if (rc != EXIT_OK)
		fprintf(stderr, "mkt: %s\n", err);
	sqlite3_close(db);
	config_free(&cfg);
	return rc;
}
