//! Giving an order's money back: the one way every part of the shop refunds, whether a shopper
//! or an admin cancels, a seller cancels a line, a return is received or an admin refunds part
//! of an order.

use diesel::prelude::*;

use super::months;
use super::{OrderStatus, transition};
use crate::audit::{self, Actor, Entity};
use crate::db::schema::{orders, payments, refunds};
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::payments::{Gateway, PaymentStatus, RefundOutcome, RefundRequest, RefundStatus};

/// Money to give back on an order.
pub struct GiveBack<'a> {
    pub order_id: i64,
    pub amount: Money,
    pub reason: &'a str,
    /// The line the money is for, when it is for one.
    pub order_item_id: Option<i64>,
    /// The return it settles, when it does.
    pub return_id: Option<i64>,
    /// Who asked, when a person did.
    pub by: Option<&'a Actor>,
}

/// Refunds `amount` of the order's captured payment through the gateway (`payments::refund`:
/// reserved first, so concurrent refunds never exceed what was captured, then settled with the
/// gateway's answer). A person's refund gets an audit row. When the payment has then been given
/// back in full, a paid order becomes `refunded`. An order with no captured payment is a
/// conflict; a refund the gateway refused is recorded as `failed` and can be asked for again.
pub fn give_back(
    conn: &mut DbConn,
    gateway: &Gateway,
    request: &GiveBack,
) -> Result<RefundOutcome> {
    let captured: Option<(i64, Option<String>)> = payments::table
        .filter(payments::order_id.eq(request.order_id))
        .filter(payments::status.eq_any([PaymentStatus::Captured, PaymentStatus::Voided]))
        .select((payments::id, payments::gateway_reference))
        .first(conn)
        .optional()?;
    let Some((payment_id, Some(reference))) = captured else {
        return Err(Error::Conflict(
            "This order has no captured payment to refund.".into(),
        ));
    };
    let outcome = crate::payments::refund(
        conn,
        gateway,
        &RefundRequest {
            payment_id,
            order_id: request.order_id,
            reference: &reference,
            amount: request.amount,
            reason: request.reason,
            created_by: request.by.map(|actor| actor.user_id),
            order_item_id: request.order_item_id,
            return_id: request.return_id,
        },
    )?;
    write_tx(conn, |c| {
        if outcome.succeeded() {
            close_when_refunded(c, request.order_id, payment_id, request.by, request.reason)?;
        }
        if let Some(actor) = request.by {
            let result = match outcome.status {
                RefundStatus::Succeeded => "refunded",
                RefundStatus::Failed => "refused by the gateway",
                RefundStatus::Pending => "sent, the gateway has not answered yet",
            };
            audit::record(
                c,
                actor,
                "refund.issue",
                Entity {
                    kind: "refund",
                    id: outcome.refund_id,
                },
                &format!(
                    "{} on order {}: {result}; {}",
                    request.amount, request.order_id, request.reason
                ),
            )?;
        }
        Ok::<_, Error>(())
    })?;
    Ok(outcome)
}

/// A payment given back in full (`voided`) leaves a paid order nothing to stand on: it becomes
/// `refunded`, and its parcels that have not left will not ship. A cancelled order stays
/// cancelled.
fn close_when_refunded(
    conn: &mut DbConn,
    order_id: i64,
    payment_id: i64,
    by: Option<&Actor>,
    reason: &str,
) -> Result<()> {
    let voided: PaymentStatus = payments::table
        .find(payment_id)
        .select(payments::status)
        .first(conn)?;
    if voided != PaymentStatus::Voided {
        return Ok(());
    }
    // Under the order's turn, as every person's change to the order and its parcels is.
    super::take_order_turn(conn, order_id)?;
    let status: OrderStatus = orders::table
        .filter(months::the_order(order_id))
        .select(orders::status)
        .first(conn)?;
    if OrderStatus::PAID.contains(&status) {
        super::close_open_parcels(conn, order_id)?;
        let refunded = OrderStatus::Refunded;
        transition(conn, order_id, status, refunded, by, reason)?;
    }
    Ok(())
}

/// Closes the order of refund `refund_id` as `give_back` would have, had the processor answered
/// at once: for a refund settled later, by the sweeper asking again or by the processor's
/// webhook. A refund that failed, or an order already closed, changes nothing.
pub fn close_after_late_refund(conn: &mut DbConn, refund_id: i64) -> Result<()> {
    let refund: Option<(i64, i64, String, RefundStatus)> = refunds::table
        .find(refund_id)
        .select((
            refunds::order_id,
            refunds::payment_id,
            refunds::reason,
            refunds::status,
        ))
        .first(conn)
        .optional()?;
    let Some((order_id, payment_id, reason, RefundStatus::Succeeded)) = refund else {
        return Ok(());
    };
    write_tx(conn, |c| {
        close_when_refunded(c, order_id, payment_id, None, &reason)
    })
}
