-- sqlstrata: no_transaction
-- UP
CREATE TABLE a (id int);
-- DOWN
DROP TABLE a;
