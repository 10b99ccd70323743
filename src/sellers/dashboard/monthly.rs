//! The seller's revenue month by month (QP-06's monthly breakdown): one query grouped by month
//! in the database (`db::period_start`), then the last `MONTHS` months listed, those without
//! sales as zeros.

use chrono::{Datelike, Months, NaiveDate};
use diesel::AggregateExpressionMethods;
use diesel::dsl::count;
use diesel::prelude::*;

use super::Revenue;
use crate::db::models::Seller;
use crate::db::schema::{order_items, orders};
use crate::db::{DbConn, Granularity, period_start, sum_bigint};
use crate::error::Result;
use crate::money::Money;
use crate::orders::OrderStatus;

/// How many months the dashboard shows, this one included.
pub const MONTHS: u32 = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRevenue {
    /// The first day of the month.
    pub month: NaiveDate,
    pub orders: i64,
    pub revenue: Revenue,
}

impl MonthRevenue {
    pub fn label(&self) -> String {
        self.month.format("%Y-%m").to_string()
    }
}

/// (month, orders, subtotal, discount, units) as grouped in the database.
type MonthRow = (String, i64, Option<i64>, Option<i64>, Option<i64>);

/// The seller's paid sales of the `MONTHS` months up to `today`'s, oldest first, counted as
/// the dashboard's `Revenue` (before tax, after discounts, commission on that).
pub fn monthly_revenue(
    conn: &mut DbConn,
    seller: &Seller,
    today: NaiveDate,
) -> Result<Vec<MonthRevenue>> {
    let months = last_months(today);
    let Some(first) = months.first().copied() else {
        return Ok(Vec::new());
    };
    let month = period_start(Granularity::Month, orders::created_at);
    let rows: Vec<MonthRow> = order_items::table
        .inner_join(orders::table)
        .filter(order_items::seller_id.eq(seller.id))
        .filter(orders::status.eq_any(OrderStatus::PAID))
        .filter(orders::created_at.ge(first.and_time(chrono::NaiveTime::MIN)))
        .group_by(month)
        .select((
            month,
            count(orders::id).aggregate_distinct(),
            sum_bigint(order_items::line_subtotal),
            sum_bigint(order_items::discount),
            sum_bigint(order_items::quantity),
        ))
        .load(conn)?;
    Ok(months
        .into_iter()
        .map(|start| {
            let key = start.format("%Y-%m-%d").to_string();
            let found = rows.iter().find(|row| row.0 == key);
            let subtotal = found.and_then(|row| row.2).unwrap_or(0);
            let discount = found.and_then(|row| row.3).unwrap_or(0);
            MonthRevenue {
                month: start,
                orders: found.map_or(0, |row| row.1),
                revenue: Revenue::of(
                    Money::from_minor(subtotal - discount),
                    found.and_then(|row| row.4).unwrap_or(0),
                    seller.commission_bps,
                ),
            }
        })
        .collect())
}

/// The first days of the `MONTHS` months ending with `today`'s, oldest first.
fn last_months(today: NaiveDate) -> Vec<NaiveDate> {
    let this_month = today.with_day(1).unwrap_or(today);
    (0..MONTHS)
        .rev()
        .filter_map(|back| this_month.checked_sub_months(Months::new(back)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_ending_with_this_one() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let months: Vec<String> = last_months(today)
            .iter()
            .map(|m| m.format("%Y-%m").to_string())
            .collect();
        assert_eq!(months.len(), 12);
        assert_eq!(months.first().unwrap(), "2025-04");
        assert_eq!(months.last().unwrap(), "2026-03");
    }
}
