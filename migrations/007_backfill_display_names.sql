-- Migration: 007_backfill_display_names
-- Description: Add display_name and backfill it from name
-- Created: 2026-01-22

-- UP
ALTER TABLE users ADD COLUMN display_name TEXT;

UPDATE users SET display_name = name WHERE display_name IS NULL;

ALTER TABLE users ALTER COLUMN display_name SET NOT NULL;

-- DOWN
ALTER TABLE users DROP COLUMN IF EXISTS display_name;
