-- Originals (issue 16, DECISIONS 11 and 42): the files an invoice came
-- from, content-addressed by SHA-256 (lower-case hex, compared byte for
-- byte: DECISIONS 17). The bytes live in the storage driver; blobs is the
-- `db` driver's table.
CREATE TABLE invoice_originals (
  invoice_id  VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sha256      VARBINARY(64) NOT NULL,
  name        VARCHAR(255) NOT NULL,
  media_type  VARCHAR(100) NOT NULL,
  size        BIGINT NOT NULL,
  source      VARCHAR(16) NOT NULL,
  created_at  DATETIME(6) NOT NULL,
  PRIMARY KEY (invoice_id, sha256),
  KEY invoice_originals_sha256 (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
--bun:split
CREATE TABLE blobs (
  sha256      VARBINARY(64) NOT NULL PRIMARY KEY,
  size        BIGINT NOT NULL,
  data        LONGBLOB NOT NULL,
  created_at  DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
--bun:split
-- The wallet PDF downloads still to do: one row per invoice with a
-- pdf_url, written in the import's transaction, so a crash loses none.
CREATE TABLE invoice_pdf_fetches (
  invoice_id   VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  url          VARCHAR(1000) NOT NULL,
  state        VARCHAR(16) NOT NULL,
  attempts     INT NOT NULL DEFAULT 0,
  next_at      DATETIME(6) NOT NULL,
  lease_owner  VARCHAR(128) NOT NULL DEFAULT '',
  lease_until  DATETIME(6) NULL,
  last_error   VARCHAR(500) NOT NULL DEFAULT '',
  updated_at   DATETIME(6) NOT NULL,
  KEY invoice_pdf_fetches_due (state, next_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
