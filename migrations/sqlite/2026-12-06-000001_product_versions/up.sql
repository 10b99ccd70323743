-- The number of edits saved to each row two people may edit at once, matched by the update's
-- WHERE clause so that a form opened before another person's save is refused (src/edits.rs).
-- One table per migration: a migration holding one table's lock while it waits for another's
-- can deadlock with the serving release's transactions.
ALTER TABLE products ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
