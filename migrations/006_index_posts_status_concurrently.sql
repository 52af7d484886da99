-- Migration: 006_index_posts_status_concurrently
-- Description: Index posts by status without locking writes
-- Created: 2026-01-25
-- sqlstrata: no-transaction

-- UP
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_posts_status ON posts (status, created_at);

-- DOWN
DROP INDEX CONCURRENTLY IF EXISTS idx_posts_status;
