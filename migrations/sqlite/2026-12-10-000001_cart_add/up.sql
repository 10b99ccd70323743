-- The one-call cart add is PostgreSQL's (the PostgreSQL migration of this name): on SQLite an
-- add is a write transaction in the same process, with no round trips to save.
SELECT 1;
