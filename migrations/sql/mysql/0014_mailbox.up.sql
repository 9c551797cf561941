-- The mailbox intake (issue 16, DECISIONS 48). An employee's own address
-- (lower-case, '' for none) and the random tag of their mailbox address
-- local+token@domain, compared byte for byte (DECISIONS 17). Tokens of
-- existing employees are drawn at serve start (crypto/rand), not here:
-- SQL has no portable strong randomness (RANDOM_BYTES is MariaDB 10.10+).
ALTER TABLE employees
  ADD COLUMN email VARCHAR(254) NOT NULL DEFAULT '',
  ADD COLUMN intake_token VARBINARY(32) NULL,
  ADD UNIQUE KEY employees_intake_token (intake_token),
  ADD KEY employees_email (email);
--bun:split
-- One row per mail the mailbox worker took up, keyed by the mail's place
-- in the mailbox (account, folder, UIDVALIDITY, UID). The row is the
-- claim that keeps two instances from importing one mail (lease_owner,
-- lease_until while state is 'working'), then the record of what became
-- of it: 'processed' (results holds the per-file outcomes, JSON) or
-- 'unmatched' (reason says why; listed to admins).
CREATE TABLE mailbox_messages (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  message_key  VARBINARY(64) NOT NULL,
  message_id   VARCHAR(255) NOT NULL DEFAULT '',
  from_addr    VARCHAR(255) NOT NULL DEFAULT '',
  subject      VARCHAR(255) NOT NULL DEFAULT '',
  received_at  DATETIME(6) NULL,
  state        VARCHAR(16) NOT NULL,
  employee_id  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  reason       VARCHAR(255) NOT NULL DEFAULT '',
  results      MEDIUMTEXT NOT NULL,
  lease_owner  VARCHAR(64) NOT NULL DEFAULT '',
  lease_until  DATETIME(6) NULL,
  created_at   DATETIME(6) NOT NULL,
  updated_at   DATETIME(6) NOT NULL,
  UNIQUE KEY mailbox_messages_key (message_key),
  KEY mailbox_messages_state (state, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
