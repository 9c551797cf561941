-- WeChat pushes an event up to three times; one second can carry several
-- events, so the key holds FromUserName, CreateTime, CardId, Code and Status.
CREATE TABLE wechat_events (
  event_key   VARBINARY(64) NOT NULL PRIMARY KEY,
  received_at DATETIME(6) NOT NULL
) ENGINE=InnoDB;
