-- Row-level security is PostgreSQL's (the PostgreSQL migration of this name). A SQLite shop is
-- one process and no database roles, so the application's ownership checks stand alone.
SELECT 1;
