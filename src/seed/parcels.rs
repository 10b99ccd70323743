//! The demo's past orders' parcels: opened as confirming a payment opens them
//! (`fulfilment::open_parcels`), then moved as far as their order went and dated along the way.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::shipments;
use crate::db::types::ShipmentStatus;
use crate::error::Result;
use crate::fulfilment::Carrier;
use crate::orders::OrderStatus;

/// A tracking number of the shape UPS issues (`1Z` and 16 letters or digits).
pub(super) fn ups_tracking() -> String {
    format!("1Z{}", crate::util::random_hex(8).to_uppercase())
}

/// The parcels of a past paid order that ended `status`, placed at `placed`: packed the day
/// after, shipped the day after that with a UPS tracking number, delivered three days later.
/// A cancelled past order never gets here: it was cancelled before anything was packed.
pub(super) fn past_parcels(
    conn: &mut DbConn,
    order_id: i64,
    status: OrderStatus,
    placed: NaiveDateTime,
) -> Result<()> {
    crate::fulfilment::open_parcels(conn, order_id)?;
    // How far along the parcel line (pending, packed, shipped, delivered) the order got.
    let (reached, parcel_status) = match status {
        OrderStatus::Processing => (1, ShipmentStatus::Packed),
        OrderStatus::Shipped => (2, ShipmentStatus::Shipped),
        OrderStatus::Delivered | OrderStatus::Refunded => (3, ShipmentStatus::Delivered),
        _ => (0, ShipmentStatus::Pending),
    };
    let day = chrono::Duration::days(1);
    let at = |stage: i32, days: i32| (reached >= stage).then_some(placed + day * days);
    let ids: Vec<i64> = shipments::table
        .filter(shipments::order_id.eq(order_id))
        .select(shipments::id)
        .load(conn)?;
    for id in ids {
        let shipped = reached >= 2;
        diesel::update(shipments::table.find(id))
            .set((
                shipments::status.eq(parcel_status),
                shipments::carrier.eq(shipped.then_some(Carrier::Ups.as_str())),
                shipments::tracking_number.eq(shipped.then(ups_tracking)),
                shipments::packed_at.eq(at(1, 1)),
                shipments::shipped_at.eq(at(2, 2)),
                shipments::delivered_at.eq(at(3, 5)),
                shipments::created_at.eq(placed),
                shipments::updated_at.eq(placed),
            ))
            .execute(conn)?;
    }
    Ok(())
}
