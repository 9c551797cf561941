DROP INDEX IF EXISTS report_history_actor;
--bun:split
DROP TABLE IF EXISTS report_pending;
--bun:split
ALTER TABLE reports DROP COLUMN plan;
--bun:split
DROP TABLE IF EXISTS approval_policies;
