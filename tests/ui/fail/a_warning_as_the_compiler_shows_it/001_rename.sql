-- UP
ALTER TABLE users RENAME COLUMN name TO full_name;
-- DOWN
ALTER TABLE users RENAME COLUMN full_name TO name;
