-- mktd's own tables, on top of the cache schema (db/001_init.sql) that the
-- server shares with mkt.  Applied by mktd/db.c and tracked by name in
-- server_migrations; PRAGMA user_version belongs to the cache schema.

-- yescrypt ($y$…) hashes; NULL means the user cannot log in.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- Refresh tokens are stored only as SHA-256 hashes.  Every refresh marks
-- the presented token used and issues a new one in the same family; a used
-- token presented again means it leaked, so its whole family is revoked.
-- Expired tokens are deleted at each login.
CREATE TABLE refresh_tokens (
	id            INTEGER PRIMARY KEY,
	token_hash    BLOB NOT NULL UNIQUE,
	user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	family        TEXT NOT NULL,
	rotated_from  INTEGER REFERENCES refresh_tokens(id) ON DELETE SET NULL,
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL,
	used_at       INTEGER,
	revoked_at    INTEGER
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);

-- The stored result of each keyed write, per user.  applied is 1 only
-- when the first (and only) execution committed its changes; a replay
-- never touches the row.  Rows older than a day are purged.
CREATE TABLE idempotency (
	user_id       INTEGER NOT NULL,
	key           TEXT NOT NULL,
	method        TEXT NOT NULL,
	path          TEXT NOT NULL,
	request_hash  TEXT NOT NULL,   -- SHA-256 of method, path and body
	status        INTEGER NOT NULL,
	content_type  TEXT,
	body          BLOB,
	applied       INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_age ON idempotency(created_at);

-- The change feed.  One live entry per row: recording a change deletes
-- the row's older entry and appends a new one, so a client starting from
-- 0 reads each row once and the feed never outgrows the data.  The scope
-- columns are copied from the row when it is recorded, which is what lets
-- a tombstone be filtered after its row is gone.
CREATE TABLE changes (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	type        TEXT NOT NULL,
	row_id      INTEGER NOT NULL,
	op          TEXT NOT NULL CHECK (op = 'upsert' OR op = 'delete'),
	company_id  INTEGER,   -- the company whose scope the row is in
	user_id     INTEGER,   -- the one user a personal row belongs to
	order_id    INTEGER,   -- the order a marketplace row hangs off
	created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX changes_row ON changes(type, row_id);

-- Server secrets and counters: jwt_key (32 random bytes).
CREATE TABLE settings (
	key    TEXT PRIMARY KEY,
	value  BLOB NOT NULL
) WITHOUT ROWID;

-- Gapless INV-YYYY-NNNNNN: the last number issued in each year.
CREATE TABLE invoice_counters (
	year  INTEGER PRIMARY KEY,
	last  INTEGER NOT NULL
);

-- Failed logins per e-mail (lower case), for rate limiting.
CREATE TABLE login_failures (
	id     INTEGER PRIMARY KEY,
	email  TEXT NOT NULL,
	at     INTEGER NOT NULL
);
CREATE INDEX login_failures_email ON login_failures(email, at);

-- Scope lookups of the feed and of scope_company().
CREATE INDEX companies_manager ON companies(manager_id);
CREATE INDEX companies_owner ON companies(owner_id);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX offers_performer ON offers(performer_id);
CREATE INDEX contact_purchases_performer ON contact_purchases(performer_id);
CREATE INDEX users_email_nocase ON users(email COLLATE NOCASE);
