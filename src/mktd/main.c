/* mktd: the reference REST server mkt syncs with.  main() parses the
 * command line, opens the database, starts the HTTP layer, and waits for
 * SIGTERM or SIGINT to stop it cleanly. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "auth.h"
#include "db.h"
#include "demo.h"
#include "http.h"

#define DEFAULT_LISTEN	"127.0.0.1:8080"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mktd [--listen ADDR:PORT] --db FILE\n"
	    "            [--demo [--scale NAME] [--now SECONDS]] [--verbose]\n"
	    "       mktd --help\n"
	    "\n"
	    "  --listen ADDR:PORT  IPv4 address and port to serve on; port 0\n"
	    "                      picks a free one (default %s)\n"
	    "  --db FILE           the SQLite database, created if missing\n"
	    "  --demo              fill an empty database with the demo data\n"
	    "                      (password \"demo\" for every user) and allow\n"
	    "                      demo conveniences; a database with users is\n"
	    "                      left as it is\n"
	    "  --scale NAME        how much demo data: default (320\n"
	    "                      conversations), small (2,000) or large\n"
	    "                      (200,000: under a minute, 1.6 GB)\n"
	    "  --now SECONDS       the Unix time the demo data is relative to\n"
	    "                      (default: the current time); mkt seed\n"
	    "                      --now takes the same to write a matching\n"
	    "                      cache\n"
	    "  --verbose           log each request to stderr\n"
	    "\n"
	    "When ready, mktd prints \"listening on http://ADDR:PORT\".  SIGTERM\n"
	    "or SIGINT stops it; the exit status is then 0.\n"
	    "\n"
	    "Environment: MKTD_ACCESS_TTL sets the access-token lifetime in\n"
	    "seconds (default 1800); the tests use it to see tokens expire.\n"
	    "MKTD_OVERDUE_INTERVAL and MKTD_SNOOZE_INTERVAL set how often, in\n"
	    "seconds, overdue invoices are marked (default 60) and snoozes\n"
	    "that are over wake up (default 30).\n",
	    DEFAULT_LISTEN);
}

static void __attribute__((noreturn))
bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "mktd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	exit(2);
}

/* "ADDR:PORT", ADDR an IPv4 address, into addr and *port. */
static int
parse_listen(const char *s, char *addr, size_t addrlen, int *port)
{
	const char *colon = strrchr(s, ':');
	struct in_addr in;
	char *end;
	long p;

	if (colon == NULL || colon == s || (size_t)(colon - s) >= addrlen)
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 0 ||
	    p > 65535)
		return -1;
	snprintf(addr, addrlen, "%.*s", (int)(colon - s), s);
	*port = (int)p;
	return inet_pton(AF_INET, addr, &in) == 1 ? 0 : -1;
}

/* The value of --name VALUE or --name=VALUE at argv[*i], or NULL when
 * argv[*i] is not that option. */
static const char *
option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		bad_usage("%s needs a value", name);
	return argv[++*i];
}

static void
access_ttl_from_env(void)
{
	const char *s = getenv("MKTD_ACCESS_TTL");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 86400) {
		fprintf(stderr, "mktd: MKTD_ACCESS_TTL must be 1..86400\n");
		exit(2);
	}
	auth_set_access_ttl(v);
}

static int
server_init(struct server *srv)
{
	pthread_condattr_t ca;

	memset(srv, 0, sizeof *srv);
	/* Long-poll deadlines are monotonic: a clock step must not turn a
	 * 25-second wait into an hour or into nothing. */
	if (pthread_mutex_init(&srv->lock, NULL) != 0 ||
	    pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&srv->changed, &ca) != 0)
		return -1;
	pthread_condattr_destroy(&ca);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *listen = DEFAULT_LISTEN, *dbpath = NULL, *scale = NULL;
	const char *now = NULL, *v;
	char addr[64], err[1024];
	bool demo = false, verbose = false;
	struct db_demo fill = { "default", NULL, 0 };
	struct MHD_Daemon *d;
	struct server srv;
	sigset_t stop;
	int port, bound, sig;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--demo") == 0)
			demo = true;
		else if (strcmp(argv[i], "--verbose") == 0 ||
		    strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if ((v = option_value(argc, argv, &i, "--listen")) != NULL)
			listen = v;
		else if ((v = option_value(argc, argv, &i, "--db")) != NULL)
			dbpath = v;
		else if ((v = option_value(argc, argv, &i, "--scale")) != NULL)
			scale = v;
		else if ((v = option_value(argc, argv, &i, "--now")) != NULL)
			now = v;
		else
			bad_usage("unknown argument '%s'", argv[i]);
	}
	if (dbpath == NULL || *dbpath == '\0')
		bad_usage("%s", "--db FILE is required");
	if (!demo && (scale != NULL || now != NULL))
		bad_usage("%s needs --demo", scale != NULL ? "--scale" :
		    "--now");
	if (scale != NULL)
		fill.scale = scale;
	if ((fill.size = demo_size_find(fill.scale, err, sizeof err)) == NULL)
		bad_usage("%s", err);
	fill.now = (int64_t)time(NULL);
	if (now != NULL && demo_parse_now(now, &fill.now) != 0)
		bad_usage("--now '%s' is not a Unix time in seconds, "
		    "from 2001 to 2100", now);
	if (parse_listen(listen, addr, sizeof addr, &port) != 0)
		bad_usage("--listen '%s' is not IPV4-ADDRESS:PORT (e.g. "
		    "127.0.0.1:8080)", listen);
	access_ttl_from_env();

	/* Blocked before any thread starts, so every thread inherits the
	 * mask and only sigwait() below ever sees these signals. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (server_init(&srv) != 0) {
		fprintf(stderr, "mktd: cannot initialise locks\n");
		return 1;
	}
	srv.demo = demo;
	if (db_open(&srv, dbpath, demo ? &fill : NULL, err, sizeof err) != 0) {
		fprintf(stderr, "mktd: %s\n", err);
		return 1;
	}
	if ((d = http_start(&srv, addr, port, verbose, &bound, err,
	    sizeof err)) == NULL) {
		fprintf(stderr, "mktd: %s\n", err);
		db_close(&srv);
		return 1;
	}
	if (invoice_timer_start(&srv) != 0)
		fprintf(stderr, "mktd: cannot start the overdue timer\n");
	printf("listening on http://%s:%d\n", addr, bound);
	fflush(stdout);

	while (sigwait(&stop, &sig) != 0)
		;

	/* Wake the long-polls first: MHD_stop_daemon joins their threads. */
	pthread_mutex_lock(&srv.lock);
	srv.stopping = 1;
	pthread_cond_broadcast(&srv.changed);
	pthread_mutex_unlock(&srv.lock);
	invoice_timer_stop();
	http_stop(d);
	db_close(&srv);
	pthread_cond_destroy(&srv.changed);
	pthread_mutex_destroy(&srv.lock);
	return 0;
}
