-- Migration: 004_add_user_avatar
-- Description: Add avatar column to users table
-- Created: 2026-01-20

-- UP
ALTER TABLE users ADD COLUMN avatar_url TEXT;
-- Few users have an avatar yet: the partial index builds in milliseconds.
-- sqlstrata: allow(require-concurrent-index-creation)
CREATE INDEX idx_users_avatar ON users (avatar_url) WHERE avatar_url IS NOT NULL;

-- DOWN
DROP INDEX IF EXISTS idx_users_avatar;
ALTER TABLE users DROP COLUMN IF EXISTS avatar_url;
