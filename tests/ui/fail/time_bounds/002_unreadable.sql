-- sqlstrata: statement-timeout soon
-- UP
SELECT 1;
-- DOWN
SELECT 1;
