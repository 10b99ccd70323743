-- Units set aside by open checkouts (src/inventory/holds.rs): what a shopper can buy is
-- `stock - held`; the ledger and `stock` itself are untouched by holds.
ALTER TABLE product_variants ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
