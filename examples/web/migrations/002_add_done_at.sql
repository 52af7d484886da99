-- Migration: 002_add_done_at
-- Description: When a todo was done (NULL: still to do)

-- UP
ALTER TABLE todos ADD COLUMN done_at TIMESTAMPTZ;

-- DOWN
ALTER TABLE todos DROP COLUMN done_at;
