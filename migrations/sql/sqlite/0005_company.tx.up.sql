-- The company's settings: one row (id 1), since a deployment serves one
-- company (DECISIONS 1). Its version guards admins' edits of the buyer
-- entities; the row's presence says the buyers were seeded from config once.
CREATE TABLE company_settings (
  id          INTEGER NOT NULL PRIMARY KEY,
  version     BIGINT NOT NULL,
  updated_at  TIMESTAMP NOT NULL
);
--bun:split
-- Buyer entities (购买方): the invoice title (抬头) and tax number (税号) the
-- title_matches_company check compares an invoice's buyer with.
CREATE TABLE company_buyers (
  position    INTEGER NOT NULL PRIMARY KEY,
  title       TEXT NOT NULL,
  tax_number  TEXT NOT NULL
);
