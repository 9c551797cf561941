DROP TABLE IF EXISTS company_buyers;
--bun:split
DROP TABLE IF EXISTS company_settings;
