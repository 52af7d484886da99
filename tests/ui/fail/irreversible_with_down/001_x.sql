-- sqlstrata: irreversible
-- UP
DELETE FROM sessions;
-- DOWN
SELECT 1;
