DROP INDEX idx_sellers_status_name;
CREATE INDEX idx_products_primary_category ON products (primary_category_id);
DROP INDEX idx_products_category_rating;
ALTER TABLE products DROP COLUMN rating_5;
ALTER TABLE products DROP COLUMN rating_4;
ALTER TABLE products DROP COLUMN rating_3;
ALTER TABLE products DROP COLUMN rating_2;
ALTER TABLE products DROP COLUMN rating_1;
