-- UP
ALTER TABLE uesrs ADD COLUMN avatar_url text;
CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    user_id bigint REFERENCES users (id),
    costumer_id bigint
);
CREATE INDEX idx_orders_customer ON orders (customer_id);
DROP INDEX idx_users_emial;
CREATE TABLE users (id int);

-- DOWN
DROP TABLE orders;
ALTER TABLE users DROP COLUMN avatar_url;
