-- Archiving months of orders is PostgreSQL's (the PostgreSQL migration of this name): a SQLite
-- shop keeps one orders table and never archives, so its links stay as they are.
SELECT 1;
