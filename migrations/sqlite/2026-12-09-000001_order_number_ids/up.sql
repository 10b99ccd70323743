-- Order numbers with their order's id are PostgreSQL's (the PostgreSQL migration of this name):
-- SQLite keeps one orders table, where a number's index finds the order at once.
SELECT 1;
