-- Running totals of paid sales per seller and day, per (leaf) category and day, and per day for
-- the whole shop, so the seller dashboard (QP-06) and the sales report (QP-08) read a few rows
-- per day instead of every order line. A line counts on the UTC day its order was placed, while
-- the order is in a paid status (confirmed, processing, shipped, delivered) and the line is not
-- cancelled: the rule and the functions that keep these tables are in src/sales_totals/
-- (docs/architecture.md). They are derived data, so no foreign keys: history never blocks
-- deleting a category.
-- gross = line subtotals less discounts (before tax); revenue = line totals (with tax).
CREATE TABLE seller_sales_days (
    seller_id BIGINT NOT NULL,
    day       DATE NOT NULL,
    orders    BIGINT NOT NULL DEFAULT 0,
    units     BIGINT NOT NULL DEFAULT 0,
    gross     BIGINT NOT NULL DEFAULT 0,
    revenue   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (seller_id, day)
);
CREATE INDEX idx_seller_sales_days_day ON seller_sales_days (day, seller_id);

CREATE TABLE category_sales_days (
    category_id BIGINT NOT NULL,
    day         DATE NOT NULL,
    units       BIGINT NOT NULL DEFAULT 0,
    revenue     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (category_id, day)
);
CREATE INDEX idx_category_sales_days_day ON category_sales_days (day, category_id);

CREATE TABLE shop_sales_days (
    day     DATE NOT NULL PRIMARY KEY,
    orders  BIGINT NOT NULL DEFAULT 0,
    units   BIGINT NOT NULL DEFAULT 0,
    revenue BIGINT NOT NULL DEFAULT 0
);

-- Backfill: one grouped pass over the paid orders' lines per table (SUM of a BIGINT is NUMERIC
-- on PostgreSQL, hence the casts).
INSERT INTO seller_sales_days (seller_id, day, orders, units, gross, revenue)
SELECT i.seller_id, (o.created_at AT TIME ZONE 'UTC')::date, COUNT(DISTINCT o.id), CAST(SUM(i.quantity) AS BIGINT),
       CAST(SUM(i.line_subtotal - i.discount) AS BIGINT), CAST(SUM(i.line_total) AS BIGINT)
FROM order_items i JOIN orders o ON o.id = i.order_id
WHERE o.status IN ('confirmed', 'processing', 'shipped', 'delivered') AND i.cancelled_at IS NULL
GROUP BY i.seller_id, (o.created_at AT TIME ZONE 'UTC')::date;

INSERT INTO category_sales_days (category_id, day, units, revenue)
SELECT p.primary_category_id, (o.created_at AT TIME ZONE 'UTC')::date, CAST(SUM(i.quantity) AS BIGINT), CAST(SUM(i.line_total) AS BIGINT)
FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id
WHERE o.status IN ('confirmed', 'processing', 'shipped', 'delivered') AND i.cancelled_at IS NULL
GROUP BY p.primary_category_id, (o.created_at AT TIME ZONE 'UTC')::date;

INSERT INTO shop_sales_days (day, orders, units, revenue)
SELECT (o.created_at AT TIME ZONE 'UTC')::date, COUNT(DISTINCT o.id), CAST(SUM(i.quantity) AS BIGINT), CAST(SUM(i.line_total) AS BIGINT)
FROM order_items i JOIN orders o ON o.id = i.order_id
WHERE o.status IN ('confirmed', 'processing', 'shipped', 'delivered') AND i.cancelled_at IS NULL
GROUP BY (o.created_at AT TIME ZONE 'UTC')::date;
