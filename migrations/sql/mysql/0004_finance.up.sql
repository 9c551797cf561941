-- Finance (issue 7): search, totals, export and reconciliation.
--
-- invoices.report_status and approved_at copy the holding report's status
-- and approval time ('' and NULL in no report). Reports keeps them in step
-- in the transaction that changes the report (store.syncFinanceColumns),
-- so every search filter is a column of invoices and each search is one
-- index range instead of a join per row (DECISIONS 21: a month at a
-- million invoices in 20 ms, its totals in 100 ms).
ALTER TABLE invoices ADD COLUMN report_status VARCHAR(12) NOT NULL DEFAULT '',
  ADD COLUMN approved_at DATETIME(6) NULL;
--bun:split
UPDATE invoices AS i JOIN report_invoices AS ri ON ri.invoice_id = i.id JOIN reports AS r ON r.id = ri.report_id
SET i.report_status = r.status, i.approved_at = CASE WHEN r.status = 'approved' THEN r.decided_at ELSE NULL END;
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
