-- How many times each stored result was replayed: idem.c adds one each
-- time a retry is answered from the store (IDEM_REPLAY), in a transaction
-- of its own that changes nothing else.  This is the one column a replay
-- touches (001's "a replay never touches the row" predates it).  It lets
-- tests read, from the server's database file, that retries really
-- happened (replays > 0) while each key still has one row and its write
-- was applied once.
ALTER TABLE idempotency ADD COLUMN replays INTEGER NOT NULL DEFAULT 0;
