//! The best-selling products and sellers of a range: one grouped query each, sorted and cut to
//! `TOP_ROWS` in the database. Sellers are ranked from their daily running totals; products
//! from the order lines of the range, the one section of the report that still reads them.

use diesel::prelude::*;

use super::DateRange;
use crate::db::schema::{order_items, orders, products, seller_sales_days, sellers};
use crate::db::{DbConn, sum_bigint};
use crate::error::Result;
use crate::money::Money;
use crate::orders::{OrderStatus, months};

/// How many products and sellers the report lists.
pub const TOP_ROWS: i64 = 10;

/// A product or seller with its paid revenue (line totals) and units in the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub id: i64,
    pub name: String,
    pub revenue: Money,
    pub units: i64,
}

type Row = (i64, String, Option<i64>, Option<i64>);

fn ranked(rows: Vec<Row>) -> Vec<Ranked> {
    rows.into_iter()
        .map(|(id, name, revenue, units)| Ranked {
            id,
            name,
            revenue: Money::from_minor(revenue.unwrap_or(0)),
            units: units.unwrap_or(0),
        })
        .collect()
}

/// Highest revenue first; equal revenue by id, so the order is stable.
pub fn top_products(conn: &mut DbConn, range: DateRange) -> Result<Vec<Ranked>> {
    let rows: Vec<Row> = order_items::table
        .inner_join(orders::table)
        .inner_join(products::table)
        .filter(orders::status.eq_any(OrderStatus::PAID))
        .filter(orders::created_at.ge(range.start()))
        .filter(orders::created_at.lt(range.end_exclusive()))
        // The range in ids, for orders and lines alike: only its months' partitions are read.
        .filter(months::placed_between(
            orders::id,
            range.start(),
            range.end_exclusive(),
        ))
        .filter(months::placed_between(
            order_items::id,
            range.start(),
            range.end_exclusive(),
        ))
        .group_by((products::id, products::name))
        .select((
            products::id,
            products::name,
            sum_bigint(order_items::line_total),
            sum_bigint(order_items::quantity),
        ))
        .order((sum_bigint(order_items::line_total).desc(), products::id))
        .limit(TOP_ROWS)
        .load(conn)?;
    Ok(ranked(rows))
}

/// Highest revenue first; equal revenue by id; from the sellers' daily running totals
/// (`sales_totals`).
pub fn top_sellers(conn: &mut DbConn, range: DateRange) -> Result<Vec<Ranked>> {
    let rows: Vec<Row> = seller_sales_days::table
        .inner_join(sellers::table)
        .filter(seller_sales_days::day.ge(range.from))
        .filter(seller_sales_days::day.le(range.to))
        .group_by((sellers::id, sellers::display_name))
        .select((
            sellers::id,
            sellers::display_name,
            sum_bigint(seller_sales_days::revenue),
            sum_bigint(seller_sales_days::units),
        ))
        .order((sum_bigint(seller_sales_days::revenue).desc(), sellers::id))
        .limit(TOP_ROWS)
        .load(conn)?;
    Ok(ranked(rows))
}
