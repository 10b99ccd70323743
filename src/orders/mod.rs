//! A shopper's orders: history with keyset paging, the detail page, cancelling before shipment,
//! giving stock and voucher back (the compensation every cancel path shares), and the
//! confirmation e-mail. Every read is scoped to the owner: another user's order is "not found".

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::{Order, OrderItem, Payment, StatusChange};
use crate::db::schema::{order_items, order_status_history, orders, payments, users};
use crate::error::{Error, Result};
use crate::inventory::{self, Move, MovementReason, Why};
use crate::mail::Email;
use crate::money::Money;

pub const PAGE_SIZE: i64 = 20;

/// A row of the order history.
#[derive(Debug, Clone)]
pub struct OrderSummary {
    pub number: String,
    pub status: String,
    pub grand_total: Money,
    pub placed_at: chrono::NaiveDateTime,
    pub units: i64,
}

impl OrderSummary {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
}

pub struct OrderPage {
    pub orders: Vec<OrderSummary>,
    /// The cursor of the next (older) page, when there is one.
    pub next: Option<String>,
}

/// Words for a status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending_payment" => "Awaiting payment",
        "confirmed" => "Confirmed",
        "processing" => "Being prepared",
        "shipped" => "Shipped",
        "delivered" => "Delivered",
        "cancelled" => "Cancelled",
        "payment_failed" => "Payment failed",
        "refunded" => "Refunded",
        _ => "Unknown",
    }
}

/// The user's orders, newest first, `PAGE_SIZE` at a time: the keyset `(created_at, id)` of the
/// last row shown, sent back as `after`, picks up where the page ended (index
/// `idx_orders_user_created`), so deep pages cost what the first one does.
pub fn list(conn: &mut DbConn, user_id: i64, after: Option<&str>) -> Result<OrderPage> {
    let mut query = orders::table
        .filter(orders::user_id.eq(user_id))
        .into_boxed();
    if let Some(number) = after {
        let (at, id): (chrono::NaiveDateTime, i64) = orders::table
            .filter(orders::user_id.eq(user_id))
            .filter(orders::number.eq(number))
            .select((orders::created_at, orders::id))
            .first(conn)
            .optional()?
            .ok_or(Error::NotFound)?;
        query = query.filter(
            orders::created_at
                .lt(at)
                .or(orders::created_at.eq(at).and(orders::id.lt(id))),
        );
    }
    let rows: Vec<(i64, String, String, i64, chrono::NaiveDateTime)> = query
        .order((orders::created_at.desc(), orders::id.desc()))
        .limit(PAGE_SIZE + 1)
        .select((
            orders::id,
            orders::number,
            orders::status,
            orders::grand_total,
            orders::created_at,
        ))
        .load(conn)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<_> = rows.into_iter().take(PAGE_SIZE as usize).collect();
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let units: Vec<(i64, Option<i64>)> = order_items::table
        .filter(order_items::order_id.eq_any(&ids))
        .group_by(order_items::order_id)
        .select((
            order_items::order_id,
            diesel::dsl::sum(order_items::quantity),
        ))
        .load(conn)?;
    let units: std::collections::HashMap<i64, i64> = units
        .into_iter()
        .map(|(id, n)| (id, n.unwrap_or(0)))
        .collect();
    let orders: Vec<OrderSummary> = rows
        .into_iter()
        .map(|(id, number, status, total, placed_at)| OrderSummary {
            number,
            status,
            grand_total: Money::from_minor(total),
            placed_at,
            units: units.get(&id).copied().unwrap_or(0),
        })
        .collect();
    let next = more
        .then(|| orders.last().map(|o| o.number.clone()))
        .flatten();
    Ok(OrderPage { orders, next })
}

/// Everything the order page shows.
pub struct OrderDetail {
    pub order: Order,
    pub items: Vec<OrderItem>,
    pub history: Vec<StatusChange>,
    pub payment: Option<Payment>,
}

impl OrderDetail {
    /// A paid order can be cancelled until it ships.
    pub fn can_cancel(&self) -> bool {
        matches!(self.order.status.as_str(), "confirmed" | "processing")
    }

    pub fn status_label(&self) -> &'static str {
        status_label(&self.order.status)
    }

    /// Cents as money, for the template (which hands over fields by reference or by value).
    pub fn money(&self, cents: impl std::borrow::Borrow<i64>) -> Money {
        Money::from_minor(*cents.borrow())
    }
}

pub fn detail(conn: &mut DbConn, user_id: i64, number: &str) -> Result<OrderDetail> {
    let order: Order = orders::table
        .filter(orders::number.eq(number))
        .filter(orders::user_id.eq(user_id))
        .select(Order::as_select())
        .first(conn)?;
    let items = order_items::table
        .filter(order_items::order_id.eq(order.id))
        .order(order_items::id.asc())
        .select(OrderItem::as_select())
        .load(conn)?;
    let history = order_status_history::table
        .filter(order_status_history::order_id.eq(order.id))
        .order(order_status_history::id.asc())
        .select(StatusChange::as_select())
        .load(conn)?;
    let payment = payments::table
        .filter(payments::order_id.eq(order.id))
        .order(payments::id.desc())
        .select(Payment::as_select())
        .first(conn)
        .optional()?;
    Ok(OrderDetail {
        order,
        items,
        history,
        payment,
    })
}

/// Cancels a paid order that has not shipped, inside the caller's transaction: stock and voucher
/// go back. Returns the order id and the amount to refund.
pub(crate) fn cancel_unshipped(
    conn: &mut DbConn,
    user_id: i64,
    number: &str,
) -> Result<(i64, Money)> {
    let order: Order = orders::table
        .filter(orders::number.eq(number))
        .filter(orders::user_id.eq(user_id))
        .select(Order::as_select())
        .first(conn)?;
    let cancelled = diesel::update(
        orders::table
            .filter(orders::id.eq(order.id))
            .filter(orders::status.eq_any(["confirmed", "processing"])),
    )
    .set((
        orders::status.eq("cancelled"),
        orders::cancel_reason.eq("Cancelled by the customer"),
        orders::updated_at.eq(crate::util::now()),
    ))
    .execute(conn)?;
    if cancelled == 0 {
        return Err(Error::Conflict(match order.status.as_str() {
            "pending_payment" => {
                "We are still confirming your payment; you can cancel once it is confirmed.".into()
            }
            "shipped" | "delivered" => {
                "This order has already shipped, so it can no longer be cancelled.".into()
            }
            _ => format!(
                "This order is {} and cannot be cancelled.",
                status_label(&order.status).to_lowercase()
            ),
        }));
    }
    diesel::insert_into(order_status_history::table)
        .values((
            order_status_history::order_id.eq(order.id),
            order_status_history::from_status.eq(&order.status),
            order_status_history::to_status.eq("cancelled"),
            order_status_history::actor_id.eq(user_id),
            order_status_history::note.eq("Cancelled by the customer"),
        ))
        .execute(conn)?;
    release(conn, order.id, MovementReason::Cancellation, Some(user_id))?;
    Ok((order.id, Money::from_minor(order.grand_total)))
}

/// Gives an order's stock back with compensating ledger rows and returns its voucher use. The
/// caller has just moved the order out of a live status conditionally, which is what makes this
/// happen once. Rows are locked in the order placing an order locks them (variants, products,
/// promotion), so the two never wait on each other crosswise.
pub(crate) fn release(
    conn: &mut DbConn,
    order_id: i64,
    reason: MovementReason,
    actor_id: Option<i64>,
) -> Result<()> {
    let lines: Vec<(i64, i32)> = order_items::table
        .filter(order_items::order_id.eq(order_id))
        .select((order_items::variant_id, order_items::quantity))
        .load(conn)?;
    let moves: Vec<Move> = lines
        .into_iter()
        .map(|(variant_id, quantity)| Move {
            variant_id,
            delta: quantity,
        })
        .collect();
    let why = Why {
        order_id: Some(order_id),
        actor_id,
        ..Why::of(reason)
    };
    inventory::move_stock(conn, &moves, why)?.map_err(|refused| {
        Error::Internal(format!(
            "returning order {order_id}'s stock was refused: {refused:?}"
        ))
    })?;
    crate::promotions::reverse_use(conn, order_id)
}

/// The order confirmation e-mail, plain text.
pub fn confirmation_email(conn: &mut DbConn, order_id: i64) -> Result<Email> {
    let user_id: i64 = orders::table
        .find(order_id)
        .select(orders::user_id)
        .first(conn)?;
    let (email, first_name): (String, String) = users::table
        .find(user_id)
        .select((users::email, users::first_name))
        .first(conn)?;
    let detail = {
        let number: String = orders::table
            .find(order_id)
            .select(orders::number)
            .first(conn)?;
        detail(conn, user_id, &number)?
    };
    let o = &detail.order;
    let mut body = format!(
        "Hello {first_name},\n\nThank you for your order {}. We have received your payment.\n\n",
        o.number
    );
    for item in &detail.items {
        let name = if item.variant_name.is_empty() {
            item.product_name.clone()
        } else {
            format!("{} ({})", item.product_name, item.variant_name)
        };
        body += &format!(
            "  {} × {}  {}\n",
            item.quantity,
            name,
            Money::from_minor(item.line_subtotal)
        );
    }
    body += &format!(
        "\nSubtotal  {}\nDiscount  -{}\nShipping  {} ({})\nTax       {}\nTotal     {}\n\nShipping to:\n  {}\n  {}\n",
        Money::from_minor(o.subtotal),
        Money::from_minor(o.discount_total),
        Money::from_minor(o.shipping_total),
        o.shipping_method_name,
        Money::from_minor(o.tax_total),
        Money::from_minor(o.grand_total),
        o.ship_name,
        o.ship_line1,
    );
    if let Some(line2) = o.ship_line2.as_deref().filter(|l| !l.is_empty()) {
        body += &format!("  {line2}\n");
    }
    body += &format!(
        "  {} {} {}\n  {}\n\nYou can follow your order at /orders/{}.\n\nShopWave\n",
        o.ship_postal_code, o.ship_city, o.ship_region, o.ship_country, o.number
    );
    Ok(Email {
        to: email,
        subject: format!("Your ShopWave order {}", o.number),
        body,
    })
}
