ALTER TABLE invoices DROP COLUMN write_until;
--bun:split
ALTER TABLE invoices DROP COLUMN write_owner;
--bun:split
ALTER TABLE invoices DROP COLUMN wechat_target;
