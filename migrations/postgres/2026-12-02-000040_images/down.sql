DROP INDEX idx_product_images_hash;
ALTER TABLE product_images DROP COLUMN height;
ALTER TABLE product_images DROP COLUMN width;
ALTER TABLE product_images DROP COLUMN encoding;
ALTER TABLE product_images DROP COLUMN content_hash;
