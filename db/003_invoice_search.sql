-- mkt local cache, version 3: invoice search keeps its line text.
--
-- The delete trigger of version 1 set an invoice's indexed lines to
-- group_concat() of what was left, which is NULL once the last line is
-- gone; later inserts append to it, and NULL || text stays NULL, so an
-- invoice whose lines were replaced could no longer be found by them.
DROP TRIGGER invoice_lines_fts_ad;
CREATE TRIGGER invoice_lines_fts_ad AFTER DELETE ON invoice_lines BEGIN
	UPDATE invoices_fts SET lines = ifnull((SELECT group_concat(description, ' ')
	                                          FROM invoice_lines
	                                         WHERE invoice_id = old.invoice_id), '')
	 WHERE rowid = old.invoice_id;
END;
