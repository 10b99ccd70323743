//! Checks of seller payouts: each statement's totals are the sums of its lines, and each line was
//! due when its period ended (`payouts::generate`).

use std::fmt;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::Finding;
use crate::db::DbConn;
use crate::db::schema::{order_items, payout_lines, seller_payouts, shipments};
use crate::db::types::ShipmentStatus;
use crate::error::Result;
use crate::money::Money;
use crate::orders::RETURN_WINDOW_DAYS;

/// Which of a statement's sums disagrees with its lines: the recorded value, then the lines'.
/// (`net = gross − commission` is a CHECK on the row itself.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutProblem {
    Gross { recorded: Money, lines: Money },
    Commission { recorded: Money, lines: Money },
}

/// Why a line should not be on its statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutLineProblem {
    /// Its seller's parcel had not been delivered.
    NotDelivered,
    /// It was delivered less than the return window before the period ended.
    InsideReturnWindow,
    /// The order line belongs to another seller than the statement's.
    OtherSeller,
}

#[derive(QueryableByName)]
struct TotalsRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    gross: i64,
    #[diesel(sql_type = BigInt)]
    commission: i64,
    #[diesel(sql_type = BigInt)]
    lines_gross: i64,
    #[diesel(sql_type = BigInt)]
    lines_commission: i64,
}

/// Both payout rules: totals, then lines.
pub fn statements(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let mut findings = totals(conn)?;
    findings.extend(lines_due(conn)?);
    Ok(findings)
}

/// A statement's gross is Σ(sales − refunded) of its lines and its commission Σ commission.
fn totals(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let rows: Vec<TotalsRow> = diesel::sql_query(
        "SELECT p.id, p.gross, p.commission, \
           CAST(COALESCE(SUM(l.sales - l.refunded), 0) AS BIGINT) AS lines_gross, \
           CAST(COALESCE(SUM(l.commission), 0) AS BIGINT) AS lines_commission \
         FROM seller_payouts p LEFT JOIN payout_lines l ON l.payout_id = p.id \
         GROUP BY p.id, p.gross, p.commission \
         HAVING COALESCE(SUM(l.sales - l.refunded), 0) <> p.gross \
           OR COALESCE(SUM(l.commission), 0) <> p.commission \
         ORDER BY p.id",
    )
    .load(conn)?;
    let mut findings = Vec::new();
    let m = Money::from_minor;
    for row in rows {
        if row.gross != row.lines_gross {
            findings.push(Finding::PayoutTotals {
                payout_id: row.id,
                problem: PayoutProblem::Gross {
                    recorded: m(row.gross),
                    lines: m(row.lines_gross),
                },
            });
        }
        if row.commission != row.lines_commission {
            findings.push(Finding::PayoutTotals {
                payout_id: row.id,
                problem: PayoutProblem::Commission {
                    recorded: m(row.commission),
                    lines: m(row.lines_commission),
                },
            });
        }
    }
    Ok(findings)
}

/// Every line on a statement is its seller's, and was delivered more than the return window
/// before the period ended (lines whose order was archived were checked before it was). Periods are months, so this is one query per period that has
/// statements, each with its own cutoff (no date arithmetic in SQL, which differs by backend).
fn lines_due(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let ends: Vec<chrono::NaiveDateTime> = seller_payouts::table
        .select(seller_payouts::period_end)
        .distinct()
        .order(seller_payouts::period_end)
        .load(conn)?;
    let mut findings = Vec::new();
    for end in ends {
        let cutoff = end - chrono::Duration::days(RETURN_WINDOW_DAYS);
        type Row = (
            i64,
            i64,
            i64,
            i64,
            Option<ShipmentStatus>,
            Option<chrono::NaiveDateTime>,
        );
        let rows: Vec<Row> = payout_lines::table
            .inner_join(seller_payouts::table)
            .inner_join(order_items::table)
            .left_join(
                shipments::table.on(shipments::order_id
                    .eq(order_items::order_id)
                    .and(shipments::seller_id.eq(order_items::seller_id))),
            )
            .filter(seller_payouts::period_end.eq(end))
            .filter(
                order_items::seller_id
                    .ne(seller_payouts::seller_id)
                    .or(shipments::status.is_null())
                    .or(shipments::status.ne(ShipmentStatus::Delivered))
                    .or(shipments::delivered_at.is_null())
                    .or(shipments::delivered_at.ge(cutoff)),
            )
            .order(payout_lines::id)
            .select((
                payout_lines::payout_id,
                order_items::id,
                order_items::seller_id,
                seller_payouts::seller_id,
                shipments::status.nullable(),
                shipments::delivered_at.nullable(),
            ))
            .load(conn)?;
        findings.extend(rows.into_iter().map(
            |(payout_id, order_item_id, line_seller, seller, status, delivered_at)| {
                let problem = if line_seller != seller {
                    PayoutLineProblem::OtherSeller
                } else if status != Some(ShipmentStatus::Delivered) || delivered_at.is_none() {
                    PayoutLineProblem::NotDelivered
                } else {
                    PayoutLineProblem::InsideReturnWindow
                };
                Finding::PayoutLine {
                    payout_id,
                    order_item_id,
                    problem,
                }
            },
        ));
    }
    Ok(findings)
}

impl fmt::Display for PayoutProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PayoutProblem::Gross { recorded, lines } => {
                write!(f, "gross {recorded}, lines sum to {lines}")
            }
            PayoutProblem::Commission { recorded, lines } => {
                write!(f, "commission {recorded}, lines sum to {lines}")
            }
        }
    }
}

impl fmt::Display for PayoutLineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PayoutLineProblem::NotDelivered => "its parcel was not delivered",
            PayoutLineProblem::InsideReturnWindow => {
                "it was delivered within the return window before the period ended"
            }
            PayoutLineProblem::OtherSeller => "it belongs to another seller",
        })
    }
}
