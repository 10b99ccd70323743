//! What a seller reads of their orders: their parcels by tab, keyset-paged on the parcel id, and
//! one order as far as it is theirs (their lines, the ship-to snapshot, their parcel).

use diesel::prelude::*;

use super::parcels::{ShipmentStatus, parcel_of, seller_of};
use crate::db::DbConn;
use crate::db::models::{Order, OrderItem, Shipment};
use crate::db::schema::{order_items, orders, sellers, shipments};
use crate::error::Result;
use crate::orders::months;
use crate::paging::KeysetPage;

pub const PAGE_SIZE: usize = 20;

/// The tabs of `/seller/orders`: which parcel statuses each lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    ToShip,
    Shipped,
    Delivered,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::ToShip, Tab::Shipped, Tab::Delivered];

    /// The tab named in `?tab=`; anything else shows the first.
    pub fn parse(raw: Option<&str>) -> Tab {
        Tab::ALL
            .into_iter()
            .find(|t| Some(t.as_str()) == raw)
            .unwrap_or_default()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tab::ToShip => "to_ship",
            Tab::Shipped => "shipped",
            Tab::Delivered => "delivered",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tab::ToShip => "To ship",
            Tab::Shipped => "Shipped",
            Tab::Delivered => "Delivered",
        }
    }

    fn statuses(self) -> &'static [ShipmentStatus] {
        match self {
            Tab::ToShip => &[ShipmentStatus::Pending, ShipmentStatus::Packed],
            Tab::Shipped => &[ShipmentStatus::Shipped],
            Tab::Delivered => &[ShipmentStatus::Delivered],
        }
    }
}

/// A row of a seller's order list.
#[derive(Debug, Clone)]
pub struct ParcelRow {
    pub shipment_id: i64,
    pub number: String,
    pub status: ShipmentStatus,
    pub ship_name: String,
    pub placed_at: chrono::NaiveDateTime,
    pub tracking_number: Option<String>,
}

/// The seller's parcels on `tab`, newest first, after parcel id `after` (index
/// `idx_shipments_seller_status (seller_id, status, id)`).
pub fn list(
    conn: &mut DbConn,
    user_id: i64,
    tab: Tab,
    after: Option<i64>,
) -> Result<KeysetPage<ParcelRow>> {
    let seller_id = seller_of(conn, user_id)?;
    let mut query = shipments::table
        .inner_join(orders::table)
        .filter(shipments::seller_id.eq(seller_id))
        .filter(shipments::status.eq_any(tab.statuses()))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(shipments::id.lt(after));
    }
    let rows: Vec<(
        i64,
        String,
        ShipmentStatus,
        String,
        chrono::NaiveDateTime,
        Option<String>,
    )> = query
        .order(shipments::id.desc())
        .limit(PAGE_SIZE as i64 + 1)
        .select((
            shipments::id,
            orders::number,
            shipments::status,
            orders::ship_name,
            orders::created_at,
            shipments::tracking_number,
        ))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(
            |(shipment_id, number, status, ship_name, placed_at, tracking_number)| ParcelRow {
                shipment_id,
                number,
                status,
                ship_name,
                placed_at,
                tracking_number,
            },
        )
        .collect();
    Ok(KeysetPage::from_rows(rows, PAGE_SIZE, |r| r.shipment_id))
}

/// One order as its seller sees it.
pub struct SellerOrder {
    /// The order, for its number, date and ship-to snapshot (its totals cover other sellers too
    /// and are not shown).
    pub order: Order,
    pub parcel: Shipment,
    /// This seller's lines only.
    pub items: Vec<OrderItem>,
    pub seller_name: String,
}

impl SellerOrder {
    /// Lines may be cancelled, and the parcel shipped, until it leaves.
    pub fn is_open(&self) -> bool {
        matches!(
            self.parcel.status,
            ShipmentStatus::Pending | ShipmentStatus::Packed
        )
    }

    /// Live units in the parcel, for the packing slip.
    pub fn units(&self) -> i64 {
        self.items
            .iter()
            .filter(|i| i.cancelled_at.is_none())
            .map(|i| i64::from(i.quantity))
            .sum()
    }
}

/// Order `number` as the signed-in seller sees it; "not found" unless they have a parcel in it.
pub fn order(conn: &mut DbConn, user_id: i64, number: &str) -> Result<SellerOrder> {
    let seller_id = seller_of(conn, user_id)?;
    let parcel = parcel_of(conn, seller_id, number)?;
    let order: Order = orders::table
        .filter(months::the_order(parcel.order_id))
        .select(Order::as_select())
        .first(conn)?;
    let items = order_items::table
        .filter(months::lines_of_order(order.id))
        .filter(order_items::seller_id.eq(seller_id))
        .order(order_items::id.asc())
        .select(OrderItem::as_select())
        .load(conn)?;
    let seller_name = sellers::table
        .find(seller_id)
        .select(sellers::display_name)
        .first(conn)?;
    Ok(SellerOrder {
        order,
        parcel,
        items,
        seller_name,
    })
}
