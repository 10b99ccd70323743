//! Refunds a crash left half done: reserved (`pending`) but never settled with the gateway's
//! answer. Asking the gateway again under the refund's own idempotency key cannot pay twice: a
//! refund it already made is answered with the same reference.

use diesel::prelude::*;

use super::refunds::{idempotency_key, settle_answer};
use super::{Gateway, RefundAnswer, RefundStatus};
use crate::db::DbConn;
use crate::db::schema::{payments, refunds};
use crate::error::Result;
use crate::money::Money;

/// Settles every refund still `pending` that was reserved before `older_than` (the sweeper
/// passes a minute ago, so a refund in flight is left to its own request), oldest first, and
/// returns the ids of those it settled. The gateway is asked with the key `payments::refund` used, and
/// its answer recorded by `settle_refund`, which counts it once; a refund still unanswered stays
/// pending for the next round.
pub fn resume_pending(
    conn: &mut DbConn,
    gateway: &Gateway,
    older_than: chrono::NaiveDateTime,
) -> Result<Vec<i64>> {
    let stuck: Vec<(i64, i64, Money, Option<String>)> = refunds::table
        .inner_join(payments::table)
        .filter(refunds::status.eq(RefundStatus::Pending))
        .filter(refunds::created_at.lt(older_than))
        .order(refunds::id.asc())
        .limit(100)
        .select((
            refunds::id,
            refunds::payment_id,
            refunds::amount,
            payments::gateway_reference,
        ))
        .load(conn)?;
    let mut settled = Vec::new();
    for (refund_id, payment_id, amount, reference) in stuck {
        // A payment without a charge reference cannot have been refunded: the refund failed.
        let answer = match reference {
            Some(reference) => gateway.refund(&reference, amount, &idempotency_key(refund_id)),
            None => RefundAnswer::Refused {
                reason: "the payment has no charge to refund".into(),
            },
        };
        if settle_answer(conn, refund_id, payment_id, &answer)? != RefundStatus::Pending {
            settled.push(refund_id);
        }
    }
    Ok(settled)
}
