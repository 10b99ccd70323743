-- Uploaded product images (`src/images/`): the SHA-256 of the largest re-encoded rendition names
-- the stored files (`<hash>-<size>.<ext>`), `encoding` says which encoder wrote them, and the
-- picture's own width and height (after EXIF orientation) give every rendition's size, so pages
-- can state width and height and nothing shifts as images load. Rows without a hash are the demo
-- seed's static images, served from `url` as before.
ALTER TABLE product_images ADD COLUMN content_hash VARCHAR(64);
ALTER TABLE product_images ADD COLUMN encoding VARCHAR(8) CHECK (encoding IN ('jpeg', 'png'));
ALTER TABLE product_images ADD COLUMN width INT CHECK (width > 0);
ALTER TABLE product_images ADD COLUMN height INT CHECK (height > 0);
-- Deleting an image asks whether any other row still uses its files.
CREATE INDEX idx_product_images_hash ON product_images (content_hash);
