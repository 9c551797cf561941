-- ERP clients of the open API: several per deployment (DECISIONS 1). The
-- secret is needed in plaintext to check signatures, so it is sealed with
-- a key derived from auth.data_key (AES-GCM), never hashed (DECISIONS 18).
-- Ids, nonces and signatures compare byte for byte (DECISIONS 17).
CREATE TABLE open_apps (
  id            VARBINARY(64) NOT NULL PRIMARY KEY,
  name          VARCHAR(100) NOT NULL,
  secret_sealed VARBINARY(255) NOT NULL,
  created_at    DATETIME(6) NOT NULL,
  revoked_at    DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
-- Nonces (native profile) and signatures (Yuanian profile) seen within the
-- replay window, shared by every instance.
CREATE TABLE open_api_nonces (
  app_id     VARBINARY(64) NOT NULL,
  nonce      VARBINARY(160) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  PRIMARY KEY (app_id, nonce),
  KEY open_api_nonces_expiry (expires_at)
) ENGINE=InnoDB;
--bun:split
-- Idempotency-Key of mutating native calls: the body hash and the answer.
CREATE TABLE open_api_idempotency (
  app_id      VARBINARY(64) NOT NULL,
  idem_key    VARBINARY(255) NOT NULL,
  endpoint    VARCHAR(100) NOT NULL,
  body_hash   VARBINARY(64) NOT NULL,
  state       VARCHAR(12) NOT NULL,
  status      INT NOT NULL,
  response    MEDIUMTEXT NOT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  PRIMARY KEY (app_id, idem_key),
  KEY open_api_idempotency_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
--bun:split
-- Every open-API call: who, what, the outcome and how long; no bodies.
CREATE TABLE open_api_calls (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  app_id      VARBINARY(64) NOT NULL,
  profile     VARCHAR(12) NOT NULL,
  method      VARCHAR(8) NOT NULL,
  endpoint    VARCHAR(100) NOT NULL,
  status      INT NOT NULL,
  result      VARCHAR(64) NOT NULL,
  latency_ms  INT NOT NULL,
  request_id  VARCHAR(64) NOT NULL,
  at          DATETIME(6) NOT NULL,
  KEY open_api_calls_app (app_id, id),
  KEY open_api_calls_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
--bun:split
-- Where outbound events go; the signing secret is sealed like app secrets.
CREATE TABLE webhook_endpoints (
  id            VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  url           VARCHAR(1000) NOT NULL,
  events        VARCHAR(500) NOT NULL,
  secret_sealed VARBINARY(255) NOT NULL,
  active        BOOLEAN NOT NULL,
  created_at    DATETIME(6) NOT NULL,
  updated_at    DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
-- One row per event and endpoint, written in the transaction that makes
-- the event and delivered by lease like the outbox.
CREATE TABLE webhook_deliveries (
  id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  endpoint_id     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_id        VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_type      VARCHAR(40) NOT NULL,
  payload         MEDIUMTEXT NOT NULL,
  state           VARCHAR(12) NOT NULL,
  attempts        INT NOT NULL,
  next_attempt_at DATETIME(6) NOT NULL,
  lease_owner     VARCHAR(100) NOT NULL,
  lease_until     DATETIME(6) NULL,
  last_status     INT NOT NULL,
  last_error      VARCHAR(500) NOT NULL,
  created_at      DATETIME(6) NOT NULL,
  updated_at      DATETIME(6) NOT NULL,
  delivered_at    DATETIME(6) NULL,
  KEY webhook_deliveries_due (state, next_attempt_at),
  KEY webhook_deliveries_endpoint (endpoint_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
-- PC QR import sessions: the token is the capability in the QR code.
CREATE TABLE qr_import_sessions (
  token        VARBINARY(64) NOT NULL PRIMARY KEY,
  biz_code     VARBINARY(64) NOT NULL,
  created_by   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  app_id       VARBINARY(64) NOT NULL,
  any_employee BOOLEAN NOT NULL,
  state        VARCHAR(12) NOT NULL,
  employee_id  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  channel      VARCHAR(8) NOT NULL,
  created_at   DATETIME(6) NOT NULL,
  expires_at   DATETIME(6) NOT NULL,
  claimed_at   DATETIME(6) NULL,
  done_at      DATETIME(6) NULL,
  KEY qr_import_sessions_biz_code (biz_code),
  KEY qr_import_sessions_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
--bun:split
-- Business document numbers (bizCode: an ERP report number or a QR
-- session's code) and the invoices imported under them.
CREATE TABLE invoice_biz_codes (
  biz_code    VARBINARY(64) NOT NULL,
  invoice_id  VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  app_id      VARBINARY(64) NOT NULL,
  created_at  DATETIME(6) NOT NULL,
  PRIMARY KEY (biz_code, invoice_id),
  KEY invoice_biz_codes_invoice (invoice_id)
) ENGINE=InnoDB;
--bun:split
-- The Yuanian search filters on the update time.
CREATE INDEX invoices_updated ON invoices (updated_at, id);
