//! Benchmark volumes: `shopwave seed --scale F` writes F × the design's volumetrics (F = 1.0:
//! 1M customers, 500K products, 10M orders, 25M order items, 2M reviews, 5,000 sellers, 1,000
//! categories) as fast as each backend takes rows: multi-row INSERTs of generated literals, many
//! rows per statement and many statements per transaction.
//!
//! The data is skewed as real shops are: a few products sell most (popularity falls off as a
//! power law), a few customers order often, orders spread over three years, reviews are mostly
//! positive. Stock on hand is recorded as one opening-balance ledger row per variant, so the
//! ledger sum still equals stock; historical orders predate the ledger.
//!
//! The driver and what differs by backend (bulk-load settings, sequences) live here, what the
//! load puts off until the end in `deferred`; each entity's rows are in the files beside it.

mod catalog;
mod deferred;
mod loader;
mod orders;
mod shoppers;

use std::time::Instant;

use diesel::connection::SimpleConnection;
use rand::SeedableRng;
use rand::rngs::StdRng;

use self::deferred::Deferred;
use crate::db::{DbConn, write_tx};
use crate::error::Result;
use crate::inventory::MovementReason;
use crate::reviews::ReviewStatus;
use crate::util::now;

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

/// The tables that grow to millions of rows.
const BIG_TABLES: [&str; 8] = [
    "users",
    "addresses",
    "products",
    "product_variants",
    "orders",
    "order_items",
    "shipments",
    "reviews",
];

/// Fills an empty database at `scale`; returns a summary with per-table rates.
pub fn run(conn: &mut DbConn, scale: f64, shared_hash: &str) -> Result<String> {
    let volumes = Volumes::at(scale);
    let started = Instant::now();
    let sqlite = conn.is_sqlite();
    // A seed can simply be rerun, so it trades durability for speed while loading, and builds
    // and checks the big tables' secondary indexes and foreign keys once at the end instead of
    // row by row (`deferred`).
    if sqlite {
        conn.batch_execute(
            "PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY;",
        )?;
    } else {
        conn.batch_execute("SET synchronous_commit = off; SET maintenance_work_mem = '512MB';")?;
    }
    let deferred = Deferred::put_off(conn, &BIG_TABLES)?;
    let mut rng = StdRng::seed_from_u64(2026);
    let today = now();
    eprintln!("seeding at scale {scale}: {volumes:?}");

    let leaves = catalog::categories(conn, volumes.categories)?;
    catalog::sellers(conn, volumes.sellers, shared_hash)?;
    let variants_per_product = catalog::products(conn, &mut rng, &volumes, &leaves, today)?;
    shoppers::customers(conn, &mut rng, volumes.customers, shared_hash)?;
    orders::orders(conn, &mut rng, &volumes, &variants_per_product, today)?;
    shoppers::reviews(conn, &mut rng, &volumes, today)?;
    eprintln!("  ratings, stock state and ledger");
    finish(conn)?;
    let indexing = Instant::now();
    let restored = deferred.restore(conn)?;
    eprintln!("  {restored} in {:.1} s", indexing.elapsed().as_secs_f64());
    if !sqlite {
        // Rows above were given explicit ids; move each sequence past them for later inserts.
        for table in [
            "categories",
            "sellers",
            "products",
            "product_variants",
            "orders",
            "order_items",
        ] {
            // An order's or line's id is its month's prefix and the sequence's number
            // (src/orders/months.rs); the remainder is the number. Other ids are the number.
            conn.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT MAX(id % {span}) FROM {table}))",
                span = crate::orders::months::MONTH_SPAN
            ))?;
        }
    }
    if sqlite {
        conn.batch_execute("PRAGMA synchronous = FULL; PRAGMA cache_size = -2000; ANALYZE;")?;
    } else {
        // The shop's own schema only: a bare ANALYZE reads every schema of the database, and
        // under another schema's DDL (a test's own schema being made or dropped beside this one
        // on a shared server) the two take each other's tables in opposite orders and deadlock.
        conn.batch_execute(
            "SET synchronous_commit = on; \
             DO $$ BEGIN EXECUTE (SELECT 'ANALYZE ' || string_agg(format('%I', relname), ', ') \
                 FROM pg_class WHERE relnamespace = current_schema()::regnamespace \
                 AND relkind IN ('r', 'p') AND NOT relispartition); END $$;",
        )?;
    }
    Ok(format!(
        "bulk shop at scale {scale} created in {:.1} s: {volumes:?}",
        started.elapsed().as_secs_f64()
    ))
}

/// Rating figures (sum, count, average, count per star) from approved reviews, the
/// opening-balance ledger rows, the parcels and the sales totals (`sales_totals::rebuild`, the
/// migration's backfill).
///
/// This is the bulk path past the shop's own rules, because at benchmark scale one statement per
/// table is what makes loading take minutes rather than hours. It writes what those rules would:
/// the average is `reviews::average_hundredths` in integer SQL (hundredths of a star,
/// rounded half up), and each stocked variant gets the one ledger row `inventory::move_stock`
/// writes for an opening balance, with a note saying where it came from. `in_stock` needs no
/// refresh: every bulk variant is loaded with stock, and its product as in stock.
fn finish(conn: &mut DbConn) -> Result<()> {
    write_tx(conn, |c| {
        c.batch_execute(&format!(
            "UPDATE products SET rating_count = r.n, rating_sum = r.total, \
                 rating_avg = CAST((r.total * 200 + r.n) / (2 * r.n) AS INTEGER), \
                 rating_1 = r.n1, rating_2 = r.n2, rating_3 = r.n3, rating_4 = r.n4, rating_5 = r.n5 \
             FROM (SELECT product_id, COUNT(*) AS n, SUM(rating) AS total, \
                          SUM(CASE WHEN rating = 1 THEN 1 ELSE 0 END) AS n1, \
                          SUM(CASE WHEN rating = 2 THEN 1 ELSE 0 END) AS n2, \
                          SUM(CASE WHEN rating = 3 THEN 1 ELSE 0 END) AS n3, \
                          SUM(CASE WHEN rating = 4 THEN 1 ELSE 0 END) AS n4, \
                          SUM(CASE WHEN rating = 5 THEN 1 ELSE 0 END) AS n5 FROM reviews \
                   WHERE status = '{}' GROUP BY product_id) AS r \
             WHERE products.id = r.product_id; \
             INSERT INTO inventory_movements (variant_id, delta, reason, note) \
             SELECT id, stock, '{}', 'opening balance (bulk seed)' FROM product_variants WHERE stock > 0;",
            ReviewStatus::Approved.as_str(),
            MovementReason::Initial.as_str(),
        ))?;
        c.batch_execute(PARCELS)?;
        crate::sales_totals::rebuild(c)
    })
}

/// One parcel per seller of every paid order, as far along as its order: pending when
/// confirmed, packed when processing, shipped (with an `Other` carrier number, `BK-order-seller`,
/// a shape `fulfilment::Tracking` accepts) and delivered after. Cancelled and unpaid orders have
/// none, as the shop opens parcels only when a payment is captured and a bulk cancelled order
/// never got that far. Dated when the order was placed.
const PARCELS: &str = "\
    INSERT INTO shipments (order_id, seller_id, status, carrier, tracking_number, \
                           packed_at, shipped_at, delivered_at, created_at, updated_at) \
    SELECT o.id, i.seller_id, \
           CASE o.status WHEN 'confirmed' THEN 'pending' WHEN 'processing' THEN 'packed' \
                         WHEN 'shipped' THEN 'shipped' ELSE 'delivered' END, \
           CASE WHEN o.status IN ('shipped', 'delivered', 'refunded') THEN 'Other' END, \
           CASE WHEN o.status IN ('shipped', 'delivered', 'refunded') \
                THEN 'BK-' || o.id || '-' || i.seller_id END, \
           CASE WHEN o.status <> 'confirmed' THEN o.created_at END, \
           CASE WHEN o.status IN ('shipped', 'delivered', 'refunded') THEN o.created_at END, \
           CASE WHEN o.status IN ('delivered', 'refunded') THEN o.created_at END, \
           o.created_at, o.created_at \
    FROM orders o \
    JOIN (SELECT DISTINCT order_id, seller_id FROM order_items) i ON i.order_id = o.id \
    WHERE o.status IN ('confirmed', 'processing', 'shipped', 'delivered', 'refunded');";
