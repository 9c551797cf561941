-- File invoices (issue 16, DECISIONS 34, 40): an invoice may come as a file
-- (upload, mail, erp) with no WeChat card, and a file that could not give
-- the number waits for review. Both identities stay unique where they exist.
ALTER TABLE invoices ADD COLUMN source TEXT NOT NULL DEFAULT 'wallet';
--bun:split
DROP INDEX invoices_wallet_id;
--bun:split
CREATE UNIQUE INDEX invoices_wallet_id ON invoices (channel, card_id, encrypt_code) WHERE encrypt_code <> '';
--bun:split
DROP INDEX invoices_business_id;
--bun:split
CREATE UNIQUE INDEX invoices_business_id ON invoices (invoice_code, invoice_number) WHERE invoice_number <> '';
--bun:split
CREATE INDEX invoices_business_lookup ON invoices (invoice_number, invoice_code);
