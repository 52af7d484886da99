-- Migration: 003_create_orders
-- Description: Orders

-- UP
CREATE TABLE orders (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id)
    total NUMERIC(10, 2) NOT NULL
);

-- DOWN
DROP TABLE orders;
