-- Migration: 003_posts_updated_at_trigger
-- Description: Keep posts.updated_at current with a trigger
-- Created: 2026-01-15

-- UP
CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A semicolon inside the body; does not end the statement.
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_posts_touch
    BEFORE UPDATE ON posts
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- DOWN
DROP TRIGGER IF EXISTS trg_posts_touch ON posts;
DROP FUNCTION IF EXISTS touch_updated_at();
