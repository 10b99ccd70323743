#!/usr/bin/env python3
"""EXPLAIN every statement the shop really runs for its pages on PostgreSQL.

Drives the pages of the query patterns through a running server (started by this script) with
statement logging on, collects each distinct statement with its parameters from the server log,
runs EXPLAIN on it and writes docs/explain.md, grouped by the page that first ran it and flagging
any sequential scan on a table with more than 10,000 rows:

  QP-01 category listing, deep keyset page, search   QP-06 seller dashboard (/seller)
  QP-02 product page                                 QP-07 home (top rated)
  QP-03 cart                                         QP-08 admin sales report (/admin/reports)
  QP-04 checkout: review and place order             QP-09 apply a promotion code
  QP-05 order history                                QP-10 wishlist

Checkout and the promotion code write (an order, stock, a voucher use), and the seller and admin
pages need a shipping method, a promotion and an administrator that the bulk seed does not make.
So the pages are driven against a scratch copy of the database (CREATE DATABASE ... TEMPLATE,
which needs no one else connected to it) and a copy of the data directory, both removed at the
end; the statements are then EXPLAINed, never run (plain EXPLAIN, no ANALYZE), on the database
named here, whose data is left unchanged.

    bench/explain.py postgres://postgres@127.0.0.1:5432/shopwave_bench_0_1 bench-data/postgres-0.1

The release binary is taken from $CARGO_TARGET_DIR (default target/).
"""
import atexit
import html
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

url, data_dir = sys.argv[1], sys.argv[2]
dbname = urllib.parse.urlparse(url).path.lstrip("/")
scratch = f"{dbname}_explain"
scratch_url = url.rsplit("/", 1)[0] + "/" + scratch
log_path = "/var/log/postgresql/postgresql-15-main.log"
binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "shopwave")
port = 18093
base = f"http://127.0.0.1:{port}"
password = "shopwave-bulk-shopper"  # every bulk-seeded account's password
promotion_code = "EXPLAIN10"


def psql(sql, db=dbname):
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-tAc", sql],
                          check=True, capture_output=True, text=True).stdout


class Visitor:
    """A browser: cookies kept, redirects followed, the page's CSRF token sent with each form."""

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None  # the 303 comes back as an HTTPError carrying its Location

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.client = urllib.request.build_opener(cookies)
        self.staying = urllib.request.build_opener(cookies, Visitor.Stay)
        self.page, self.location = "", None

    def get(self, path):
        return self._open(path, None)

    def post(self, path, fields, follow=True):
        """Submits a form; with follow=False stops at its redirect, kept in self.location."""
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.page or self.get("/"))
        return self._open(path, dict(fields, csrf_token=token.group(1)), follow)

    def _open(self, path, data, follow=True):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with (self.client if follow else self.staying).open(base + path, body, timeout=60) as response:
                self.page = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            if error.code == 303 and not follow:
                self.location = error.headers["Location"]
                return self.page
            self.page = error.read().decode("utf-8", "replace")
            sys.exit(f"{path} answered {error.code}:\n{self.page[:2000]}")
        return self.page

    def field(self, name):
        return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', self.page).group(1))

    def sign_in(self, email):
        self.get("/account/login")
        self.post("/account/login", {"email": email, "password": password})
        return self


def type_card(card_page):
    """Types a card on the processor's page at `card_page`, as a browser would; returns the path
    in this shop it sends the shopper back to."""
    card = {"number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2099", "cvc": "123"}
    try:
        urllib.request.build_opener(Visitor.Stay).open(card_page, urllib.parse.urlencode(card).encode(), timeout=60)
    except urllib.error.HTTPError as error:
        back = error.headers["Location"] or ""
        if error.code == 303 and back.startswith(base):
            return back[len(base):]
        sys.exit(f"the card page answered {error.code} to {back}:\n" + error.read().decode("utf-8", "replace")[:2000])
    sys.exit("the card page did not send the shopper back to the shop")


# The sandbox: a copy of the database with what the bulk seed lacks, and of the data directory.
psql(f"DROP DATABASE IF EXISTS {scratch}", "test")
psql(f"CREATE DATABASE {scratch} TEMPLATE {dbname} STRATEGY FILE_COPY", "test")
work = tempfile.mkdtemp(prefix="explain-")


@atexit.register
def remove_sandbox():  # at exit, whatever happened, once the server below has stopped
    psql(f"DROP DATABASE IF EXISTS {scratch}", "test")
    shutil.rmtree(work, ignore_errors=True)


sandbox_dir = os.path.join(work, "data")
shutil.copytree(data_dir, sandbox_dir, ignore=shutil.ignore_patterns("*.log", "mail", "charges.jsonl"))
env = dict(os.environ, DATABASE_URL=scratch_url, SHOPWAVE_DATA_DIR=sandbox_dir, RUST_LOG="warn")
subprocess.run([binary, "create-admin", "--email", "explain-admin@bulk.test", "--password", password],
               env=env, check=True, capture_output=True)
psql("INSERT INTO shipping_methods (code, name, price, min_days, max_days) "
     "VALUES ('explain-standard', 'Standard', 499, 2, 5)", scratch)
psql("INSERT INTO tax_rates (country, region, name, rate_bps) VALUES ('US', 'CA', 'Sales tax', 825)", scratch)
psql("INSERT INTO promotions (code, discount_kind, percent_bps, min_subtotal, per_customer_limit, scope, "
     "valid_from, valid_until) VALUES "
     f"('{promotion_code}', 'percentage', 1000, 0, 1, 'site', now() - interval '1 day', now() + interval '1 year')",
     scratch)
heavy_email = psql("SELECT email FROM users WHERE id = (SELECT user_id FROM orders GROUP BY user_id "
                   "ORDER BY count(*) DESC LIMIT 1)").strip()
sellers_by_sales = psql("SELECT u.email FROM users u JOIN sellers s ON s.user_id = u.id JOIN "
                        "(SELECT seller_id, count(*) AS n FROM order_items GROUP BY seller_id) i "
                        "ON i.seller_id = s.id ORDER BY i.n DESC").split()
busiest_seller, median_seller = sellers_by_sales[0], sellers_by_sales[len(sellers_by_sales) // 2]
product = psql("SELECT slug FROM products WHERE status = 'active' AND rating_count > 0 LIMIT 1").strip()
variant = psql("SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id "
               "WHERE v.stock > 10 AND p.status = 'active' ORDER BY v.id LIMIT 1").strip()
category = psql("SELECT slug FROM categories WHERE depth = 2 LIMIT 1").strip()
department = psql("SELECT slug FROM categories WHERE depth = 0 LIMIT 1").strip()

psql(f"ALTER DATABASE {scratch} SET log_min_duration_statement = 0", "test")
start = os.path.getsize(log_path)
segments = []  # (label, first log offset, last log offset, list its statements even if seen before)
server = subprocess.Popen([binary, "serve", "--demo", "--bind", f"127.0.0.1:{port}"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        if subprocess.run(["curl", "-fs", base + "/healthz"], capture_output=True).returncode == 0:
            break
        time.sleep(0.2)
    time.sleep(1.5)  # the indexer's and the sweeper's first rounds, so they count as background
    idle = os.path.getsize(log_path)

    def page(label, action, again=False):
        before = os.path.getsize(log_path)
        action()
        time.sleep(0.3)
        segments.append((label, before, os.path.getsize(log_path), again))

    def deep_page():
        # Follow the department's keyset "next" link 20 times, as bench/prepare.py does.
        visitor, path = Visitor(), "/c/" + department
        for _ in range(20):
            found = re.search(r'href="([^"]*after=[^"]*)"[^>]*rel="next"|rel="next"[^>]*href="([^"]*after=[^"]*)"',
                              visitor.get(path))
            if not found:
                break
            path = html.unescape(found.group(1) or found.group(2))
        return path

    heavy = Visitor().sign_in(heavy_email)
    shopper = Visitor().sign_in("shopper2@bulk.test")
    busiest = Visitor().sign_in(busiest_seller)
    median = Visitor().sign_in(median_seller)
    admin = Visitor().sign_in("explain-admin@bulk.test")
    deep = deep_page()

    def checkout_review():
        # A new card is typed on the card processor's page, never sent to the shop: the review
        # sends the shopper there, and the page sends them back to the shop's review.
        shopper.get("/checkout")
        shopper.post("/checkout/review", {
            "address_id": shopper.field("address_id"), "shipping_method_id": shopper.field("shipping_method_id"),
            "payment": "new"}, follow=False)
        shopper.get(type_card(shopper.location))

    def place_order():
        fields = {name: shopper.field(name) for name in
                  ("address_id", "shipping_method_id", "payment", "idempotency_key", "expected_total")}
        shopper.post("/checkout/place", fields, follow=False)
        if not (shopper.location or "").startswith("/orders/"):
            sys.exit(f"placing the order went to {shopper.location}:\n" + shopper.page[:2000])

    def order_page():
        shopper.get(shopper.location)
        if "is confirmed" not in shopper.page:
            sys.exit("the order was not confirmed:\n" + shopper.page[:2000])

    page("QP-01 category listing", lambda: heavy.get("/c/" + category))
    page("QP-01 deep keyset page", lambda: heavy.get(deep))
    page("QP-01 search", lambda: heavy.get("/search?q=lamp&min_price=10"))
    page("QP-02 product page", lambda: heavy.get("/p/" + product))
    page("QP-03 cart", lambda: heavy.get("/cart"))
    page("QP-05 order history", lambda: heavy.get("/orders"))
    page("QP-07 home (top rated)", lambda: heavy.get("/"))
    page("QP-10 wishlist", lambda: heavy.get("/wishlist"))
    page("QP-03 add to cart", lambda: shopper.post("/cart/add", {"variant_id": variant, "quantity": "1"}))
    page("QP-09 apply promotion code", lambda: shopper.post("/cart/promotion", {"code": promotion_code}))
    page("QP-04 checkout form and review", checkout_review)
    page("QP-04 place order", place_order)
    page("QP-04 the placed order's page", order_page)
    page("QP-06 seller dashboard, the busiest seller", lambda: busiest.get("/seller"))
    page("QP-06 seller dashboard, the median seller", lambda: median.get("/seller"), again=True)
    page("QP-08 sales report, last 30 days (the default)", lambda: admin.get("/admin/reports"))
    page("QP-08 sales report, one year", lambda: admin.get(
        "/admin/reports?from=" + psql("SELECT (current_date - 365)::text").strip()
        + "&to=" + psql("SELECT current_date::text").strip()), again=True)
finally:
    server.terminate()
    server.wait()

# Latin-1 keeps one character per byte, so match positions are the log offsets of the segments.
log = open(log_path, "rb").read()[start:].decode("latin-1")
background = "Start-up, sign-in and background work (search indexer, payment sweeper)"
# Each statement goes under the first page that ran it: start-up and the background threads' rounds
# before the first page count as one; sign-in (between them) only for what no page ran. A page
# marked `again` lists every statement it ran, as its parameters may give another plan.
segments = [(background, 0, idle - start, False)] + [
    (label, a - start, b - start, again) for label, a, b, again in segments]
first = {}  # shape -> (label, sql)
repeated = {}  # (label, shape) -> sql
for match in re.finditer(r"execute [^:]*: ((?:SELECT|INSERT|UPDATE|DELETE|WITH) .*?)\n"
                         r"(?:.*?DETAIL:  parameters: (.*?)\n)?", log):
    sql, params = (g.encode("latin-1").decode("utf-8", "replace") for g in (match.group(1), match.group(2) or ""))
    if "pg_" in sql or "__diesel" in sql:
        continue
    values = dict(re.findall(r"(\$\d+) = ('(?:[^']|'')*'|NULL)", params))
    for key in sorted(values, key=lambda k: -int(k[1:])):
        sql = sql.replace(key, values[key])
    shape = re.sub(r"'(?:[^']|'')*'|\b\d+\b", "?", sql)
    label, again = next(((label, again) for label, a, b, again in segments if a <= match.start() < b),
                        (None, False))
    if again:
        repeated.setdefault((label, shape), sql)
    elif shape not in first or (first[shape][0] is None and label is not None):
        first[shape] = (label, sql)
sections = {label: {} for label, _, _, _ in segments[1:]}
sections[background] = {}
for shape, (label, sql) in first.items():
    sections[label or background][shape] = sql
for (label, shape), sql in repeated.items():
    if first.get(shape, (None,))[0] != background:  # not a background round that ran meanwhile
        sections[label][shape] = sql

sizes = dict(line.split("|") for line in psql(
    "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' "
    "AND relnamespace = 'public'::regnamespace").split())
body, summary, flagged, total = [], [], 0, 0
for label, statements in sections.items():
    if not statements:
        continue
    body += [f"## {label}", ""]
    section_flagged = 0
    for sql in statements.values():
        plan = psql("EXPLAIN " + sql)
        scans = [t for t in re.findall(r"Seq Scan on (\w+)", plan) if int(sizes.get(t, 0)) > 10000]
        section_flagged += bool(scans)
        verdict = "⚠ sequential scan on " + ", ".join(scans) if scans else "no sequential scan on a large table"
        body += [f"### {verdict}", "", "```sql", sql[:1500], "```", "", "```text", plan.rstrip(), "```", ""]
        empty = sorted({t for t in re.findall(r"Seq Scan on (\w+)", plan) if int(sizes.get(t, 0)) <= 0})
        if empty:
            # The bulk seed leaves the checkout's own tables empty, where any plan reads nothing;
            # show the index the statement would use once they fill up.
            indexed = psql("SET enable_seqscan = off; EXPLAIN " + sql).removeprefix("SET\n")
            body += [f"With `enable_seqscan = off`, as {', '.join(empty)} "
                     f"{'is' if len(empty) == 1 else 'are'} empty at this scale:", "",
                     "```text", indexed.rstrip(), "```", ""]
    summary.append(f"| {label} | {len(statements)} | {section_flagged} |")
    flagged += section_flagged
    total += len(statements)

out = ["# Query plans on PostgreSQL (generated by `bench/explain.py`)", "",
       f"Every distinct statement the shop ran while serving the pages of QP-01 to QP-10 on a copy of "
       f"`{dbname}`, with its real parameters, and its plan (EXPLAIN without ANALYZE, on `{dbname}`). "
       "Each statement is listed once, under the first page that ran it, except that the median seller's "
       "dashboard and the one-year report list all of theirs again: other parameters, other plans. "
       "A sequential scan on a table of more than 10,000 rows is flagged. Sizes are the planner's "
       "row estimates. The bulk seed leaves carts, payments, status history and promotions empty, so "
       "a statement that reads an empty table is also shown with `enable_seqscan = off`: the index it "
       "will use once the table fills up. Regenerate after changing a query.", "",
       "| page | statements | with a sequential scan on a large table |", "|---|---:|---:|",
       *summary, f"| **all** | **{total}** | **{flagged}** |", "", *body]
# The section on partition pruning is written by hand (its plans come from a bulk-seeded
# database, not from serving pages); it is carried over as it is.
PRUNING = "## Orders by month: partition pruning"
previous = open("docs/explain.md").read() if os.path.exists("docs/explain.md") else ""
if PRUNING in previous:
    out += ["", previous[previous.index(PRUNING):].rstrip()]
open("docs/explain.md", "w").write("\n".join(out) + "\n")
print(f"{total} statements explained, {flagged} with a sequential scan on a large table")
