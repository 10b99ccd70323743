//! The seller dashboard: recent orders with the seller's lines, revenue net of the
//! shop's commission, and variants at or below their reorder point.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::Seller;
use crate::db::schema::{order_items, orders, product_variants, products, seller_sales_days};
use crate::db::{DbConn, sum_bigint};
use crate::error::Result;
use crate::money::Money;
use crate::orders::{OrderStatus, months};
use crate::util::now;

mod monthly;

pub use monthly::{MONTHS, MonthRevenue, monthly_revenue};

pub const RECENT_ORDERS: i64 = 10;
pub const LOW_STOCK_ROWS: i64 = 50;

/// An order as the seller sees it: only their own lines count.
#[derive(Debug, Clone)]
pub struct SellerOrder {
    pub number: String,
    pub status: OrderStatus,
    pub created_at: NaiveDateTime,
    pub units: i64,
    pub total: Money,
}

/// Sales of paid orders: the seller's lines before tax (after their discounts), the shop's
/// commission on them and what is left for the seller. Tax is collected for the state, never
/// the seller's revenue, so no commission is charged on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revenue {
    pub gross: Money,
    pub commission: Money,
    pub net: Money,
    pub units: i64,
}

impl Revenue {
    /// The commission is the seller's rate applied once to the gross, by `Money`'s rounding
    /// rule (half away from zero to the cent), as payouts compute it.
    pub fn of(gross: Money, units: i64, commission_bps: i32) -> Revenue {
        let commission = gross.apply_bps(commission_bps);
        Revenue {
            gross,
            commission,
            net: gross - commission,
            units,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LowStock {
    pub product_id: i64,
    pub product_name: String,
    pub sku: String,
    pub variant_name: String,
    pub stock: i32,
    pub reorder_point: i32,
}

pub struct Dashboard {
    pub seller: Seller,
    pub recent_orders: Vec<SellerOrder>,
    /// The 30 UTC days ending today, as the sales report's default range.
    pub last_30_days: Revenue,
    pub all_time: Revenue,
    pub low_stock: Vec<LowStock>,
    /// The last `MONTHS` months, oldest first.
    pub monthly: Vec<MonthRevenue>,
}

impl Dashboard {
    /// The commission rate as a percentage, e.g. "15.00 %".
    pub fn commission_rate(&self) -> String {
        format!(
            "{} %",
            rust_decimal::Decimal::new(i64::from(self.seller.commission_bps), 2)
        )
    }
}

pub fn dashboard(conn: &mut DbConn, user_id: i64) -> Result<Dashboard> {
    let seller = super::profile_of(conn, user_id)?;
    Ok(Dashboard {
        recent_orders: recent_orders(conn, seller.id)?,
        last_30_days: revenue(conn, &seller, Some(now().date() - Duration::days(29)))?,
        all_time: revenue(conn, &seller, None)?,
        low_stock: low_stock(conn, seller.id)?,
        monthly: monthly_revenue(conn, &seller, now().date())?,
        seller,
    })
}

/// The latest orders holding the seller's lines, newest first, read backwards along the
/// (seller_id, order_id) index.
fn recent_orders(conn: &mut DbConn, seller_id: i64) -> Result<Vec<SellerOrder>> {
    let order_ids: Vec<i64> = order_items::table
        .filter(order_items::seller_id.eq(seller_id))
        .select(order_items::order_id)
        .distinct()
        .order(order_items::order_id.desc())
        .limit(RECENT_ORDERS)
        .load(conn)?;
    let headers: Vec<(i64, String, OrderStatus, NaiveDateTime)> = orders::table
        .filter(orders::id.eq_any(&order_ids))
        .order(orders::id.desc())
        .select((
            orders::id,
            orders::number,
            orders::status,
            orders::created_at,
        ))
        .load(conn)?;
    let lines: Vec<(i64, i32, i64)> = order_items::table
        .filter(order_items::seller_id.eq(seller_id))
        .filter(order_items::order_id.eq_any(&order_ids))
        .filter(months::in_months_of(order_items::id, &order_ids))
        .select((
            order_items::order_id,
            order_items::quantity,
            order_items::line_total,
        ))
        .load(conn)?;
    Ok(headers
        .into_iter()
        .map(|(id, number, status, created_at)| {
            let mine = lines.iter().filter(|(order, _, _)| *order == id);
            SellerOrder {
                number,
                status,
                created_at,
                units: mine.clone().map(|(_, qty, _)| i64::from(*qty)).sum(),
                total: mine.map(|(_, _, total)| Money::from_minor(*total)).sum(),
            }
        })
        .collect())
}

/// The seller's revenue from paid orders placed on `since` or later (or ever), from the running
/// totals (`sales_totals`): one row per day the seller sold.
fn revenue(conn: &mut DbConn, seller: &Seller, since: Option<NaiveDate>) -> Result<Revenue> {
    let mut query = seller_sales_days::table
        .filter(seller_sales_days::seller_id.eq(seller.id))
        .select((
            sum_bigint(seller_sales_days::gross),
            sum_bigint(seller_sales_days::units),
        ))
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(seller_sales_days::day.ge(since));
    }
    let (gross, units): (Option<i64>, Option<i64>) = query.first(conn)?;
    Ok(Revenue::of(
        Money::from_minor(gross.unwrap_or(0)),
        units.unwrap_or(0),
        seller.commission_bps,
    ))
}

/// Active variants of live products at or below their reorder point, emptiest first.
fn low_stock(conn: &mut DbConn, seller_id: i64) -> Result<Vec<LowStock>> {
    let rows: Vec<(i64, String, String, String, i32, i32)> = product_variants::table
        .inner_join(products::table)
        .filter(products::seller_id.eq(seller_id))
        .filter(products::deleted_at.is_null())
        .filter(product_variants::is_active.eq(true))
        .filter(product_variants::stock.le(product_variants::reorder_point))
        .order((product_variants::stock, product_variants::id))
        .limit(LOW_STOCK_ROWS)
        .select((
            products::id,
            products::name,
            product_variants::sku,
            product_variants::name,
            product_variants::stock,
            product_variants::reorder_point,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(product_id, product_name, sku, variant_name, stock, reorder_point)| LowStock {
                product_id,
                product_name,
                sku,
                variant_name,
                stock,
                reorder_point,
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_is_gross_less_commission_rounded_half_away_from_zero() {
        // 15 % of $33.33 is 499.95 cents → 500.
        let revenue = Revenue::of(Money::from_minor(3333), 3, 1500);
        assert_eq!(revenue.commission, Money::from_minor(500));
        assert_eq!(revenue.net, Money::from_minor(2833));
        assert_eq!(Revenue::of(Money::ZERO, 0, 1500).net, Money::ZERO);
    }
}
