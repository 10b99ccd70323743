//! A seller moves their parcel of an order on: packed, shipped (with carrier and tracking
//! number), delivered. Each move is a conditional update on the parcel's status, and the order
//! follows its parcels through `orders::transition` (`roll_up`).

use diesel::prelude::*;

use super::tracking::Tracking;
use crate::audit::{self, Actor, Entity};
use crate::db::models::Shipment;
use crate::db::schema::{orders, sellers, shipments};
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};
use crate::orders::months;
use crate::orders::{OrderStatus, numbered, take_order_turn, transition};

pub use crate::db::types::ShipmentStatus;

/// What a seller does to their parcel.
#[derive(Debug, Clone)]
pub enum ParcelMove {
    Pack,
    Ship(Tracking),
    Deliver,
}

impl ParcelMove {
    /// The statuses the parcel may be in for this move, and the one it moves to.
    fn table(&self) -> (&'static [ShipmentStatus], ShipmentStatus) {
        use ShipmentStatus::*;
        match self {
            ParcelMove::Pack => (&[Pending], Packed),
            ParcelMove::Ship(_) => (&[Pending, Packed], Shipped),
            ParcelMove::Deliver => (&[Shipped], Delivered),
        }
    }

    fn action(&self) -> &'static str {
        match self {
            ParcelMove::Pack => "shipment.pack",
            ParcelMove::Ship(_) => "shipment.ship",
            ParcelMove::Deliver => "shipment.deliver",
        }
    }
}

/// The seller profile id of a signed-in user; a user without one has nothing to fulfil.
pub fn seller_of(conn: &mut DbConn, user_id: i64) -> Result<i64> {
    sellers::table
        .filter(sellers::user_id.eq(user_id))
        .select(sellers::id)
        .first(conn)
        .optional()?
        .ok_or(Error::Forbidden)
}

/// This seller's parcel of order `number`: another seller's order is "not found".
pub(super) fn parcel_of(conn: &mut DbConn, seller_id: i64, number: &str) -> Result<Shipment> {
    Ok(shipments::table
        .inner_join(orders::table)
        .filter(numbered(conn, number)?)
        .filter(shipments::seller_id.eq(seller_id))
        .select(Shipment::as_select())
        .first(conn)?)
}

/// Moves the signed-in seller's parcel of order `number`, then the order if its parcels say so.
/// A parcel no longer in a state the move starts from is a conflict, and nothing changes.
pub fn move_parcel(conn: &mut DbConn, by: &Actor, number: &str, step: &ParcelMove) -> Result<()> {
    write_tx(conn, |c| {
        let seller_id = seller_of(c, by.user_id)?;
        let parcel = parcel_of(c, seller_id, number)?;
        take_order_turn(c, parcel.order_id)?;
        let (from, to) = step.table();
        let now = crate::util::now();
        let target = shipments::table
            .filter(shipments::id.eq(parcel.id))
            .filter(shipments::status.eq_any(from));
        let moved = match step {
            ParcelMove::Pack => diesel::update(target)
                .set((
                    shipments::status.eq(to),
                    shipments::packed_at.eq(now),
                    shipments::updated_at.eq(now),
                ))
                .execute(c)?,
            ParcelMove::Ship(tracking) => diesel::update(target)
                .set((
                    shipments::status.eq(to),
                    shipments::carrier.eq(tracking.carrier.as_str()),
                    shipments::tracking_number.eq(&tracking.number),
                    shipments::shipped_at.eq(now),
                    shipments::updated_at.eq(now),
                ))
                .execute(c)?,
            ParcelMove::Deliver => diesel::update(target)
                .set((
                    shipments::status.eq(to),
                    shipments::delivered_at.eq(now),
                    shipments::updated_at.eq(now),
                ))
                .execute(c)?,
        };
        if moved == 0 {
            let status: ShipmentStatus = shipments::table
                .find(parcel.id)
                .select(shipments::status)
                .first(c)?;
            return Err(Error::Conflict(format!(
                "This parcel is {}, so it cannot be marked {} now.",
                status.label(),
                to.label()
            )));
        }
        roll_up(c, parcel.order_id, by)?;
        let details = match step {
            ParcelMove::Ship(t) => format!(
                "order {number}: shipped with {} {}",
                t.carrier.as_str(),
                t.number
            ),
            _ => format!("order {number}: {}", to.label()),
        };
        audit::record(
            c,
            by,
            step.action(),
            Entity {
                kind: "shipment",
                id: parcel.id,
            },
            &details,
        )
    })
}

impl ShipmentStatus {
    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            ShipmentStatus::Pending => "to pack",
            ShipmentStatus::Packed => "packed",
            ShipmentStatus::Shipped => "shipped",
            ShipmentStatus::Delivered => "delivered",
            ShipmentStatus::Cancelled => "cancelled",
        }
    }
}

/// Moves the order as far as its live (not cancelled) parcels allow, one step of the order table
/// at a time: `confirmed → processing` once any parcel is packed or on its way, `→ shipped` when
/// every live parcel has shipped, `→ delivered` when every one has arrived. Runs under the
/// order's turn; a step another writer made first is seen on the next read.
pub(crate) fn roll_up(conn: &mut DbConn, order_id: i64, by: &Actor) -> Result<()> {
    use ShipmentStatus::*;
    let parcels: Vec<ShipmentStatus> = shipments::table
        .filter(shipments::order_id.eq(order_id))
        .filter(shipments::status.ne(Cancelled))
        .select(shipments::status)
        .load(conn)?;
    if parcels.is_empty() {
        return Ok(());
    }
    let started = parcels.iter().any(|s| *s != Pending);
    let all_shipped = parcels.iter().all(|s| matches!(s, Shipped | Delivered));
    let all_delivered = parcels.iter().all(|s| *s == Delivered);
    // At most one pass per step of the table: confirmed → processing → shipped → delivered.
    for _ in 0..3 {
        let status: OrderStatus = orders::table
            .filter(months::the_order(order_id))
            .select(orders::status)
            .first(conn)?;
        let (to, note) = match status {
            OrderStatus::Confirmed if started => {
                (OrderStatus::Processing, "The seller started on the order")
            }
            OrderStatus::Processing if all_shipped => {
                (OrderStatus::Shipped, "Every parcel has shipped")
            }
            OrderStatus::Shipped if all_delivered => {
                (OrderStatus::Delivered, "Every parcel has been delivered")
            }
            _ => return Ok(()),
        };
        transition(conn, order_id, status, to, Some(by), note)?;
    }
    Ok(())
}
