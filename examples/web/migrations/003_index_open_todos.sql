-- Migration: 003_index_open_todos
-- Description: The open todos, oldest first, without locking writes
-- sqlstrata: no-transaction

-- UP
CREATE INDEX CONCURRENTLY IF NOT EXISTS todos_open ON todos (created_at) WHERE done_at IS NULL;

-- DOWN
DROP INDEX CONCURRENTLY IF EXISTS todos_open;
