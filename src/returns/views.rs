//! What the return pages show: a shopper's order with what can still go back, a seller's list of
//! returns (keyset pages) and one return with its line.

use diesel::prelude::*;

use super::{PAGE_SIZE, ReturnStatus, seller_id_of};
use crate::db::DbConn;
use crate::db::models::{OrderItem, Return};
use crate::db::schema::{order_items, orders, refunds, returns, users};
use crate::error::Result;
use crate::money::Money;
use crate::orders::OrderStatus;
use crate::orders::{months, numbered};
use crate::paging::KeysetPage;
use crate::payments::RefundStatus;

/// One line of an order on the shopper's returns page.
#[derive(Debug, Clone)]
pub struct ReturnableLine {
    pub item: OrderItem,
    /// Units not yet in a return.
    pub left: i32,
    /// Why the line cannot go back now, when it cannot.
    pub why_not: Option<String>,
}

impl ReturnableLine {
    pub fn can_return(&self) -> bool {
        self.why_not.is_none() && self.left > 0
    }

    pub fn name(&self) -> String {
        item_name(&self.item.product_name, &self.item.variant_name)
    }
}

fn item_name(product: &str, variant: &str) -> String {
    if variant.is_empty() {
        product.to_owned()
    } else {
        format!("{product} ({variant})")
    }
}

/// One of the shopper's returns, with the seller's answer and, once received, its refund.
#[derive(Debug, Clone)]
pub struct ShopperReturn {
    pub ret: Return,
    pub item_name: String,
    /// The latest refund issued for it: the amount and whether it went through.
    pub refund: Option<(Money, RefundStatus)>,
}

/// The shopper's returns page of one order.
pub struct OrderReturns {
    pub number: String,
    pub status: OrderStatus,
    pub lines: Vec<ReturnableLine>,
    pub returns: Vec<ShopperReturn>,
}

impl OrderReturns {
    pub fn any_returnable(&self) -> bool {
        self.lines.iter().any(ReturnableLine::can_return)
    }
}

/// The shopper's order `number` with each line's units left to return and the returns already
/// asked for; another shopper's order is "not found".
pub fn for_order(conn: &mut DbConn, user_id: i64, number: &str) -> Result<OrderReturns> {
    let (order_id, status): (i64, OrderStatus) = orders::table
        .filter(numbered(conn, number)?)
        .filter(orders::user_id.eq(user_id))
        .select((orders::id, orders::status))
        .first(conn)?;
    let items: Vec<OrderItem> = order_items::table
        .filter(months::lines_of_order(order_id))
        .order(order_items::id.asc())
        .select(OrderItem::as_select())
        .load(conn)?;
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        let why_not = match super::request::returnable(conn, &item, status) {
            Ok(()) => None,
            Err(crate::error::Error::Conflict(why)) => Some(why),
            Err(other) => return Err(other),
        };
        lines.push(ReturnableLine {
            left: item.quantity - item.returned_quantity,
            item,
            why_not,
        });
    }
    let returns: Vec<(Return, String, String)> = returns::table
        .inner_join(order_items::table)
        .filter(returns::order_id.eq(order_id))
        .filter(returns::user_id.eq(user_id))
        .order(returns::id.desc())
        .select((
            Return::as_select(),
            order_items::product_name,
            order_items::variant_name,
        ))
        .load(conn)?;
    let refunds: Vec<(Option<i64>, Money, RefundStatus)> = refunds::table
        .filter(refunds::order_id.eq(order_id))
        .filter(refunds::return_id.is_not_null())
        .order(refunds::id.asc())
        .select((refunds::return_id, refunds::amount, refunds::status))
        .load(conn)?;
    let refund_of = |id: i64| {
        refunds
            .iter()
            .rev()
            .find(|r| r.0 == Some(id))
            .map(|r| (r.1, r.2))
    };
    Ok(OrderReturns {
        number: number.to_owned(),
        status,
        lines,
        returns: returns
            .into_iter()
            .map(|(ret, product, variant)| ShopperReturn {
                refund: refund_of(ret.id),
                ret,
                item_name: item_name(&product, &variant),
            })
            .collect(),
    })
}

/// A row of the seller's list of returns.
#[derive(Debug, Clone, Queryable)]
pub struct SellerReturnRow {
    pub id: i64,
    pub order_number: String,
    pub product_name: String,
    pub variant_name: String,
    pub quantity: i32,
    pub status: ReturnStatus,
    pub created_at: chrono::NaiveDateTime,
}

/// The seller's returns, newest first, `PAGE_SIZE` a page, optionally only those in `status`:
/// the id of the last row shown, sent back as `after`, continues the list (index
/// `idx_returns_seller_status`).
pub fn for_seller(
    conn: &mut DbConn,
    user_id: i64,
    status: Option<ReturnStatus>,
    after: Option<i64>,
) -> Result<KeysetPage<SellerReturnRow>> {
    let seller_id = seller_id_of(conn, user_id)?;
    let mut query = returns::table
        .inner_join(orders::table)
        .inner_join(order_items::table)
        .filter(returns::seller_id.eq(seller_id))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(returns::status.eq(status));
    }
    if let Some(after) = after {
        query = query.filter(returns::id.lt(after));
    }
    let rows = query
        .order(returns::id.desc())
        .limit(PAGE_SIZE as i64 + 1)
        .select((
            returns::id,
            orders::number,
            order_items::product_name,
            order_items::variant_name,
            returns::quantity,
            returns::status,
            returns::created_at,
        ))
        .load::<SellerReturnRow>(conn)?;
    Ok(KeysetPage::from_rows(rows, PAGE_SIZE, |r| r.id))
}

impl SellerReturnRow {
    pub fn item_name(&self) -> String {
        item_name(&self.product_name, &self.variant_name)
    }
}

/// One return as its seller sees it.
pub struct SellerReturn {
    pub ret: Return,
    pub line: OrderItem,
    pub order_number: String,
    pub shopper_name: String,
}

impl SellerReturn {
    pub fn item_name(&self) -> String {
        item_name(&self.line.product_name, &self.line.variant_name)
    }
}

/// The seller's return `return_id`; another seller's is "not found".
pub fn seller_view(conn: &mut DbConn, user_id: i64, return_id: i64) -> Result<SellerReturn> {
    let seller_id = seller_id_of(conn, user_id)?;
    let (ret, line, order_number, first, last): (Return, OrderItem, String, String, String) =
        returns::table
            .inner_join(order_items::table)
            .inner_join(orders::table)
            .inner_join(users::table.on(users::id.eq(returns::user_id)))
            .filter(returns::id.eq(return_id))
            .filter(returns::seller_id.eq(seller_id))
            .select((
                Return::as_select(),
                OrderItem::as_select(),
                orders::number,
                users::first_name,
                users::last_name,
            ))
            .first(conn)?;
    Ok(SellerReturn {
        ret,
        line,
        order_number,
        shopper_name: format!("{first} {last}").trim().to_owned(),
    })
}
