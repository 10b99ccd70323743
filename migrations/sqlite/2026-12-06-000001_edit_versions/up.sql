-- The number of edits saved to each row two people may edit at once, matched by the update's
-- WHERE clause so that a form opened before another person's save is refused (src/edits.rs).
ALTER TABLE products ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE product_variants ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE categories ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE promotions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE shipping_methods ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tax_rates ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- The shop's own note on an order (customer called, parcel re-sent...), edited by admins.
ALTER TABLE orders ADD COLUMN staff_note VARCHAR(2000) NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN note_version INTEGER NOT NULL DEFAULT 1;
