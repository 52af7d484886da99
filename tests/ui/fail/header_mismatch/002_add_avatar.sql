-- Migration: 002_add_avatars
-- UP
ALTER TABLE users ADD COLUMN avatar_url TEXT;
-- DOWN
ALTER TABLE users DROP COLUMN avatar_url;
