-- UP MIGRATION
-- sqlstrata: allow(not-null-without-default)
ALTER TABLE plain ADD COLUMN tenant BIGINT NOT NULL;
-- down migration
ALTER TABLE plain DROP COLUMN tenant;
