-- Browser sessions (issue 15): the signed cookie names a row here, and a
-- session lives only while its row does. Only a SHA-256 hash of the
-- cookie's session id is kept.
CREATE TABLE sessions (
  id_hash     TEXT NOT NULL PRIMARY KEY,
  employee_id TEXT NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  expires_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX sessions_employee ON sessions (employee_id);
--bun:split
CREATE INDEX sessions_expiry ON sessions (expires_at);
