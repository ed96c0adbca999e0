/* The demo data generator.  Fills a migrated, empty database with a
 * realistic multilingual data set covering the five seed platforms.  The
 * same (seed, size, now) always produces the same rows. */
#ifndef MKT_DEMO_H
#define MKT_DEMO_H

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
};

/* The default demo: 8 companies (two X8 businesses, an installers
 * marketplace, four pet-care providers, an Iraqi agency client), 320
 * conversations, 3,200 messages, 160 orders, 480 offers, 6 KB tables,
 * 420 rows, 210 invoices, 1,000 invoice lines, 300 payments.  Scaling
 * every field scales the data; the company cycle repeats. */
extern const struct demo_size demo_size_default;

/* Generates into db inside one transaction.  now is the Unix time the data
 * is relative to ("3 minutes ago").  Returns 0, or -1 with a message. */
int demo_generate(sqlite3 *db, uint64_t seed, const struct demo_size *size,
    int64_t now, char *err, size_t errlen);

#endif
