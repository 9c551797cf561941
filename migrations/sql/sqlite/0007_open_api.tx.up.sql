-- ERP clients of the open API: several per deployment (DECISIONS 1). The
-- secret is needed in plaintext to check signatures, so it is sealed with
-- a key derived from auth.data_key (AES-GCM), never hashed (DECISIONS 18).
-- TEXT compares byte for byte in SQLite.
CREATE TABLE open_apps (
  id            TEXT NOT NULL PRIMARY KEY,
  name          TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  created_at    TIMESTAMP NOT NULL,
  revoked_at    TIMESTAMP NULL
);
--bun:split
-- Nonces (native profile) and signatures (Yuanian profile) seen within the
-- replay window, shared by every instance.
CREATE TABLE open_api_nonces (
  app_id     TEXT NOT NULL,
  nonce      TEXT NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  PRIMARY KEY (app_id, nonce)
);
--bun:split
CREATE INDEX open_api_nonces_expiry ON open_api_nonces (expires_at);
--bun:split
-- Idempotency-Key of mutating native calls: the body hash and the answer.
CREATE TABLE open_api_idempotency (
  app_id      TEXT NOT NULL,
  idem_key    TEXT NOT NULL,
  endpoint    TEXT NOT NULL,
  body_hash   TEXT NOT NULL,
  state       TEXT NOT NULL,
  status      INT NOT NULL,
  response    TEXT NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  updated_at  TIMESTAMP NOT NULL,
  PRIMARY KEY (app_id, idem_key)
);
--bun:split
CREATE INDEX open_api_idempotency_created ON open_api_idempotency (created_at);
--bun:split
-- Every open-API call: who, what, the outcome and how long; no bodies.
CREATE TABLE open_api_calls (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  app_id      TEXT NOT NULL,
  profile     TEXT NOT NULL,
  method      TEXT NOT NULL,
  endpoint    TEXT NOT NULL,
  status      INT NOT NULL,
  result      TEXT NOT NULL,
  latency_ms  INT NOT NULL,
  request_id  TEXT NOT NULL,
  at          TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX open_api_calls_app ON open_api_calls (app_id, id);
--bun:split
CREATE INDEX open_api_calls_at ON open_api_calls (at);
--bun:split
-- Where outbound events go; the signing secret is sealed like app secrets.
CREATE TABLE webhook_endpoints (
  id            TEXT NOT NULL PRIMARY KEY,
  url           TEXT NOT NULL,
  events        TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  active        INTEGER NOT NULL,
  created_at    TIMESTAMP NOT NULL,
  updated_at    TIMESTAMP NOT NULL
);
--bun:split
-- One row per event and endpoint, written in the transaction that makes
-- the event and delivered by lease like the outbox.
CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id     TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL,
  attempts        INT NOT NULL,
  next_attempt_at TIMESTAMP NOT NULL,
  lease_owner     TEXT NOT NULL,
  lease_until     TIMESTAMP NULL,
  last_status     INT NOT NULL,
  last_error      TEXT NOT NULL,
  created_at      TIMESTAMP NOT NULL,
  updated_at      TIMESTAMP NOT NULL,
  delivered_at    TIMESTAMP NULL
);
--bun:split
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
--bun:split
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
--bun:split
-- PC QR import sessions: the token is the capability in the QR code.
CREATE TABLE qr_import_sessions (
  token        TEXT NOT NULL PRIMARY KEY,
  biz_code     TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  app_id       TEXT NOT NULL,
  any_employee INTEGER NOT NULL,
  state        TEXT NOT NULL,
  employee_id  TEXT NOT NULL,
  channel      TEXT NOT NULL,
  created_at   TIMESTAMP NOT NULL,
  expires_at   TIMESTAMP NOT NULL,
  claimed_at   TIMESTAMP NULL,
  done_at      TIMESTAMP NULL
);
--bun:split
CREATE INDEX qr_import_sessions_biz_code ON qr_import_sessions (biz_code);
--bun:split
CREATE INDEX qr_import_sessions_expiry ON qr_import_sessions (expires_at);
--bun:split
-- Business document numbers (bizCode: an ERP report number or a QR
-- session's code) and the invoices imported under them.
CREATE TABLE invoice_biz_codes (
  biz_code    TEXT NOT NULL,
  invoice_id  TEXT NOT NULL,
  app_id      TEXT NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  PRIMARY KEY (biz_code, invoice_id)
);
--bun:split
CREATE INDEX invoice_biz_codes_invoice ON invoice_biz_codes (invoice_id);
--bun:split
-- The Yuanian search filters on the update time.
CREATE INDEX invoices_updated ON invoices (updated_at, id);
