//! Money given back. Every refund request to the gateway leaves one `refunds` row with its
//! outcome, and what has gone back never exceeds what the payment captured.

use diesel::prelude::*;

use super::{Gateway, PaymentStatus, RefundAnswer, RefundStatus};
use crate::db::schema::{order_items, payments, refunds};
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
    /// The order line the money is for, when it is for one (a line cancelled or returned).
    pub order_item_id: Option<i64>,
    /// The return it settles, when it does.
    pub return_id: Option<i64>,
}

/// Gives `amount` of a captured charge back through the gateway and records the outcome. The
/// refund is reserved first (`record_refund`), so two refunds of one payment at once can never
/// give back more than it captured, and the gateway's answer then settles that row; a captured
/// payment refunded in full becomes `voided`. The refund row's id is the gateway's idempotency
/// key, so asking again after a timeout cannot refund twice; an unanswered request leaves the
/// row `pending` for the sweeper (`payments::resume_pending`).
pub fn refund(
    conn: &mut DbConn,
    gateway: &Gateway,
    request: &RefundRequest,
) -> Result<RefundOutcome> {
    let refund_id = record_refund(conn, request)?;
    let answer = gateway.refund(
        request.reference,
        request.amount,
        &idempotency_key(refund_id),
    );
    let status = settle_answer(conn, refund_id, request.payment_id, &answer)?;
    Ok(RefundOutcome { refund_id, status })
}

/// The gateway's idempotency key of refund row `refund_id`.
pub(super) fn idempotency_key(refund_id: i64) -> String {
    format!("refund_{refund_id}")
}

/// Records a refund the gateway reports made (its webhook) on the row the refund's key names,
/// through `settle_refund`, so a row already settled stays as it is; returns that row's id. A
/// key naming no refund of this shop is ignored.
pub fn settle_reported_refund(
    conn: &mut DbConn,
    refund_key: &str,
    reference: &str,
) -> Result<Option<i64>> {
    let Some(refund_id) = refund_key
        .strip_prefix("refund_")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return Ok(None);
    };
    let payment_id: Option<i64> = refunds::table
        .find(refund_id)
        .select(refunds::payment_id)
        .first(conn)
        .optional()?;
    match payment_id {
        Some(payment_id) => {
            settle_refund(conn, refund_id, payment_id, Some(reference))?;
            Ok(Some(refund_id))
        }
        None => Ok(None),
    }
}

/// Records `answer` on the reserved refund `refund_id` (`settle_refund`), unless there is none
/// yet; returns where the refund stands.
pub(super) fn settle_answer(
    conn: &mut DbConn,
    refund_id: i64,
    payment_id: i64,
    answer: &RefundAnswer,
) -> Result<RefundStatus> {
    let (reference, status) = match answer {
        RefundAnswer::Refunded { reference } => (Some(reference.as_str()), RefundStatus::Succeeded),
        RefundAnswer::Refused { reason } => {
            tracing::warn!(refund_id, %reason, "refund refused by the card processor");
            (None, RefundStatus::Failed)
        }
        RefundAnswer::Unknown => return Ok(RefundStatus::Pending),
    };
    settle_refund(conn, refund_id, payment_id, reference)?;
    Ok(status)
}

/// What became of a refund: its row, and whether the money went back (`Succeeded`), was refused
/// (`Failed`) or has no answer yet (`Pending`, settled later by the sweeper).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundOutcome {
    pub refund_id: i64,
    pub status: RefundStatus,
}

impl RefundOutcome {
    pub fn succeeded(&self) -> bool {
        self.status == RefundStatus::Succeeded
    }
}

/// Records the gateway's answer on a reserved refund: `gateway_reference` is the refund's
/// reference when the money went back, `None` when the gateway refused, and then the reserved
/// amount is free again. Settling is conditional on the row still being `pending`, so an answer
/// recorded twice (a retry after a crash) counts once. A captured payment refunded in full
/// becomes `voided`.
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
        let settled: Option<(Money, Option<i64>)> = diesel::update(
            refunds::table
                .find(refund_id)
                .filter(refunds::status.eq(RefundStatus::Pending)),
        )
        .set((
            refunds::status.eq(status),
            refunds::gateway_reference.eq(gateway_reference),
        ))
        .returning((refunds::amount, refunds::order_item_id))
        .get_result(c)
        .optional()?;
        let Some((amount, line)) = settled else {
            return Ok(());
        };
        if gateway_reference.is_none() {
            diesel::update(payments::table.find(payment_id))
                .set(payments::refunded_amount.eq(payments::refunded_amount - amount))
                .execute(c)?;
            if let Some(line) = line {
                diesel::update(order_items::table.find(line))
                    .set(order_items::refunded_amount.eq(order_items::refunded_amount - amount))
                    .execute(c)?;
            }
        } else if refunded(c, payment_id)? == paid(c, payment_id)? {
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
/// that is more than the payment has left to give back or, for a line, more than is left of the
/// line's paid share. Each reservation is one conditional update (of the payment's
/// `refunded_amount`, and of the line's, each kept within its total by a CHECK), so refunds of
/// one payment or one line at once are counted one after the other and can never together give
/// back more than was paid. The only code that inserts into `refunds`; returns the new row's id.
pub fn record_refund(conn: &mut DbConn, request: &RefundRequest) -> Result<i64> {
    if request.amount <= Money::ZERO {
        return Err(Error::Invalid("A refund must be more than zero.".into()));
    }
    write_tx(conn, |c| {
        let reserved = diesel::update(
            payments::table
                .find(request.payment_id)
                .filter((payments::refunded_amount + request.amount).le(payments::amount)),
        )
        .set(payments::refunded_amount.eq(payments::refunded_amount + request.amount))
        .execute(c)?;
        if reserved == 0 {
            let left = refundable(c, request.payment_id)?;
            return Err(Error::Conflict(format!(
                "Only {left} of this payment can still be refunded."
            )));
        }
        if let Some(line) = request.order_item_id {
            reserve_on_line(c, line, request)?;
        }
        Ok(diesel::insert_into(refunds::table)
            .values((
                refunds::payment_id.eq(request.payment_id),
                refunds::order_id.eq(request.order_id),
                refunds::order_item_id.eq(request.order_item_id),
                refunds::return_id.eq(request.return_id),
                refunds::amount.eq(request.amount),
                refunds::reason.eq(request.reason),
                refunds::status.eq(RefundStatus::Pending),
                refunds::created_by.eq(request.created_by),
            ))
            .returning(refunds::id)
            .get_result(c)?)
    })
}

/// Counts a line's refund against the line's paid share (`line_total`); a line of another
/// order is not found.
fn reserve_on_line(conn: &mut DbConn, line: i64, request: &RefundRequest) -> Result<()> {
    let reserved = diesel::update(
        order_items::table
            .find(line)
            .filter(order_items::order_id.eq(request.order_id))
            .filter((order_items::refunded_amount + request.amount).le(order_items::line_total)),
    )
    .set(order_items::refunded_amount.eq(order_items::refunded_amount + request.amount))
    .execute(conn)?;
    if reserved == 1 {
        return Ok(());
    }
    let (total, given): (Money, Money) = order_items::table
        .find(line)
        .filter(order_items::order_id.eq(request.order_id))
        .select((order_items::line_total, order_items::refunded_amount))
        .first(conn)?;
    Err(Error::Conflict(format!(
        "Only {} of this line can still be refunded.",
        total - given
    )))
}

/// What of a payment can still be given back: its amount less the refunds that went through or
/// are still waiting for the gateway.
pub fn refundable(conn: &mut DbConn, payment_id: i64) -> Result<Money> {
    let (amount, reserved): (Money, Money) = payments::table
        .find(payment_id)
        .select((payments::amount, payments::refunded_amount))
        .first(conn)?;
    Ok(amount - reserved)
}

fn paid(conn: &mut DbConn, payment_id: i64) -> Result<Money> {
    Ok(payments::table
        .find(payment_id)
        .select(payments::amount)
        .first(conn)?)
}

/// What the gateway has given back of a payment.
fn refunded(conn: &mut DbConn, payment_id: i64) -> Result<Money> {
    let amounts: Vec<Money> = refunds::table
        .filter(refunds::payment_id.eq(payment_id))
        .filter(refunds::status.eq(RefundStatus::Succeeded))
        .select(refunds::amount)
        .load(conn)?;
    Ok(amounts.into_iter().sum())
}
