-- mkt local cache, version 2: what the sync engine needs of the outbox.
--
--   * an action may create a row locally (a reply, a payment) besides the
--     row it changes; that row has a temporary negative id until the
--     server's answer replaces it, and goes away if the server refuses.
--   * summary says in words what the action was, and status is the last
--     HTTP status, for the "sync problems" view.
ALTER TABLE outbox ADD COLUMN temp_type TEXT;
ALTER TABLE outbox ADD COLUMN temp_id INTEGER;
ALTER TABLE outbox ADD COLUMN summary TEXT;
ALTER TABLE outbox ADD COLUMN status INTEGER;

-- Pending marks are recounted per row from the outbox.
CREATE INDEX outbox_ref ON outbox(ref_type, ref_id, state);
