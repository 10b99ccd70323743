//! The seller's revenue month by month (QP-06's monthly breakdown): the seller's daily running
//! totals (`sales_totals`, at most a year of rows) added up per month, then the last `MONTHS`
//! months listed, those without sales as zeros.

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;

use super::Revenue;
use crate::db::DbConn;
use crate::db::models::Seller;
use crate::db::schema::seller_sales_days;
use crate::error::Result;
use crate::money::Money;

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
    let days: Vec<(NaiveDate, i64, i64, i64)> = seller_sales_days::table
        .filter(seller_sales_days::seller_id.eq(seller.id))
        .filter(seller_sales_days::day.ge(first))
        .select((
            seller_sales_days::day,
            seller_sales_days::orders,
            seller_sales_days::gross,
            seller_sales_days::units,
        ))
        .load(conn)?;
    Ok(months
        .into_iter()
        .map(|start| {
            let (mut orders, mut gross, mut units) = (0, 0, 0);
            for (day, day_orders, day_gross, day_units) in &days {
                if day.year() == start.year() && day.month() == start.month() {
                    orders += day_orders;
                    gross += day_gross;
                    units += day_units;
                }
            }
            MonthRevenue {
                month: start,
                orders,
                revenue: Revenue::of(Money::from_minor(gross), units, seller.commission_bps),
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
