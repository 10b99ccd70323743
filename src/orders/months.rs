//! Orders by month. On PostgreSQL `orders` and `order_items` are partitioned by month
//! (migrations/postgres/2026-12-07-000001_monthly_orders): an order's id is
//! `yyyymm * 10^10 + n`, `n` from the table's sequence, and a line's id carries its order's month
//! the same way. The database refuses an id whose month is not the order's (`ck_orders_month`,
//! `ck_order_items_month`), so a range of dates is a range of ids, and a query that also says it
//! in ids reads only the months' partitions. Orders placed before partitioning keep their plain
//! ids, all below 10^10 (`LEGACY_END`), in one partition of their own.
//!
//! SQLite keeps one table with plain ids. The id bounds below hold there too (every id is below
//! `LEGACY_END`), so the same query serves both backends.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::dsl;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Timestamp};

use crate::db::schema::{order_items, orders};
use crate::db::{Constant, DbConn, constant};
use crate::error::Result;

/// How many ids each month has: its ids are `yyyymm * MONTH_SPAN + n`.
pub const MONTH_SPAN: i64 = 10_000_000_000;
/// Every id below this is an order (or line) from before partitioning, or SQLite's.
pub const LEGACY_END: i64 = MONTH_SPAN;
/// How many months ahead of the current one the server keeps partitions ready.
const MONTHS_AHEAD: u32 = 2;

/// `yyyymm` of a UTC time: the month an order placed then belongs to.
pub fn month_key(at: NaiveDateTime) -> i64 {
    i64::from(at.year()) * 100 + i64::from(at.month())
}

/// The first id of the month `at` falls in.
pub fn first_id_of_month(at: NaiveDateTime) -> i64 {
    month_key(at) * MONTH_SPAN
}

/// The first id after every order placed up to `at` (inclusive): the first of the next month.
pub fn id_bound_through(at: NaiveDateTime) -> i64 {
    first_id_of_month(next_month(at.date()).and_time(NaiveTime::MIN))
}

/// The first id after every order placed before `end` (exclusive).
pub fn id_bound_before(end: NaiveDateTime) -> i64 {
    id_bound_through(end - chrono::Duration::microseconds(1))
}

/// The `yyyymm` after `key`.
fn next_month_key(key: i64) -> i64 {
    match key % 100 {
        12 => (key / 100 + 1) * 100 + 1,
        _ => key + 1,
    }
}

fn next_month(day: NaiveDate) -> NaiveDate {
    let (year, month) = match day.month() {
        12 => (day.year() + 1, 1),
        m => (day.year(), m + 1),
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("the first of a month exists")
}

/// An id bound, written into the statement as a constant (`db::constant`) rather than sent as a
/// parameter. PostgreSQL 15 prunes partitions while planning only on constants: a prepared
/// statement's generic plan with parameter bounds locks and opens every month on every run before
/// it prunes, and under concurrency those locks cost more than the reads (BENCHMARKS.md, "Order
/// history by month"). The statement stays prepared, one per distinct text: bounds are whole
/// months, so a connection prepares one per month or span of months it is asked for, and the pool
/// replaces each connection after 30 minutes (r2d2's default lifetime, src/db/pool.rs), which
/// bounds them.
pub type Bound = Constant<BigInt>;

pub type PlacedFrom<C> = dsl::Or<dsl::GtEq<C, Bound>, dsl::Lt<C, Bound>>;
pub type PlacedBefore<C> = dsl::Lt<C, Bound>;
pub type PlacedBetween<C> = dsl::And<PlacedFrom<C>, PlacedBefore<C>>;
pub type MonthsBefore<C> = dsl::And<dsl::GtEq<C, Bound>, dsl::Lt<C, Bound>>;
pub type TheOrder = dsl::And<dsl::Eq<orders::id, i64>, PlacedBetween<orders::id>>;
pub type LinesOfOrder =
    dsl::And<dsl::Eq<order_items::order_id, i64>, PlacedBetween<order_items::id>>;

/// The ids (of `orders` or `order_items`) the rows placed at or after `start` can have: that
/// month's and later, or a legacy id.
pub fn placed_from<C>(id: C, start: NaiveDateTime) -> PlacedFrom<C>
where
    C: Expression<SqlType = BigInt> + Copy,
{
    id.ge(constant(first_id_of_month(start)))
        .or(id.lt(constant(LEGACY_END)))
}

/// The ids the rows placed before `end` can have.
pub fn placed_before<C>(id: C, end: NaiveDateTime) -> PlacedBefore<C>
where
    C: Expression<SqlType = BigInt> + Copy,
{
    id.lt(constant(id_bound_before(end)))
}

/// The ids the rows placed up to `at`, inclusive, can have.
pub fn placed_through<C>(id: C, at: NaiveDateTime) -> PlacedBefore<C>
where
    C: Expression<SqlType = BigInt> + Copy,
{
    id.lt(constant(id_bound_through(at)))
}

/// The ids the rows placed in `[start, end)` can have. Added to a query over those dates, it
/// lets PostgreSQL read only those months' partitions.
pub fn placed_between<C>(id: C, start: NaiveDateTime, end: NaiveDateTime) -> PlacedBetween<C>
where
    C: Expression<SqlType = BigInt> + Copy,
{
    placed_from(id, start).and(placed_before(id, end))
}

/// The ids of the months before the one `start` falls in, legacy ids left out: with
/// `placed_from(id, start)`, every id exactly once.
pub fn months_before<C>(id: C, start: NaiveDateTime) -> MonthsBefore<C>
where
    C: Expression<SqlType = BigInt> + Copy,
{
    id.ge(constant(LEGACY_END))
        .and(id.lt(constant(first_id_of_month(start))))
}

/// Every id, of any month or legacy: for a query that cannot name its month, in the same type
/// as the bounds of one that can.
pub fn any_month<C>(id: C) -> PlacedBetween<C>
where
    C: Expression<SqlType = BigInt> + Copy,
{
    id.ge(constant(LEGACY_END))
        .or(id.lt(constant(LEGACY_END)))
        .and(id.lt(constant(i64::MAX)))
}

/// The ids of the months of the orders `order_ids`, from the first to the last, or legacy ids:
/// where those orders are, and their lines, which the database holds to their order's month
/// (`ck_order_items_month`). Added to a query over those orders or their lines, it lets
/// PostgreSQL read only those months.
pub fn in_months_of<C>(id: C, order_ids: &[i64]) -> PlacedBetween<C>
where
    C: Expression<SqlType = BigInt> + Copy,
{
    let (first, end) = month_ids_spanned(order_ids);
    id.ge(constant(first))
        .or(id.lt(constant(LEGACY_END)))
        .and(id.lt(constant(end)))
}

/// `[first, end)`: the ids of the months from the first to the last of `ids`' months; empty
/// (`LEGACY_END` twice) when every id is a legacy one.
pub fn month_ids_spanned(ids: &[i64]) -> (i64, i64) {
    let months = ids
        .iter()
        .filter(|&&id| id >= LEGACY_END)
        .map(|id| id / MONTH_SPAN);
    match (months.clone().min(), months.max()) {
        // Saturating: an id from a request may be any i64, and the bound must not overflow.
        (Some(first), Some(last)) => (
            first.saturating_mul(MONTH_SPAN),
            next_month_key(last).saturating_mul(MONTH_SPAN),
        ),
        _ => (LEGACY_END, LEGACY_END),
    }
}

/// The order `order_id`, said with its month's bounds too, so that PostgreSQL reads one
/// partition even in a prepared statement's generic plan, where a bare `id = $1` locks and opens
/// every month on each run (a third of the speed under concurrency: BENCHMARKS.md, "Order
/// history by month").
pub fn the_order(order_id: i64) -> TheOrder {
    orders::id
        .eq(order_id)
        .and(in_months_of(orders::id, &[order_id]))
}

/// The lines of the order `order_id`, said in their ids too, so that PostgreSQL reads only
/// its month's partition of `order_items`.
pub fn lines_of_order(order_id: i64) -> LinesOfOrder {
    order_items::order_id
        .eq(order_id)
        .and(in_months_of(order_items::id, &[order_id]))
}

/// The first instant of the month `months` before the one `at` falls in.
pub fn months_back(at: NaiveDateTime, months: u32) -> NaiveDateTime {
    let first = at.date().with_day(1).expect("every month has a first");
    (first - chrono::Months::new(months)).and_time(NaiveTime::MIN)
}

/// Whether ids carry months here (PostgreSQL) or are plain (SQLite).
pub fn by_month(conn: &DbConn) -> bool {
    !conn.is_sqlite()
}

/// The id a new order dated `at` takes where ids carry months (PostgreSQL), its month's
/// partition made first if missing (a backdated order, a seed). `None` on SQLite: plain ids.
pub fn order_id_for(conn: &mut DbConn, at: NaiveDateTime) -> Result<Option<i64>> {
    if !by_month(conn) {
        return Ok(None);
    }
    make(conn, at, at)?;
    draw(conn, "orders_id_seq", month_key(at)).map(Some)
}

/// The id a new line of order `order_id` takes: in its order's month, where ids carry months.
pub fn line_id_for(conn: &mut DbConn, order_id: i64) -> Result<Option<i64>> {
    if !by_month(conn) || order_id < LEGACY_END {
        return Ok(None);
    }
    draw(conn, "order_items_id_seq", order_id / MONTH_SPAN).map(Some)
}

fn draw(conn: &mut DbConn, sequence: &str, month: i64) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let next: Id = diesel::sql_query(format!(
        "SELECT $1 * {MONTH_SPAN} + nextval('{sequence}') AS id"
    ))
    .bind::<BigInt, _>(month)
    .get_result(conn)?;
    Ok(next.id)
}

/// Makes the partitions of the months from `first` through `last` that do not exist yet
/// (PostgreSQL; nothing on SQLite). The database function does the work as the tables' owner
/// and takes no lock when every month exists; returns how many months it made.
pub fn make(conn: &mut DbConn, first: NaiveDateTime, last: NaiveDateTime) -> Result<i32> {
    if !by_month(conn) {
        return Ok(0);
    }
    #[derive(QueryableByName)]
    struct Made {
        #[diesel(sql_type = Integer)]
        made: i32,
    }
    let made: Made = diesel::sql_query(
        "SELECT add_order_months($1 AT TIME ZONE 'UTC', $2 AT TIME ZONE 'UTC') AS made",
    )
    .bind::<Timestamp, _>(first)
    .bind::<Timestamp, _>(last)
    .get_result(conn)?;
    Ok(made.made)
}

/// The first day not archived: every order placed before it was taken out of the database by
/// `shopwave archive` (src/archive.rs). `None` when nothing was archived, and always on SQLite.
pub fn archived_before(conn: &mut DbConn) -> Result<Option<NaiveDate>> {
    if !by_month(conn) {
        return Ok(None);
    }
    #[derive(QueryableByName)]
    struct Day {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
        day: Option<NaiveDate>,
    }
    let day: Day =
        diesel::sql_query("SELECT MAX(before_day) AS day FROM order_archives").get_result(conn)?;
    Ok(day.day)
}

/// Keeps this month and the next `MONTHS_AHEAD` ready, so an order never finds its month
/// missing. The server runs it at start and with each sweep.
pub fn make_ahead(conn: &mut DbConn) -> Result<i32> {
    let now = crate::util::now();
    let last = (0..MONTHS_AHEAD).fold(now.date(), |day, _| next_month(day));
    make(conn, now, last.and_time(NaiveTime::MIN))
}

/// Keeps the coming months made, every `every` (the server made them at start). A failure is
/// logged and tried again: two months ahead leave weeks to notice.
pub fn spawn_keeper(pool: crate::db::Pool, every: std::time::Duration) {
    std::thread::Builder::new()
        .name("order-months".into())
        .spawn(move || {
            loop {
                std::thread::sleep(every);
                let made = pool
                    .get()
                    .map_err(crate::error::Error::from)
                    .and_then(|mut conn| make_ahead(&mut conn));
                match made {
                    Ok(0) => {}
                    Ok(made) => tracing::info!(made, "order partitions made for coming months"),
                    Err(error) => tracing::warn!(%error, "making order partitions: will retry"),
                }
            }
        })
        .expect("spawn the order-months thread");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn a_month_is_a_range_of_ids() {
        assert_eq!(month_key(at("2026-12-31 23:59:59")), 202612);
        assert_eq!(
            first_id_of_month(at("2026-12-03 10:00:00")),
            202612 * MONTH_SPAN
        );
    }

    #[test]
    fn the_bound_before_an_end_covers_the_month_it_ends_in() {
        // Ending at midnight on the first: the month before is the last one read.
        assert_eq!(
            id_bound_before(at("2027-01-01 00:00:00")),
            202701 * MONTH_SPAN
        );
        // Ending mid-month: that month is read too; December rolls into January.
        assert_eq!(
            id_bound_before(at("2026-12-15 00:00:00")),
            202701 * MONTH_SPAN
        );
        assert_eq!(
            id_bound_before(at("2026-11-30 12:00:00")),
            202612 * MONTH_SPAN
        );
    }

    #[test]
    fn the_lines_of_a_page_of_orders_are_in_the_months_between_its_first_and_last() {
        let october = 202610 * MONTH_SPAN;
        let december = 202612 * MONTH_SPAN;
        assert_eq!(
            month_ids_spanned(&[december + 7, october + 3, december + 1]),
            (october, 202701 * MONTH_SPAN)
        );
        // Legacy ids (and SQLite's) are matched by `id < LEGACY_END`, not by the span.
        assert_eq!(
            month_ids_spanned(&[december + 1, 42]),
            (december, 202701 * MONTH_SPAN)
        );
        assert_eq!(month_ids_spanned(&[42, 43]), (LEGACY_END, LEGACY_END));
        let (_, end) = month_ids_spanned(&[i64::MAX]);
        assert_eq!(
            end,
            i64::MAX,
            "any id a request names is bounded, never overflowing"
        );
        assert_eq!(month_ids_spanned(&[]), (LEGACY_END, LEGACY_END));
    }

    #[test]
    fn months_back_counts_whole_months_across_a_year() {
        assert_eq!(
            months_back(at("2027-01-31 23:00:00"), 2),
            at("2026-11-01 00:00:00")
        );
        assert_eq!(
            months_back(at("2026-12-01 00:00:00"), 0),
            at("2026-12-01 00:00:00")
        );
    }

    #[test]
    fn legacy_and_sqlite_ids_are_below_every_month() {
        assert!(LEGACY_END <= first_id_of_month(at("1970-01-01 00:00:00")));
    }
}
