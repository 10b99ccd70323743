//! Rows of the after-checkout tables: parcels, returns and payout lines.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::*;
use crate::db::types::{ReturnStatus, ShipmentStatus};
use crate::money::Money;

/// One seller's parcel of an order.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = shipments)]
pub struct Shipment {
    pub id: i64,
    pub order_id: i64,
    pub seller_id: i64,
    pub status: ShipmentStatus,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub packed_at: Option<NaiveDateTime>,
    pub shipped_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A shopper's request to send back units of one line.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = returns)]
pub struct Return {
    pub id: i64,
    pub order_id: i64,
    pub order_item_id: i64,
    pub user_id: i64,
    pub seller_id: i64,
    pub quantity: i32,
    pub reason: String,
    pub status: ReturnStatus,
    pub seller_message: String,
    pub restock: bool,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub received_at: Option<NaiveDateTime>,
}

/// One order line on a payout statement.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = payout_lines)]
pub struct PayoutLine {
    pub id: i64,
    pub payout_id: i64,
    /// `None` once the order line is archived (src/archive.rs).
    pub order_item_id: Option<i64>,
    pub sales: Money,
    pub refunded: Money,
    pub commission: Money,
}
