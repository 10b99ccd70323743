ALTER TABLE products DROP COLUMN version;
ALTER TABLE product_variants DROP COLUMN version;
ALTER TABLE categories DROP COLUMN version;
ALTER TABLE promotions DROP COLUMN version;
ALTER TABLE shipping_methods DROP COLUMN version;
ALTER TABLE tax_rates DROP COLUMN version;
ALTER TABLE orders DROP COLUMN note_version;
ALTER TABLE orders DROP COLUMN staff_note;
