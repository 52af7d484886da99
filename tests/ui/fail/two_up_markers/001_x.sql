-- UP
CREATE TABLE a (id int);
-- up migration
CREATE TABLE b (id int);
