-- Expense details and payment (issue 17). Expense types (费用类型) are an
-- admin-kept list with codes for the ERP; each invoice in a report gets one
-- and the report a purpose (事由). A payment records that approved reports
-- were paid (approved → paid); it never touches WeChat (DECISIONS 32).
-- Bank account numbers are sealed with auth.data_key like the app secrets
-- (DECISIONS 18); only the mask (first and last four digits) is kept in clear.
CREATE TABLE expense_types (
  code     TEXT NOT NULL PRIMARY KEY,
  name     TEXT NOT NULL,
  active   BOOLEAN NOT NULL,
  position INT NOT NULL
);
--bun:split
INSERT INTO expense_types (code, name, active, position) VALUES
  ('travel', '差旅', 1, 1), ('transport', '交通', 1, 2), ('meal', '餐饮', 1, 3),
  ('office', '办公', 1, 4), ('telecom', '通讯', 1, 5), ('lodging', '住宿', 1, 6),
  ('entertainment', '业务招待', 1, 7), ('other', '其他', 1, 8);
--bun:split
ALTER TABLE reports ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE reports ADD COLUMN payment_id TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE reports ADD COLUMN paid_on TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE reports ADD COLUMN payment_method TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE reports ADD COLUMN payment_reference TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE report_invoices ADD COLUMN expense_type TEXT NOT NULL DEFAULT '';
--bun:split
CREATE INDEX report_invoices_expense_type ON report_invoices (expense_type);
--bun:split
CREATE INDEX reports_purpose ON reports (purpose);
--bun:split
CREATE TABLE payments (
  id            TEXT NOT NULL PRIMARY KEY,
  paid_on       TEXT NOT NULL,
  method        TEXT NOT NULL,
  reference     TEXT NOT NULL,
  payer_account TEXT NOT NULL,
  total_cents   BIGINT NOT NULL,
  report_count  INT NOT NULL,
  created_by    TEXT NOT NULL,
  created_at    TIMESTAMP NOT NULL
);
--bun:split
-- One row per paid report; the primary key on report_id is what makes a
-- report paid once, whatever races.
CREATE TABLE payment_reports (
  report_id      TEXT NOT NULL PRIMARY KEY,
  payment_id     TEXT NOT NULL,
  position       INT NOT NULL,
  employee_id    TEXT NOT NULL,
  amount_cents   BIGINT NOT NULL,
  payee_name     TEXT NOT NULL,
  bank           TEXT NOT NULL,
  branch         TEXT NOT NULL,
  account_sealed TEXT NOT NULL,
  account_mask   TEXT NOT NULL
);
--bun:split
CREATE INDEX payment_reports_payment ON payment_reports (payment_id, position);
--bun:split
CREATE TABLE employee_bank_accounts (
  employee_id    TEXT NOT NULL PRIMARY KEY,
  bank           TEXT NOT NULL,
  branch         TEXT NOT NULL,
  account_name   TEXT NOT NULL,
  account_sealed TEXT NOT NULL,
  account_mask   TEXT NOT NULL,
  updated_at     TIMESTAMP NOT NULL
);
