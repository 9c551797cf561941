-- Originals (issue 16, DECISIONS 11 and 42): the files an invoice came
-- from, content-addressed by SHA-256 (lower-case hex). The bytes live in
-- the storage driver; blobs is the `db` driver's table.
CREATE TABLE invoice_originals (
  invoice_id  TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  name        TEXT NOT NULL,
  media_type  TEXT NOT NULL,
  size        INTEGER NOT NULL,
  source      TEXT NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  PRIMARY KEY (invoice_id, sha256)
);
--bun:split
CREATE INDEX invoice_originals_sha256 ON invoice_originals (sha256);
--bun:split
CREATE TABLE blobs (
  sha256      TEXT NOT NULL PRIMARY KEY,
  size        INTEGER NOT NULL,
  data        BLOB NOT NULL,
  created_at  TIMESTAMP NOT NULL
);
--bun:split
-- The wallet PDF downloads still to do: one row per invoice with a
-- pdf_url, written in the import's transaction, so a crash loses none.
CREATE TABLE invoice_pdf_fetches (
  invoice_id   TEXT NOT NULL PRIMARY KEY,
  url          TEXT NOT NULL,
  state        TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_at      TIMESTAMP NOT NULL,
  lease_owner  TEXT NOT NULL DEFAULT '',
  lease_until  TIMESTAMP NULL,
  last_error   TEXT NOT NULL DEFAULT '',
  updated_at   TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX invoice_pdf_fetches_due ON invoice_pdf_fetches (state, next_at);
