-- PC sign-in by QR hand-off (DECISIONS 4). Only SHA-256 hashes of the two
-- secrets are kept: the QR's token and the PC browser's cookie.
CREATE TABLE qr_logins (
  token_hash   TEXT NOT NULL PRIMARY KEY,
  browser_hash TEXT NOT NULL,
  state        TEXT NOT NULL,
  employee_id  TEXT NOT NULL,
  channel      TEXT NOT NULL,
  openid       TEXT NOT NULL,
  created_at   TIMESTAMP NOT NULL,
  expires_at   TIMESTAMP NOT NULL,
  scanned_at   TIMESTAMP NULL,
  confirmed_at TIMESTAMP NULL,
  used_at      TIMESTAMP NULL
);
--bun:split
CREATE UNIQUE INDEX qr_logins_browser ON qr_logins (browser_hash);
--bun:split
CREATE INDEX qr_logins_expiry ON qr_logins (expires_at);
