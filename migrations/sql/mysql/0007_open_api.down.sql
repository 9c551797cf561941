DROP INDEX invoices_updated ON invoices;
--bun:split
DROP TABLE IF EXISTS invoice_biz_codes;
--bun:split
DROP TABLE IF EXISTS qr_import_sessions;
--bun:split
DROP TABLE IF EXISTS webhook_deliveries;
--bun:split
DROP TABLE IF EXISTS webhook_endpoints;
--bun:split
DROP TABLE IF EXISTS open_api_calls;
--bun:split
DROP TABLE IF EXISTS open_api_idempotency;
--bun:split
DROP TABLE IF EXISTS open_api_nonces;
--bun:split
DROP TABLE IF EXISTS open_apps;
