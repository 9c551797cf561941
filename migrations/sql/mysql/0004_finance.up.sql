-- Finance search (GET /api/v1/finance/invoices, DECISIONS 19-21). Pages are
-- keyset on (date, id), so each index leads with a filter, then the date
-- the range is on, then id: a page is one index range read in order.
CREATE INDEX invoices_fin_issued ON invoices (issued_at, id);
--bun:split
CREATE INDEX invoices_fin_imported ON invoices (imported_at, id);
--bun:split
CREATE INDEX invoices_fin_owner_issued ON invoices (owner_id, issued_at, id);
--bun:split
CREATE INDEX invoices_fin_seller_issued ON invoices (seller_tax_number, issued_at, id);
--bun:split
CREATE INDEX invoices_fin_status_issued ON invoices (wechat_status, issued_at, id);
--bun:split
-- q is a prefix of these (DECISIONS 20): each can be read as an index range.
CREATE INDEX invoices_fin_number ON invoices (invoice_number);
--bun:split
CREATE INDEX invoices_fin_seller_name ON invoices (seller_name);
--bun:split
CREATE INDEX employees_fin_name ON employees (name);
--bun:split
-- Approval-date searches and the export start from approved reports
-- (reports_status) or from one employee's reports.
CREATE INDEX reports_fin_employee ON reports (employee_id, status, decided_at, id);
--bun:split
-- A reconciliation run compares our invoices in a date range with WeChat.
-- It runs in the background of the instance that started it, which beats
-- heartbeat_at while it works; a run whose heartbeat stops was interrupted.
CREATE TABLE reconcile_runs (
  id            VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  date_field    VARCHAR(12) NOT NULL,
  from_on       VARCHAR(10) NOT NULL,
  to_on         VARCHAR(10) NOT NULL,
  state         VARCHAR(12) NOT NULL,
  checked       INT NOT NULL,
  pending       INT NOT NULL,
  mismatches    INT NOT NULL,
  error         VARCHAR(500) NOT NULL,
  requested_by  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  created_at    DATETIME(6) NOT NULL,
  heartbeat_at  DATETIME(6) NOT NULL,
  finished_at   DATETIME(6) NULL,
  KEY reconcile_runs_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE reconcile_mismatches (
  id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  run_id         VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  invoice_id     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  report_id      VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  report_number  VARCHAR(32) NOT NULL,
  report_status  VARCHAR(12) NOT NULL,
  expected       VARCHAR(10) NOT NULL,
  recorded       VARCHAR(10) NOT NULL,
  wechat         VARCHAR(10) NOT NULL,
  kind           VARCHAR(20) NOT NULL,
  reason         VARCHAR(500) NOT NULL,
  repair         VARCHAR(16) NOT NULL,
  repair_note    VARCHAR(500) NOT NULL,
  KEY reconcile_mismatches_run (run_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
