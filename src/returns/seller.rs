//! The seller's side of a return: accept or refuse it, then mark the parcel received, which puts
//! the units back on the shelf when asked and refunds the shopper's share of the line.

use diesel::prelude::*;

use super::{Decision, ReturnStatus, already, seller_id_of, tell_shopper};
use crate::audit::{self, Actor, Entity};
use crate::db::models::{OrderItem, Return};
use crate::db::schema::{order_items, payments, returns};
use crate::db::{self, DbConn, write_tx};
use crate::error::{Error, Result};
use crate::inventory::{self, Move, MovementReason, Why};
use crate::money::Money;
use crate::orders::{GiveBack, give_back};
use crate::payments::{Gateway, PaymentStatus};

/// The seller's own return `return_id`; another seller's answers like a missing one.
fn own_return(conn: &mut DbConn, seller: &Actor, return_id: i64) -> Result<Return> {
    let seller_id = seller_id_of(conn, seller.user_id)?;
    Ok(returns::table
        .filter(returns::id.eq(return_id))
        .filter(returns::seller_id.eq(seller_id))
        .select(Return::as_select())
        .first(conn)?)
}

/// Moves return `id` from `from` to `to`, only if it is still in `from`; `false` when another
/// click moved it first.
fn move_return(conn: &mut DbConn, id: i64, from: ReturnStatus, to: ReturnStatus) -> Result<bool> {
    if !from.may_become(to) {
        return Err(Error::Internal(format!(
            "a return cannot move from {from} to {to}"
        )));
    }
    let now = crate::util::now();
    let moved = diesel::update(
        returns::table
            .filter(returns::id.eq(id))
            .filter(returns::status.eq(from)),
    )
    .set((
        returns::status.eq(to),
        (to == ReturnStatus::Received).then(|| returns::received_at.eq(now)),
        (from == ReturnStatus::Requested).then(|| returns::decided_at.eq(now)),
    ))
    .execute(conn)?;
    Ok(moved == 1)
}

/// The seller accepts or refuses a requested return. Refusing gives the reserved units back to
/// the line, so the shopper could ask again, and tells the shopper why. Either way the shopper is
/// e-mailed (queued with the change) and an audit row names the seller.
pub fn decide(
    conn: &mut DbConn,
    seller: &Actor,
    return_id: i64,
    decision: &Decision,
) -> Result<()> {
    write_tx(conn, |c| {
        let ret = own_return(c, seller, return_id)?;
        let to = decision.to();
        if !move_return(c, ret.id, ReturnStatus::Requested, to)? {
            return Err(already(ret.status));
        }
        diesel::update(returns::table.find(ret.id))
            .set(returns::seller_message.eq(decision.message()))
            .execute(c)?;
        let (subject, news) = match decision {
            Decision::Accept(message) => (
                "return accepted",
                format!(
                    "The seller has accepted your return of {} unit(s). Please send them back; you are refunded once they arrive.{}",
                    ret.quantity,
                    said(message)
                ),
            ),
            Decision::Refuse(message) => {
                diesel::update(order_items::table.find(ret.order_item_id))
                    .set(
                        order_items::returned_quantity
                            .eq(order_items::returned_quantity - ret.quantity),
                    )
                    .execute(c)?;
                (
                    "return refused",
                    format!(
                        "The seller has refused your return of {} unit(s).{}",
                        ret.quantity,
                        said(message)
                    ),
                )
            }
        };
        tell_shopper(c, ret.id, subject, &news)?;
        audit::record(
            c,
            seller,
            match decision {
                Decision::Accept(_) => "return.accept",
                Decision::Refuse(_) => "return.refuse",
            },
            Entity {
                kind: "return",
                id: ret.id,
            },
            &format!(
                "{} × line {}: {}",
                ret.quantity,
                ret.order_item_id,
                decision.message()
            ),
        )?;
        Ok(())
    })
}

fn said(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!("\n\nThe seller says: {message}")
    }
}

/// What marking a return received did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The shopper's share of the line for these units.
    pub amount: Money,
    /// Whether the gateway gave the money back; when it did not, the refund is recorded as
    /// failed (or was refused before reaching it) and an administrator can issue it again.
    pub refunded: bool,
}

/// Marks an accepted return received: in one transaction the return moves to `received`, and
/// when `restock` its units go back on the shelf with a `return` ledger row. After that commits,
/// the shopper is refunded units `r+1 ..= r+q` of the line's total (`Money::units_share`, r the
/// units received in earlier returns of the line), so a line returned in any number of steps
/// gives back exactly its total; then the shopper is e-mailed.
pub fn receive(
    conn: &mut DbConn,
    gateway: &Gateway,
    seller: &Actor,
    return_id: i64,
    restock: bool,
) -> Result<Received> {
    let (ret, amount) = write_tx(conn, |c| {
        let ret = own_return(c, seller, return_id)?;
        // Returns of one line are received one after the other, so each counts the ones before.
        db::take_turn(c, &format!("returns of line {}", ret.order_item_id))?;
        if !move_return(c, ret.id, ReturnStatus::Accepted, ReturnStatus::Received)? {
            return Err(already(ret.status));
        }
        diesel::update(returns::table.find(ret.id))
            .set(returns::restock.eq(restock))
            .execute(c)?;
        let line: OrderItem = order_items::table
            .find(ret.order_item_id)
            .select(OrderItem::as_select())
            .first(c)?;
        let amount = share(c, ret.id)?;
        if restock {
            let why = Why {
                order_id: Some(ret.order_id),
                actor_id: Some(seller.user_id),
                note: "Returned by the shopper",
                ..Why::of(MovementReason::Return)
            };
            let moves = [Move {
                variant_id: line.variant_id,
                delta: ret.quantity,
            }];
            inventory::move_stock(c, &moves, why)?.map_err(|refused| {
                Error::Conflict(format!(
                    "The returned units do not fit in stock ({} on hand); nothing was changed.",
                    refused.on_hand
                ))
            })?;
        }
        audit::record(
            c,
            seller,
            "return.receive",
            Entity {
                kind: "return",
                id: ret.id,
            },
            &format!(
                "{} × line {} received{}; refund {amount}",
                ret.quantity,
                line.id,
                if restock { ", back in stock" } else { "" }
            ),
        )?;
        Ok::<_, Error>((ret, amount))
    })?;
    let refunded = amount.is_positive() && refund(conn, gateway, Some(seller), &ret, amount)?;
    Ok(Received { amount, refunded })
}

/// What a received return gives back: its units of the line, counted after the units of the
/// line's returns received before it (in order of receipt), by the portion rule, so a line's
/// received returns add up to exactly its total; never more than is left of the line or of the
/// payment after other refunds (an admin may have refunded the line already). Receipts of one line take turns, so this is the
/// same figure when the receipt computes it and when the sweeper does after a crash.
pub(super) fn share(conn: &mut DbConn, return_id: i64) -> Result<Money> {
    let (line_id, quantity, received_at): (i64, i32, Option<chrono::NaiveDateTime>) =
        returns::table
            .find(return_id)
            .select((
                returns::order_item_id,
                returns::quantity,
                returns::received_at,
            ))
            .first(conn)?;
    let received_at = received_at
        .ok_or_else(|| Error::Internal(format!("return {return_id} is not received yet")))?;
    let (order_id, line_total, units, line_refunded): (i64, Money, i32, Money) = order_items::table
        .find(line_id)
        .select((
            order_items::order_id,
            order_items::line_total,
            order_items::quantity,
            order_items::refunded_amount,
        ))
        .first(conn)?;
    let before: Vec<i32> = returns::table
        .filter(returns::order_item_id.eq(line_id))
        .filter(returns::status.eq(ReturnStatus::Received))
        .filter(
            returns::received_at.lt(received_at).or(returns::received_at
                .eq(received_at)
                .and(returns::id.lt(return_id))),
        )
        .select(returns::quantity)
        .load(conn)?;
    let before: i64 = before.into_iter().map(i64::from).sum();
    let units_worth = line_total.units_share(before, i64::from(quantity), i64::from(units));
    // What an admin already refunded of the line or the payment is not given back twice.
    let payment_left: Money = payments::table
        .filter(payments::order_id.eq(order_id))
        .filter(payments::status.eq_any([PaymentStatus::Captured, PaymentStatus::Voided]))
        .select(payments::amount - payments::refunded_amount)
        .first(conn)
        .optional()?
        .unwrap_or(Money::ZERO);
    Ok(units_worth
        .min(line_total - line_refunded)
        .min(payment_left))
}

/// Gives the shopper `amount` for the received return and, when the gateway did, queues the
/// e-mail saying so. A refund the shop cannot make (the payment is already given back) is
/// logged and reported as not refunded: the return itself stays received.
pub(super) fn refund(
    conn: &mut DbConn,
    gateway: &Gateway,
    by: Option<&Actor>,
    ret: &Return,
    amount: Money,
) -> Result<bool> {
    let given = give_back(
        conn,
        gateway,
        &GiveBack {
            order_id: ret.order_id,
            amount,
            reason: "Return received",
            order_item_id: Some(ret.order_item_id),
            return_id: Some(ret.id),
            by,
        },
    );
    let succeeded = match given {
        Ok(outcome) => outcome.succeeded(),
        Err(Error::Conflict(message)) => {
            tracing::warn!(return_id = ret.id, %message, "return received but not refunded");
            false
        }
        Err(other) => return Err(other),
    };
    if succeeded {
        write_tx(conn, |c| {
            tell_shopper(
                c,
                ret.id,
                "refund issued",
                &format!(
                    "The seller has received the {} unit(s) you sent back, and {amount} is on its way back to the card you paid with.",
                    ret.quantity
                ),
            )
        })?;
    }
    Ok(succeeded)
}
