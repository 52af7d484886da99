-- sqlstrata: allow(missing-down)
-- UP
UPDATE plain SET id = id;
