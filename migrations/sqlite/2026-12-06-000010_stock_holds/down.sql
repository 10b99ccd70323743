DROP TABLE stock_holds;
ALTER TABLE product_variants DROP COLUMN held;
