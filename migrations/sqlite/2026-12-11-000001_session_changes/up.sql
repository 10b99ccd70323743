-- Announcing session changes is PostgreSQL's (the PostgreSQL migration of this name): on SQLite
-- no node keeps a session in memory, as SQLite has no way to tell another process of a change.
SELECT 1;
