ALTER TABLE reports DROP COLUMN submit_claim_until;
