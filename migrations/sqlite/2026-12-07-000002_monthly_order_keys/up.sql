-- Partitioning by month is PostgreSQL's (the PostgreSQL migration of this name). A SQLite shop
-- keeps one orders table and one order_items table, with plain ids.
SELECT 1;
