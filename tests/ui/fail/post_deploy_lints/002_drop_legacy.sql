-- sqlstrata: post-deploy
-- UP
ALTER TABLE users DROP COLUMN legacy;
-- DOWN
ALTER TABLE users ADD COLUMN legacy text;
