//! Returns a crash left received but not refunded: the receipt commits first and the refund is
//! asked for after it, so a node that stops in between leaves a received return with no refund
//! row. The sweeper finds those and gives the money back with the same figure the receipt
//! would have (`seller::share`).

use diesel::prelude::*;

use super::ReturnStatus;
use super::seller::{refund, share};
use crate::db::DbConn;
use crate::db::models::Return;
use crate::db::schema::{order_items, refunds, returns};
use crate::error::Result;
use crate::payments::Gateway;

/// Refunds every return received before `older_than` (the sweeper passes a minute ago, so a
/// receipt whose own request is still refunding is left to it) that has no refund row at all,
/// and returns how many it refunded. A refund that was asked for and failed has its row and is
/// left to an administrator's retry; a return whose line was refunded in full otherwise has
/// nothing left to give back and is passed over.
pub fn resume_unrefunded(
    conn: &mut DbConn,
    gateway: &Gateway,
    older_than: chrono::NaiveDateTime,
) -> Result<usize> {
    let waiting: Vec<Return> = returns::table
        .inner_join(order_items::table)
        .filter(returns::status.eq(ReturnStatus::Received))
        .filter(returns::received_at.lt(older_than))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            refunds::table.filter(refunds::return_id.eq(returns::id.nullable())),
        )))
        // A line already refunded in full leaves the return nothing to give back.
        .filter(order_items::refunded_amount.lt(order_items::line_total))
        .order(returns::id.asc())
        .limit(100)
        .select(Return::as_select())
        .load(conn)?;
    let mut refunded = 0;
    for ret in waiting {
        let amount = share(conn, ret.id)?;
        if amount.is_positive() && refund(conn, gateway, None, &ret, amount)? {
            refunded += 1;
        }
    }
    Ok(refunded)
}
