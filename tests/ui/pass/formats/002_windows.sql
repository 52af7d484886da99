-- UP
CREATE TABLE windows (id int);
-- DOWN
DROP TABLE windows;
