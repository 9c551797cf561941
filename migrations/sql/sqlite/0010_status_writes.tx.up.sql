-- The ordered write path (DECISIONS 31). wechat_target is the status the
-- newest decision asks of WeChat ('' before any decision); write_owner and
-- write_until are the per-invoice write claim every status write to
-- WeChat holds while it sends, so writes of one invoice never overlap.
ALTER TABLE invoices ADD COLUMN wechat_target TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE invoices ADD COLUMN write_owner TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE invoices ADD COLUMN write_until TIMESTAMP NULL;
