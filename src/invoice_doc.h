/* One invoice as the invoice view shows it: what it bills, to whom and
 * when, its money, and its payments.  Its lines are a list of their own
 * (list_invoice_lines in lists.h), paged through a listwin like every
 * other list and never loaded here.
 *
 * Loading is one lookup of the invoice by its id (with its company) and
 * one of its payments by index payments_invoice.  Every text comes from
 * the network and is sanitized here, so the UI draws what it gets. */
#ifndef MKT_INVOICE_DOC_H
#define MKT_INVOICE_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* The payments a document holds; an invoice with more (none in any
 * demo) counts the rest in more_payments. */
#define INVOICE_DOC_MAX_PAYMENTS	200

struct invoice_payment {
	int64_t		 id;		/* negative while only local */
	int64_t		 amount_minor;	/* in the invoice's currency */
	int64_t		 paid_at;	/* Unix seconds */
	char		 method[16];	/* bank_transfer, cash, card… */
	char		 status[12];	/* pending, confirmed, failed,
					   refunded */
	char		*reference;	/* sanitized; NULL when none */
	bool		 pending;	/* not acknowledged by the server */
};

struct invoice_doc {
	int64_t		 id, version;
	char		*number;	/* "draft #12" until issued */
	char		 kind[16];	/* commission, subscription, deposit… */
	char		 status[12];	/* draft, sent, paid, overdue,
					   cancelled */
	char		 currency[8];
	char		*company_code, *company_name;
	/* For the VAT line: reverse charge needs a verified EU number. */
	char		*country, *vat_number;	/* NULL when none */
	bool		 is_eu, vat_verified;
	/* 'YYYY-MM-DD' as stored (sanitized), "" when none. */
	char		 issue_date[16], due_date[16];
	char		 period_start[16], period_end[16];
	int64_t		 subtotal_minor, discount_minor, tax_minor;
	int64_t		 total_minor, paid_minor, due_minor;
	char		*notes;		/* sanitized, line breaks kept */
	char		*cancel_reason;	/* sanitized, one line */
	bool		 pending;	/* an action on it is unsent */
	struct invoice_payment *payments;	/* oldest first */
	int		 npayments;
	long long	 more_payments;	/* cached but not held */
};

/* Loads invoice id with its payments.  0, or -1 with a message (an id
 * not in the cache is an error: "invoice 12 is not in the cache"); on
 * error *doc is empty and needs no free. */
int	 invoice_doc_load(sqlite3 *db, int64_t id, struct invoice_doc *doc,
	    char *err, size_t errlen);
void	 invoice_doc_free(struct invoice_doc *doc);

/* Whole days the invoice is late at Unix time now (the UTC day, as the
 * server marks them): > 0 only for a sent or overdue invoice with money
 * due after its due date. */
int	 invoice_doc_days_overdue(const struct invoice_doc *doc, int64_t now);

/* The VAT rate the stored tax was charged at, by billing.h's rule (tax =
 * (subtotal - discount) x rate, half-up): the whole percent that gives
 * it, else the basis points, else -1 when no rate does (or nothing was
 * taxed: an empty base).  0 for an untaxed invoice. */
int	 invoice_doc_vat_bp(const struct invoice_doc *doc);

/* Whether no VAT was charged because the company is in the EU with a
 * verified VAT number (billing_vat_bp's reverse charge). */
bool	 invoice_doc_reverse_charge(const struct invoice_doc *doc);

#endif
