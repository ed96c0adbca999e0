#include "lists.h"

/* A checkout order shows what it totals; a marketplace order its budget. */
const struct list_source list_orders = {
	.name = "orders",
	.from = "orders o JOIN companies co ON co.id = o.company_id"
	    " LEFT JOIN users x ON x.id = o.executor_id",
	.count_from = "orders o",
	.key = "o.created_at",
	.id = "o.id",
	.cols = "o.number, co.code, o.kind, o.title, o.city,"
	    " CASE o.kind WHEN 'checkout' THEN o.total_minor"
	    "   ELSE o.budget_minor END, o.currency, o.status,"
	    " (SELECT count(*) FROM offers f WHERE f.order_id = o.id),"
	    " o.created_at, o.payment_status, x.name, o.pending",
	.ncols = O_NCOLS,
	.desc = true,
};

const struct list_source list_invoices = {
	.name = "invoices",
	.from = "invoices i JOIN companies co ON co.id = i.company_id",
	.count_from = "invoices i",
	/* Must match the expression of index invoices_by_due. */
	.key = "ifnull(i.due_date, '9999-12-31')",
	.id = "i.id",
	.cols = "ifnull(i.number, 'draft #' || i.id), co.code, co.name, i.kind,"
	    " i.status, i.total_minor, i.amount_due_minor, i.currency,"
	    " i.due_date,"
	    " CASE WHEN i.period_start IS NULL THEN ''"
	    "   ELSE substr(i.period_start, 1, 7) END, i.pending",
	.ncols = I_NCOLS,
	.desc = true,
};

/* Served by index invoice_lines_invoice (invoice_id, position): one
 * invoice's range, in order, whatever the size of the table.  The
 * invoice is joined by its key for the currency. */
const struct list_source list_invoice_lines = {
	.name = "invoice lines",
	.from = "invoice_lines l JOIN invoices i ON i.id = l.invoice_id",
	.count_from = "invoice_lines l",
	.where = "l.invoice_id = :scope",
	.key = "l.position",
	.id = "l.id",
	.cols = "l.position, l.description, l.quantity, l.unit_price_minor,"
	    " l.amount_minor, i.currency,"
	    " CASE WHEN l.ref_kind IS NULL THEN ''"
	    "   ELSE l.ref_kind || ' ' || ifnull(l.ref_id, '') END,"
	    " ifnull(l.fee_breakdown, '')",
	.ncols = L_NCOLS,
	.desc = false,
};

/* A table is pending while any of its rows is.  The rows are found from
 * the unacknowledged outbox entries (a handful, by index outbox_state;
 * the unary + keeps SQLite off outbox_ref, which also walks the done
 * ones), not by scanning a table's rows on every window. */
const struct list_source list_kb_tables = {
	.name = "kb tables",
	.from = "kb_tables t JOIN companies co ON co.id = t.company_id",
	.key = "t.name",
	.id = "t.id",
	.cols = "t.name, co.code, t.kind,"
	    " (SELECT count(*) FROM kb_rows r WHERE r.table_id = t.id),"
	    " t.pending + EXISTS (SELECT 1 FROM outbox o"
	    "   JOIN kb_rows r ON r.id = o.ref_id"
	    "   WHERE o.state IN ('queued', 'inflight')"
	    "   AND +o.ref_type = 'kb_row' AND r.table_id = t.id)",
	.ncols = T_NCOLS,
	.desc = false,
};

const struct list_source list_kb_rows = {
	.name = "kb rows",
	.from = "kb_rows r",
	.where = "r.table_id = :scope",
	.key = "r.position",
	.id = "r.id",
	.cols = "r.cells, r.pending",
	.ncols = R_NCOLS,
	.desc = false,
};

/* Served by index outbox_state (state, id): the id is the key, so the
 * newest refusal leads and a window never sorts. */
const struct list_source list_problems = {
	.name = "sync problems",
	.from = "outbox o",
	.where = "o.state = 'rejected'",
	.key = "o.id",
	.id = "o.id",
	.cols = "o.created_at, ifnull(o.summary, o.method || ' ' || o.path),"
	    " ifnull(o.status, ''), ifnull(o.last_error, ''), o.method, o.path",
	.ncols = P_NCOLS,
	.desc = true,
};
