DROP TABLE IF EXISTS wechat_events;
