DROP INDEX report_history_actor ON report_history;
--bun:split
DROP TABLE IF EXISTS report_pending;
--bun:split
ALTER TABLE reports DROP COLUMN plan;
--bun:split
DROP TABLE IF EXISTS approval_policies;
