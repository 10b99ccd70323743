-- The shop's own note on an order (customer called, parcel re-sent...), edited by admins, and
-- the number of saves of it, matched by each save (src/admin/orders/note.rs).
ALTER TABLE orders ADD COLUMN staff_note VARCHAR(2000) NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN note_version INTEGER NOT NULL DEFAULT 1;
