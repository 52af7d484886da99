-- UP
CREATE TABLE users (id bigint PRIMARY KEY, email text);

-- DOWN
DROP TABLE users;
