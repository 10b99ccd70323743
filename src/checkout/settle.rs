//! Recording the payment's answer. Each step is conditional on the order still being
//! `pending_payment`, so the saga, the sweeper and a customer's cancel can race and exactly one
//! of them settles the order.

use diesel::prelude::*;

use crate::db::schema::{orders, payments};
use crate::db::{DbConn, write_tx};
use crate::error::Result;
use crate::inventory::MovementReason;
use crate::orders::months;
use crate::orders::{OrderStatus, transition};
use crate::payments::PaymentStatus;

fn set_payment(
    conn: &mut DbConn,
    order_id: i64,
    status: PaymentStatus,
    reference: Option<&str>,
    failure: Option<&str>,
) -> Result<()> {
    diesel::update(payments::table.filter(payments::order_id.eq(order_id)))
        .set((
            payments::status.eq(status),
            payments::gateway_reference.eq(reference),
            payments::failure_reason.eq(failure),
            payments::updated_at.eq(crate::util::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The charge was captured: the payment is recorded, the order confirmed and one parcel opened
/// per seller. Returns false when
/// the order was no longer waiting (the caller must then give the money back).
pub fn confirm_payment(conn: &mut DbConn, order_id: i64, reference: &str) -> Result<bool> {
    write_tx(conn, |c| {
        let (from, to) = (OrderStatus::PendingPayment, OrderStatus::Confirmed);
        if !transition(c, order_id, from, to, None, "Payment captured")? {
            return Ok(false);
        }
        set_payment(c, order_id, PaymentStatus::Captured, Some(reference), None)?;
        crate::fulfilment::open_parcels(c, order_id)?;
        Ok(true)
    })
}

/// Why an order was not paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentFailure {
    /// The gateway said no, with its reason.
    Declined(String),
    /// No charge reached the gateway within the payment window.
    NotCompleted,
}

impl PaymentFailure {
    pub fn reason(&self) -> &str {
        match self {
            PaymentFailure::Declined(reason) => reason,
            PaymentFailure::NotCompleted => "The payment was not completed in time.",
        }
    }

    fn payment_status(&self) -> PaymentStatus {
        match self {
            PaymentFailure::Declined(_) => PaymentStatus::Declined,
            PaymentFailure::NotCompleted => PaymentStatus::Failed,
        }
    }
}

/// The charge was declined or never happened: the order becomes `payment_failed` and its stock
/// and voucher use go back with compensating ledger rows. With `refill_cart`, the lines return
/// to the shopper's cart so they can try another card. Returns false when already settled.
pub fn fail_payment(
    conn: &mut DbConn,
    order_id: i64,
    failure: &PaymentFailure,
    refill_cart: bool,
) -> Result<bool> {
    let reason = failure.reason();
    write_tx(conn, |c| {
        let (from, to) = (OrderStatus::PendingPayment, OrderStatus::PaymentFailed);
        if !transition(c, order_id, from, to, None, reason)? {
            return Ok(false);
        }
        set_payment(c, order_id, failure.payment_status(), None, Some(reason))?;
        crate::orders::release(c, order_id, MovementReason::PaymentFailed, None)?;
        if refill_cart {
            let user_id: i64 = orders::table
                .filter(months::the_order(order_id))
                .select(orders::user_id)
                .first(c)?;
            crate::cart::refill_from_order(c, user_id, order_id)?;
        }
        Ok(true)
    })
}

/// The gateway's answer was lost: the order keeps waiting and the sweeper will ask again.
pub(crate) fn mark_unknown(conn: &mut DbConn, order_id: i64) -> Result<()> {
    diesel::update(
        payments::table
            .filter(payments::order_id.eq(order_id))
            .filter(payments::status.eq(PaymentStatus::Pending)),
    )
    .set((
        payments::status.eq(PaymentStatus::Unknown),
        payments::updated_at.eq(crate::util::now()),
    ))
    .execute(conn)?;
    Ok(())
}
