-- UP
CREATE TABLE t (a int) END;
