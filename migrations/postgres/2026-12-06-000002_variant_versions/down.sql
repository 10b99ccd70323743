ALTER TABLE product_variants DROP COLUMN version;
