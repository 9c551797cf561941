-- WeCom userids are case-insensitive ("不区分大小写"): the login key of a
-- WeCom identity is kept in lower case so sign-in and uniqueness ignore
-- case. user_id keeps the spelling WeChat gave.
UPDATE employee_identities SET login = CAST(LOWER(CONVERT(login USING utf8mb4)) AS BINARY) WHERE channel = 'work';
