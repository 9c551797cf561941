DROP TABLE IF EXISTS mailbox_messages;
--bun:split
DROP INDEX IF EXISTS employees_email;
--bun:split
DROP INDEX IF EXISTS employees_intake_token;
--bun:split
ALTER TABLE employees DROP COLUMN intake_token;
--bun:split
ALTER TABLE employees DROP COLUMN email;
