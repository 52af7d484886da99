-- Description: nothing yet
-- UP

-- DOWN
DROP TABLE ok;
