//! A shopper asks to send units of a delivered line back.

use diesel::prelude::*;

use super::{ReturnRequest, ReturnStatus};
use crate::audit::{self, Actor, Entity};
use crate::db::models::OrderItem;
use crate::db::schema::{order_items, orders, returns, shipments};
use crate::db::types::ShipmentStatus;
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};
use crate::orders::{OrderStatus, RETURN_WINDOW_DAYS, numbered};

/// Opens a return of `wanted.quantity` units of one line of the shopper's order `number`, and
/// returns its id. The order must be the shopper's and the line one of its lines (anything else
/// is "not found", so no id is confirmed to outsiders); the line must not be cancelled, and its
/// seller's parcel must have been delivered no more than `RETURN_WINDOW_DAYS` ago. The units are
/// reserved on the line by one conditional update, so requests at once never return more than
/// was bought. Nothing is written when any check fails.
pub fn request(
    conn: &mut DbConn,
    shopper: &Actor,
    number: &str,
    wanted: &ReturnRequest,
) -> Result<i64> {
    write_tx(conn, |c| {
        let (order_id, status): (i64, OrderStatus) = orders::table
            .filter(numbered(c, number)?)
            .filter(orders::user_id.eq(shopper.user_id))
            .select((orders::id, orders::status))
            .first(c)?;
        let line: OrderItem = order_items::table
            .filter(order_items::id.eq(wanted.order_item_id))
            .filter(order_items::order_id.eq(order_id))
            .select(OrderItem::as_select())
            .first(c)?;
        returnable(c, &line, status)?;
        if wanted.quantity > line.quantity {
            return Err(Error::Invalid(format!(
                "You bought {} of this item, so at most {} can go back.",
                line.quantity,
                line.quantity - line.returned_quantity
            )));
        }
        let reserved = diesel::update(
            order_items::table
                .filter(order_items::id.eq(line.id))
                .filter(
                    (order_items::returned_quantity + wanted.quantity).le(order_items::quantity),
                )
                .filter(order_items::cancelled_at.is_null()),
        )
        .set(order_items::returned_quantity.eq(order_items::returned_quantity + wanted.quantity))
        .execute(c)?;
        if reserved == 0 {
            let (quantity, returned): (i32, i32) = order_items::table
                .find(line.id)
                .select((order_items::quantity, order_items::returned_quantity))
                .first(c)?;
            return Err(Error::Conflict(match quantity - returned {
                0 => "Every unit of this item is already being returned.".to_owned(),
                left => format!("Only {left} left to return of this item."),
            }));
        }
        let return_id: i64 = diesel::insert_into(returns::table)
            .values((
                returns::order_id.eq(order_id),
                returns::order_item_id.eq(line.id),
                returns::user_id.eq(shopper.user_id),
                returns::seller_id.eq(line.seller_id),
                returns::quantity.eq(wanted.quantity),
                returns::reason.eq(&wanted.reason),
                returns::status.eq(ReturnStatus::Requested),
            ))
            .returning(returns::id)
            .get_result(c)?;
        audit::record(
            c,
            shopper,
            "return.request",
            Entity {
                kind: "return",
                id: return_id,
            },
            &format!(
                "{} × {} on order {number}: {}",
                wanted.quantity, line.sku, wanted.reason
            ),
        )?;
        Ok(return_id)
    })
}

/// Why `line` cannot go back now, if it cannot: cancelled, an order no longer paid for, a
/// parcel not delivered, or delivered too long ago.
pub(super) fn returnable(conn: &mut DbConn, line: &OrderItem, status: OrderStatus) -> Result<()> {
    if line.cancelled_at.is_some() {
        return Err(Error::Conflict(
            "This item was cancelled and refunded, so there is nothing to return.".into(),
        ));
    }
    if !OrderStatus::PAID.contains(&status) {
        return Err(Error::Conflict(format!(
            "This order is {}, so its items cannot be returned.",
            status.label().to_lowercase()
        )));
    }
    let delivered_at = shipments::table
        .filter(shipments::order_id.eq(line.order_id))
        .filter(shipments::seller_id.eq(line.seller_id))
        .filter(shipments::status.eq(ShipmentStatus::Delivered))
        .select(shipments::delivered_at)
        .first::<Option<chrono::NaiveDateTime>>(conn)
        .optional()?
        .flatten();
    let Some(delivered_at) = delivered_at else {
        return Err(Error::Conflict(
            "This item has not been delivered yet; you can return it once it arrives.".into(),
        ));
    };
    let closes = delivered_at + chrono::Duration::days(RETURN_WINDOW_DAYS);
    if crate::util::now() > closes {
        return Err(Error::Conflict(format!(
            "The {RETURN_WINDOW_DAYS}-day return window for this item closed on {}.",
            closes.format("%-d %B %Y")
        )));
    }
    Ok(())
}
