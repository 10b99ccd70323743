//! Benchmark volumes: `shopwave seed --scale F` writes F × the design's volumetrics (F = 1.0:
//! 1M customers, 500K products, 10M orders, 25M order items, 2M reviews, 5,000 sellers, 1,000
//! categories) as fast as each backend takes rows: multi-row INSERTs of generated literals, many
//! rows per statement and many statements per transaction.
//!
//! The data is skewed as real shops are: a few products sell most (popularity falls off as a
//! power law), a few customers order often, orders spread over three years, reviews are mostly
//! positive. Stock on hand is recorded as one opening-balance ledger row per variant, so the
//! ledger sum still equals stock; historical orders predate the ledger.

use std::fmt::Write as _;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime};
use diesel::connection::SimpleConnection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::catalog::ProductStatus;
use crate::catalog::slug::slug;
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};
use crate::inventory::MovementReason;
use crate::util::now;

/// Rows per INSERT statement, and statements per transaction.
const ROWS_PER_STATEMENT: usize = 500;
const STATEMENTS_PER_TRANSACTION: usize = 40;

const NOUNS: &[&str] = &[
    "Lamp",
    "Chair",
    "Backpack",
    "Headphones",
    "Kettle",
    "Jacket",
    "Notebook",
    "Speaker",
    "Tent",
    "Skillet",
    "Watch",
    "Blender",
    "Monitor",
    "Keyboard",
    "Mug",
    "Sneaker",
    "Puzzle",
    "Novel",
    "Bike Light",
    "Desk",
];

/// How much of each entity F × the volumetrics means.
#[derive(Debug, Clone, Copy)]
pub struct Volumes {
    pub categories: usize,
    pub sellers: usize,
    pub products: usize,
    pub customers: usize,
    pub orders: usize,
    pub reviews: usize,
}

impl Volumes {
    pub fn at(scale: f64) -> Volumes {
        let of = |full: f64, floor: usize| ((full * scale).round() as usize).max(floor);
        Volumes {
            categories: of(1_000.0, 40),
            sellers: of(5_000.0, 10),
            products: of(500_000.0, 100),
            customers: of(1_000_000.0, 100),
            orders: of(10_000_000.0, 100),
            reviews: of(2_000_000.0, 50),
        }
    }
}

/// Accumulates one table's rows into multi-row INSERT statements.
struct Loader<'a> {
    conn: &'a mut DbConn,
    table: &'static str,
    columns: &'static str,
    statement: String,
    batch: String,
    rows_in_statement: usize,
    statements_in_batch: usize,
    total: usize,
    expected: usize,
    started: Instant,
    last_report: Instant,
}

impl<'a> Loader<'a> {
    fn new(
        conn: &'a mut DbConn,
        table: &'static str,
        columns: &'static str,
        expected: usize,
    ) -> Loader<'a> {
        Loader {
            conn,
            table,
            columns,
            statement: String::new(),
            batch: String::new(),
            rows_in_statement: 0,
            statements_in_batch: 0,
            total: 0,
            expected,
            started: Instant::now(),
            last_report: Instant::now(),
        }
    }

    /// Adds one row given as SQL literals, e.g. `1, 'name', 250`.
    fn row(&mut self, values: std::fmt::Arguments) -> Result<()> {
        if self.rows_in_statement == 0 {
            let _ = write!(
                self.statement,
                "INSERT INTO {} ({}) VALUES (",
                self.table, self.columns
            );
        } else {
            self.statement.push_str(",(");
        }
        let _ = self.statement.write_fmt(values);
        self.statement.push(')');
        self.rows_in_statement += 1;
        self.total += 1;
        if self.rows_in_statement == ROWS_PER_STATEMENT {
            self.end_statement()?;
        }
        Ok(())
    }

    fn end_statement(&mut self) -> Result<()> {
        if self.rows_in_statement == 0 {
            return Ok(());
        }
        self.batch.push_str(&self.statement);
        self.batch.push_str(";\n");
        self.statement.clear();
        self.rows_in_statement = 0;
        self.statements_in_batch += 1;
        if self.statements_in_batch == STATEMENTS_PER_TRANSACTION {
            self.commit()?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let sql = std::mem::take(&mut self.batch);
        write_tx(self.conn, |c| c.batch_execute(&sql).map_err(Error::from))?;
        self.statements_in_batch = 0;
        if self.last_report.elapsed().as_secs_f64() >= 1.0 {
            self.report(false);
            self.last_report = Instant::now();
        }
        Ok(())
    }

    fn report(&self, done: bool) {
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\r  {:<16} {:>11}/{:<11} {:>9.0} rows/s {:>7.1} s{}",
            self.table,
            self.total,
            self.expected,
            self.total as f64 / seconds,
            seconds,
            if done { "\n" } else { "" }
        );
    }

    fn finish(mut self) -> Result<usize> {
        self.end_statement()?;
        self.commit()?;
        self.report(true);
        Ok(self.total)
    }
}

/// The tables that grow to millions of rows.
const BIG_TABLES: [&str; 7] = [
    "users",
    "addresses",
    "products",
    "product_variants",
    "orders",
    "order_items",
    "reviews",
];

/// Name and CREATE statement of each index on `tables` that no constraint owns.
fn secondary_indexes(conn: &mut DbConn, tables: &[&str]) -> Result<Vec<(String, String)>> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Index {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        definition: String,
    }
    let list = tables
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let query = match conn {
        DbConn::Sqlite(_) => format!(
            "SELECT name, sql AS definition FROM sqlite_master \
             WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({list})"
        ),
        DbConn::Postgres(_) => format!(
            "SELECT indexname AS name, indexdef AS definition FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename IN ({list}) \
             AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ),
    };
    Ok(diesel::sql_query(query)
        .load::<Index>(conn)?
        .into_iter()
        .map(|i| (i.name, i.definition))
        .collect())
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn timestamp(at: NaiveDateTime) -> String {
    format!("'{}'", at.format("%Y-%m-%d %H:%M:%S"))
}

/// A power-law pick in `0..n`: index 0 is the most popular.
fn skewed(rng: &mut StdRng, n: usize, exponent: i32) -> usize {
    ((rng.random_range(0.0f64..1.0).powi(exponent) * n as f64) as usize).min(n - 1)
}

/// Fills an empty database at `scale`; returns a summary with per-table rates.
pub fn run(conn: &mut DbConn, scale: f64, shared_hash: &str) -> Result<String> {
    let volumes = Volumes::at(scale);
    let started = Instant::now();
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    // A seed can simply be rerun, so it trades durability for speed while loading, and builds
    // the big tables' secondary indexes once at the end instead of row by row.
    if sqlite {
        conn.batch_execute(
            "PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY;",
        )?;
    } else {
        conn.batch_execute("SET synchronous_commit = off; SET maintenance_work_mem = '512MB';")?;
    }
    let deferred = secondary_indexes(conn, &BIG_TABLES)?;
    for (name, _) in &deferred {
        conn.batch_execute(&format!("DROP INDEX {name}"))?;
    }
    let mut rng = StdRng::seed_from_u64(2026);
    let today = now();
    eprintln!("seeding at scale {scale}: {volumes:?}");

    let leaves = categories(conn, volumes.categories)?;
    sellers(conn, volumes.sellers, shared_hash)?;
    let variants_per_product = products(conn, &mut rng, &volumes, &leaves, today)?;
    customers(conn, &mut rng, volumes.customers, shared_hash)?;
    orders(conn, &mut rng, &volumes, &variants_per_product, today)?;
    reviews(conn, &mut rng, &volumes, today)?;
    eprintln!("  ratings, stock state and ledger");
    finish(conn)?;
    let indexing = Instant::now();
    for (_, definition) in &deferred {
        conn.batch_execute(definition)?;
    }
    eprintln!(
        "  {} secondary indexes built in {:.1} s",
        deferred.len(),
        indexing.elapsed().as_secs_f64()
    );
    if !sqlite {
        // Rows above were given explicit ids; move each sequence past them for later inserts.
        for table in [
            "categories",
            "sellers",
            "products",
            "product_variants",
            "orders",
        ] {
            conn.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))?;
        }
    }
    if sqlite {
        conn.batch_execute("PRAGMA synchronous = FULL; PRAGMA cache_size = -2000; ANALYZE;")?;
    } else {
        conn.batch_execute("SET synchronous_commit = on; ANALYZE;")?;
    }
    Ok(format!(
        "bulk shop at scale {scale} created in {:.1} s: {volumes:?}",
        started.elapsed().as_secs_f64()
    ))
}

/// A 3-level tree: 10 top categories, each with mid-level children, each with leaves.
fn categories(conn: &mut DbConn, count: usize) -> Result<Vec<i64>> {
    let per_level = ((count as f64 / 10.0).sqrt().ceil() as usize).max(2);
    let mut loader = Loader::new(
        conn,
        "categories",
        "id, parent_id, name, slug, path, depth, position",
        count,
    );
    let (mut id, mut leaves) = (0i64, Vec::new());
    'tree: for top in 0..10 {
        id += 1;
        let top_id = id;
        loader.row(format_args!(
            "{top_id}, NULL, 'Department {top}', 'department-{top}', '/{top_id}/', 0, {top}"
        ))?;
        for mid in 0..per_level {
            id += 1;
            let mid_id = id;
            loader.row(format_args!(
                "{mid_id}, {top_id}, 'Aisle {top}.{mid}', 'aisle-{top}-{mid}', '/{top_id}/{mid_id}/', 1, {mid}"
            ))?;
            for leaf in 0..per_level {
                if id as usize >= count {
                    break 'tree;
                }
                id += 1;
                loader.row(format_args!(
                    "{id}, {mid_id}, 'Shelf {top}.{mid}.{leaf}', 'shelf-{top}-{mid}-{leaf}', '/{top_id}/{mid_id}/{id}/', 2, {leaf}"
                ))?;
                leaves.push(id);
            }
        }
    }
    loader.finish()?;
    Ok(leaves)
}

fn sellers(conn: &mut DbConn, count: usize, shared_hash: &str) -> Result<()> {
    let mut users = Loader::new(
        conn,
        "users",
        "email, password_hash, first_name, last_name, role",
        count,
    );
    let hash = quote(shared_hash);
    for n in 1..=count {
        users.row(format_args!(
            "'seller{n}@bulk.test', {hash}, 'Seller', '{n}', 'seller'"
        ))?;
    }
    users.finish()?;
    let first_user = first_id_of(conn, "users", "role = 'seller'")?;
    let mut sellers = Loader::new(
        conn,
        "sellers",
        "id, user_id, display_name, slug, contact_email, commission_bps",
        count,
    );
    for n in 1..=count {
        sellers.row(format_args!(
            "{n}, {}, 'Seller {n}', 'seller-{n}', 'shop{n}@bulk.test', {}",
            first_user + n as i64 - 1,
            800 + n % 8 * 100
        ))?;
    }
    sellers.finish()?;
    Ok(())
}

/// Products with 1–3 variants each; returns each product's variant count (ids are dense).
fn products(
    conn: &mut DbConn,
    rng: &mut StdRng,
    volumes: &Volumes,
    leaves: &[i64],
    today: NaiveDateTime,
) -> Result<Vec<u8>> {
    let mut variant_counts = Vec::with_capacity(volumes.products);
    let mut prices = Vec::with_capacity(volumes.products);
    let mut loader = Loader::new(
        conn,
        "products",
        "id, seller_id, primary_category_id, name, slug, description, status, is_featured, price_min, price_max, in_stock, created_at, updated_at",
        volumes.products,
    );
    for id in 1..=volumes.products {
        let name = format!(
            "{} {} {} {id}",
            super::data::ADJECTIVES[rng.random_range(0..super::data::ADJECTIVES.len())],
            super::data::MATERIALS[id % super::data::MATERIALS.len()],
            NOUNS[id % NOUNS.len()]
        );
        let variants = 1 + (id % 5 == 0) as u8 + (id % 7 == 0) as u8;
        let base = (rng.random_range(0.0f64..1.0).powi(3) * 150_000.0) as i64 / 100 * 100 + 499;
        let created = today - Duration::minutes(rng.random_range(60..3 * 365 * 24 * 60));
        let status = if id % 50 == 0 {
            ProductStatus::Draft
        } else {
            ProductStatus::Active
        };
        loader.row(format_args!(
            "{id}, {}, {}, {}, {}, {}, '{status}', {}, {base}, {}, TRUE, {}, {}",
            1 + skewed(rng, volumes.sellers, 2),
            leaves[id % leaves.len()],
            quote(&name),
            quote(&format!("{}-{id}", slug(&name))),
            quote(&format!(
                "The {name} is a dependable choice, built to last and loved by our customers."
            )),
            if id % 97 == 0 { "TRUE" } else { "FALSE" },
            base + i64::from(variants - 1) * 500,
            timestamp(created),
            timestamp(created),
        ))?;
        variant_counts.push(variants);
        prices.push(base);
    }
    loader.finish()?;

    let mut links = Loader::new(
        conn,
        "product_categories",
        "product_id, category_id",
        volumes.products,
    );
    for id in 1..=volumes.products {
        links.row(format_args!("{id}, {}", leaves[id % leaves.len()]))?;
    }
    links.finish()?;

    let mut images = Loader::new(
        conn,
        "product_images",
        "product_id, url, alt_text, position",
        volumes.products,
    );
    for id in 1..=volumes.products {
        images.row(format_args!(
            "{id}, '/static/img/products/{}.svg', 'Product photo', 0",
            id % 12
        ))?;
    }
    images.finish()?;

    let total_variants: usize = variant_counts.iter().map(|n| *n as usize).sum();
    let mut variants = Loader::new(
        conn,
        "product_variants",
        "id, product_id, sku, name, options, price, stock, reorder_point, position",
        total_variants,
    );
    let mut variant_id = 0;
    for (index, count) in variant_counts.iter().enumerate() {
        for position in 0..*count {
            variant_id += 1;
            let size = ["S", "M", "L"][position as usize];
            variants.row(format_args!(
                "{variant_id}, {}, 'BK-{variant_id:08}', '{size}', '{{\"Size\": \"{size}\"}}', {}, {}, 5, {position}",
                index + 1,
                prices[index] + i64::from(position) * 500,
                rng.random_range(20..500),
            ))?;
        }
    }
    variants.finish()?;
    Ok(variant_counts)
}

fn customers(conn: &mut DbConn, rng: &mut StdRng, count: usize, shared_hash: &str) -> Result<()> {
    let hash = quote(shared_hash);
    let mut users = Loader::new(
        conn,
        "users",
        "email, password_hash, first_name, last_name, role",
        count,
    );
    for n in 1..=count {
        users.row(format_args!(
            "'shopper{n}@bulk.test', {hash}, 'Shopper', '{n}', 'customer'"
        ))?;
    }
    users.finish()?;
    let first_customer: i64 = first_id_of(conn, "users", "role = 'customer'")?;
    let mut addresses = Loader::new(
        conn,
        "addresses",
        "user_id, full_name, line1, city, region, postal_code, country, is_default",
        count,
    );
    for n in 0..count {
        addresses.row(format_args!(
            "{}, 'Shopper {n}', '{} Main Street', 'Springfield', 'CA', '{:05}', 'US', TRUE",
            first_customer + n as i64,
            rng.random_range(1..999),
            n % 100_000
        ))?;
    }
    addresses.finish()?;
    Ok(())
}

fn first_id_of(conn: &mut DbConn, table: &str, condition: &str) -> Result<i64> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let row: Id = diesel::sql_query(format!(
        "SELECT MIN(id) AS id FROM {table} WHERE {condition}"
    ))
    .get_result(conn)?;
    Ok(row.id)
}

/// Orders spread over three years with 1–4 lines each (2.5 on average), mostly delivered.
fn orders(
    conn: &mut DbConn,
    rng: &mut StdRng,
    volumes: &Volumes,
    variant_counts: &[u8],
    today: NaiveDateTime,
) -> Result<()> {
    let first_customer = first_id_of(conn, "users", "role = 'customer'")?;
    let first_address = first_id_of(conn, "addresses", "1 = 1")?;
    // Variant ids are dense and in product order, so a product's first variant id is a prefix sum.
    let mut first_variant = Vec::with_capacity(variant_counts.len());
    let mut next = 1i64;
    for count in variant_counts {
        first_variant.push(next);
        next += i64::from(*count);
    }
    let mut orders = Loader::new(
        conn,
        "orders",
        "id, number, user_id, status, subtotal, shipping_total, tax_total, grand_total, shipping_method_name, shipping_address_id, ship_name, ship_line1, ship_city, ship_region, ship_postal_code, ship_country, idempotency_key, created_at, updated_at",
        volumes.orders,
    );
    let mut lines: Vec<(i64, i64, usize, i64, i32)> = Vec::new();
    for id in 1..=volumes.orders as i64 {
        let customer = skewed(rng, volumes.customers, 2) as i64;
        let placed = today - Duration::minutes(rng.random_range(60..3 * 365 * 24 * 60));
        let line_count = match rng.random_range(0..10) {
            0..=2 => 1,
            3..=5 => 2,
            6..=7 => 3,
            _ => 4,
        };
        let mut subtotal = 0;
        let mut chosen: Vec<usize> = (0..line_count)
            .map(|_| skewed(rng, volumes.products, 3))
            .collect();
        chosen.sort_unstable();
        chosen.dedup();
        for product in chosen {
            let quantity = rng.random_range(1..=2);
            let price = 499 + (product as i64 % 300) * 100;
            subtotal += price * i64::from(quantity);
            lines.push((id, first_variant[product], product + 1, price, quantity));
        }
        let tax = crate::money::Money::from_minor(subtotal)
            .apply_bps(725)
            .minor();
        let shipping = if subtotal >= 5000 { 0 } else { 499 };
        orders.row(format_args!(
            "{id}, 'SW-B{id:09}', {}, '{}', {subtotal}, {shipping}, {tax}, {}, 'Standard', {}, 'Bulk Shopper', '1 Main Street', 'Springfield', 'CA', '90210', 'US', 'bulk-{id}', {}, {}",
            first_customer + customer,
            super::data::PAST_ORDER_STATUSES[rng.random_range(0..super::data::PAST_ORDER_STATUSES.len())],
            subtotal + shipping + tax,
            first_address + customer,
            timestamp(placed),
            timestamp(placed),
        ))?;
        if lines.len() >= 100_000 || id as usize == volumes.orders {
            // Lines are written between orders batches so memory stays bounded.
            orders.end_statement()?;
            orders.commit()?;
            write_lines(&mut *orders.conn, &mut lines, volumes)?;
        }
    }
    orders.finish()?;
    eprintln!();
    Ok(())
}

fn write_lines(
    conn: &mut DbConn,
    lines: &mut Vec<(i64, i64, usize, i64, i32)>,
    volumes: &Volumes,
) -> Result<()> {
    let mut items = Loader::new(
        conn,
        "order_items",
        "order_id, variant_id, product_id, seller_id, product_name, sku, unit_price, quantity, line_subtotal, tax_rate_bps, tax, line_total",
        lines.len(),
    );
    for (order, variant, product, price, quantity) in lines.drain(..) {
        let subtotal = price * i64::from(quantity);
        let tax = crate::money::Money::from_minor(subtotal)
            .apply_bps(725)
            .minor();
        items.row(format_args!(
            "{order}, {variant}, {product}, {}, 'Product {product}', 'BK-{variant:08}', {price}, {quantity}, {subtotal}, 725, {tax}, {}",
            1 + product % volumes.sellers,
            subtotal + tax
        ))?;
    }
    items.end_statement()?;
    items.commit()?;
    Ok(())
}

/// Reviews on popular products by distinct customers, mostly positive, most approved.
fn reviews(
    conn: &mut DbConn,
    rng: &mut StdRng,
    volumes: &Volumes,
    today: NaiveDateTime,
) -> Result<()> {
    let first_customer = first_id_of(conn, "users", "role = 'customer'")?;
    let mut loader = Loader::new(
        conn,
        "reviews",
        "user_id, product_id, rating, title, body, status, is_verified_purchase, created_at, updated_at",
        volumes.reviews,
    );
    // Each customer reviews a run of consecutive products from a skewed start, so a (user,
    // product) pair never repeats.
    let per_customer = volumes
        .reviews
        .div_ceil(volumes.customers)
        .max(1)
        .min(volumes.products);
    let mut made = 0;
    'customers: for customer in 0..volumes.customers {
        let start = skewed(rng, volumes.products, 2);
        for j in 0..per_customer {
            if made == volumes.reviews {
                break 'customers;
            }
            let product = (start + j) % volumes.products;
            let (rating, _, body) =
                super::data::REVIEW_TITLES[skewed(rng, super::data::REVIEW_TITLES.len(), 2)];
            let at = timestamp(today - Duration::minutes(rng.random_range(60..3 * 365 * 24 * 60)));
            loader.row(format_args!(
                "{}, {}, {rating}, 'Review', {}, '{}', TRUE, {at}, {at}",
                first_customer + customer as i64,
                product + 1,
                quote(body),
                if made % 10 == 9 {
                    "pending"
                } else {
                    "approved"
                },
            ))?;
            made += 1;
        }
    }
    loader.finish()?;
    Ok(())
}

/// Rating aggregates from approved reviews, and the opening-balance ledger rows.
///
/// This is the bulk path past the shop's own rules, because at benchmark scale one statement per
/// table is what makes loading take minutes rather than hours. It writes what those rules would:
/// the average is `admin::reviews::average_hundredths` in integer SQL (hundredths of a star,
/// rounded half up), and each stocked variant gets the one ledger row `inventory::move_stock`
/// writes for an opening balance, with a note saying where it came from. `in_stock` needs no
/// refresh: every bulk variant is loaded with stock, and its product as in stock.
fn finish(conn: &mut DbConn) -> Result<()> {
    write_tx(conn, |c| {
        c.batch_execute(&format!(
            "UPDATE products SET rating_count = r.n, rating_sum = r.total, \
                 rating_avg = CAST((r.total * 200 + r.n) / (2 * r.n) AS INTEGER) \
             FROM (SELECT product_id, COUNT(*) AS n, SUM(rating) AS total FROM reviews \
                   WHERE status = 'approved' GROUP BY product_id) AS r \
             WHERE products.id = r.product_id; \
             INSERT INTO inventory_movements (variant_id, delta, reason, note) \
             SELECT id, stock, '{}', 'opening balance (bulk seed)' FROM product_variants WHERE stock > 0;",
            MovementReason::Initial
        ))
        .map_err(Error::from)
    })
}
