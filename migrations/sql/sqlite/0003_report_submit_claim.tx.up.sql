-- A submit holds this claim while it asks WeChat to lock the invoices,
-- outside any transaction, so two submits of one report never interleave.
ALTER TABLE reports ADD COLUMN submit_claim_until TIMESTAMP NULL;
