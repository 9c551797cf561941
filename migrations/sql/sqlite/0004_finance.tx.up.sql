-- Generated from mysql/0004_finance.up.sql.
-- Finance (issue 7): search, totals, export and reconciliation.
--
-- invoices.report_status and approved_at copy the holding report's status
-- and approval time ('' and NULL in no report). Reports keeps them in step
-- in the transaction that changes the report (store.syncFinanceColumns),
-- so every search filter is a column of invoices and each search is one
-- index range instead of a join per row (DECISIONS 21: a month at a
-- million invoices in 20 ms, its totals in 100 ms).
ALTER TABLE invoices ADD COLUMN report_status TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE invoices ADD COLUMN approved_at TIMESTAMP NULL;
--bun:split
UPDATE invoices SET
  report_status = COALESCE((SELECT r.status FROM report_invoices AS ri JOIN reports AS r ON r.id = ri.report_id
    WHERE ri.invoice_id = invoices.id), ''),
  approved_at = (SELECT r.decided_at FROM report_invoices AS ri JOIN reports AS r ON r.id = ri.report_id
    WHERE ri.invoice_id = invoices.id AND r.status = 'approved');
--bun:split
-- Pages are keyset on (date, id): each index leads with a filter or the
-- date, then (date, id), so a page is one index range read in order. The
-- date indexes and the two broad filters' carry the amounts, so a month's
-- totals are read from the index alone.
CREATE INDEX invoices_fin_issued ON invoices (issued_at, id, report_status, wechat_status, amount_cents, amount_without_tax_cents, tax_cents);
--bun:split
CREATE INDEX invoices_fin_imported ON invoices (imported_at, id, report_status, wechat_status, amount_cents, amount_without_tax_cents, tax_cents);
--bun:split
CREATE INDEX invoices_fin_approved ON invoices (approved_at, id, wechat_status, amount_cents, amount_without_tax_cents, tax_cents);
--bun:split
CREATE INDEX invoices_fin_status_issued ON invoices (wechat_status, issued_at, id, report_status, amount_cents, amount_without_tax_cents, tax_cents);
--bun:split
CREATE INDEX invoices_fin_report_issued ON invoices (report_status, issued_at, id, wechat_status, amount_cents, amount_without_tax_cents, tax_cents);
--bun:split
CREATE INDEX invoices_fin_owner_issued ON invoices (owner_id, issued_at, id);
--bun:split
CREATE INDEX invoices_fin_owner_approved ON invoices (owner_id, approved_at, id);
--bun:split
CREATE INDEX invoices_fin_seller_issued ON invoices (seller_tax_number, issued_at, id);
--bun:split
CREATE INDEX invoices_fin_seller_approved ON invoices (seller_tax_number, approved_at, id);
--bun:split
-- q is a prefix of these (DECISIONS 20): each can be read as an index range.
CREATE INDEX invoices_fin_number ON invoices (invoice_number, issued_at, id);
--bun:split
CREATE INDEX invoices_fin_seller_name ON invoices (seller_name, issued_at, id);
--bun:split
CREATE INDEX employees_fin_name ON employees (name);
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
