-- DOWN
DROP TABLE ok;
-- UP
CREATE TABLE ok (id int);
