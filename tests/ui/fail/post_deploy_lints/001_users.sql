-- UP
CREATE TABLE users (id bigint PRIMARY KEY, fullname text, legacy text);
-- DOWN
DROP TABLE users;
