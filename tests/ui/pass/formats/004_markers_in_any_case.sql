-- UP MIGRATION
-- sqlstrata: allow(adding-required-field)
ALTER TABLE plain ADD COLUMN tenant BIGINT NOT NULL;
-- down migration
ALTER TABLE plain DROP COLUMN tenant;
