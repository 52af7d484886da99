-- UP
SET search_path TO app;
SET LOCAL statement_timeout = 0;
CREATE TABLE t (id int);
-- DOWN
DROP TABLE t;
