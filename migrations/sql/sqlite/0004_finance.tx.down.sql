DROP TABLE reconcile_mismatches;
--bun:split
DROP TABLE reconcile_runs;
--bun:split
DROP INDEX reports_fin_employee;
--bun:split
DROP INDEX employees_fin_name;
--bun:split
DROP INDEX invoices_fin_seller_name;
--bun:split
DROP INDEX invoices_fin_number;
--bun:split
DROP INDEX invoices_fin_status_issued;
--bun:split
DROP INDEX invoices_fin_seller_issued;
--bun:split
DROP INDEX invoices_fin_owner_issued;
--bun:split
DROP INDEX invoices_fin_imported;
--bun:split
DROP INDEX invoices_fin_issued;
