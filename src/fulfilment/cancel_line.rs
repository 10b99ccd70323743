//! A seller cancels a line they cannot fill while their parcel has not left: the line is marked
//! cancelled, its units go back on the shelf through the ledger, and once that has committed the
//! shopper is refunded the line's paid share. A parcel left with no live line is cancelled; an
//! order left with none is cancelled too (voucher use given back) and its shipping refunded.

use diesel::prelude::*;

use super::parcels::{ShipmentStatus, parcel_of, roll_up, seller_of};
use crate::audit::{self, Actor, Entity};
use crate::db::models::OrderItem;
use crate::db::schema::{order_items, orders, payments, refunds, shipments};
use crate::db::types::RefundStatus;
use crate::db::{DbConn, Pool, write_tx};
use crate::error::{Error, Result};
use crate::inventory::{self, Move, MovementReason, Why};
use crate::money::Money;
use crate::orders::months;
use crate::orders::{GiveBack, OrderStatus, give_back, take_order_turn, transition};
use crate::payments::{Gateway, PaymentStatus};

/// What a seller's line cancel did, for the page that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCancelled {
    /// Refunded to the shopper for the line (zero if nothing was left to give back).
    pub refunded: Money,
    /// Whether the gateway refused the refund (recorded as failed, for the shop to retry).
    pub refund_failed: bool,
    /// Whether that was the order's last live line, so the whole order is now cancelled.
    pub order_cancelled: bool,
}

/// Cancels line `line_id` of the signed-in seller's parcel of order `number`, then refunds it.
/// Another seller's order or line is "not found"; a shipped parcel or a line already cancelled
/// is a conflict and changes nothing.
pub fn cancel_line(
    pool: &Pool,
    gateway: &Gateway,
    by: &Actor,
    number: &str,
    line_id: i64,
) -> Result<LineCancelled> {
    let (item, order_cancelled) =
        write_tx(&mut *pool.get()?, |c| cancel_in_tx(c, by, number, line_id))?;
    let mut conn = pool.get()?;
    let mut done = LineCancelled {
        refunded: Money::ZERO,
        refund_failed: false,
        order_cancelled,
    };
    let owed = item.line_total - refunded_on_line(&mut conn, item.id)?;
    if owed > Money::ZERO {
        let outcome = give_back(
            &mut conn,
            gateway,
            &GiveBack {
                order_id: item.order_id,
                amount: owed,
                reason: "A line the seller could not fill",
                order_item_id: Some(item.id),
                return_id: None,
                by: Some(by),
            },
        )?;
        done.refunded = owed;
        done.refund_failed = !outcome.succeeded();
    }
    if order_cancelled {
        refund_the_rest(&mut conn, gateway, item.order_id, by)?;
    }
    Ok(done)
}

/// The line's cancel, stock and parcel/order moves in one transaction; returns the line and
/// whether the order was cancelled with it.
fn cancel_in_tx(
    conn: &mut DbConn,
    by: &Actor,
    number: &str,
    line_id: i64,
) -> Result<(OrderItem, bool)> {
    let seller_id = seller_of(conn, by.user_id)?;
    let parcel = parcel_of(conn, seller_id, number)?;
    let item: OrderItem = order_items::table
        .filter(order_items::id.eq(line_id))
        .filter(order_items::order_id.eq(parcel.order_id))
        .filter(order_items::seller_id.eq(seller_id))
        .select(OrderItem::as_select())
        .first(conn)?;
    take_order_turn(conn, parcel.order_id)?;
    let status: ShipmentStatus = shipments::table
        .find(parcel.id)
        .select(shipments::status)
        .first(conn)?;
    if !matches!(status, ShipmentStatus::Pending | ShipmentStatus::Packed) {
        return Err(Error::Conflict(format!(
            "This parcel is {}, so its lines can no longer be cancelled.",
            status.label()
        )));
    }
    let now = crate::util::now();
    let cancelled = diesel::update(
        order_items::table
            .filter(order_items::id.eq(item.id))
            .filter(order_items::cancelled_at.is_null()),
    )
    .set(order_items::cancelled_at.eq(now))
    .execute(conn)?;
    if cancelled == 0 {
        return Err(Error::Conflict("This line is already cancelled.".into()));
    }
    crate::sales_totals::line_cancelled(conn, item.id)?;
    let why = Why {
        order_id: Some(item.order_id),
        actor_id: Some(by.user_id),
        note: "A line the seller could not fill",
        ..Why::of(MovementReason::Cancellation)
    };
    let back = [Move {
        variant_id: item.variant_id,
        delta: item.quantity,
    }];
    inventory::move_stock(conn, &back, why)?.map_err(|refused| {
        Error::Internal(format!(
            "returning line {}'s stock was refused: {refused:?}",
            item.id
        ))
    })?;
    let live = |conn: &mut DbConn, seller: Option<i64>| -> Result<i64> {
        let mut query = order_items::table
            .filter(months::lines_of_order(item.order_id))
            .filter(order_items::cancelled_at.is_null())
            .into_boxed();
        if let Some(seller) = seller {
            query = query.filter(order_items::seller_id.eq(seller));
        }
        Ok(query.count().get_result(conn)?)
    };
    if live(conn, Some(seller_id))? == 0 {
        diesel::update(
            shipments::table.filter(shipments::id.eq(parcel.id)).filter(
                shipments::status.eq_any([ShipmentStatus::Pending, ShipmentStatus::Packed]),
            ),
        )
        .set((
            shipments::status.eq(ShipmentStatus::Cancelled),
            shipments::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    let order_cancelled = live(conn, None)? == 0;
    if order_cancelled {
        let status: OrderStatus = orders::table
            .filter(months::the_order(item.order_id))
            .select(orders::status)
            .first(conn)?;
        let note = "Cancelled: the seller could not fill any of it";
        if !status.may_become(OrderStatus::Cancelled)
            || !transition(
                conn,
                item.order_id,
                status,
                OrderStatus::Cancelled,
                Some(by),
                note,
            )?
        {
            return Err(Error::Conflict(format!(
                "This order is {} and cannot be cancelled.",
                status.label().to_lowercase()
            )));
        }
        crate::promotions::reverse_use(conn, item.order_id)?;
    } else {
        roll_up(conn, item.order_id, by)?;
    }
    audit::record(
        conn,
        by,
        "order_item.cancel",
        Entity {
            kind: "order_item",
            id: item.id,
        },
        &format!(
            "order {number}: {} × {} ({}) cancelled by the seller",
            item.quantity, item.product_name, item.sku
        ),
    )?;
    Ok((item, order_cancelled))
}

/// What was already given back (or is on its way) for one line.
fn refunded_on_line(conn: &mut DbConn, item_id: i64) -> Result<Money> {
    let amounts: Vec<Money> = refunds::table
        .filter(refunds::order_item_id.eq(item_id))
        .filter(refunds::status.eq_any([RefundStatus::Pending, RefundStatus::Succeeded]))
        .select(refunds::amount)
        .load(conn)?;
    Ok(amounts.into_iter().sum())
}

/// An order cancelled because nothing in it could be filled: whatever is left of its payment
/// (the shipping) goes back too.
fn refund_the_rest(conn: &mut DbConn, gateway: &Gateway, order_id: i64, by: &Actor) -> Result<()> {
    let payment: Option<i64> = payments::table
        .filter(payments::order_id.eq(order_id))
        .filter(payments::status.eq(PaymentStatus::Captured))
        .select(payments::id)
        .first(conn)
        .optional()?;
    let Some(payment_id) = payment else {
        return Ok(());
    };
    let left = crate::payments::refundable(conn, payment_id)?;
    if left > Money::ZERO {
        give_back(
            conn,
            gateway,
            &GiveBack {
                order_id,
                amount: left,
                reason: "The order was cancelled: nothing in it could be filled",
                order_item_id: None,
                return_id: None,
                by: Some(by),
            },
        )?;
    }
    Ok(())
}
