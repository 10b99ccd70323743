//! The shopper's order page: the order, its lines (cancelled ones marked), each seller's parcel
//! with carrier, tracking number and times, the history, and the money state beside the status.

use diesel::prelude::*;

use super::OrderStatus;
use super::months;
use crate::db::DbConn;
use crate::db::models::{Order, OrderItem, Payment, Shipment, StatusChange};
use crate::db::schema::{
    order_items, order_status_history, orders, payments, refunds, sellers, shipments,
};
use crate::db::types::{RefundStatus, ShipmentStatus};
use crate::error::Result;
use crate::money::Money;

/// One seller's parcel as the shopper sees it.
pub struct ParcelView {
    pub parcel: Shipment,
    pub seller_name: String,
}

impl ParcelView {
    pub fn status_label(&self) -> &'static str {
        match self.parcel.status {
            ShipmentStatus::Pending => "Being prepared",
            ShipmentStatus::Packed => "Packed",
            ShipmentStatus::Shipped => "On its way",
            ShipmentStatus::Delivered => "Delivered",
            ShipmentStatus::Cancelled => "Cancelled",
        }
    }
}

/// Whether money went back: the order's money state, shown beside its status (a partly
/// refunded order still ships).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyState {
    Paid,
    PartiallyRefunded,
    Refunded,
}

impl MoneyState {
    /// From what was captured and what refunds have given back.
    pub fn of(captured: Money, refunded: Money) -> MoneyState {
        if refunded <= Money::ZERO {
            MoneyState::Paid
        } else if refunded < captured {
            MoneyState::PartiallyRefunded
        } else {
            MoneyState::Refunded
        }
    }

    /// Words beside the status; nothing while no money went back.
    pub fn label(self) -> Option<&'static str> {
        match self {
            MoneyState::Paid => None,
            MoneyState::PartiallyRefunded => Some("Partially refunded"),
            MoneyState::Refunded => Some("Refunded"),
        }
    }
}

/// Whether an order in `status` with parcels in these statuses may still be cancelled: it is
/// paid and none of its parcels has left (`orders::cancel` enforces the same under the order's
/// turn; this decides whether the pages offer it).
pub fn cancellable(status: OrderStatus, parcels: impl IntoIterator<Item = ShipmentStatus>) -> bool {
    matches!(status, OrderStatus::Confirmed | OrderStatus::Processing)
        && !parcels
            .into_iter()
            .any(|p| matches!(p, ShipmentStatus::Shipped | ShipmentStatus::Delivered))
}

/// Everything the order page shows.
pub struct OrderDetail {
    pub order: Order,
    pub items: Vec<OrderItem>,
    pub history: Vec<StatusChange>,
    pub payment: Option<Payment>,
    pub parcels: Vec<ParcelView>,
    /// What succeeded refunds gave back.
    pub refunded: Money,
}

impl OrderDetail {
    /// A paid order can be cancelled until any of its parcels ships (`orders::cancel`).
    pub fn can_cancel(&self) -> bool {
        cancellable(
            self.order.status,
            self.parcels.iter().map(|p| p.parcel.status),
        )
    }

    pub fn status_label(&self) -> &'static str {
        self.order.status.label()
    }

    /// "Partially refunded" or "Refunded" beside the status, unless the status says it already.
    pub fn money_label(&self) -> Option<&'static str> {
        let captured = self.payment.as_ref().map_or(Money::ZERO, |p| p.amount);
        let label = MoneyState::of(captured, self.refunded).label()?;
        (label != self.status_label()).then_some(label)
    }
}

pub fn detail(conn: &mut DbConn, user_id: i64, number: &str) -> Result<OrderDetail> {
    let order: Order = orders::table
        .filter(super::numbered(conn, number)?)
        .filter(orders::user_id.eq(user_id))
        .select(Order::as_select())
        .first(conn)?;
    let items = order_items::table
        .filter(months::lines_of_order(order.id))
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
    let parcels = shipments::table
        .inner_join(sellers::table)
        .filter(shipments::order_id.eq(order.id))
        .order(shipments::id.asc())
        .select((Shipment::as_select(), sellers::display_name))
        .load::<(Shipment, String)>(conn)?
        .into_iter()
        .map(|(parcel, seller_name)| ParcelView {
            parcel,
            seller_name,
        })
        .collect();
    let refunded: Vec<Money> = refunds::table
        .filter(refunds::order_id.eq(order.id))
        .filter(refunds::status.eq(RefundStatus::Succeeded))
        .select(refunds::amount)
        .load(conn)?;
    Ok(OrderDetail {
        order,
        items,
        history,
        payment,
        parcels,
        refunded: refunded.into_iter().sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_money_state_follows_what_went_back() {
        let m = Money::from_minor;
        assert_eq!(MoneyState::of(m(1000), m(0)), MoneyState::Paid);
        assert_eq!(MoneyState::of(m(1000), m(1)), MoneyState::PartiallyRefunded);
        assert_eq!(
            MoneyState::of(m(1000), m(999)),
            MoneyState::PartiallyRefunded
        );
        assert_eq!(MoneyState::of(m(1000), m(1000)), MoneyState::Refunded);
    }
}
