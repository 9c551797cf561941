DROP TABLE reconcile_mismatches;
--bun:split
DROP TABLE reconcile_runs;
--bun:split
DROP INDEX employees_fin_name ON employees;
--bun:split
DROP INDEX invoices_fin_seller_name ON invoices;
--bun:split
DROP INDEX invoices_fin_number ON invoices;
--bun:split
DROP INDEX invoices_fin_seller_approved ON invoices;
--bun:split
DROP INDEX invoices_fin_seller_issued ON invoices;
--bun:split
DROP INDEX invoices_fin_owner_approved ON invoices;
--bun:split
DROP INDEX invoices_fin_owner_issued ON invoices;
--bun:split
DROP INDEX invoices_fin_report_issued ON invoices;
--bun:split
DROP INDEX invoices_fin_status_issued ON invoices;
--bun:split
DROP INDEX invoices_fin_approved ON invoices;
--bun:split
DROP INDEX invoices_fin_imported ON invoices;
--bun:split
DROP INDEX invoices_fin_issued ON invoices;
--bun:split
ALTER TABLE invoices DROP COLUMN approved_at, DROP COLUMN report_status;
