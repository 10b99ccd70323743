//! Checks of the records kept beside the money: each payment's refund reservation and the audit
//! log's hash chain.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::Finding;
use crate::db::DbConn;
use crate::error::Result;
use crate::money::Money;
use crate::payments::RefundStatus;

#[derive(QueryableByName)]
struct ReservationRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    recorded: i64,
    #[diesel(sql_type = BigInt)]
    refunds: i64,
}

fn counted() -> String {
    format!(
        "'{}', '{}'",
        RefundStatus::Succeeded.as_str(),
        RefundStatus::Pending.as_str()
    )
}

/// `payments.refunded_amount` and `order_items.refunded_amount` are raised when a refund is
/// reserved and lowered when the gateway refuses it (`payments::record_refund`,
/// `payments::settle_refund`), so each always equals its refunds that succeeded or are pending.
pub fn refund_reservations(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let mut found = payment_reservations(conn)?;
    found.extend(line_reservations(conn)?);
    Ok(found)
}

fn payment_reservations(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let counted = counted();
    let rows: Vec<ReservationRow> = diesel::sql_query(format!(
        "SELECT p.id, p.refunded_amount AS recorded, \
                CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) AS refunds \
         FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id AND r.status IN ({counted}) \
         GROUP BY p.id, p.refunded_amount \
         HAVING COALESCE(SUM(r.amount), 0) <> p.refunded_amount ORDER BY p.id"
    ))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| Finding::RefundReservation {
            payment_id: row.id,
            recorded: Money::from_minor(row.recorded),
            refunds: Money::from_minor(row.refunds),
        })
        .collect())
}

fn line_reservations(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let counted = counted();
    let rows: Vec<ReservationRow> = diesel::sql_query(format!(
        "SELECT i.id, i.refunded_amount AS recorded, \
                CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) AS refunds \
         FROM order_items i JOIN refunds r ON r.order_item_id = i.id AND r.status IN ({counted}) \
         GROUP BY i.id, i.refunded_amount \
         HAVING COALESCE(SUM(r.amount), 0) <> i.refunded_amount \
         UNION ALL \
         SELECT i.id, i.refunded_amount, 0 FROM order_items i \
         WHERE i.refunded_amount <> 0 AND NOT EXISTS ( \
             SELECT 1 FROM refunds r WHERE r.order_item_id = i.id AND r.status IN ({counted})) \
         ORDER BY 1"
    ))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| Finding::LineRefundReservation {
            order_item_id: row.id,
            recorded: Money::from_minor(row.recorded),
            refunds: Money::from_minor(row.refunds),
        })
        .collect())
}

/// Every audit row links to the one before it and its hash matches its content
/// (`audit::verify_chain`).
pub fn audit_chain(conn: &mut DbConn) -> Result<Vec<Finding>> {
    Ok(crate::audit::verify_chain(conn)?
        .into_iter()
        .map(Finding::AuditChain)
        .collect())
}
