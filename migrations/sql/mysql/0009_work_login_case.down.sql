-- The original spelling is still in user_id.
UPDATE employee_identities SET login = user_id WHERE channel = 'work';
