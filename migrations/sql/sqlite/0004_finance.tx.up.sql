-- Generated from 0004_finance.up.sql (mysql). Finance search (GET
-- /api/v1/finance/invoices, DECISIONS 19-21). Pages are keyset on (date,
-- id), so each index leads with a filter, then the date the range is on,
-- then id: a page is one index range read in order.
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
  id            TEXT NOT NULL PRIMARY KEY,
  date_field    TEXT NOT NULL,
  from_on       TEXT NOT NULL,
  to_on         TEXT NOT NULL,
  state         TEXT NOT NULL,
  checked       INT NOT NULL,
  pending       INT NOT NULL,
  mismatches    INT NOT NULL,
  error         TEXT NOT NULL,
  requested_by  TEXT NOT NULL,
  created_at    TIMESTAMP NOT NULL,
  heartbeat_at  TIMESTAMP NOT NULL,
  finished_at   TIMESTAMP NULL
);
--bun:split
CREATE INDEX reconcile_runs_created ON reconcile_runs (created_at);
--bun:split
CREATE TABLE reconcile_mismatches (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id         TEXT NOT NULL,
  invoice_id     TEXT NOT NULL,
  report_id      TEXT NOT NULL,
  report_number  TEXT NOT NULL,
  report_status  TEXT NOT NULL,
  expected       TEXT NOT NULL,
  recorded       TEXT NOT NULL,
  wechat         TEXT NOT NULL,
  kind           TEXT NOT NULL,
  reason         TEXT NOT NULL,
  repair         TEXT NOT NULL,
  repair_note    TEXT NOT NULL
);
--bun:split
CREATE INDEX reconcile_mismatches_run ON reconcile_mismatches (run_id, id);
