-- Migration: 001_create_todos
-- Description: The todo list

-- UP
CREATE TABLE todos (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title       TEXT NOT NULL CHECK (title <> ''),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- DOWN
DROP TABLE todos;
