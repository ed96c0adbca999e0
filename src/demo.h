/* The demo data generator.  Fills a migrated, empty database with a
 * realistic multilingual data set covering the five seed platforms.  The
 * same (seed, size, now) always produces the same rows. */
#ifndef MKT_DEMO_H
#define MKT_DEMO_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

struct demo_size {
	int	companies;
	int	conversations;
	int	messages;
	int	orders;
	int	offers;
	int	kb_tables;
	int	kb_rows;
	int	invoices;
	int	invoice_lines;
	int	payments;
	int	long_threads;	/* of the conversations, DEMO_LONG_THREAD long */
	int	long_invoices;	/* of the invoices, DEMO_LONG_INVOICE lines */
};

/* The long thread and invoice a benchmark opens (see demo_size_find). */
#define DEMO_LONG_THREAD	500
#define DEMO_LONG_INVOICE	50

/* The seed of the demo that mkt and mktd show.  A cache seeded for a
 * demo server holds that server's rows only when both use it. */
#define DEMO_SEED	2026

/* The default demo: 8 companies (two X8 businesses, an installers
 * marketplace, four pet-care providers, an Iraqi agency client), 320
 * conversations, 3,200 messages, 160 orders, 480 offers, 6 KB tables,
 * 420 rows, 210 invoices, 1,000 invoice lines, 300 payments.  Scaling
 * every field scales the data; the company cycle repeats. */
extern const struct demo_size demo_size_default;

/* A size by name: "default"; "small" (80 companies, 2,000
 * conversations, 20,000 messages, 1,000 orders, 3,000 offers, 5 KB
 * tables, 5,000 rows, 2,000 invoices, 10,000 lines, 3,000 payments);
 * "large" (a hundred times small, with 8,000 companies and 50 KB tables
 * of 500,000 rows).  Companies grow with the invoices, so each keeps
 * about the default's two and a half years of monthly history.  NULL,
 * with a message naming the sizes there are, for any other name.
 *
 * Within those counts small and large each have three threads of
 * DEMO_LONG_THREAD messages and three invoices of DEMO_LONG_INVOICE
 * lines, found without ids: the latest of the threads is the most
 * recently active conversation (the first row of All by activity) with
 * every message in the last 90 days, and the invoice that is still a
 * draft is the first row of the invoice list (by due date, drafts
 * first, newest first). */
const struct demo_size *demo_size_find(const char *name, char *err,
    size_t errlen);

/* A --now value: a Unix time in seconds, from 2001 to 2100, in digits.
 * 0, or -1. */
int demo_parse_now(const char *s, int64_t *now);

/* The role of one of the demo's login users ("admin" for
 * admin@demo.mkt), the address matched without regard to case; NULL for
 * any other address. */
const char *demo_login_role(const char *email);

/* Generates into db inside one transaction.  now is the Unix time the data
 * is relative to ("3 minutes ago").  A size past a thousand conversations
 * and orders recombines the corpora instead of repeating them: people's
 * first names and surnames, companies named after owners, catalogue rows
 * with options; smaller ones use them as they are.  Returns 0, or -1
 * with a message. */
int demo_generate(sqlite3 *db, uint64_t seed, const struct demo_size *size,
    int64_t now, char *err, size_t errlen);

#endif
