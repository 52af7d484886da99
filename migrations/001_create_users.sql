-- Migration: 001_create_users
-- Description: Users and their email addresses
-- Created: 2026-01-12

-- UP
CREATE TABLE users (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX idx_users_created_at ON users (created_at);

-- DOWN
DROP TABLE IF EXISTS users;
