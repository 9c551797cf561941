DROP TABLE reconcile_mismatches;
--bun:split
DROP TABLE reconcile_runs;
--bun:split
DROP INDEX employees_fin_name;
--bun:split
DROP INDEX invoices_fin_seller_name;
--bun:split
DROP INDEX invoices_fin_number;
--bun:split
DROP INDEX invoices_fin_seller_approved;
--bun:split
DROP INDEX invoices_fin_seller_issued;
--bun:split
DROP INDEX invoices_fin_owner_approved;
--bun:split
DROP INDEX invoices_fin_owner_issued;
--bun:split
DROP INDEX invoices_fin_report_issued;
--bun:split
DROP INDEX invoices_fin_status_issued;
--bun:split
DROP INDEX invoices_fin_approved;
--bun:split
DROP INDEX invoices_fin_imported;
--bun:split
DROP INDEX invoices_fin_issued;
--bun:split
ALTER TABLE invoices DROP COLUMN approved_at;
--bun:split
ALTER TABLE invoices DROP COLUMN report_status;
