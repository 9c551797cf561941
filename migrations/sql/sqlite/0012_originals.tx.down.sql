DROP TABLE IF EXISTS invoice_pdf_fetches;
--bun:split
DROP TABLE IF EXISTS blobs;
--bun:split
DROP TABLE IF EXISTS invoice_originals;
