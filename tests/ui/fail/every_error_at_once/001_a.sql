-- UP
CREAT TABLE a (id int);
-- DOWN
DROP TABLE a;
