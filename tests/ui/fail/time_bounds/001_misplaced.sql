-- UP
-- sqlstrata: lock-timeout 10s
ALTER TABLE t ADD COLUMN c int;
-- DOWN
ALTER TABLE t DROP COLUMN c;
