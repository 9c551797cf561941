DROP TABLE IF EXISTS mailbox_messages;
--bun:split
ALTER TABLE employees
  DROP KEY employees_email,
  DROP KEY employees_intake_token,
  DROP COLUMN intake_token,
  DROP COLUMN email;
