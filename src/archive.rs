//! `shopwave archive --before YYYY-MM DEST` (PostgreSQL): takes every order placed before a
//! month out of the database, into files, and detaches and drops the months' partitions
//! (src/orders/months.rs), so the database keeps only the orders a shop still works with.
//!
//! - Only settled orders leave: each one delivered, cancelled, failed or refunded, with no
//!   return, refund or payment still open and every delivered line on a payout statement. One
//!   that is not refuses the whole run, naming it; nothing changes.
//! - DEST, a new folder, gets one JSON Lines file per table (`orders.jsonl`, …: every column of
//!   every row, as PostgreSQL's `row_to_json` writes it) and `manifest.json` with the counts.
//!   The files are written and synced before anything is removed.
//! - The orders, their lines, status changes, payments, refunds, returns and parcels go. Three
//!   kinds of row stay, losing only their link to the order (the files keep it): the stock
//!   ledger, which still sums to stock on hand; voucher redemptions, which still count against
//!   a customer's limit; payout lines, which still add up to their statement. Order numbers stay
//!   taken (`order_numbers`), and the daily sales totals stay, so reports over archived days
//!   still add up.
//! - It all happens in one transaction, so a run that fails leaves the database as it was (and
//!   removes DEST). The months' partitions are locked against writes while they are copied;
//!   each deletion and unlinking must touch exactly the rows written, and detaching fails while
//!   any row still points at an archived order, so a row written meanwhile for one makes the
//!   run fail rather than be lost. The current month, which still takes orders, never goes.
//!
//! Detaching a partition is a schema change, so it runs as the tables' owner (the URL that
//! migrates, docs/operations.md). SQLite keeps one table of orders and has nothing to archive.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use crate::db::DbConn;
use crate::db::types::{OrderStatus, PaymentStatus, RefundStatus, ReturnStatus};
use crate::error::{Error, Result};
use crate::orders::months::MONTH_SPAN;
use crate::payouts::Period;

/// What becomes of a table's rows of archived orders once they are written to the files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// They go with their month's partition.
    Dropped,
    Deleted,
    /// They stay, their link to the order set to NULL.
    Unlinked,
}

/// Each table archived, the column that ties its rows to an order (or order line) id, every
/// row whose tie is below the bound going, and what becomes of them. Parents before children:
/// the files are written in this order, and the rows taken out in the reverse one.
const TABLES: [(&str, &str, Fate); 10] = [
    ("orders", "id", Fate::Dropped),
    ("order_items", "id", Fate::Dropped),
    ("order_status_history", "order_id", Fate::Deleted),
    ("payments", "order_id", Fate::Deleted),
    ("returns", "order_id", Fate::Deleted),
    ("refunds", "order_id", Fate::Deleted),
    ("shipments", "order_id", Fate::Deleted),
    ("inventory_movements", "order_id", Fate::Unlinked),
    ("promotion_redemptions", "order_id", Fate::Unlinked),
    ("payout_lines", "order_item_id", Fate::Unlinked),
];
/// Rows read per query while writing the files.
const BATCH: i64 = 5_000;
/// At most this many unsettled orders are named when a run is refused.
const NAMED: i64 = 10;

/// What a run took out.
#[derive(Debug)]
pub struct Archived {
    pub before: Period,
    /// Rows written per table, in `TABLES` order.
    pub rows: Vec<(&'static str, i64)>,
    /// The partitions detached and dropped (`orders_p202501`, `orders_legacy`, …).
    pub partitions: Vec<String>,
}

impl Archived {
    /// The rows of `table` written to the files.
    pub fn count(&self, table: &str) -> i64 {
        self.rows
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |r| r.1)
    }
}

impl std::fmt::Display for Archived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "archived {} order(s) and {} line(s) placed before {}; partitions detached and dropped: {}",
            self.count("orders"),
            self.count("order_items"),
            self.before,
            self.partitions.join(", ")
        )
    }
}

/// Archives every order placed before the month `before` into `dest`, a folder that must not
/// exist yet (see the module's header for what leaves and what stays).
pub fn archive(conn: &mut DbConn, before: Period, dest: &Path) -> Result<Archived> {
    if conn.is_sqlite() {
        return Err(Error::Invalid(
            "archiving needs PostgreSQL: a SQLite shop keeps its orders in one table".into(),
        ));
    }
    if dest.exists() {
        return Err(Error::Invalid(format!(
            "{} exists already; an archive goes into a new folder",
            dest.display()
        )));
    }
    let this_month = Period::containing(crate::util::now().date());
    if before.start() > this_month.start() {
        return Err(Error::Invalid(format!(
            "{this_month} still takes orders: archive before {this_month} at the latest"
        )));
    }
    let bound = crate::orders::months::first_id_of_month(before.start());
    let archived = conn.transaction(|c| {
        c.batch_execute("SET LOCAL lock_timeout = '10s'")?;
        owner_only(c)?;
        let partitions = partitions_before(c, before, bound)?;
        if partitions.is_empty() {
            return Err(Error::Invalid(format!(
                "no orders are kept by month before {before}: nothing to archive"
            )));
        }
        let names: Vec<&str> = partitions.iter().map(|p| p.name.as_str()).collect();
        c.batch_execute(&format!("LOCK TABLE {} IN SHARE MODE", names.join(", ")))?;
        refuse_unsettled(c, before, bound)?;
        std::fs::create_dir_all(dest).map_err(io(dest))?;
        let rows = write_files(c, bound, dest)?;
        take_out(c, bound, &rows)?;
        for Partition { parent, name } in &partitions {
            c.batch_execute(&format!(
                "ALTER TABLE {parent} DETACH PARTITION {name}; DROP TABLE {name}"
            ))?;
        }
        let archived = Archived {
            before,
            rows,
            partitions: partitions.into_iter().map(|p| p.name).collect(),
        };
        diesel::sql_query(
            "INSERT INTO order_archives (before_day, orders, lines, folder) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind::<diesel::sql_types::Date, _>(before.start().date())
        .bind::<BigInt, _>(archived.count("orders"))
        .bind::<BigInt, _>(archived.count("order_items"))
        .bind::<Text, _>(dest.display().to_string())
        .execute(c)?;
        Ok(archived)
    });
    if archived.is_err() && dest.exists() {
        // Nothing left the database, so the half-written copy is only confusing.
        let _ = std::fs::remove_dir_all(dest);
    }
    archived
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Internal(format!("writing {}: {e}", path.display()))
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    yes: bool,
}

fn owner_only(conn: &mut DbConn) -> Result<()> {
    let owner: Flag = diesel::sql_query(
        "SELECT pg_has_role(current_user, c.relowner, 'USAGE') AS yes FROM pg_class c \
         WHERE c.oid = 'orders'::regclass",
    )
    .get_result(conn)?;
    if owner.yes {
        return Ok(());
    }
    Err(Error::Invalid(
        "archiving detaches tables, which only their owner may do: run it with the \
         DATABASE_URL that migrates"
            .into(),
    ))
}

/// A month's partition (or the legacy one) of `orders` or `order_items`.
#[derive(QueryableByName)]
struct Partition {
    #[diesel(sql_type = Text)]
    parent: String,
    #[diesel(sql_type = Text)]
    name: String,
}

/// The partitions that hold only orders from before the bound, lines first (they point at
/// their orders): the months before it, and the orders from before partitioning, which leave
/// all together or not at all.
fn partitions_before(conn: &mut DbConn, before: Period, bound: i64) -> Result<Vec<Partition>> {
    let mut partitions: Vec<Partition> = diesel::sql_query(
        "SELECT CAST(CAST(i.inhparent AS regclass) AS TEXT) AS parent, c.relname AS name \
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent IN ('orders'::regclass, 'order_items'::regclass)",
    )
    .load(conn)?;
    let key = bound / MONTH_SPAN;
    partitions.retain(|p| match p.name.rsplit_once("_p") {
        Some((_, month)) => month.parse::<i64>().is_ok_and(|m| m < key),
        None => p.name.ends_with("_legacy"),
    });
    if partitions.iter().any(|p| p.name.ends_with("_legacy")) {
        #[derive(QueryableByName)]
        struct Day {
            #[diesel(sql_type = Text)]
            day: String,
        }
        let newest: Option<Day> = diesel::sql_query(
            "SELECT to_char(MAX(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day \
             FROM orders_legacy HAVING MAX(created_at) >= $1",
        )
        .bind::<diesel::sql_types::Timestamp, _>(before.start())
        .get_result(conn)
        .optional()?;
        if let Some(newest) = newest {
            return Err(Error::Invalid(format!(
                "the orders placed before partitioning (orders_legacy) run to {}, past the \
                 start of {before}, and leave all together: archive before a later month",
                newest.day
            )));
        }
    }
    partitions.sort_by(|a, b| {
        (a.parent != "order_items", &a.name).cmp(&(b.parent != "order_items", &b.name))
    });
    Ok(partitions)
}

#[derive(QueryableByName)]
struct Unsettled {
    #[diesel(sql_type = Text)]
    number: String,
    #[diesel(sql_type = Text)]
    why: String,
}

/// Refuses the run, naming up to `NAMED` of them, if any order below the bound may still
/// change: not ended, a return, refund or payment still open, or a delivered line its seller
/// has not been paid for yet (`payouts::generate` would still look for it).
fn refuse_unsettled(conn: &mut DbConn, before: Period, bound: i64) -> Result<()> {
    use OrderStatus::{Cancelled, Delivered, PaymentFailed, Refunded};
    let ended = OrderStatus::sql_list(&[Delivered, Cancelled, PaymentFailed, Refunded]);
    let open_returns = ReturnStatus::sql_list(&[ReturnStatus::Requested, ReturnStatus::Accepted]);
    let open_payments = PaymentStatus::sql_list(&[PaymentStatus::Pending, PaymentStatus::Unknown]);
    let pending_refund = RefundStatus::sql_list(&[RefundStatus::Pending]);
    let delivered = OrderStatus::sql_list(&[Delivered]);
    let of = |rows: &str, filter: &str, why: &str| {
        format!(
            "(SELECT o.number, {why} AS why FROM {rows} JOIN orders o ON o.id = x.order_id \
             WHERE x.order_id < $1 AND {filter} ORDER BY o.id LIMIT {NAMED})"
        )
    };
    let sql = [
        format!(
            "(SELECT o.number, 'is ' || o.status AS why FROM orders o \
             WHERE o.id < $1 AND o.status NOT IN ({ended}) ORDER BY o.id LIMIT {NAMED})"
        ),
        of(
            "returns x",
            &format!("x.status IN ({open_returns})"),
            "'has a return open'",
        ),
        of(
            "refunds x",
            &format!("x.status IN ({pending_refund})"),
            "'has a refund pending'",
        ),
        of(
            "payments x",
            &format!("x.status IN ({open_payments})"),
            "'has a payment unsettled'",
        ),
        of(
            "order_items x",
            &format!(
                "o.status IN ({delivered}) AND x.cancelled_at IS NULL AND NOT EXISTS \
                 (SELECT 1 FROM payout_lines l WHERE l.order_item_id = x.id)"
            ),
            "'has a delivered line its seller is not paid for yet'",
        ),
    ]
    .join(" UNION ALL ");
    let found: Vec<Unsettled> = diesel::sql_query(format!("{sql} LIMIT {NAMED}"))
        .bind::<BigInt, _>(bound)
        .load(conn)?;
    if found.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = found
        .iter()
        .map(|u| format!("{} {}", u.number, u.why))
        .collect();
    Err(Error::Conflict(format!(
        "nothing archived: orders placed before {before} are not all settled ({}); settle \
         them or archive an earlier month",
        named.join("; ")
    )))
}

/// Writes each table's rows below the bound into `dest/<table>.jsonl`, then `manifest.json`,
/// each synced to disk; returns the rows written per table.
fn write_files(conn: &mut DbConn, bound: i64, dest: &Path) -> Result<Vec<(&'static str, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        json: String,
    }
    let mut written = Vec::new();
    for (table, tie, _) in TABLES {
        let path = dest.join(format!("{table}.jsonl"));
        let mut out = BufWriter::new(File::create(&path).map_err(io(&path))?);
        let (mut after, mut count) = (i64::MIN, 0);
        loop {
            let rows: Vec<Row> = diesel::sql_query(format!(
                "SELECT t.id, CAST(row_to_json(t) AS TEXT) AS json FROM {table} t \
                 WHERE t.{tie} < $1 AND t.id > $2 ORDER BY t.id LIMIT {BATCH}"
            ))
            .bind::<BigInt, _>(bound)
            .bind::<BigInt, _>(after)
            .load(conn)?;
            for row in &rows {
                writeln!(out, "{}", row.json).map_err(io(&path))?;
            }
            count += rows.len() as i64;
            match rows.last() {
                Some(last) if rows.len() as i64 == BATCH => after = last.id,
                _ => break,
            }
        }
        let file = out.into_inner().map_err(|e| io(&path)(e.into_error()))?;
        file.sync_all().map_err(io(&path))?;
        written.push((table, count));
    }
    let manifest = serde_json::json!({
        "archived_at": crate::util::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "orders_before_id": bound,
        "rows": written.iter().map(|(t, n)| (t.to_string(), serde_json::Value::from(*n))).collect::<serde_json::Map<_, _>>(),
    });
    let path = dest.join("manifest.json");
    std::fs::write(&path, format!("{manifest:#}\n")).map_err(io(&path))?;
    File::open(&path)
        .and_then(|f| f.sync_all())
        .map_err(io(&path))?;
    File::open(dest)
        .and_then(|d| d.sync_all())
        .map_err(io(dest))?;
    Ok(written)
}

/// Unlinks the rows that stay and deletes the others, checking each statement touched exactly
/// the rows written: a row that changed since would otherwise be lost.
fn take_out(conn: &mut DbConn, bound: i64, written: &[(&'static str, i64)]) -> Result<()> {
    for ((table, tie, fate), (_, expected)) in TABLES.iter().zip(written).rev() {
        let statement = match fate {
            Fate::Dropped => continue,
            Fate::Deleted => format!("DELETE FROM {table}"),
            Fate::Unlinked => format!("UPDATE {table} SET {tie} = NULL"),
        };
        let touched = diesel::sql_query(format!("{statement} WHERE {tie} < $1"))
            .bind::<BigInt, _>(bound)
            .execute(conn)? as i64;
        if touched != *expected {
            return Err(Error::Conflict(format!(
                "{table} changed while it was being archived ({expected} row(s) written, \
                 {touched} found after); nothing was archived, run it again"
            )));
        }
    }
    Ok(())
}
