-- Description: x
CREATE TABLE early (id int);
-- UP
CREATE TABLE ok (id int);
