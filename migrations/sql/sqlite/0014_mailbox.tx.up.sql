-- The mailbox intake (issue 16, DECISIONS 48). An employee's own address
-- (lower-case, '' for none) and the random tag of their mailbox address
-- local+token@domain. Tokens of existing employees are drawn at serve
-- start (crypto/rand), not here: SQL has no portable strong randomness.
ALTER TABLE employees ADD COLUMN email TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE employees ADD COLUMN intake_token TEXT NULL;
--bun:split
CREATE UNIQUE INDEX employees_intake_token ON employees (intake_token);
--bun:split
CREATE INDEX employees_email ON employees (email);
--bun:split
-- One row per mail the mailbox worker took up, keyed by the mail's place
-- in the mailbox (account, folder, UIDVALIDITY, UID). The row is the
-- claim that keeps two instances from importing one mail (lease_owner,
-- lease_until while state is 'working'), then the record of what became
-- of it: 'processed' (results holds the per-file outcomes, JSON) or
-- 'unmatched' (reason says why; listed to admins).
CREATE TABLE mailbox_messages (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  message_key  TEXT NOT NULL UNIQUE,
  message_id   TEXT NOT NULL DEFAULT '',
  from_addr    TEXT NOT NULL DEFAULT '',
  subject      TEXT NOT NULL DEFAULT '',
  received_at  TIMESTAMP NULL,
  state        TEXT NOT NULL,
  employee_id  TEXT NULL,
  reason       TEXT NOT NULL DEFAULT '',
  results      TEXT NOT NULL DEFAULT '',
  lease_owner  TEXT NOT NULL DEFAULT '',
  lease_until  TIMESTAMP NULL,
  created_at   TIMESTAMP NOT NULL,
  updated_at   TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX mailbox_messages_state ON mailbox_messages (state, id);
