-- mkt local cache, version 5: the queue's search at scale.
--
--   * "/" wants conversations, not messages.  Keyed by message id, every
--     hit cost a lookup in messages for its conversation: a common word in
--     2,000,000 messages was 500,000 lookups.  The index's rowid now says
--     both, conversation_id << 32 | (id & 0xffffffff), so the conversation
--     is rowid >> 32 and hits come in conversation order.  Message ids stay
--     below 2^32 and local ones (negative, see outbox_temp_id) keep their
--     low 32 bits, which never meet a server id in one conversation.  The
--     table is contentless: deleting needs the old body, which the
--     triggers have.
--   * contact names get a word index of their own instead of folding
--     every name on every search.
DROP TRIGGER messages_fts_ai;
DROP TRIGGER messages_fts_ad;
DROP TRIGGER messages_fts_au;
DROP TABLE messages_fts;

CREATE VIRTUAL TABLE messages_fts USING fts5(
	body, content='', tokenize='unicode61 remove_diacritics 2');
INSERT INTO messages_fts(rowid, body)
	SELECT (conversation_id << 32) | (id & 4294967295), body FROM messages;
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
	INSERT INTO messages_fts(rowid, body) VALUES (
	    (new.conversation_id << 32) | (new.id & 4294967295), new.body);
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete',
	    (old.conversation_id << 32) | (old.id & 4294967295), old.body);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF id, conversation_id, body
    ON messages BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete',
	    (old.conversation_id << 32) | (old.id & 4294967295), old.body);
	INSERT INTO messages_fts(rowid, body) VALUES (
	    (new.conversation_id << 32) | (new.id & 4294967295), new.body);
END;

CREATE VIRTUAL TABLE contacts_fts USING fts5(
	name, content='contacts', content_rowid='id',
	tokenize='unicode61 remove_diacritics 2');
INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild');
CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN
	INSERT INTO contacts_fts(rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN
	INSERT INTO contacts_fts(contacts_fts, rowid, name)
	    VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER contacts_fts_au AFTER UPDATE OF name ON contacts BEGIN
	INSERT INTO contacts_fts(contacts_fts, rowid, name)
	    VALUES ('delete', old.id, old.name);
	INSERT INTO contacts_fts(rowid, name) VALUES (new.id, new.name);
END;
-- A contact's conversations.  mktd made the same index in its own
-- migration (db/server/003_triage.sql), which now skips it.
CREATE INDEX IF NOT EXISTS conversations_contact
    ON conversations(contact_id, channel_id);
