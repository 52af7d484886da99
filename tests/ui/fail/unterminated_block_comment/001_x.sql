-- UP
/* a comment /* nested */ never closed
CREATE TABLE t (id int);
