DROP INDEX invoices_business_lookup;
--bun:split
DROP INDEX invoices_business_id;
--bun:split
CREATE UNIQUE INDEX invoices_business_id ON invoices (invoice_code, invoice_number);
--bun:split
DROP INDEX invoices_wallet_id;
--bun:split
CREATE UNIQUE INDEX invoices_wallet_id ON invoices (channel, card_id, encrypt_code);
--bun:split
ALTER TABLE invoices DROP COLUMN source;
