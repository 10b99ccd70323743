//! Fulfilment: each seller ships their part of an order as one parcel (a `shipments` row), and
//! the order follows its parcels: processing once a seller starts, shipped when every parcel has
//! shipped, delivered when every parcel has arrived. A seller may cancel a line they cannot
//! fill while their parcel has not left.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::DbConn;
use crate::db::schema::{order_items, shipments};
use crate::error::Result;
use crate::orders::months;

mod cancel_line;
mod parcels;
mod tracking;
mod view;

pub use cancel_line::{LineCancelled, cancel_line};
pub use parcels::{ParcelMove, ShipmentStatus, move_parcel, seller_of};
pub use tracking::{Carrier, ShipInput, Tracking};
pub use view::{PAGE_SIZE, ParcelRow, SellerOrder, Tab, list, order};

/// Opens one `pending` parcel per seller with lines in the order, in the transaction that
/// confirms its payment: from then on each seller sees the order on their list to ship. One
/// statement, in seller order.
pub fn open_parcels(conn: &mut DbConn, order_id: i64) -> Result<()> {
    let parcels = order_items::table
        .filter(months::lines_of_order(order_id))
        .select((
            order_items::order_id,
            order_items::seller_id,
            ShipmentStatus::Pending.into_sql::<Text>(),
        ))
        .distinct()
        .order(order_items::seller_id.asc());
    diesel::insert_into(shipments::table)
        .values(parcels)
        .into_columns((shipments::order_id, shipments::seller_id, shipments::status))
        .execute(conn)?;
    Ok(())
}
