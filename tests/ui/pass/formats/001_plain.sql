-- Description: a file without markers is all UP and irreversible
CREATE TABLE plain (id bigint PRIMARY KEY);
CREATE INDEX plain_idx ON plain (id);
