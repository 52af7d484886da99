-- Migration: 005_normalise_emails
-- Description: Lower-case every stored email (data cannot be restored)
-- Created: 2026-02-02
-- sqlstrata: irreversible

-- UP
UPDATE users SET email = lower(email) WHERE email <> lower(email);

ALTER TABLE users ADD CONSTRAINT users_email_lower CHECK (email = lower(email));
