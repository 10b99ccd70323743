//! A shopper's order history, newest first, a page at a time.
//!
//! Orders live in month partitions on PostgreSQL (src/orders/months.rs). A page that named no
//! months would open every month's partition on every view; so a page reads the recent months
//! first (its own month and the `RECENT_MONTHS - 1` before it), which fill it for a shopper who
//! orders often, and reads the older months only when they might hold one of its rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{OrderStatus, PAGE_SIZE, months, numbered};
use crate::db::DbConn;
use crate::db::schema::{order_items, orders};
use crate::error::{Error, Result};
use crate::money::Money;

/// How many months, the page's own included, a page of history reads first.
const RECENT_MONTHS: u32 = 3;

/// A row of the order history.
#[derive(Debug, Clone)]
pub struct OrderSummary {
    pub number: String,
    pub status: OrderStatus,
    pub grand_total: Money,
    pub placed_at: NaiveDateTime,
    pub units: i64,
}

impl OrderSummary {
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
}

pub struct OrderPage {
    pub orders: Vec<OrderSummary>,
    /// The cursor of the next (older) page, when there is one.
    pub next: Option<String>,
}

type Row = (i64, String, OrderStatus, Money, NaiveDateTime);

/// Which of the user's orders a read covers: the recent months (and any legacy order, whose
/// date an id does not say), or the months before them.
#[derive(Clone, Copy)]
enum Months {
    From(NaiveDateTime),
    Before(NaiveDateTime),
}

/// The user's orders, newest first, `PAGE_SIZE` at a time: the keyset `(created_at, id)` of the
/// last row shown, sent back as `after`, picks up where the page ended (index
/// `idx_orders_user_created`), so deep pages cost what the first one does.
pub fn list(conn: &mut DbConn, user_id: i64, after: Option<&str>) -> Result<OrderPage> {
    let cursor = match after {
        None => None,
        Some(number) => Some(
            orders::table
                .filter(orders::user_id.eq(user_id))
                .filter(numbered(conn, number)?)
                .select((orders::created_at, orders::id))
                .first::<(NaiveDateTime, i64)>(conn)
                .optional()?
                .ok_or(Error::NotFound)?,
        ),
    };
    let newest = cursor.map_or_else(crate::util::now, |(at, _)| at);
    let recent = months::months_back(newest, RECENT_MONTHS - 1);
    let wanted = PAGE_SIZE as usize + 1;
    let mut rows = read(conn, user_id, cursor, Months::From(recent))?;
    // Every order before the recent months is older than each recent one, so a full page of
    // recent orders is the page. A legacy order may be older still (its id is read with the
    // recent months), and a short page needs the older months anyway.
    let full = rows.len() == wanted && rows.last().is_some_and(|row| row.4 >= recent);
    if !full && months::by_month(conn) {
        rows.extend(read(conn, user_id, cursor, Months::Before(recent))?);
        rows.sort_by_key(|row| std::cmp::Reverse((row.4, row.0)));
        rows.truncate(wanted);
    }
    let more = rows.len() == wanted;
    rows.truncate(PAGE_SIZE as usize);
    let units = units(conn, &rows)?;
    let orders: Vec<OrderSummary> = rows
        .into_iter()
        .map(|(id, number, status, total, placed_at)| OrderSummary {
            number,
            status,
            grand_total: total,
            placed_at,
            units: units.get(&id).copied().unwrap_or(0),
        })
        .collect();
    let next = more
        .then(|| orders.last().map(|o| o.number.clone()))
        .flatten();
    Ok(OrderPage { orders, next })
}

/// Up to a page and one of the user's orders in `months`, after the cursor, newest first.
fn read(
    conn: &mut DbConn,
    user_id: i64,
    cursor: Option<(NaiveDateTime, i64)>,
    months: Months,
) -> Result<Vec<Row>> {
    let mut query = orders::table
        .filter(orders::user_id.eq(user_id))
        .into_boxed();
    query = match months {
        Months::From(start) => query.filter(months::placed_from(orders::id, start)),
        Months::Before(start) => query.filter(months::months_before(orders::id, start)),
    };
    if let Some((at, id)) = cursor {
        query = query
            .filter(
                orders::created_at
                    .lt(at)
                    .or(orders::created_at.eq(at).and(orders::id.lt(id))),
            )
            // The same rows, said in ids: older pages skip the months after theirs.
            .filter(months::placed_through(orders::id, at));
    }
    Ok(query
        .order((orders::created_at.desc(), orders::id.desc()))
        .limit(PAGE_SIZE + 1)
        .select((
            orders::id,
            orders::number,
            orders::status,
            orders::grand_total,
            orders::created_at,
        ))
        .load(conn)?)
}

/// How many units each order of the page holds, by order id.
fn units(conn: &mut DbConn, rows: &[Row]) -> Result<std::collections::HashMap<i64, i64>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.0).collect();
    let units: Vec<(i64, Option<i64>)> = order_items::table
        .filter(order_items::order_id.eq_any(&ids))
        .filter(months::in_months_of(order_items::id, &ids))
        .group_by(order_items::order_id)
        .select((
            order_items::order_id,
            diesel::dsl::sum(order_items::quantity),
        ))
        .load(conn)?;
    Ok(units
        .into_iter()
        .map(|(id, n)| (id, n.unwrap_or(0)))
        .collect())
}
