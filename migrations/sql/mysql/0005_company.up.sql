-- The company's settings: one row (id 1), since a deployment serves one
-- company (DECISIONS 1). Its version guards admins' edits of the buyer
-- entities; the row's presence says the buyers were seeded from config once.
CREATE TABLE company_settings (
  id          INT NOT NULL PRIMARY KEY,
  version     BIGINT NOT NULL,
  updated_at  DATETIME(6) NOT NULL
) ENGINE=InnoDB;
--bun:split
-- Buyer entities (购买方): the invoice title (抬头) and tax number (税号) the
-- title_matches_company check compares an invoice's buyer with.
CREATE TABLE company_buyers (
  position    INT NOT NULL PRIMARY KEY,
  title       VARCHAR(200) NOT NULL,
  tax_number  VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
