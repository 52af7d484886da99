-- UP
ALTER TABLE users ADD COLUMN avatar_url text;
CREATE INDEX idx_users_avatar ON users (avatar_url);

-- DOWN
DROP INDEX IF EXISTS idx_users_avatr;
