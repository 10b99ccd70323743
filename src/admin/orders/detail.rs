//! An order as the admin sees it: lines with what is left of each one's paid share, payments,
//! refunds (with who asked and for which line), parcels, returns, status history, the audit
//! entries about it, and its money state.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::super::audit::{self, AuditRow};
use super::actions::retry_reason;
use crate::db::DbConn;
use crate::db::models::{Order, OrderItem, Payment, Refund, Return, Shipment, StatusChange};
use crate::db::schema::{
    order_items, order_status_history, orders, payments, refunds, returns, sellers, shipments,
    users,
};
use crate::error::Result;
use crate::money::Money;
use crate::orders::MoneyState;
use crate::orders::OrderStatus;
use crate::orders::{months, numbered};
use crate::payments::{PaymentStatus, RefundStatus};

/// A line and what has been given back of it.
#[derive(Debug, Clone)]
pub struct LineState {
    pub item: OrderItem,
    /// Refunds on this line that went through or are waiting for the gateway.
    pub refunded: Money,
    /// What is left of the line's paid share (`line_total`) to refund.
    pub left: Money,
}

/// A refund with who asked for it and the line it was for.
#[derive(Debug, Clone)]
pub struct RefundRow {
    pub refund: Refund,
    pub by: Option<String>,
    /// The line's SKU, when the refund was for one line.
    pub line: Option<String>,
    /// A failed refund whose retry went through or is waiting.
    pub retried: bool,
}

impl RefundRow {
    pub fn can_retry(&self) -> bool {
        self.refund.status == RefundStatus::Failed && !self.retried
    }
}

/// The order's money: what was captured, what went back, what is still in flight, what may
/// still be refunded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderMoney {
    pub captured: Money,
    pub refunded: Money,
    pub pending: Money,
    pub refundable: Money,
}

impl OrderMoney {
    /// The money state (`orders::MoneyState`: "Partially refunded" is this, never a status).
    pub fn label(&self) -> &'static str {
        if self.captured == Money::ZERO {
            return "Nothing captured";
        }
        MoneyState::of(self.captured, self.refunded)
            .label()
            .unwrap_or("Paid")
    }
}

/// A status change with the e-mail of whoever made it (none for the shop itself).
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub change: StatusChange,
    pub by: Option<String>,
}

/// A seller's parcel with the seller's shop name.
#[derive(Debug, Clone)]
pub struct ParcelRow {
    pub parcel: Shipment,
    pub seller: String,
}

pub struct AdminOrderDetail {
    pub order: Order,
    pub shopper_email: String,
    pub lines: Vec<LineState>,
    pub payments: Vec<Payment>,
    pub refunds: Vec<RefundRow>,
    pub parcels: Vec<ParcelRow>,
    pub returns: Vec<Return>,
    pub history: Vec<HistoryRow>,
    pub audit: Vec<AuditRow>,
    pub money: OrderMoney,
}

impl AdminOrderDetail {
    /// Cancelling (with its refund) is for a paid order none of whose parcels has left.
    pub fn can_cancel(&self) -> bool {
        crate::orders::cancellable(
            self.order.status,
            self.parcels.iter().map(|p| p.parcel.status),
        )
    }

    /// A paid order with money left to give back.
    pub fn can_refund(&self) -> bool {
        OrderStatus::PAID.contains(&self.order.status) && self.money.refundable.is_positive()
    }

    /// The confirmation only makes sense once the payment was confirmed.
    pub fn can_resend(&self) -> bool {
        !matches!(
            self.order.status,
            OrderStatus::PendingPayment | OrderStatus::PaymentFailed
        )
    }

    /// Lines with something left to refund, for the refund form's choice.
    pub fn refundable_lines(&self) -> impl Iterator<Item = &LineState> {
        self.lines.iter().filter(|line| line.left.is_positive())
    }
}

/// Everything about the order `number`; an unknown number is "not found".
pub fn detail(conn: &mut DbConn, number: &str) -> Result<AdminOrderDetail> {
    let (order, shopper_email): (Order, String) = orders::table
        .inner_join(users::table)
        .filter(numbered(conn, number)?)
        .select((Order::as_select(), users::email))
        .first(conn)?;
    let items: Vec<OrderItem> = order_items::table
        .filter(months::lines_of_order(order.id))
        .order(order_items::id.asc())
        .select(OrderItem::as_select())
        .load(conn)?;
    let payments: Vec<Payment> = payments::table
        .filter(payments::order_id.eq(order.id))
        .order(payments::id.asc())
        .select(Payment::as_select())
        .load(conn)?;
    let refunds: Vec<(Refund, Option<String>)> = refunds::table
        .left_join(users::table)
        .filter(refunds::order_id.eq(order.id))
        .order(refunds::id.asc())
        .select((Refund::as_select(), users::email.nullable()))
        .load(conn)?;
    let parcels = shipments::table
        .inner_join(sellers::table)
        .filter(shipments::order_id.eq(order.id))
        .order(shipments::id.asc())
        .select((Shipment::as_select(), sellers::display_name))
        .load::<(Shipment, String)>(conn)?
        .into_iter()
        .map(|(parcel, seller)| ParcelRow { parcel, seller })
        .collect();
    let returns = returns::table
        .filter(returns::order_id.eq(order.id))
        .order(returns::id.asc())
        .select(Return::as_select())
        .load(conn)?;
    let history = order_status_history::table
        .left_join(users::table)
        .filter(order_status_history::order_id.eq(order.id))
        .order(order_status_history::id.asc())
        .select((StatusChange::as_select(), users::email.nullable()))
        .load::<(StatusChange, Option<String>)>(conn)?
        .into_iter()
        .map(|(change, by)| HistoryRow { change, by })
        .collect();
    let refund_ids: Vec<i64> = refunds.iter().map(|(r, _)| r.id).collect();
    let audit = audit::about_order(conn, order.id, &refund_ids)?;
    let money = money_state(&payments, refunds.iter().map(|(r, _)| r));
    let lines = line_states(items);
    let sku_of: HashMap<i64, String> = lines
        .iter()
        .map(|l| (l.item.id, l.item.sku.clone()))
        .collect();
    let retries: HashSet<&str> = refunds
        .iter()
        .filter(|(r, _)| holds_money(r.status))
        .map(|(r, _)| r.reason.as_str())
        .collect();
    let retried: HashSet<i64> = refunds
        .iter()
        .map(|(r, _)| r.id)
        .filter(|id| retries.contains(retry_reason(*id).as_str()))
        .collect();
    let refunds = refunds
        .into_iter()
        .map(|(refund, by)| RefundRow {
            line: refund.order_item_id.and_then(|id| sku_of.get(&id).cloned()),
            retried: retried.contains(&refund.id),
            refund,
            by,
        })
        .collect();
    Ok(AdminOrderDetail {
        order,
        shopper_email,
        lines,
        payments,
        refunds,
        parcels,
        returns,
        history,
        audit,
        money,
    })
}

/// Refunds that hold money: gone back, or reserved while the gateway answers.
fn holds_money(status: RefundStatus) -> bool {
    matches!(status, RefundStatus::Succeeded | RefundStatus::Pending)
}

fn line_states(items: Vec<OrderItem>) -> Vec<LineState> {
    items
        .into_iter()
        .map(|item| LineState {
            refunded: item.refunded_amount,
            left: item.line_total - item.refunded_amount,
            item,
        })
        .collect()
}

fn money_state<'a>(payments: &[Payment], refunds: impl Iterator<Item = &'a Refund>) -> OrderMoney {
    let mut state = OrderMoney::default();
    for payment in payments
        .iter()
        .filter(|p| matches!(p.status, PaymentStatus::Captured | PaymentStatus::Voided))
    {
        state.captured += payment.amount;
        state.refundable += payment.amount - payment.refunded_amount;
    }
    for refund in refunds {
        match refund.status {
            RefundStatus::Succeeded => state.refunded += refund.amount,
            RefundStatus::Pending => state.pending += refund.amount,
            RefundStatus::Failed => {}
        }
    }
    state
}
