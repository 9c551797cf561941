ALTER TABLE invoices
  DROP INDEX invoices_wallet_id,
  DROP INDEX invoices_business_id,
  DROP INDEX invoices_wallet_lookup,
  DROP INDEX invoices_business_lookup,
  DROP COLUMN wallet_key,
  DROP COLUMN business_key,
  DROP COLUMN source,
  ADD UNIQUE INDEX invoices_wallet_id (channel, card_id, encrypt_code),
  ADD UNIQUE INDEX invoices_business_id (invoice_code, invoice_number);
