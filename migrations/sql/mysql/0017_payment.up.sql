-- Expense details and payment (issue 17). Expense types (费用类型) are an
-- admin-kept list with codes for the ERP; each invoice in a report gets one
-- and the report a purpose (事由). A payment records that approved reports
-- were paid (approved → paid); it never touches WeChat (DECISIONS 32).
-- Bank account numbers are sealed with auth.data_key like the app secrets
-- (DECISIONS 18); only the mask (first and last four digits) is kept in clear.
CREATE TABLE expense_types (
  code     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  name     VARCHAR(50) NOT NULL,
  active   BOOLEAN NOT NULL,
  position INT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
INSERT INTO expense_types (code, name, active, position) VALUES
  ('travel', '差旅', 1, 1), ('transport', '交通', 1, 2), ('meal', '餐饮', 1, 3),
  ('office', '办公', 1, 4), ('telecom', '通讯', 1, 5), ('lodging', '住宿', 1, 6),
  ('entertainment', '业务招待', 1, 7), ('other', '其他', 1, 8);
--bun:split
ALTER TABLE reports
  ADD COLUMN purpose VARCHAR(500) NOT NULL DEFAULT '',
  ADD COLUMN payment_id VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  ADD COLUMN paid_on VARCHAR(10) CHARACTER SET ascii NOT NULL DEFAULT '',
  ADD COLUMN payment_method VARCHAR(16) NOT NULL DEFAULT '',
  ADD COLUMN payment_reference VARCHAR(100) NOT NULL DEFAULT '',
  ADD KEY reports_purpose (purpose(100));
--bun:split
ALTER TABLE report_invoices
  ADD COLUMN expense_type VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  ADD KEY report_invoices_expense_type (expense_type);
--bun:split
CREATE TABLE payments (
  id            VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  paid_on       VARCHAR(10) CHARACTER SET ascii NOT NULL,
  method        VARCHAR(16) NOT NULL,
  reference     VARCHAR(100) NOT NULL,
  payer_account VARCHAR(100) NOT NULL,
  total_cents   BIGINT NOT NULL,
  report_count  INT NOT NULL,
  created_by    VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  created_at    DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
-- One row per paid report; the primary key on report_id is what makes a
-- report paid once, whatever races.
CREATE TABLE payment_reports (
  report_id      VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  payment_id     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  position       INT NOT NULL,
  employee_id    VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  amount_cents   BIGINT NOT NULL,
  payee_name     VARCHAR(100) NOT NULL,
  bank           VARCHAR(100) NOT NULL,
  branch         VARCHAR(100) NOT NULL,
  account_sealed VARBINARY(255) NOT NULL,
  account_mask   VARCHAR(32) NOT NULL,
  KEY payment_reports_payment (payment_id, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE employee_bank_accounts (
  employee_id    VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
  bank           VARCHAR(100) NOT NULL,
  branch         VARCHAR(100) NOT NULL,
  account_name   VARCHAR(100) NOT NULL,
  account_sealed VARBINARY(255) NOT NULL,
  account_mask   VARCHAR(32) NOT NULL,
  updated_at     DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
