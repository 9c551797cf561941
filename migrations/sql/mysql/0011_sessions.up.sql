-- Browser sessions (issue 15): the signed cookie names a row here, and a
-- session lives only while its row does. Logout deletes the row; a role
-- change, a deactivation and an administrator's "sign out everywhere"
-- delete all of an employee's rows. Only a SHA-256 hash of the cookie's
-- session id is kept; hashes compare byte for byte (DECISIONS 17).
CREATE TABLE sessions (
  id_hash     VARBINARY(64) NOT NULL PRIMARY KEY,
  employee_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  created_at  DATETIME(6) NOT NULL,
  expires_at  DATETIME(6) NOT NULL,
  KEY sessions_employee (employee_id),
  KEY sessions_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
