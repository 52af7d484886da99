-- UP
INSERT INTO settings (key, value) VALUES ('theme', 'dark);
CREATE TABLE t (id int);
