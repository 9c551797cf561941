-- Codes, openids and ids are case-sensitive: binary collations (DECISIONS 17).
CREATE TABLE employees (
  id          VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
  name        VARCHAR(100) NOT NULL,
  department  VARCHAR(100) NOT NULL DEFAULT '',
  roles       VARCHAR(100) NOT NULL,
  manager_id  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  active      BOOLEAN NOT NULL,
  version     BIGINT NOT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  KEY employees_manager (manager_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
-- login is what sign-in looks up: the openid on OA, the userid on WeCom.
CREATE TABLE employee_identities (
  employee_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  channel     VARCHAR(8) NOT NULL,
  app_id      VARBINARY(64) NOT NULL,
  login       VARBINARY(128) NOT NULL,
  user_id     VARBINARY(128) NOT NULL,
  open_id     VARBINARY(128) NOT NULL,
  PRIMARY KEY (employee_id, channel, app_id),
  UNIQUE KEY employee_identities_login (channel, app_id, login),
  KEY employee_identities_open_id (channel, app_id, open_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
--bun:split
CREATE TABLE invoices (
  id                      VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  owner_id                VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  channel                 VARCHAR(8) NOT NULL,
  card_id                 VARBINARY(128) NOT NULL,
  encrypt_code            VARBINARY(512) NOT NULL,
  issuer_app_id           VARBINARY(64) NOT NULL,
  owner_open_id           VARBINARY(128) NOT NULL,
  invoice_code            VARBINARY(32) NOT NULL,
  invoice_number          VARBINARY(64) NOT NULL,
  needs_review            BOOLEAN NOT NULL,
  billing_no              VARBINARY(64) NOT NULL,
  billing_code            VARBINARY(64) NOT NULL,
  kind                    VARCHAR(20) NOT NULL,
  raw_type                VARCHAR(100) NOT NULL,
  check_code              VARCHAR(64) NOT NULL,
  issued_at               DATETIME(6) NULL,
  buyer_name              VARCHAR(200) NOT NULL,
  buyer_tax_number        VARCHAR(64) NOT NULL,
  buyer_address_phone     VARCHAR(300) NOT NULL,
  buyer_bank_account      VARCHAR(300) NOT NULL,
  seller_name             VARCHAR(200) NOT NULL,
  seller_tax_number       VARCHAR(64) NOT NULL,
  seller_address_phone    VARCHAR(300) NOT NULL,
  seller_bank_account     VARCHAR(300) NOT NULL,
  amount_cents            BIGINT NOT NULL,
  amount_without_tax_cents BIGINT NOT NULL,
  tax_cents               BIGINT NOT NULL,
  pdf_url                 VARCHAR(1000) NOT NULL,
  trip_pdf_url            VARCHAR(1000) NOT NULL,
  remarks                 VARCHAR(1000) NOT NULL,
  cashier                 VARCHAR(100) NOT NULL,
  maker                   VARCHAR(100) NOT NULL,
  valid_from              DATETIME(6) NULL,
  valid_until             DATETIME(6) NULL,
  raw                     MEDIUMTEXT NOT NULL,
  wechat_status           VARCHAR(10) NOT NULL,
  status_generation       BIGINT NOT NULL,
  title_matches_company   BOOLEAN NOT NULL,
  imported_at             DATETIME(6) NOT NULL,
  updated_at              DATETIME(6) NOT NULL,
  version                 BIGINT NOT NULL,
  -- The same paper is reimbursed at most once, whoever imports it.
  UNIQUE KEY invoices_business_id (invoice_code, invoice_number),
  UNIQUE KEY invoices_wallet_id (channel, card_id, encrypt_code),
  KEY invoices_owner (owner_id, imported_at),
  KEY invoices_card_owner (card_id, owner_open_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE invoice_lines (
  invoice_id        VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  position          INT NOT NULL,
  name              VARCHAR(300) NOT NULL,
  quantity          VARCHAR(40) NOT NULL,
  unit              VARCHAR(40) NOT NULL,
  unit_price_cents  BIGINT NOT NULL,
  amount_cents      BIGINT NOT NULL,
  PRIMARY KEY (invoice_id, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE reports (
  id            VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  number        VARCHAR(32) NOT NULL,
  title         VARCHAR(200) NOT NULL,
  status        VARCHAR(12) NOT NULL,
  employee_id   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  approver_id   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  total_cents   BIGINT NOT NULL,
  invoice_count INT NOT NULL,
  version       BIGINT NOT NULL,
  created_at    DATETIME(6) NOT NULL,
  updated_at    DATETIME(6) NOT NULL,
  submitted_at  DATETIME(6) NULL,
  decided_at    DATETIME(6) NULL,
  UNIQUE KEY reports_number (number),
  KEY reports_employee (employee_id, created_at, id),
  KEY reports_approver (approver_id, status, submitted_at, id),
  KEY reports_status (status, decided_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
-- Rows exist only for reports that hold their invoices (not deleted): the
-- unique invoice_id is what makes "in at most one report" true (DECISIONS 6).
CREATE TABLE report_invoices (
  report_id   VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  invoice_id  VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  position    INT NOT NULL,
  PRIMARY KEY (report_id, invoice_id),
  UNIQUE KEY report_invoices_invoice (invoice_id)
) ENGINE=InnoDB;
--bun:split
CREATE TABLE report_history (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  report_id   VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  at          DATETIME(6) NOT NULL,
  actor_id    VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  action      VARCHAR(12) NOT NULL,
  from_status VARCHAR(12) NOT NULL,
  to_status   VARCHAR(12) NOT NULL,
  comment     TEXT NOT NULL,
  KEY report_history_report (report_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
-- Status changes WeChat still has to hear about, written in the same
-- transaction as the decision and delivered by the outbox worker.
CREATE TABLE outbox (
  id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_id      VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  report_id       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  channel         VARCHAR(8) NOT NULL,
  open_id         VARBINARY(128) NOT NULL,
  card_id         VARBINARY(128) NOT NULL,
  encrypt_code    VARBINARY(512) NOT NULL,
  target_status   VARCHAR(10) NOT NULL,
  generation      BIGINT NOT NULL,
  state           VARCHAR(12) NOT NULL,
  attempts        INT NOT NULL,
  next_attempt_at DATETIME(6) NOT NULL,
  lease_owner     VARCHAR(64) NOT NULL,
  lease_until     DATETIME(6) NULL,
  last_error      VARCHAR(500) NOT NULL,
  created_at      DATETIME(6) NOT NULL,
  updated_at      DATETIME(6) NOT NULL,
  KEY outbox_due (state, next_attempt_at),
  KEY outbox_invoice (invoice_id, state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
--bun:split
CREATE TABLE outbox_attempts (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  outbox_id   BIGINT NOT NULL,
  at          DATETIME(6) NOT NULL,
  errcode     INT NOT NULL,
  message     VARCHAR(500) NOT NULL,
  KEY outbox_attempts_outbox (outbox_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
--bun:split
CREATE TABLE sequences (
  name  VARCHAR(64) NOT NULL PRIMARY KEY,
  value BIGINT NOT NULL
) ENGINE=InnoDB;
