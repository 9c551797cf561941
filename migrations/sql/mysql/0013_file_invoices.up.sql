-- File invoices (issue 16, DECISIONS 34, 40): an invoice may come as a file
-- (upload, mail, erp) with no WeChat card, and a file that could not give
-- the number waits for review. MariaDB has no partial index: each identity
-- is unique through an invisible generated key that is NULL where the
-- identity is absent; the plain indexes serve the lookups.
ALTER TABLE invoices
  ADD COLUMN source VARCHAR(8) NOT NULL DEFAULT 'wallet',
  ADD COLUMN wallet_key VARBINARY(700) AS (IF(encrypt_code = '', NULL, CONCAT(channel, 0x00, card_id, 0x00, encrypt_code))) VIRTUAL INVISIBLE,
  ADD COLUMN business_key VARBINARY(100) AS (IF(invoice_number = '', NULL, CONCAT(invoice_code, 0x00, invoice_number))) VIRTUAL INVISIBLE;
--bun:split
ALTER TABLE invoices
  DROP INDEX invoices_wallet_id,
  DROP INDEX invoices_business_id,
  ADD UNIQUE INDEX invoices_wallet_id (wallet_key),
  ADD UNIQUE INDEX invoices_business_id (business_key),
  ADD INDEX invoices_wallet_lookup (channel, card_id, encrypt_code),
  ADD INDEX invoices_business_lookup (invoice_number, invoice_code);
