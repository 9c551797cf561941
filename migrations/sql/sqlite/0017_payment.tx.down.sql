DROP TABLE employee_bank_accounts;
--bun:split
DROP TABLE payment_reports;
--bun:split
DROP TABLE payments;
--bun:split
DROP INDEX reports_purpose;
--bun:split
DROP INDEX report_invoices_expense_type;
--bun:split
ALTER TABLE report_invoices DROP COLUMN expense_type;
--bun:split
ALTER TABLE reports DROP COLUMN payment_reference;
--bun:split
ALTER TABLE reports DROP COLUMN payment_method;
--bun:split
ALTER TABLE reports DROP COLUMN paid_on;
--bun:split
ALTER TABLE reports DROP COLUMN payment_id;
--bun:split
ALTER TABLE reports DROP COLUMN purpose;
--bun:split
DROP TABLE expense_types;
