-- Notices (issue 17, DECISIONS 36, 46, 47): one row per (event, recipient),
-- queued in the transaction of the decision, delivered by the shared lease
-- queue and kept as the recipient's in-app inbox. dedupe_key makes a
-- replayed or retried transaction queue nothing twice.
CREATE TABLE notices (
  id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  dedupe_key      VARCHAR(190) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  event           VARCHAR(32) NOT NULL,
  report_id       VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  recipient_id    VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  step            INT NOT NULL,
  title           VARCHAR(255) NOT NULL,
  body            TEXT NOT NULL,
  inbox           BOOLEAN NOT NULL,
  read_at         DATETIME(6) NULL,
  channel         VARCHAR(8) NOT NULL,
  task_id         VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  card_code       VARBINARY(255) NOT NULL,
  errcode         INT NOT NULL,
  state           VARCHAR(12) NOT NULL,
  attempts        INT NOT NULL,
  next_attempt_at DATETIME(6) NOT NULL,
  lease_owner     VARCHAR(100) NOT NULL,
  lease_until     DATETIME(6) NULL,
  last_error      VARCHAR(500) NOT NULL,
  created_at      DATETIME(6) NOT NULL,
  updated_at      DATETIME(6) NOT NULL,
  delivered_at    DATETIME(6) NULL,
  UNIQUE KEY notices_dedupe (dedupe_key),
  KEY notices_due (state, next_attempt_at),
  KEY notices_inbox (recipient_id, inbox, id),
  KEY notices_card (report_id, recipient_id, step),
  KEY notices_task (task_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
