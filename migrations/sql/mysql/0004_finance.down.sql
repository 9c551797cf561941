DROP TABLE reconcile_mismatches;
--bun:split
DROP TABLE reconcile_runs;
--bun:split
DROP INDEX reports_fin_employee ON reports;
--bun:split
DROP INDEX employees_fin_name ON employees;
--bun:split
DROP INDEX invoices_fin_seller_name ON invoices;
--bun:split
DROP INDEX invoices_fin_number ON invoices;
--bun:split
DROP INDEX invoices_fin_status_issued ON invoices;
--bun:split
DROP INDEX invoices_fin_seller_issued ON invoices;
--bun:split
DROP INDEX invoices_fin_owner_issued ON invoices;
--bun:split
DROP INDEX invoices_fin_imported ON invoices;
--bun:split
DROP INDEX invoices_fin_issued ON invoices;
