-- Notices (issue 17, DECISIONS 36, 46, 47): one row per (event, recipient),
-- queued in the transaction of the decision, delivered by the shared lease
-- queue and kept as the recipient's in-app inbox. dedupe_key makes a
-- replayed or retried transaction queue nothing twice.
CREATE TABLE notices (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  dedupe_key      TEXT NOT NULL,
  event           TEXT NOT NULL,
  report_id       TEXT NOT NULL,
  recipient_id    TEXT NOT NULL,
  step            INT NOT NULL,
  title           TEXT NOT NULL,
  body            TEXT NOT NULL,
  inbox           INTEGER NOT NULL,
  read_at         TIMESTAMP NULL,
  channel         TEXT NOT NULL,
  task_id         TEXT NOT NULL,
  card_code       TEXT NOT NULL,
  errcode         INT NOT NULL,
  state           TEXT NOT NULL,
  attempts        INT NOT NULL,
  next_attempt_at TIMESTAMP NOT NULL,
  lease_owner     TEXT NOT NULL,
  lease_until     TIMESTAMP NULL,
  last_error      TEXT NOT NULL,
  created_at      TIMESTAMP NOT NULL,
  updated_at      TIMESTAMP NOT NULL,
  delivered_at    TIMESTAMP NULL
);
--bun:split
CREATE UNIQUE INDEX notices_dedupe ON notices (dedupe_key);
--bun:split
CREATE INDEX notices_due ON notices (state, next_attempt_at);
--bun:split
CREATE INDEX notices_inbox ON notices (recipient_id, inbox, id);
--bun:split
CREATE INDEX notices_card ON notices (report_id, recipient_id, step);
--bun:split
CREATE INDEX notices_task ON notices (task_id);
