-- The number of edits saved to each row two people may edit at once, matched by the update's
-- WHERE clause so that a form opened before another person's save is refused (src/edits.rs).
-- One table per migration: a migration holding one table's lock while it waits for another's
-- can deadlock with the serving release's transactions.
-- Waits at most 2 s for its table's lock, so requests queued behind it are late, not refused
-- (docs/migrations.md, "Keep lock waits short").
SET LOCAL lock_timeout = '2s';
ALTER TABLE promotions ADD COLUMN version INT NOT NULL DEFAULT 1;
