-- UP
CREATE TABLE t (id int);
-- DOWN
DROP TABLE t;
