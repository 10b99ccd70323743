#!/usr/bin/env bash
# Times the statements of the seller dashboard (QP-06, busiest seller) and of the one-year sales
# report (QP-08, by month) on a seeded PostgreSQL database, as they were before the running
# totals (`before`: every paid order line) and as they are now (`after`: src/sales_totals/),
# each set run RUNS times in one psql session, warm. Prints p50 and p99 of each set's total.
#
#   bench/sales_totals.sh postgres://postgres@127.0.0.1:5432/tot_bench_0_1 [RUNS]
#
# The statements that did not change (recent orders, low stock, top products) are timed in
# both sets, so each set is the whole of what the page asks the database.
set -euo pipefail
url=$1
runs=${2:-50}
seller=$(psql "$url" -Atc "SELECT seller_id FROM order_items GROUP BY seller_id ORDER BY COUNT(*) DESC LIMIT 1")
paid="('confirmed', 'processing', 'shipped', 'delivered')"
year="o.created_at >= current_date - 364 AND o.created_at < current_date + 1"

common_06="
SELECT DISTINCT order_id FROM order_items WHERE seller_id = $seller ORDER BY order_id DESC LIMIT 10;
SELECT p.id, v.sku, v.stock FROM product_variants v JOIN products p ON p.id = v.product_id
 WHERE p.seller_id = $seller AND p.deleted_at IS NULL AND v.is_active AND v.stock <= v.reorder_point
 ORDER BY v.stock, v.id LIMIT 50;"
top_products="
SELECT p.id, p.name, CAST(SUM(i.line_total) AS BIGINT) FROM order_items i JOIN orders o ON o.id = i.order_id
 JOIN products p ON p.id = i.product_id WHERE o.status IN $paid AND $year
 GROUP BY p.id, p.name ORDER BY 3 DESC, p.id LIMIT 10;"

before_06="$common_06
SELECT CAST(SUM(i.line_subtotal) AS BIGINT), CAST(SUM(i.discount) AS BIGINT), CAST(SUM(i.quantity) AS BIGINT)
 FROM order_items i JOIN orders o ON o.id = i.order_id
 WHERE i.seller_id = $seller AND o.status IN $paid AND o.created_at >= now() - interval '30 days';
SELECT CAST(SUM(i.line_subtotal) AS BIGINT), CAST(SUM(i.discount) AS BIGINT), CAST(SUM(i.quantity) AS BIGINT)
 FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.seller_id = $seller AND o.status IN $paid;
SELECT to_char(date_trunc('month', o.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS m, COUNT(DISTINCT o.id),
 CAST(SUM(i.line_subtotal) AS BIGINT), CAST(SUM(i.discount) AS BIGINT), CAST(SUM(i.quantity) AS BIGINT)
 FROM order_items i JOIN orders o ON o.id = i.order_id
 WHERE i.seller_id = $seller AND o.status IN $paid
   AND o.created_at >= date_trunc('month', current_date) - interval '11 months' GROUP BY m;"
after_06="$common_06
SELECT CAST(SUM(gross) AS BIGINT), CAST(SUM(units) AS BIGINT) FROM seller_sales_days
 WHERE seller_id = $seller AND day >= current_date - 29;
SELECT CAST(SUM(gross) AS BIGINT), CAST(SUM(units) AS BIGINT) FROM seller_sales_days WHERE seller_id = $seller;
SELECT day, orders, gross, units FROM seller_sales_days
 WHERE seller_id = $seller AND day >= date_trunc('month', current_date) - interval '11 months';"

before_08="$top_products
SELECT to_char(date_trunc('month', o.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS m, COUNT(DISTINCT o.id),
 CAST(SUM(i.quantity) AS BIGINT), CAST(SUM(i.line_total) AS BIGINT)
 FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status IN $paid AND $year GROUP BY m;
SELECT p.primary_category_id, CAST(SUM(i.line_total) AS BIGINT), CAST(SUM(i.quantity) AS BIGINT)
 FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id
 WHERE o.status IN $paid AND $year GROUP BY p.primary_category_id;
SELECT s.id, s.display_name, CAST(SUM(i.line_total) AS BIGINT) FROM order_items i JOIN orders o ON o.id = i.order_id
 JOIN sellers s ON s.id = i.seller_id WHERE o.status IN $paid AND $year
 GROUP BY s.id, s.display_name ORDER BY 3 DESC, s.id LIMIT 10;"
after_08="$top_products
SELECT day, orders, units, revenue FROM shop_sales_days WHERE day >= current_date - 364 AND day <= current_date;
SELECT category_id, CAST(SUM(revenue) AS BIGINT), CAST(SUM(units) AS BIGINT) FROM category_sales_days
 WHERE day >= current_date - 364 AND day <= current_date GROUP BY category_id;
SELECT s.id, s.display_name, CAST(SUM(t.revenue) AS BIGINT) FROM seller_sales_days t JOIN sellers s ON s.id = t.seller_id
 WHERE t.day >= current_date - 364 AND t.day <= current_date
 GROUP BY s.id, s.display_name ORDER BY 3 DESC, s.id LIMIT 10;"
after_08_without_top_products="${after_08#"$top_products"}"

# Runs a set RUNS times (after one unmeasured run) and prints p50 / p99 of its total time.
time_set() {
  local name=$1 sql=$2
  local statements
  statements=$(printf '%s\n' "$sql" | grep -c ';$')
  {
    echo '\timing on'
    for _ in $(seq 0 "$runs"); do printf '%s\n' "$sql"; done
  } | psql "$url" -q -o /dev/null 2>&1 | grep '^Time:' | awk '{print $2}' |
    python3 -c "
import sys
t = [float(x) for x in sys.stdin]
n = $statements
runs = sorted(sum(t[i:i + n]) for i in range(n, len(t), n))
p = lambda q: runs[min(len(runs) - 1, int(q * len(runs)))]
print(f'$name: {len(runs)} runs, p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms')
"
}

echo "busiest seller: $seller"
time_set "QP-06 before" "$before_06"
time_set "QP-06 after " "$after_06"
time_set "QP-08 before" "$before_08"
time_set "QP-08 after " "$after_08"
time_set "QP-08 after, without top products" "$after_08_without_top_products"
