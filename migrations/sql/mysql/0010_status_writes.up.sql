-- The ordered write path (DECISIONS 31). wechat_target is the status the
-- newest decision asks of WeChat ('' before any decision); write_owner and
-- write_until are the per-invoice write claim every status write to
-- WeChat holds while it sends, so writes of one invoice never overlap.
ALTER TABLE invoices
  ADD COLUMN wechat_target VARCHAR(32) NOT NULL DEFAULT '',
  ADD COLUMN write_owner VARBINARY(64) NOT NULL DEFAULT '',
  ADD COLUMN write_until DATETIME(6) NULL;
