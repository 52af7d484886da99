-- sqlstrata: unchecked
-- UP
CREATE TABLE a (id int);
