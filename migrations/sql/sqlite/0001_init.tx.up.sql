-- Generated from 0001_init.mysql.up.sql: TEXT compares byte for byte in SQLite.
CREATE TABLE employees (
  id          TEXT NOT NULL PRIMARY KEY,
  name        TEXT NOT NULL,
  department  TEXT NOT NULL DEFAULT '',
  roles       TEXT NOT NULL,
  manager_id  TEXT NULL,
  active      INTEGER NOT NULL,
  version     BIGINT NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  updated_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX employees_manager ON employees (manager_id);
--bun:split
-- login is what sign-in looks up: the openid on OA, the userid on WeCom.
CREATE TABLE employee_identities (
  employee_id TEXT NOT NULL,
  channel     TEXT NOT NULL,
  app_id      TEXT NOT NULL,
  login       TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  open_id     TEXT NOT NULL,
  PRIMARY KEY (employee_id, channel, app_id)
);
--bun:split
CREATE UNIQUE INDEX employee_identities_login ON employee_identities (channel, app_id, login);
--bun:split
CREATE INDEX employee_identities_open_id ON employee_identities (channel, app_id, open_id);
--bun:split
CREATE TABLE invoices (
  id                      TEXT NOT NULL PRIMARY KEY,
  owner_id                TEXT NOT NULL,
  channel                 TEXT NOT NULL,
  card_id                 TEXT NOT NULL,
  encrypt_code            TEXT NOT NULL,
  issuer_app_id           TEXT NOT NULL,
  owner_open_id           TEXT NOT NULL,
  invoice_code            TEXT NOT NULL,
  invoice_number          TEXT NOT NULL,
  needs_review            INTEGER NOT NULL,
  billing_no              TEXT NOT NULL,
  billing_code            TEXT NOT NULL,
  kind                    TEXT NOT NULL,
  raw_type                TEXT NOT NULL,
  check_code              TEXT NOT NULL,
  issued_at               TIMESTAMP NULL,
  buyer_name              TEXT NOT NULL,
  buyer_tax_number        TEXT NOT NULL,
  buyer_address_phone     TEXT NOT NULL,
  buyer_bank_account      TEXT NOT NULL,
  seller_name             TEXT NOT NULL,
  seller_tax_number       TEXT NOT NULL,
  seller_address_phone    TEXT NOT NULL,
  seller_bank_account     TEXT NOT NULL,
  amount_cents            BIGINT NOT NULL,
  amount_without_tax_cents BIGINT NOT NULL,
  tax_cents               BIGINT NOT NULL,
  pdf_url                 TEXT NOT NULL,
  trip_pdf_url            TEXT NOT NULL,
  remarks                 TEXT NOT NULL,
  cashier                 TEXT NOT NULL,
  maker                   TEXT NOT NULL,
  valid_from              TIMESTAMP NULL,
  valid_until             TIMESTAMP NULL,
  raw                     TEXT NOT NULL,
  wechat_status           TEXT NOT NULL,
  status_generation       BIGINT NOT NULL,
  title_matches_company   INTEGER NOT NULL,
  imported_at             TIMESTAMP NOT NULL,
  updated_at              TIMESTAMP NOT NULL,
  version                 BIGINT NOT NULL
);
--bun:split
-- The same paper is reimbursed at most once, whoever imports it.
CREATE UNIQUE INDEX invoices_business_id ON invoices (invoice_code, invoice_number);
--bun:split
CREATE UNIQUE INDEX invoices_wallet_id ON invoices (channel, card_id, encrypt_code);
--bun:split
CREATE INDEX invoices_owner ON invoices (owner_id, imported_at);
--bun:split
CREATE INDEX invoices_card_owner ON invoices (card_id, owner_open_id);
--bun:split
CREATE TABLE invoice_lines (
  invoice_id        TEXT NOT NULL,
  position          INT NOT NULL,
  name              TEXT NOT NULL,
  quantity          TEXT NOT NULL,
  unit              TEXT NOT NULL,
  unit_price_cents  BIGINT NOT NULL,
  amount_cents      BIGINT NOT NULL,
  PRIMARY KEY (invoice_id, position)
);
--bun:split
CREATE TABLE reports (
  id            TEXT NOT NULL PRIMARY KEY,
  number        TEXT NOT NULL,
  title         TEXT NOT NULL,
  status        TEXT NOT NULL,
  employee_id   TEXT NOT NULL,
  approver_id   TEXT NOT NULL,
  total_cents   BIGINT NOT NULL,
  invoice_count INT NOT NULL,
  version       BIGINT NOT NULL,
  created_at    TIMESTAMP NOT NULL,
  updated_at    TIMESTAMP NOT NULL,
  submitted_at  TIMESTAMP NULL,
  decided_at    TIMESTAMP NULL
);
--bun:split
CREATE UNIQUE INDEX reports_number ON reports (number);
--bun:split
CREATE INDEX reports_employee ON reports (employee_id, created_at, id);
--bun:split
CREATE INDEX reports_approver ON reports (approver_id, status, submitted_at, id);
--bun:split
CREATE INDEX reports_status ON reports (status, decided_at, id);
--bun:split
-- Rows exist only for reports that hold their invoices (not deleted): the
-- unique invoice_id is what makes "in at most one report" true (DECISIONS 6).
CREATE TABLE report_invoices (
  report_id   TEXT NOT NULL,
  invoice_id  TEXT NOT NULL,
  position    INT NOT NULL,
  PRIMARY KEY (report_id, invoice_id)
);
--bun:split
CREATE UNIQUE INDEX report_invoices_invoice ON report_invoices (invoice_id);
--bun:split
CREATE TABLE report_history (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  report_id   TEXT NOT NULL,
  at          TIMESTAMP NOT NULL,
  actor_id    TEXT NOT NULL,
  action      TEXT NOT NULL,
  from_status TEXT NOT NULL,
  to_status   TEXT NOT NULL,
  comment     TEXT NOT NULL
);
--bun:split
CREATE INDEX report_history_report ON report_history (report_id, id);
--bun:split
-- Status changes WeChat still has to hear about, written in the same
-- transaction as the decision and delivered by the outbox worker.
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  invoice_id      TEXT NOT NULL,
  report_id       TEXT NOT NULL,
  channel         TEXT NOT NULL,
  open_id         TEXT NOT NULL,
  card_id         TEXT NOT NULL,
  encrypt_code    TEXT NOT NULL,
  target_status   TEXT NOT NULL,
  generation      BIGINT NOT NULL,
  state           TEXT NOT NULL,
  attempts        INT NOT NULL,
  next_attempt_at TIMESTAMP NOT NULL,
  lease_owner     TEXT NOT NULL,
  lease_until     TIMESTAMP NULL,
  last_error      TEXT NOT NULL,
  created_at      TIMESTAMP NOT NULL,
  updated_at      TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
--bun:split
CREATE INDEX outbox_invoice ON outbox (invoice_id, state);
--bun:split
CREATE TABLE outbox_attempts (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  outbox_id   BIGINT NOT NULL,
  at          TIMESTAMP NOT NULL,
  errcode     INT NOT NULL,
  message     TEXT NOT NULL
);
--bun:split
CREATE INDEX outbox_attempts_outbox ON outbox_attempts (outbox_id, id);
--bun:split
CREATE TABLE sequences (
  name  TEXT NOT NULL PRIMARY KEY,
  value BIGINT NOT NULL
);
