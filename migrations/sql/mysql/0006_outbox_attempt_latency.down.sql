ALTER TABLE outbox_attempts DROP COLUMN latency_ms;
