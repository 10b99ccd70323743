//! Running totals of paid sales, per seller and day, per category and day, and per day for the
//! whole shop (migrations/*/2026-12-03-000020_sales_totals), which the seller dashboard (QP-06)
//! and the sales report (QP-08) read instead of every order line.
//!
//! The rule, as the dashboard and the report counted before the totals: an order's lines count
//! while the order is in a paid status (`OrderStatus::PAID`), on the UTC day the order was
//! placed. So the totals change exactly when an order enters or leaves a paid status, which only
//! `orders::transition` does; it calls `order_moved` in the same transaction. A refund that
//! ends an order (paid → refunded) or a cancellation (of the order, or of its last live line,
//! which cancels the order) takes the order's lines off the day it was placed; a partial refund
//! leaves the sales as they are (it is in refunds and payouts, not in these figures).
//!
//! Every change is one `record` of a `Delta`: `INSERT … ON CONFLICT DO UPDATE SET x = x +
//! excluded.x` per row, which two concurrent transactions cannot lose on either backend.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::schema::{
    category_sales_days, order_items, orders, products, seller_sales_days, shop_sales_days,
};
use crate::db::types::OrderStatus;
use crate::db::{DbConn, execute_native};
use crate::error::Result;

mod recompute;

pub use recompute::{Drift, drift, rebuild};

/// One seller's figures of a day: orders holding their lines, units, gross (line subtotals
/// less discounts, before tax) and revenue (line totals, with tax), in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SellerFigures {
    pub orders: i64,
    pub units: i64,
    pub gross: i64,
    pub revenue: i64,
}

/// One category's figures of a day: units and revenue (line totals).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CategoryFigures {
    pub units: i64,
    pub revenue: i64,
}

/// The whole shop's figures of a day: orders, units and revenue (line totals).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayFigures {
    pub orders: i64,
    pub units: i64,
    pub revenue: i64,
}

/// What one change adds to (or, negative, takes from) the totals of one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    pub day: NaiveDate,
    pub sellers: BTreeMap<i64, SellerFigures>,
    /// Keyed by the product's primary (leaf) category.
    pub categories: BTreeMap<i64, CategoryFigures>,
    pub shop: DayFigures,
}

/// Whether a status change brings an order's lines into the sales (+1) or takes them out (−1).
fn sign_of(from: OrderStatus, to: OrderStatus) -> Option<i64> {
    match (
        OrderStatus::PAID.contains(&from),
        OrderStatus::PAID.contains(&to),
    ) {
        (false, true) => Some(1),
        (true, false) => Some(-1),
        _ => None,
    }
}

/// Keeps the totals in step with order `order_id` having moved `from` → `to`; called by
/// `orders::transition` inside its transaction.
pub fn order_moved(
    conn: &mut DbConn,
    order_id: i64,
    from: OrderStatus,
    to: OrderStatus,
) -> Result<()> {
    match sign_of(from, to) {
        Some(sign) => {
            let delta = order_delta(conn, order_id, sign)?;
            record(conn, &delta)
        }
        None => Ok(()),
    }
}

/// Takes line `item_id`, just cancelled, off the sales of its order's day if the order is paid:
/// its figures, and the order from its seller's (and the shop's) count when it was their last
/// live line. Called by `fulfilment::cancel_line` in its transaction, before the order itself
/// may be cancelled (which then has no live line left to take off).
pub fn line_cancelled(conn: &mut DbConn, item_id: i64) -> Result<()> {
    let (order_id, seller_id): (i64, i64) = order_items::table
        .find(item_id)
        .select((order_items::order_id, order_items::seller_id))
        .first(conn)?;
    let status: OrderStatus = orders::table
        .find(order_id)
        .select(orders::status)
        .first(conn)?;
    if !OrderStatus::PAID.contains(&status) {
        return Ok(());
    }
    let mut delta = lines_delta(conn, order_id, -1, Some(item_id))?;
    let live = |conn: &mut DbConn, seller: Option<i64>| -> Result<bool> {
        let mut query = order_items::table
            .filter(order_items::order_id.eq(order_id))
            .filter(order_items::cancelled_at.is_null())
            .into_boxed();
        if let Some(seller) = seller {
            query = query.filter(order_items::seller_id.eq(seller));
        }
        Ok(query.count().get_result::<i64>(conn)? > 0)
    };
    if live(conn, Some(seller_id))? {
        delta.sellers.entry(seller_id).or_default().orders = 0;
    }
    if live(conn, None)? {
        delta.shop.orders = 0;
    }
    record(conn, &delta)
}

/// Moves product `product_id`'s counted sales from category `from` to `to`, as the report
/// always counted a sale under the product's current category. Called by
/// `sellers::products::change_category` in its transaction, which holds the product's row.
pub fn product_moved(conn: &mut DbConn, product_id: i64, from: i64, to: i64) -> Result<()> {
    let lines: Vec<(NaiveDateTime, i32, i64)> = order_items::table
        .inner_join(orders::table)
        .filter(order_items::product_id.eq(product_id))
        .filter(order_items::cancelled_at.is_null())
        .filter(orders::status.eq_any(OrderStatus::PAID))
        .select((
            orders::created_at,
            order_items::quantity,
            order_items::line_total,
        ))
        .load(conn)?;
    let mut days: BTreeMap<NaiveDate, CategoryFigures> = BTreeMap::new();
    for (placed, quantity, total) in lines {
        let day = days.entry(placed.date()).or_default();
        day.units += i64::from(quantity);
        day.revenue += total;
    }
    for (day, moved) in days {
        let taken = CategoryFigures {
            units: -moved.units,
            revenue: -moved.revenue,
        };
        record(
            conn,
            &Delta {
                day,
                categories: BTreeMap::from([(from, taken), (to, moved)]),
                ..Delta::default()
            },
        )?;
    }
    Ok(())
}

/// (seller, leaf category, quantity, subtotal, discount, line total) of one line.
type LineRow = (i64, i64, i32, i64, i64, i64);

/// All of an order's live lines, signed: what the order adds to (or takes from) its day.
fn order_delta(conn: &mut DbConn, order_id: i64, sign: i64) -> Result<Delta> {
    lines_delta(conn, order_id, sign, None)
}

/// The order's live lines (or only line `only`, whatever its state), signed, each seller and
/// the shop counting the order once. One read: each line comes with its order's day.
fn lines_delta(conn: &mut DbConn, order_id: i64, sign: i64, only: Option<i64>) -> Result<Delta> {
    let mut query = order_items::table
        .inner_join(products::table)
        .inner_join(orders::table)
        .filter(order_items::order_id.eq(order_id))
        .into_boxed();
    query = match only {
        Some(item_id) => query.filter(order_items::id.eq(item_id)),
        None => query.filter(order_items::cancelled_at.is_null()),
    };
    let lines: Vec<(NaiveDateTime, LineRow)> = query
        .select((
            orders::created_at,
            (
                order_items::seller_id,
                products::primary_category_id,
                order_items::quantity,
                order_items::line_subtotal,
                order_items::discount,
                order_items::line_total,
            ),
        ))
        .load(conn)?;
    let mut delta = Delta::default();
    for (placed, (seller, category, quantity, subtotal, discount, total)) in lines {
        delta.day = placed.date();
        let units = sign * i64::from(quantity);
        let seller = delta.sellers.entry(seller).or_default();
        seller.orders = sign;
        seller.units += units;
        seller.gross += sign * (subtotal - discount);
        seller.revenue += sign * total;
        let category = delta.categories.entry(category).or_default();
        category.units += units;
        category.revenue += sign * total;
        delta.shop.orders = sign;
        delta.shop.units += units;
        delta.shop.revenue += sign * total;
    }
    Ok(delta)
}

/// Adds `delta` to the totals of its day, creating the rows a first sale of the day needs.
pub fn record(conn: &mut DbConn, delta: &Delta) -> Result<()> {
    use category_sales_days as c;
    use seller_sales_days as s;
    use shop_sales_days as d;
    for (seller_id, f) in &delta.sellers {
        let upsert = diesel::insert_into(s::table)
            .values((
                s::seller_id.eq(*seller_id),
                s::day.eq(delta.day),
                s::orders.eq(f.orders),
                s::units.eq(f.units),
                s::gross.eq(f.gross),
                s::revenue.eq(f.revenue),
            ))
            .on_conflict((s::seller_id, s::day))
            .do_update()
            .set((
                s::orders.eq(s::orders + excluded(s::orders)),
                s::units.eq(s::units + excluded(s::units)),
                s::gross.eq(s::gross + excluded(s::gross)),
                s::revenue.eq(s::revenue + excluded(s::revenue)),
            ));
        execute_native(conn, upsert)?;
    }
    for (category_id, f) in &delta.categories {
        let upsert = diesel::insert_into(c::table)
            .values((
                c::category_id.eq(*category_id),
                c::day.eq(delta.day),
                c::units.eq(f.units),
                c::revenue.eq(f.revenue),
            ))
            .on_conflict((c::category_id, c::day))
            .do_update()
            .set((
                c::units.eq(c::units + excluded(c::units)),
                c::revenue.eq(c::revenue + excluded(c::revenue)),
            ));
        execute_native(conn, upsert)?;
    }
    if delta.shop != DayFigures::default() {
        let f = delta.shop;
        let upsert = diesel::insert_into(d::table)
            .values((
                d::day.eq(delta.day),
                d::orders.eq(f.orders),
                d::units.eq(f.units),
                d::revenue.eq(f.revenue),
            ))
            .on_conflict(d::day)
            .do_update()
            .set((
                d::orders.eq(d::orders + excluded(d::orders)),
                d::units.eq(d::units + excluded(d::units)),
                d::revenue.eq(d::revenue + excluded(d::revenue)),
            ));
        execute_native(conn, upsert)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn only_entering_or_leaving_a_paid_status_changes_the_totals() {
        assert_eq!(sign_of(PendingPayment, Confirmed), Some(1));
        assert_eq!(sign_of(Confirmed, Processing), None);
        assert_eq!(sign_of(Delivered, Refunded), Some(-1));
        assert_eq!(sign_of(Processing, Cancelled), Some(-1));
        assert_eq!(sign_of(PendingPayment, Cancelled), None);
        assert_eq!(sign_of(PendingPayment, PaymentFailed), None);
    }
}
