ALTER TABLE invoices DROP COLUMN wechat_target, DROP COLUMN write_owner, DROP COLUMN write_until;
