//! Money given back. Every refund request to the gateway leaves one `refunds` row with its
//! outcome, and what has gone back never exceeds what the payment captured.

use diesel::prelude::*;

use super::{Gateway, PaymentStatus, RefundStatus};
use crate::db::schema::{payments, refunds};
use crate::db::{self, DbConn, write_tx};
use crate::error::{Error, Result};
use crate::money::Money;

/// A refund to ask the gateway for.
pub struct RefundRequest<'a> {
    pub payment_id: i64,
    pub order_id: i64,
    /// The gateway's reference of the captured charge.
    pub reference: &'a str,
    pub amount: Money,
    pub reason: &'a str,
    /// Who asked, when a person did.
    pub created_by: Option<i64>,
}

/// Gives `amount` of a captured charge back through the gateway and records the outcome. The
/// refund is reserved first (a `pending` row, counted against what is left), so two refunds of
/// one payment at once can never give back more than it captured, and the gateway's answer then
/// settles that row; a captured payment refunded in full becomes `voided`. The refund row's id is
/// the gateway's idempotency key, so asking again after a timeout cannot refund twice. Returns
/// whether the gateway refunded.
pub fn refund(conn: &mut DbConn, gateway: &Gateway, request: &RefundRequest) -> Result<bool> {
    let refund_id = record_refund(conn, request)?;
    let outcome = gateway.refund(
        request.reference,
        request.amount,
        &format!("refund_{refund_id}"),
    );
    settle_refund(conn, refund_id, request.payment_id, outcome.as_deref().ok())?;
    Ok(outcome.is_ok())
}

/// Records the gateway's answer on a reserved refund: `gateway_reference` is the refund's
/// reference when the money went back, `None` when the gateway refused (the reserved amount is
/// free again). A captured payment refunded in full becomes `voided`.
pub fn settle_refund(
    conn: &mut DbConn,
    refund_id: i64,
    payment_id: i64,
    gateway_reference: Option<&str>,
) -> Result<()> {
    write_tx(conn, |c| {
        let status = match gateway_reference {
            Some(_) => RefundStatus::Succeeded,
            None => RefundStatus::Failed,
        };
        diesel::update(
            refunds::table
                .find(refund_id)
                .filter(refunds::status.eq(RefundStatus::Pending)),
        )
        .set((
            refunds::status.eq(status),
            refunds::gateway_reference.eq(gateway_reference),
        ))
        .execute(c)?;
        if gateway_reference.is_some() && refundable(c, payment_id)? == Money::ZERO {
            diesel::update(
                payments::table
                    .find(payment_id)
                    .filter(payments::status.eq(PaymentStatus::Captured)),
            )
            .set(payments::status.eq(PaymentStatus::Voided))
            .execute(c)?;
        }
        Ok(())
    })
}

/// Reserves a refund: a `pending` row for `request.amount`, refused with `Error::Conflict` when
/// that is more than the payment has left to give back. The payment's turn is held while it
/// checks and inserts, so concurrent refunds of one payment are counted one after the other.
/// The only code that inserts into `refunds`; returns the new row's id.
pub fn record_refund(conn: &mut DbConn, request: &RefundRequest) -> Result<i64> {
    write_tx(conn, |c| {
        db::take_turn(c, &format!("payment:{}", request.payment_id))?;
        let left = refundable(c, request.payment_id)?;
        if request.amount > left {
            return Err(Error::Conflict(format!(
                "Only {left} of this payment can still be refunded."
            )));
        }
        Ok(diesel::insert_into(refunds::table)
            .values((
                refunds::payment_id.eq(request.payment_id),
                refunds::order_id.eq(request.order_id),
                refunds::amount.eq(request.amount),
                refunds::reason.eq(request.reason),
                refunds::status.eq(RefundStatus::Pending),
                refunds::created_by.eq(request.created_by),
            ))
            .returning(refunds::id)
            .get_result(c)?)
    })
}

/// What of a payment can still be given back: its amount less the refunds that went through or
/// are still waiting for the gateway.
pub fn refundable(conn: &mut DbConn, payment_id: i64) -> Result<Money> {
    let amount: Money = payments::table
        .find(payment_id)
        .select(payments::amount)
        .first(conn)?;
    let given_back: Vec<Money> = refunds::table
        .filter(refunds::payment_id.eq(payment_id))
        .filter(refunds::status.eq_any([RefundStatus::Succeeded, RefundStatus::Pending]))
        .select(refunds::amount)
        .load(conn)?;
    Ok(amount - given_back.into_iter().sum())
}
