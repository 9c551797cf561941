-- PC sign-in by QR hand-off (DECISIONS 4). Only SHA-256 hashes of the two
-- secrets are kept: the QR's token and the PC browser's cookie. Hashes and
-- openids compare byte for byte (DECISIONS 17).
CREATE TABLE qr_logins (
  token_hash   VARBINARY(64) NOT NULL PRIMARY KEY,
  browser_hash VARBINARY(64) NOT NULL,
  state        VARCHAR(12) NOT NULL,
  employee_id  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  channel      VARCHAR(8) NOT NULL,
  openid       VARBINARY(128) NOT NULL,
  created_at   DATETIME(6) NOT NULL,
  expires_at   DATETIME(6) NOT NULL,
  scanned_at   DATETIME(6) NULL,
  confirmed_at DATETIME(6) NULL,
  used_at      DATETIME(6) NULL,
  UNIQUE KEY qr_logins_browser (browser_hash),
  KEY qr_logins_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
