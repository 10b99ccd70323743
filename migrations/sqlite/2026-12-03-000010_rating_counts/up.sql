-- Approved reviews per star beside the rating sum and count, so a product page shows its rating
-- distribution without reading its reviews. Kept by `reviews::move_rating`
-- (src/reviews/rating.rs) in the transaction that changes a review's standing.
ALTER TABLE products ADD COLUMN rating_1 INTEGER NOT NULL DEFAULT 0 CHECK (rating_1 >= 0);
ALTER TABLE products ADD COLUMN rating_2 INTEGER NOT NULL DEFAULT 0 CHECK (rating_2 >= 0);
ALTER TABLE products ADD COLUMN rating_3 INTEGER NOT NULL DEFAULT 0 CHECK (rating_3 >= 0);
ALTER TABLE products ADD COLUMN rating_4 INTEGER NOT NULL DEFAULT 0 CHECK (rating_4 >= 0);
ALTER TABLE products ADD COLUMN rating_5 INTEGER NOT NULL DEFAULT 0 CHECK (rating_5 >= 0);

-- Backfill from the approved reviews, one pass over reviews grouped by product.
UPDATE products SET
    rating_1 = r.n1, rating_2 = r.n2, rating_3 = r.n3, rating_4 = r.n4, rating_5 = r.n5
FROM (SELECT product_id,
             SUM(CASE WHEN rating = 1 THEN 1 ELSE 0 END) AS n1,
             SUM(CASE WHEN rating = 2 THEN 1 ELSE 0 END) AS n2,
             SUM(CASE WHEN rating = 3 THEN 1 ELSE 0 END) AS n3,
             SUM(CASE WHEN rating = 4 THEN 1 ELSE 0 END) AS n4,
             SUM(CASE WHEN rating = 5 THEN 1 ELSE 0 END) AS n5
      FROM reviews WHERE status = 'approved' GROUP BY product_id) AS r
WHERE products.id = r.product_id;

-- The other reads of a product page that grew with the shop: its related products (the best
-- rated of its category, `catalog::product::related`) were found by walking every product of the
-- category, or the whole catalogue in rating order; this index answers them in order, four rows.
-- It starts with the column of the one it replaces, which serves every other use of it.
CREATE INDEX idx_products_category_rating ON products (primary_category_id, status, rating_avg, id);
DROP INDEX idx_products_primary_category;
-- The sellers of a listing's filter (`catalog::category::seller_choices`), by name, without
-- sorting every active seller per page.
CREATE INDEX idx_sellers_status_name ON sellers (status, display_name);
