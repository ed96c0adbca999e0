-- mkt local cache, version 4: the conversation triage workspace.
--
--   * canned responses are stored on the server per company and reach the
--     cache through the change feed like any other row;
--   * drafts are the composer's unsent text, one per conversation and
--     kind, so closing the pane or quitting loses nothing.  They never
--     leave the machine (the server schema has the table unused);
--   * the queue sorts by waiting time and by priority as well as by last
--     activity, and keyset paging needs an index on each sort key.  The
--     expressions must match KEY_WAITING and KEY_PRIORITY in src/queue.c
--     character for character, or SQLite will not use them.
CREATE TABLE canned_responses (
	id          INTEGER PRIMARY KEY,
	company_id  INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	short_code  TEXT NOT NULL,   -- what people search by: "refund-policy"
	content     TEXT NOT NULL,
	version     INTEGER NOT NULL DEFAULT 1,
	pending     INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER NOT NULL,
	UNIQUE (company_id, short_code)
);

CREATE TABLE drafts (
	conversation_id  INTEGER NOT NULL,
	kind             TEXT NOT NULL CHECK (kind = 'text' OR kind = 'note'),
	body             TEXT NOT NULL,
	updated_at       INTEGER NOT NULL,
	PRIMARY KEY (conversation_id, kind)
) WITHOUT ROWID;

-- Oldest unanswered customer first; conversations nobody waits on follow,
-- most recent activity first.
CREATE INDEX conversations_by_waiting ON conversations(
	ifnull(waiting_since, 8000000000 - last_activity_at), id);
-- Most urgent first, then most recent activity.
CREATE INDEX conversations_by_priority ON conversations(
	(CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3
	 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END) * 10000000000 +
	last_activity_at, id);
CREATE INDEX conversations_assignee ON conversations(assignee_id);
CREATE INDEX contacts_name ON contacts(name);
