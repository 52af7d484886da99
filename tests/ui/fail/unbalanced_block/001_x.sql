-- sqlstrata: no-transaction
-- UP
BEGIN;
CREATE TABLE a (id int);
BEGIN;
CREATE INDEX CONCURRENTLY a_id ON a (id);
COMMIT;
COMMIT;
-- DOWN
DROP TABLE a;
