ALTER TABLE products DROP COLUMN rating_5;
ALTER TABLE products DROP COLUMN rating_4;
ALTER TABLE products DROP COLUMN rating_3;
ALTER TABLE products DROP COLUMN rating_2;
ALTER TABLE products DROP COLUMN rating_1;
