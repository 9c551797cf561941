-- How long WeChat took to answer each delivery attempt, for operators.
ALTER TABLE outbox_attempts ADD COLUMN latency_ms INT NOT NULL DEFAULT 0;
