//! What an admin does to an order besides cancelling it: refund part of it (one line, or an
//! amount with a reason), ask again for a refund the gateway refused, and send the
//! confirmation e-mail again. Money goes back through `orders::give_back` only, which reserves
//! it with a conditional update of the payment, so two admins refunding at once never give back
//! more than was captured; it also writes the audit row and moves a paid order to `refunded`
//! once the payment is given back in full. E-mail the change queued goes out after commit.

use diesel::prelude::*;

use crate::audit::{self, Actor, Entity};
use crate::checkout::PaymentSaga;
use crate::db::models::{Order, OrderItem, Refund};
use crate::db::schema::{order_items, orders, refunds};
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::money::Money;
use crate::numbers::parse_whole;
use crate::orders::{GiveBack, OrderStatus, give_back, numbered};
use crate::payments::{RefundOutcome, RefundStatus};

/// The longest reason a refund keeps (the column's size).
pub const REASON_MAX: usize = 500;

/// A checked refund form: a line (its amount defaulting to what is left of it), or an amount
/// with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundInput {
    pub line: Option<i64>,
    pub amount: Option<Money>,
    pub reason: String,
}

impl RefundInput {
    /// Reads the form once. The amount is read by `Money::parse_typed` (no sign, at most two
    /// decimals) and must be more than zero; without a line, an amount and a reason are needed.
    pub fn parse(
        line: &str,
        amount: &str,
        reason: &str,
    ) -> std::result::Result<RefundInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let line = match line.trim() {
            "" => None,
            raw => {
                let id = parse_whole(raw).filter(|id| *id > 0);
                if id.is_none() {
                    errors.add("line", "Please choose a line of this order.");
                }
                id
            }
        };
        let amount = match amount.trim() {
            "" if line.is_none() => {
                errors.add(
                    "amount",
                    "Please enter the amount to refund, or choose a line.",
                );
                None
            }
            "" => None,
            raw => match Money::parse_typed(raw) {
                Ok(amount) if amount.is_positive() => Some(amount),
                Ok(_) => {
                    errors.add("amount", "A refund must be more than zero.");
                    None
                }
                Err(refused) => {
                    errors.add("amount", refused.to_string());
                    None
                }
            },
        };
        let reason = forms::text(
            &mut errors,
            "reason",
            "The reason",
            reason,
            REASON_MAX,
            line.is_none(),
        );
        errors.or_ok(RefundInput {
            line,
            amount,
            reason,
        })
    }
}

fn order_by_number(conn: &mut DbConn, number: &str) -> Result<Order> {
    Ok(orders::table
        .filter(numbered(conn, number)?)
        .select(Order::as_select())
        .first(conn)?)
}

/// Refunds part of a paid order. A line of another order is "not found"; an order that is not
/// paid (cancelled, refunded, failed, unpaid) has nothing to refund; an amount beyond what is
/// left of the line, or of the payment, is a conflict and nothing is recorded. A refund the
/// gateway refuses is recorded as `failed` (the outcome says so) and can be retried.
pub fn refund(
    saga: &PaymentSaga,
    actor: &Actor,
    number: &str,
    input: &RefundInput,
) -> Result<RefundOutcome> {
    let mut conn = saga.conn()?;
    let order = order_by_number(&mut conn, number)?;
    if !OrderStatus::PAID.contains(&order.status) {
        return Err(Error::Conflict(format!(
            "This order is {}: there is nothing to refund.",
            order.status.label().to_lowercase()
        )));
    }
    let (amount, reason) = match input.line {
        None => (
            input
                .amount
                .ok_or_else(|| Error::Invalid("Please enter an amount.".into()))?,
            input.reason.clone(),
        ),
        Some(line) => {
            let (item, left) = line_left(&mut conn, order.id, line)?;
            let amount = input.amount.unwrap_or(left);
            if left == Money::ZERO {
                return Err(Error::Conflict(format!(
                    "Line {} has already been refunded in full.",
                    item.sku
                )));
            }
            if amount > left {
                return Err(Error::Conflict(format!(
                    "Only {left} of line {} is left to refund.",
                    item.sku
                )));
            }
            let reason = if input.reason.is_empty() {
                format!("Refund of line {}", item.sku)
            } else {
                input.reason.clone()
            };
            (amount, reason)
        }
    };
    let outcome = give_back(
        &mut conn,
        saga.gateway(),
        &GiveBack {
            order_id: order.id,
            amount,
            reason: &reason,
            order_item_id: input.line,
            return_id: None,
            by: Some(actor),
        },
    )?;
    drop(conn);
    saga.deliver_mail();
    Ok(outcome)
}

/// The line `line` of order `order_id` (another order's line is "not found") and what is left
/// of its paid share: its `line_total` less what refunds have taken or reserved of it.
fn line_left(conn: &mut DbConn, order_id: i64, line: i64) -> Result<(OrderItem, Money)> {
    let item: OrderItem = order_items::table
        .filter(order_items::id.eq(line))
        .filter(order_items::order_id.eq(order_id))
        .select(OrderItem::as_select())
        .first(conn)?;
    let left = item.line_total - item.refunded_amount;
    Ok((item, left))
}

/// The reason a retry of refund `refund_id` carries, which is also how a retry is recognised.
pub(super) fn retry_reason(refund_id: i64) -> String {
    format!("Retry of refund {refund_id}")
}

/// Asks again for a refund the gateway refused: a new refund of the same amount, for the same
/// line and return, with the reason "Retry of refund N". Only a `failed` refund of this order
/// can be retried, and only once successfully. The order's status does not matter: the money
/// of a cancelled order whose refund failed is still owed.
pub fn retry(
    saga: &PaymentSaga,
    actor: &Actor,
    number: &str,
    refund_id: i64,
) -> Result<RefundOutcome> {
    let mut conn = saga.conn()?;
    let order = order_by_number(&mut conn, number)?;
    let failed: Refund = refunds::table
        .filter(refunds::id.eq(refund_id))
        .filter(refunds::order_id.eq(order.id))
        .select(Refund::as_select())
        .first(&mut conn)?;
    if failed.status != RefundStatus::Failed {
        return Err(Error::Conflict(format!(
            "Refund {refund_id} did not fail, so there is nothing to retry."
        )));
    }
    let reason = retry_reason(refund_id);
    let retried: i64 = refunds::table
        .filter(refunds::order_id.eq(order.id))
        .filter(refunds::reason.eq(&reason))
        .filter(refunds::status.ne(RefundStatus::Failed))
        .count()
        .get_result(&mut conn)?;
    if retried > 0 {
        return Err(Error::Conflict(format!(
            "Refund {refund_id} has already been retried."
        )));
    }
    let outcome = give_back(
        &mut conn,
        saga.gateway(),
        &GiveBack {
            order_id: order.id,
            amount: failed.amount,
            reason: &reason,
            order_item_id: failed.order_item_id,
            return_id: failed.return_id,
            by: Some(actor),
        },
    )?;
    drop(conn);
    saga.deliver_mail();
    Ok(outcome)
}

/// Sends the order confirmation again (queued with an audit row, delivered after commit). An
/// order whose payment was never confirmed has no confirmation to send.
pub fn resend_confirmation(saga: &PaymentSaga, actor: &Actor, number: &str) -> Result<()> {
    let mut conn = saga.conn()?;
    write_tx(&mut conn, |c| {
        let order = order_by_number(c, number)?;
        if matches!(
            order.status,
            OrderStatus::PendingPayment | OrderStatus::PaymentFailed
        ) {
            return Err(Error::Conflict(
                "This order's payment was never confirmed, so there is no confirmation to send."
                    .into(),
            ));
        }
        let email = crate::orders::confirmation_email(c, order.id)?;
        crate::notices::queue(c, &email)?;
        audit::record(
            c,
            actor,
            "order.email",
            Entity {
                kind: "order",
                id: order.id,
            },
            &format!("Order confirmation sent again to {}", email.to),
        )
    })?;
    drop(conn);
    saga.deliver_mail();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(line: &str, amount: &str, reason: &str) -> FieldErrors {
        RefundInput::parse(line, amount, reason).expect_err("refused")
    }

    #[test]
    fn a_line_alone_is_enough_and_an_amount_needs_a_reason() {
        assert_eq!(
            RefundInput::parse("7", "", "").unwrap(),
            RefundInput {
                line: Some(7),
                amount: None,
                reason: String::new()
            }
        );
        assert_eq!(
            RefundInput::parse("", "$1,250.5", " damaged box ").unwrap(),
            RefundInput {
                line: None,
                amount: Some(Money::from_minor(125_050)),
                reason: "damaged box".into()
            }
        );
        assert_eq!(
            refused("", "5", "").get("reason"),
            Some("Please enter the reason.")
        );
        assert!(refused("", "", "why").get("amount").is_some());
    }

    #[test]
    fn negative_fractional_and_zero_amounts_are_refused() {
        for bad in ["-1", "1.005", "1e3", "12,99", "abc"] {
            assert_eq!(
                refused("", bad, "r").get("amount"),
                Some(crate::money::AmountError::Format.to_string().as_str()),
                "{bad}"
            );
        }
        for zero in ["0", "0.00", "$0"] {
            assert_eq!(
                refused("", zero, "r").get("amount"),
                Some("A refund must be more than zero."),
                "{zero}"
            );
        }
    }

    #[test]
    fn a_bad_line_and_an_overlong_reason_are_refused() {
        for bad in ["-3", "0", "x", "1.5"] {
            assert!(refused(bad, "1", "r").get("line").is_some(), "{bad}");
        }
        let long = "x".repeat(REASON_MAX + 1);
        assert_eq!(
            refused("", "1", &long).get("reason"),
            Some("The reason can be at most 500 characters.")
        );
    }
}
