/* How list movement scales: the same moves on lists of 50 and of
 * 1,000,000 rows, in a cache with the real schema.  Prints figures; it
 * asserts nothing (benchmarks are not timed tests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "listwin.h"
#include "store.h"

static const struct list_source conversations = {
	.name = "conversations",
	.from = "conversations c JOIN contacts k ON k.id = c.contact_id"
	    " JOIN channels ch ON ch.id = c.channel_id"
	    " JOIN companies co ON co.id = c.company_id",
	.count_from = "conversations c",
	.key = "c.last_activity_at", .id = "c.id",
	.cols = "c.priority, ch.platform, co.code, k.name,"
	    " c.last_message_preview, c.last_activity_at",
	.ncols = 6, .desc = true,
};

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
fill(sqlite3 *db, int n)
{
	sqlite3_stmt *st;
	char err[256];

	store_exec(db, "BEGIN;"
	    "INSERT INTO companies(id, code, name, kind, created_at, updated_at)"
	    " VALUES (1, 'COMP001', 'Bench', 'product', 0, 0);"
	    "INSERT INTO channels(id, company_id, platform, name, updated_at)"
	    " VALUES (1, 1, 'whatsapp', '+34 600', 0);"
	    "INSERT INTO contacts(id, company_id, name, created_at)"
	    " VALUES (1, 1, 'Мария Иванова', 0);", err, sizeof err);
	sqlite3_prepare_v2(db, "INSERT INTO conversations(id, company_id, "
	    "channel_id, contact_id, last_activity_at, last_message_preview, "
	    "created_at) VALUES (?, 1, 1, 1, ?, 'Hola, ¿cuánto cuesta el "
	    "envío a Valencia?', 0)", -1, &st, NULL);
	for (int i = 1; i <= n; i++) {
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_int(st, 2, 1700000000 + i / 2);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	store_exec(db, "COMMIT", err, sizeof err);
}

/* Median of `runs` timings of op, in microseconds. */
static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
measure(struct listwin *lw, const char *op, int runs)
{
	double t[256];

	for (int i = 0; i < runs; i++) {
		double t0 = now_us();
		if (strcmp(op, "down") == 0)
			listwin_move(lw, 1, false);
		else if (strcmp(op, "page-down") == 0)
			listwin_move(lw, lw->height, true);
		else if (strcmp(op, "bottom") == 0)
			listwin_bottom(lw);
		else if (strcmp(op, "top") == 0)
			listwin_top(lw);
		else if (strcmp(op, "reload") == 0)
			listwin_reload(lw);
		t[i] = now_us() - t0;
		if (strcmp(op, "page-down") == 0 && i % 50 == 49)
			listwin_top(lw);
	}
	qsort(t, (size_t)runs, sizeof t[0], cmp);
	return t[runs / 2];
}

int
main(int argc, char **argv)
{
	const int sizes[] = { 50, 1000000 };
	const char *ops[] = { "down", "page-down", "bottom", "top", "reload" };
	int big = argc > 1 ? atoi(argv[1]) : sizes[1];

	printf("%-10s %12s %12s   (median µs, window of 40 rows)\n", "op",
	    "50 rows", "rows");
	double res[2][5];
	for (int s = 0; s < 2; s++) {
		char path[] = "/tmp/mkt-bench-XXXXXX", err[256];
		int fd = mkstemp(path);
		sqlite3 *db;
		struct listwin lw;
		double t0;

		close(fd);
		unlink(path);
		if (store_open(path, &db, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		t0 = now_us();
		fill(db, s == 0 ? sizes[0] : big);
		if (s == 1)
			fprintf(stderr, "filled %d rows in %.1f s\n", big,
			    (now_us() - t0) / 1e6);
		listwin_init(&lw, db, &conversations, err, sizeof err);
		listwin_resize(&lw, 40);
		for (size_t o = 0; o < 5; o++)
			res[s][o] = measure(&lw, ops[o],
			    strcmp(ops[o], "reload") == 0 ? 11 : 201);
		listwin_free(&lw);
		sqlite3_close(db);
		unlink(path);
		strcat(path, "-wal");
		unlink(path);
		path[strlen(path) - 4] = '\0';
		strcat(path, "-shm");
		unlink(path);
	}
	for (size_t o = 0; o < 5; o++)
		printf("%-10s %12.1f %12.1f\n", ops[o], res[0][o], res[1][o]);
	printf("(%d rows in the large list; reload recounts n/N, which is "
	    "the only O(N) step)\n", big);
	return 0;
}
