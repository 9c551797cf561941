DROP TABLE employee_bank_accounts;
--bun:split
DROP TABLE payment_reports;
--bun:split
DROP TABLE payments;
--bun:split
ALTER TABLE report_invoices DROP KEY report_invoices_expense_type, DROP COLUMN expense_type;
--bun:split
ALTER TABLE reports DROP KEY reports_purpose, DROP COLUMN paid_on, DROP COLUMN payment_method, DROP COLUMN payment_reference, DROP COLUMN payment_id, DROP COLUMN purpose;
--bun:split
DROP TABLE expense_types;
