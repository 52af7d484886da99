-- UP
CREATE TABLE "user (id int);
