DROP TABLE IF EXISTS sequences;
--bun:split
DROP TABLE IF EXISTS outbox_attempts;
--bun:split
DROP TABLE IF EXISTS outbox;
--bun:split
DROP TABLE IF EXISTS report_history;
--bun:split
DROP TABLE IF EXISTS report_invoices;
--bun:split
DROP TABLE IF EXISTS reports;
--bun:split
DROP TABLE IF EXISTS invoice_lines;
--bun:split
DROP TABLE IF EXISTS invoices;
--bun:split
DROP TABLE IF EXISTS employee_identities;
--bun:split
DROP TABLE IF EXISTS employees;
