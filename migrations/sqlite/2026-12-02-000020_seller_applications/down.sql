DROP INDEX idx_sellers_status;
ALTER TABLE products DROP COLUMN held_at;
