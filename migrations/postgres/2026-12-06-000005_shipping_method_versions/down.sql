ALTER TABLE shipping_methods DROP COLUMN version;
