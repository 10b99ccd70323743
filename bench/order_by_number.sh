#!/usr/bin/env bash
# An order found by its number on PostgreSQL, as the shop read it before src/orders/numbers.rs (a
# bare `number = $1`, one probe of every month's index) and as it reads it now (the number's id
# from `order_numbers`, then the order with its month's bounds written in as constants), under
# `pgbench -M prepared` (Diesel's statement cache) at 16 clients, alternated, each twice.
#
#     bench/order_by_number.sh postgres://postgres@127.0.0.1:5432/shopwave_bench_0_2
#
# The order is the newest one; the figures are transactions a second (one order found each).
set -euo pipefail
url=$1
span=10000000000
read -r id number < <(psql "$url" -XAtF' ' -c "SELECT id, number FROM orders ORDER BY id DESC LIMIT 1")
month=$((id / span))
if ((month % 100 == 12)); then next=$(((month / 100 + 1) * 100 + 1)); else next=$((month + 1)); fi
columns="id, number, status, grand_total"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "SELECT $columns FROM orders WHERE number = :number;" > "$work/bare.sql"
cat > "$work/numbered.sql" <<SQL
SELECT order_id FROM order_numbers WHERE number = :number;
SELECT $columns FROM orders WHERE number = :number AND (id >= $((month * span)) OR id < $span) AND id < $((next * span));
SQL
echo "order $number (id $id); partitions of orders: $(psql "$url" -XAtc "SELECT count(*) FROM pg_inherits WHERE inhparent = 'orders'::regclass")"
for round in 1 2; do
  for variant in bare numbered; do
    tps=$(pgbench -n -M prepared -c 16 -j 2 -T 6 -D number="$number" -f "$work/$variant.sql" "$url" 2>&1 |
      sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    echo "round $round, $variant: $tps tps"
  done
done
