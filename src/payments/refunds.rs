//! Money given back. Every refund request to the gateway leaves one `refunds` row with its
//! outcome, and what has gone back never exceeds what the payment captured.

use diesel::prelude::*;

use super::{Gateway, PaymentStatus, RefundStatus};
use crate::db::schema::{payments, refunds};
use crate::db::{DbConn, write_tx};
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

/// Gives `amount` of a captured charge back through the gateway and records the outcome. A
/// captured payment refunded in full becomes `voided`. Returns whether the gateway refunded.
pub fn refund(conn: &mut DbConn, gateway: &Gateway, request: &RefundRequest) -> Result<bool> {
    check_refundable(conn, request.payment_id, request.amount)?;
    let outcome = gateway.refund(
        request.reference,
        request.amount,
        &format!("refund_{}", request.reference),
    );
    record_refund(conn, request, outcome.as_deref().ok())?;
    if outcome.is_ok() && refundable(conn, request.payment_id)? == Money::ZERO {
        diesel::update(
            payments::table
                .find(request.payment_id)
                .filter(payments::status.eq(PaymentStatus::Captured)),
        )
        .set(payments::status.eq(PaymentStatus::Voided))
        .execute(conn)?;
    }
    Ok(outcome.is_ok())
}

/// Writes the refund row for a gateway answer: `gateway_reference` is the refund's reference
/// when the gateway gave the money back, `None` when it refused. The only code that inserts
/// into `refunds`.
pub fn record_refund(
    conn: &mut DbConn,
    request: &RefundRequest,
    gateway_reference: Option<&str>,
) -> Result<()> {
    write_tx(conn, |c| {
        let status = match gateway_reference {
            Some(_) => {
                check_refundable(c, request.payment_id, request.amount)?;
                RefundStatus::Succeeded
            }
            None => RefundStatus::Failed,
        };
        diesel::insert_into(refunds::table)
            .values((
                refunds::payment_id.eq(request.payment_id),
                refunds::order_id.eq(request.order_id),
                refunds::amount.eq(request.amount),
                refunds::reason.eq(request.reason),
                refunds::status.eq(status),
                refunds::gateway_reference.eq(gateway_reference),
                refunds::created_by.eq(request.created_by),
            ))
            .execute(c)?;
        Ok(())
    })
}

/// What of a payment can still be given back: its amount less the refunds that went through.
pub fn refundable(conn: &mut DbConn, payment_id: i64) -> Result<Money> {
    let amount: Money = payments::table
        .find(payment_id)
        .select(payments::amount)
        .first(conn)?;
    let refunded: Vec<Money> = refunds::table
        .filter(refunds::payment_id.eq(payment_id))
        .filter(refunds::status.eq(RefundStatus::Succeeded))
        .select(refunds::amount)
        .load(conn)?;
    Ok(amount - refunded.into_iter().sum())
}

fn check_refundable(conn: &mut DbConn, payment_id: i64, amount: Money) -> Result<()> {
    let left = refundable(conn, payment_id)?;
    if amount > left {
        return Err(Error::Conflict(format!(
            "Only {left} of this payment can still be refunded."
        )));
    }
    Ok(())
}
