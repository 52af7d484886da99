-- UP
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL
);
CREATE INDEX idx_users_email ON users (email);

-- DOWN
DROP TABLE users;
