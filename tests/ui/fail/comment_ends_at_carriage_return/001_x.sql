-- UP
CREATE TABLE t (a int); -- harmless DROP TABLE victim;
-- DOWN
DROP TABLE t;
