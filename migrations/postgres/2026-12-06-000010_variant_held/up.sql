-- Units set aside by open checkouts (src/inventory/holds.rs): what a shopper can buy is
-- `stock - held`; the ledger and `stock` itself are untouched by holds.
-- Waits at most 2 s for its table's lock, so requests queued behind it are late, not refused
-- (docs/migrations.md, "Keep lock waits short").
SET LOCAL lock_timeout = '2s';
ALTER TABLE product_variants ADD COLUMN held INT NOT NULL DEFAULT 0;
