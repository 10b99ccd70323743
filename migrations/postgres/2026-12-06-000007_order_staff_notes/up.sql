-- The shop's own note on an order (customer called, parcel re-sent...), edited by admins, and
-- the number of saves of it, matched by each save (src/admin/orders/note.rs).
-- Waits at most 2 s for its table's lock, so requests queued behind it are late, not refused
-- (docs/migrations.md, "Keep lock waits short").
SET LOCAL lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN staff_note VARCHAR(2000) NOT NULL DEFAULT '',
    ADD COLUMN note_version INT NOT NULL DEFAULT 1;
