-- mktd's indexes for the conversation triage workspace (the tables are the
-- cache schema's, db/004_triage.sql).
--
--   * the snooze timer looks for snoozed conversations whose time has
--     passed every 30 seconds; only snoozed rows are in this index, so
--     the look costs nothing when nobody snoozed anything;
--   * an inbound message finds its contact by handle within the company,
--     then the contact's open conversation on the channel.
CREATE INDEX conversations_snoozed ON conversations(snoozed_until)
	WHERE status = 'snoozed';
CREATE INDEX contacts_handle ON contacts(company_id, handle);
CREATE INDEX IF NOT EXISTS conversations_contact
    ON conversations(contact_id, channel_id);
