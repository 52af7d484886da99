-- sqlstrata: post-deploy
-- UP
ALTER TABLE users ADD COLUMN nickname text;
-- DOWN
ALTER TABLE users DROP COLUMN nickname;
