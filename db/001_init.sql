-- mkt local cache, version 1: all four domains, the outbox and sync state.
--
-- Conventions (see DESIGN.md):
--   * money is an INTEGER count of minor units in a *_minor column, beside a
--     currency column holding an ISO 4217 code; never REAL.
--   * instants are INTEGER Unix seconds (*_at); calendar dates are TEXT
--     'YYYY-MM-DD' (*_date).
--   * percentages are INTEGER basis points (*_bp): 5 % = 500.
--   * rows the server versions carry `version`; `pending` marks a row changed
--     locally whose outbox entry has not been acknowledged yet.
--   * every list a pane shows has an index matching its keyset order exactly,
--     so a window query never scans or sorts.
--   * enumerations are checked as "x = 'a' OR x = 'b'": SQLite builds a
--     temporary table for every "x IN (...)" a CHECK evaluates, which made
--     each insert about five times slower.

CREATE TABLE users (
	id          INTEGER PRIMARY KEY,
	email       TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	role        TEXT NOT NULL CHECK (role = 'admin' OR role = 'manager' OR
	                                 role = 'billing' OR role = 'support' OR
	                                 role = 'client' OR
	                                 role = 'performer'),
	language    TEXT,
	created_at  INTEGER NOT NULL
);

CREATE TABLE companies (
	id                INTEGER PRIMARY KEY,
	code              TEXT NOT NULL UNIQUE,           -- COMP001
	name              TEXT NOT NULL,
	kind              TEXT NOT NULL CHECK (kind = 'product' OR
	                                       kind = 'service' OR
	                                       kind = 'hybrid'),
	status            TEXT NOT NULL DEFAULT 'active'
	                    CHECK (status = 'active' OR status = 'inactive' OR
	                           status = 'suspended'),
	manager_id        INTEGER REFERENCES users(id),   -- at most one manager
	owner_id          INTEGER REFERENCES users(id),   -- the client who owns it
	country           TEXT,                           -- ISO 3166-1 alpha-2
	is_eu             INTEGER NOT NULL DEFAULT 0,
	vat_number        TEXT,
	vat_verified      INTEGER NOT NULL DEFAULT 0,
	invoice_currency  TEXT NOT NULL DEFAULT 'EUR',
	deferral_days     INTEGER,                        -- NULL means Net 15
	block_state       TEXT NOT NULL DEFAULT 'none'
	                    CHECK (block_state = 'none' OR
	                           block_state = 'notified' OR
	                           block_state = 'hidden' OR
	                           block_state = 'blocked'),
	version           INTEGER NOT NULL DEFAULT 1,
	pending           INTEGER NOT NULL DEFAULT 0,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
);

-- PetsCare special terms; a company without a row pays the default 5 %.
CREATE TABLE commission_terms (
	company_id    INTEGER PRIMARY KEY REFERENCES companies(id) ON DELETE CASCADE,
	type          TEXT NOT NULL CHECK (type = 'percent' OR type = 'fixed' OR
	                                   type = 'hybrid' OR
	                                   type = 'tiered'),
	percent_bp    INTEGER,
	fixed_minor   INTEGER,
	currency      TEXT,
	min_minor     INTEGER,       -- bounds on the commission amount of one
	max_minor     INTEGER,       -- booking under percent terms (seed 003)
	tiers         TEXT,          -- JSON [{"from_minor":0,"percent_bp":500},...]
	valid_from    TEXT,
	valid_to      TEXT
);

CREATE TABLE channels (
	id           INTEGER PRIMARY KEY,
	company_id   INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	platform     TEXT NOT NULL CHECK (platform = 'whatsapp' OR
	                                  platform = 'telegram' OR
	                                  platform = 'instagram' OR
	                                  platform = 'facebook' OR
	                                  platform = 'email' OR
	                                  platform = 'tiktok' OR
	                                  platform = 'order_chat'),
	name         TEXT NOT NULL,                        -- number, handle or address
	status       TEXT NOT NULL DEFAULT 'disconnected'
	               CHECK (status = 'disconnected' OR status = 'connecting' OR
	                      status = 'connected' OR status = 'error'),
	last_error   TEXT,
	error_count  INTEGER NOT NULL DEFAULT 0,
	version      INTEGER NOT NULL DEFAULT 1,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX channels_company ON channels(company_id);

CREATE TABLE contacts (
	id           INTEGER PRIMARY KEY,
	company_id   INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	phone        TEXT,
	email        TEXT,
	handle       TEXT,                                 -- handle on the platform
	language     TEXT,                                 -- BCP 47, e.g. 'ru', 'es'
	lead_source  TEXT,                                 -- e.g. 'tiktok → whatsapp'
	version      INTEGER NOT NULL DEFAULT 1,
	created_at   INTEGER NOT NULL
);
CREATE INDEX contacts_company ON contacts(company_id);

-- Marketplace orders (seed 000/001) and checkout orders (seed 002).
CREATE TABLE orders (
	id                     INTEGER PRIMARY KEY,
	number                 TEXT NOT NULL UNIQUE,
	kind                   TEXT NOT NULL CHECK (kind = 'marketplace' OR
	                                            kind = 'checkout'),
	company_id             INTEGER NOT NULL REFERENCES companies(id),
	customer_id            INTEGER REFERENCES users(id),      -- marketplace customer
	contact_id             INTEGER REFERENCES contacts(id),   -- checkout customer
	customer_name          TEXT,
	customer_phone         TEXT,     -- hidden from performers until contacts are bought
	customer_email         TEXT,
	title                  TEXT NOT NULL,
	description            TEXT,
	city                   TEXT,
	currency               TEXT NOT NULL,
	budget_minor           INTEGER,
	status                 TEXT NOT NULL DEFAULT 'open'
	                         CHECK (status = 'open' OR
	                                status = 'in_progress' OR
	                                status = 'completed' OR
	                                status = 'cancelled'),
	executor_id            INTEGER REFERENCES users(id),
	work_started_at        INTEGER,
	cancel_work_reason     TEXT,     -- reason of the last cancelled start of work
	products_sum_minor     INTEGER,  -- checkout: Σ unit price × quantity
	delivery_minor         INTEGER,  -- checkout: charged once per order
	free_delivery_minor    INTEGER,  -- checkout: threshold that waives delivery
	total_minor            INTEGER,
	payment_status         TEXT CHECK (payment_status = 'no_payment_link' OR
	                                   payment_status = 'payment_link_sent' OR
	                                   payment_status = 'paid'),
	payment_reminder_hours INTEGER,
	version                INTEGER NOT NULL DEFAULT 1,
	pending                INTEGER NOT NULL DEFAULT 0,
	created_at             INTEGER NOT NULL,
	updated_at             INTEGER NOT NULL
);
CREATE INDEX orders_by_date ON orders(created_at, id);
CREATE INDEX orders_company ON orders(company_id);

CREATE TABLE order_lines (
	id                INTEGER PRIMARY KEY,
	order_id          INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
	sku               INTEGER NOT NULL,
	name              TEXT NOT NULL,
	quantity          INTEGER NOT NULL CHECK (quantity > 0),
	unit_price_minor  INTEGER NOT NULL CHECK (unit_price_minor >= 0),
	amount_minor      INTEGER NOT NULL
);
CREATE INDEX order_lines_order ON order_lines(order_id);

CREATE TABLE offers (
	id            INTEGER PRIMARY KEY,
	order_id      INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
	performer_id  INTEGER NOT NULL REFERENCES users(id),
	message       TEXT NOT NULL,
	price_minor   INTEGER,
	currency      TEXT,
	status        TEXT NOT NULL DEFAULT 'pending'
	                CHECK (status = 'pending' OR status = 'accepted' OR
	                       status = 'rejected' OR status = 'completed'),
	version       INTEGER NOT NULL DEFAULT 1,
	pending       INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	UNIQUE (order_id, performer_id)
);

CREATE TABLE contact_purchases (
	id            INTEGER PRIMARY KEY,
	order_id      INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
	performer_id  INTEGER NOT NULL REFERENCES users(id),
	price_minor   INTEGER NOT NULL,
	currency      TEXT NOT NULL,
	status        TEXT NOT NULL DEFAULT 'pending'
	                CHECK (status = 'pending' OR status = 'paid' OR
	                       status = 'failed' OR status = 'refunded'),
	created_at    INTEGER NOT NULL,
	paid_at       INTEGER,
	UNIQUE (order_id, performer_id)
);

CREATE TABLE reviews (
	id          INTEGER PRIMARY KEY,
	order_id    INTEGER NOT NULL UNIQUE REFERENCES orders(id) ON DELETE CASCADE,
	author_id   INTEGER REFERENCES users(id),
	rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
	body        TEXT,
	created_at  INTEGER NOT NULL
);

CREATE TABLE conversations (
	id                   INTEGER PRIMARY KEY,
	company_id           INTEGER NOT NULL REFERENCES companies(id),
	channel_id           INTEGER NOT NULL REFERENCES channels(id),
	contact_id           INTEGER NOT NULL REFERENCES contacts(id),
	order_id             INTEGER REFERENCES orders(id),
	status               TEXT NOT NULL DEFAULT 'open'
	                       CHECK (status = 'open' OR status = 'pending' OR
	                              status = 'snoozed' OR
	                              status = 'resolved'),
	snoozed_until        INTEGER,
	priority             TEXT NOT NULL DEFAULT 'none'
	                       CHECK (priority = 'urgent' OR priority = 'high' OR
	                              priority = 'medium' OR priority = 'low' OR
	                              priority = 'none'),
	assignee_id          INTEGER REFERENCES users(id),
	handler              TEXT NOT NULL DEFAULT 'ai' CHECK (handler = 'ai' OR
	                                                       handler = 'human'),
	handoff_requested    INTEGER NOT NULL DEFAULT 0,   -- waiting on a human
	unread_count         INTEGER NOT NULL DEFAULT 0,
	last_activity_at     INTEGER NOT NULL,
	waiting_since        INTEGER,   -- oldest inbound message with no reply after it
	last_message_preview TEXT,
	payment_status       TEXT NOT NULL DEFAULT 'no_payment_link'
	                       CHECK (payment_status = 'no_payment_link' OR
	                              payment_status = 'payment_link_sent' OR
	                              payment_status = 'paid'),
	payment_reminder     INTEGER NOT NULL DEFAULT 0,
	version              INTEGER NOT NULL DEFAULT 1,
	pending              INTEGER NOT NULL DEFAULT 0,
	created_at           INTEGER NOT NULL
);
CREATE INDEX conversations_by_activity ON conversations(last_activity_at, id);
CREATE INDEX conversations_company ON conversations(company_id);

CREATE TABLE conversation_labels (
	conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
	label            TEXT NOT NULL,
	PRIMARY KEY (conversation_id, label)
) WITHOUT ROWID;
CREATE INDEX conversation_labels_label ON conversation_labels(label);

CREATE TABLE messages (
	id               INTEGER PRIMARY KEY,
	conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
	direction        TEXT NOT NULL CHECK (direction = 'in' OR
	                                      direction = 'out'),
	kind             TEXT NOT NULL DEFAULT 'text' CHECK (kind = 'text' OR
	                                                     kind = 'note' OR
	                                                     kind = 'system'),
	author_kind      TEXT NOT NULL CHECK (author_kind = 'contact' OR
	                                      author_kind = 'user' OR
	                                      author_kind = 'ai' OR
	                                      author_kind = 'system'),
	author_id        INTEGER REFERENCES users(id),
	body             TEXT NOT NULL,
	attachment_url   TEXT,
	attachment_type  TEXT,
	attachment_size  INTEGER,
	x8_type          TEXT CHECK (x8_type = 'TYPE1' OR x8_type = 'TYPE2' OR
	                             x8_type = 'TYPE3'),
	delivery         TEXT CHECK (delivery = 'sending' OR delivery = 'sent' OR
	                             delivery = 'delivered' OR
	                             delivery = 'read' OR
	                             delivery = 'failed'),
	version          INTEGER NOT NULL DEFAULT 1,
	pending          INTEGER NOT NULL DEFAULT 0,
	created_at       INTEGER NOT NULL
);
CREATE INDEX messages_thread ON messages(conversation_id, created_at, id);

CREATE TABLE kb_tables (
	id          INTEGER PRIMARY KEY,
	company_id  INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind = 'product' OR kind = 'service' OR
	                                 kind = 'custom'),
	version     INTEGER NOT NULL DEFAULT 1,
	pending     INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (company_id, name)
);
CREATE INDEX kb_tables_by_name ON kb_tables(name, id);

CREATE TABLE kb_columns (
	table_id     INTEGER NOT NULL REFERENCES kb_tables(id) ON DELETE CASCADE,
	position     INTEGER NOT NULL,
	name         TEXT NOT NULL,
	type         TEXT NOT NULL CHECK (type = 'text' OR type = 'integer' OR
	                                  type = 'money' OR type = 'boolean' OR
	                                  type = 'json_list' OR type = 'url' OR
	                                  type = 'enum'),
	required     INTEGER NOT NULL DEFAULT 0,
	enum_values  TEXT,           -- JSON list, for type 'enum'
	PRIMARY KEY (table_id, position),
	UNIQUE (table_id, name)
) WITHOUT ROWID;

-- cells is a JSON object keyed by column name, so reordering columns never
-- rewrites rows.  Money cells hold minor units.
CREATE TABLE kb_rows (
	id          INTEGER PRIMARY KEY,
	table_id    INTEGER NOT NULL REFERENCES kb_tables(id) ON DELETE CASCADE,
	position    INTEGER NOT NULL,
	cells       TEXT NOT NULL CHECK (json_valid(cells)),
	version     INTEGER NOT NULL DEFAULT 1,
	pending     INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER NOT NULL
);
CREATE INDEX kb_rows_by_position ON kb_rows(table_id, position, id);

-- Depth agency projects; deposit/milestone/final invoices point at one.
CREATE TABLE projects (
	id             INTEGER PRIMARY KEY,
	company_id     INTEGER NOT NULL REFERENCES companies(id),
	name           TEXT NOT NULL,
	status         TEXT NOT NULL DEFAULT 'active'
	                 CHECK (status = 'quote' OR status = 'active' OR
	                        status = 'completed' OR status = 'cancelled'),
	currency       TEXT NOT NULL,
	budget_minor   INTEGER NOT NULL,
	agency_fee_bp  INTEGER NOT NULL,   -- clamped to 1000..5000
	fee_breakdown  TEXT,               -- "base 20 + expert 5 − repeat 2"
	created_at     INTEGER NOT NULL
);

CREATE TABLE invoices (
	id                 INTEGER PRIMARY KEY,
	company_id         INTEGER NOT NULL REFERENCES companies(id),
	project_id         INTEGER REFERENCES projects(id),
	kind               TEXT NOT NULL CHECK (kind = 'commission' OR
	                                        kind = 'subscription' OR
	                                        kind = 'deposit' OR
	                                        kind = 'milestone' OR
	                                        kind = 'final' OR
	                                        kind = 'additional'),
	number             TEXT UNIQUE,    -- INV-YYYY-NNNNNN, allocated on issue
	status             TEXT NOT NULL DEFAULT 'draft'
	                     CHECK (status = 'draft' OR status = 'sent' OR
	                            status = 'paid' OR status = 'overdue' OR
	                            status = 'cancelled'),
	currency           TEXT NOT NULL,
	subtotal_minor     INTEGER NOT NULL DEFAULT 0,
	discount_minor     INTEGER NOT NULL DEFAULT 0,
	tax_minor          INTEGER NOT NULL DEFAULT 0,
	total_minor        INTEGER NOT NULL DEFAULT 0,
	amount_paid_minor  INTEGER NOT NULL DEFAULT 0,
	amount_due_minor   INTEGER NOT NULL DEFAULT 0,
	issue_date         TEXT,
	due_date           TEXT,
	period_start       TEXT,
	period_end         TEXT,
	notes              TEXT,
	cancel_reason      TEXT,
	version            INTEGER NOT NULL DEFAULT 1,
	pending            INTEGER NOT NULL DEFAULT 0,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL
);
-- Drafts have no due date yet; they sort as the latest so they stay in view.
CREATE INDEX invoices_by_due ON invoices(ifnull(due_date, '9999-12-31'), id);
CREATE INDEX invoices_company ON invoices(company_id, status);

CREATE TABLE invoice_lines (
	id                INTEGER PRIMARY KEY,
	invoice_id        INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
	position          INTEGER NOT NULL,
	description       TEXT NOT NULL,
	quantity          INTEGER NOT NULL DEFAULT 1,
	unit_price_minor  INTEGER NOT NULL,
	amount_minor      INTEGER NOT NULL,
	ref_kind          TEXT CHECK (ref_kind = 'booking' OR
	                              ref_kind = 'order'),
	ref_id            TEXT,
	fee_breakdown     TEXT           -- "agency fee 23 % = base 20 + expert 5 − repeat 2"
);
CREATE INDEX invoice_lines_invoice ON invoice_lines(invoice_id, position);

CREATE TABLE payments (
	id            INTEGER PRIMARY KEY,
	invoice_id    INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
	amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
	currency      TEXT NOT NULL,
	method        TEXT NOT NULL CHECK (method = 'bank_transfer' OR
	                                   method = 'cash' OR method = 'card' OR
	                                   method = 'mobile_wallet' OR
	                                   method = 'installments'),
	reference     TEXT,
	paid_at       INTEGER NOT NULL,
	status        TEXT NOT NULL DEFAULT 'confirmed'
	                CHECK (status = 'pending' OR status = 'confirmed' OR
	                       status = 'failed' OR status = 'refunded'),
	verified_by   INTEGER REFERENCES users(id),
	version       INTEGER NOT NULL DEFAULT 1,
	pending       INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL
);
CREATE INDEX payments_invoice ON payments(invoice_id);

CREATE TABLE notifications (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users(id),
	kind        TEXT NOT NULL,   -- assigned, new_offer, invoice_overdue, payment_received…
	title       TEXT NOT NULL,
	ref_type    TEXT,
	ref_id      INTEGER,
	created_at  INTEGER NOT NULL,
	read_at     INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

CREATE TABLE audit_log (
	id               INTEGER PRIMARY KEY,
	actor_id         INTEGER REFERENCES users(id),
	on_behalf_of_id  INTEGER REFERENCES users(id),  -- staff acting for a customer
	action           TEXT NOT NULL,
	ref_type         TEXT NOT NULL,
	ref_id           INTEGER NOT NULL,
	detail           TEXT,
	created_at       INTEGER NOT NULL
);

-- Local actions waiting for the server, in order.  A committed entry is
-- never lost: it is either acknowledged (done), or rejected with the
-- server's reason and shown under "sync problems".
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY,
	idem_key     TEXT NOT NULL UNIQUE,
	method       TEXT NOT NULL,
	path         TEXT NOT NULL,
	body         TEXT,
	if_match     INTEGER,        -- version the change was made against
	ref_type     TEXT NOT NULL,
	ref_id       INTEGER NOT NULL,
	undo         TEXT,           -- JSON of the row before the optimistic apply
	state        TEXT NOT NULL DEFAULT 'queued'
	               CHECK (state = 'queued' OR state = 'inflight' OR
	                      state = 'done' OR state = 'rejected'),
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT,
	created_at   INTEGER NOT NULL
);
CREATE INDEX outbox_state ON outbox(state, id);

CREATE TABLE sync_state (
	key    TEXT PRIMARY KEY,     -- cursor, server, user, last_sync_at…
	value  TEXT
) WITHOUT ROWID;

-- Full-text indexes.  unicode61 with diacritics removed matches "cafe" to
-- "café"; Cyrillic and Arabic tokenize on the same rules.
CREATE VIRTUAL TABLE messages_fts USING fts5(
	body, content='messages', content_rowid='id',
	tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
	INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
	INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;

CREATE VIRTUAL TABLE kb_rows_fts USING fts5(
	cells, content='kb_rows', content_rowid='id',
	tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER kb_rows_fts_ai AFTER INSERT ON kb_rows BEGIN
	INSERT INTO kb_rows_fts(rowid, cells) VALUES (new.id, new.cells);
END;
CREATE TRIGGER kb_rows_fts_ad AFTER DELETE ON kb_rows BEGIN
	INSERT INTO kb_rows_fts(kb_rows_fts, rowid, cells) VALUES ('delete', old.id, old.cells);
END;
CREATE TRIGGER kb_rows_fts_au AFTER UPDATE OF cells ON kb_rows BEGIN
	INSERT INTO kb_rows_fts(kb_rows_fts, rowid, cells) VALUES ('delete', old.id, old.cells);
	INSERT INTO kb_rows_fts(rowid, cells) VALUES (new.id, new.cells);
END;

-- Invoices are found by number, company, notes or any line's description,
-- which live in three tables; this index keeps its own copy (rowid = invoice id).
CREATE VIRTUAL TABLE invoices_fts USING fts5(
	number, company, notes, lines, tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER invoices_fts_ai AFTER INSERT ON invoices BEGIN
	INSERT INTO invoices_fts(rowid, number, company, notes, lines)
	VALUES (new.id, new.number,
	        (SELECT code || ' ' || name FROM companies WHERE id = new.company_id),
	        new.notes, '');
END;
CREATE TRIGGER invoices_fts_ad AFTER DELETE ON invoices BEGIN
	DELETE FROM invoices_fts WHERE rowid = old.id;
END;
CREATE TRIGGER invoices_fts_au AFTER UPDATE OF number, notes, company_id ON invoices BEGIN
	UPDATE invoices_fts SET number = new.number, notes = new.notes,
	       company = (SELECT code || ' ' || name FROM companies WHERE id = new.company_id)
	 WHERE rowid = new.id;
END;
CREATE TRIGGER invoice_lines_fts_ai AFTER INSERT ON invoice_lines BEGIN
	UPDATE invoices_fts SET lines = lines || ' ' || new.description
	 WHERE rowid = new.invoice_id;
END;
CREATE TRIGGER invoice_lines_fts_ad AFTER DELETE ON invoice_lines BEGIN
	UPDATE invoices_fts SET lines = (SELECT group_concat(description, ' ')
	                                   FROM invoice_lines WHERE invoice_id = old.invoice_id)
	 WHERE rowid = old.invoice_id;
END;
