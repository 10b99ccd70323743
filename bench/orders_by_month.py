#!/usr/bin/env python3
"""The order statements on one table against orders by month (PostgreSQL), in one run.

Takes two bulk-seeded databases of the same scale: one by a release before partitioning (one
`orders` and one `order_items` table, plain ids) and one by this tree (a partition per month, ids
`yyyymm * 10^10 + n`). Runs the statements whose cost partitioning changes, each written as that
build sends it (docs/explain.md, last section), with parameters read from each database: the
month before the latest order's, the customer with the most orders, their 21st newest order as
the cursor of history page 2, their oldest order by number and by id.

    bench/orders_by_month.py postgres://postgres@127.0.0.1:5432/flat postgres://postgres@127.0.0.1:5432/monthly

Prints two markdown tables: the unprepared statements (planning + execution, the best of 9
`EXPLAIN ANALYZE` runs: what a statement costs behind a transaction-mode pooler), and the prepared
ones (the best of runs 13 to 17 of `EXPLAIN ANALYZE EXECUTE`, after PostgreSQL may have switched
to a generic plan: what Diesel's statement cache gets on a direct connection).
"""
import re
import subprocess
import sys
from datetime import datetime

MONTH_SPAN = 10**10
STATUSES = "('confirmed', 'processing', 'shipped', 'delivered')"


def psql(url, sql):
    return subprocess.run(["psql", url, "-XqAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def psql_script(url, sql):
    return subprocess.run(["psql", url, "-XqAt", "-v", "ON_ERROR_STOP=1"], input=sql,
                          check=True, capture_output=True, text=True).stdout


def month_start(year, month):
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def first_id(at):
    return (at.year * 100 + at.month) * MONTH_SPAN


def parameters(url):
    latest = datetime.fromisoformat(psql(url, "SELECT max(created_at) AT TIME ZONE 'UTC' FROM orders"))
    start = month_start(latest.year, latest.month - 1)
    end = month_start(latest.year, latest.month)
    user = psql(url, "SELECT user_id FROM orders GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1")
    rows = psql(url, f"SELECT created_at AT TIME ZONE 'UTC', id, number FROM orders WHERE user_id = {user} "
                     "ORDER BY created_at DESC, id DESC").splitlines()
    cursor_at, cursor_id, cursor_number = rows[20].split("|")
    _, oldest_id, oldest_number = rows[-1].split("|")
    cursor_at = datetime.fromisoformat(cursor_at)
    return dict(start=start, end=end, user=user, orders=len(rows), cursor_at=cursor_at,
                cursor_id=cursor_id, cursor_number=cursor_number,
                cursor_bound=first_id(month_start(cursor_at.year, cursor_at.month + 1)),
                number=oldest_number, id=oldest_id)


def statements(p, by_month):
    """(name, SQL with $n placeholders, their values) as each build sends them."""
    def between(column):
        return (f" AND (({column} >= {first_id(p['start'])} OR {column} < {MONTH_SPAN}) "
                f"AND {column} < {first_id(p['end'])})") if by_month else ""
    start, end = f"'{p['start']}+00'", f"'{p['end']}+00'"
    cursor = f"'{p['cursor_at']}+00'"
    return [
        ("top products, one month",
         "SELECT products.id, products.name, CAST(SUM(order_items.line_total) AS BIGINT), "
         "CAST(SUM(order_items.quantity) AS BIGINT) FROM order_items INNER JOIN orders ON orders.id = "
         "order_items.order_id INNER JOIN products ON products.id = order_items.product_id WHERE "
         f"orders.status IN {STATUSES} AND orders.created_at >= $1 AND orders.created_at < $2"
         + between("orders.id") + between("order_items.id")
         + " GROUP BY products.id, products.name ORDER BY 3 DESC, products.id LIMIT 10",
         [start, end]),
        ("admin search, one month",
         "SELECT orders.id, orders.number, orders.status, orders.grand_total, orders.created_at, "
         "users.email FROM orders INNER JOIN users ON users.id = orders.user_id WHERE "
         "orders.created_at >= $1 AND orders.created_at < $2" + between("orders.id")
         + " ORDER BY orders.created_at DESC, orders.id DESC LIMIT 26",
         [start, end]),
        ("history page 1",
         "SELECT id, number, status, grand_total, created_at FROM orders WHERE user_id = $1 "
         "ORDER BY created_at DESC, id DESC LIMIT 21",
         [p["user"]]),
        ("history page 2",
         "SELECT id, number, status, grand_total, created_at FROM orders WHERE user_id = $1 AND "
         "(created_at < $2 OR (created_at = $2 AND id < $3))"
         + (" AND id < $4" if by_month else "") + " ORDER BY created_at DESC, id DESC LIMIT 21",
         [p["user"], cursor, p["cursor_id"]] + ([str(p["cursor_bound"])] if by_month else [])),
        ("an order by number",
         "SELECT id, status, grand_total FROM orders WHERE number = $1 AND user_id = $2",
         [f"'{p['number']}'", p["user"]]),
        ("an order by id",
         "SELECT id, status, grand_total FROM orders WHERE id = $1",
         [p["id"]]),
    ]


TIME = re.compile(r"(Planning|Execution) Time: ([\d.]+) ms")


def timings(output):
    """[(planning, execution)] per EXPLAIN in the output."""
    found = TIME.findall(output)
    return [(float(found[i][1]), float(found[i + 1][1])) for i in range(0, len(found), 2)]


def literal(sql, values):
    for n in range(len(values), 0, -1):
        sql = sql.replace(f"${n}", values[n - 1])
    return sql


def unprepared(url, sql, values):
    script = f"EXPLAIN (ANALYZE, TIMING OFF) {literal(sql, values)};\n" * 9
    return min(plan + run for plan, run in timings(psql_script(url, script)))


def prepared(url, sql, values):
    args = ", ".join(values)
    script = f"PREPARE s AS {sql};\n" + f"EXPLAIN (ANALYZE, TIMING OFF) EXECUTE s({args});\n" * 17
    return min(plan + run for plan, run in timings(psql_script(url, script))[12:])


def main():
    flat_url, monthly_url = sys.argv[1], sys.argv[2]
    flat, monthly = parameters(flat_url), parameters(monthly_url)
    print(f"month {flat['start']:%Y-%m}; the busiest customer has {flat['orders']} orders "
          f"(one table) and {monthly['orders']} (by month)\n")
    pairs = list(zip(statements(flat, False), statements(monthly, True)))
    for title, measure in (("unprepared", unprepared), ("prepared", prepared)):
        print(f"| statement, {title} | one table | by month | ratio |\n|---|---:|---:|---:|")
        for (name, flat_sql, flat_values), (_, monthly_sql, monthly_values) in pairs:
            before = measure(flat_url, flat_sql, flat_values)
            after = measure(monthly_url, monthly_sql, monthly_values)
            print(f"| {name} | {before:.2f} ms | {after:.2f} ms | {after / before:.2f}× |")
        print()


if __name__ == "__main__":
    main()
