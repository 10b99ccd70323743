//! Making a period's statements: one per seller with lines to pay, written in one transaction.

use std::collections::{BTreeMap, HashMap};

use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::Period;
use crate::audit::{self, Actor, Entity};
use crate::db::schema::{
    order_items, orders, payout_lines, refunds, returns, seller_payouts, sellers, shipments,
};
use crate::db::types::{PayoutStatus, RefundStatus, ReturnStatus, ShipmentStatus};
use crate::db::{self, DbConn, sum_bigint, write_tx};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::orders::{OrderStatus, RETURN_WINDOW_DAYS};

/// At most this many ids in one `IN (...)` list, well inside SQLite's bind limit.
const ID_CHUNK: usize = 500;

/// What one line earns its seller, by the money module's portion and rounding rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAmounts {
    /// The line before tax, after its allocated discount.
    pub sales: Money,
    /// The before-tax part of what was refunded on it.
    pub refunded: Money,
    pub commission: Money,
}

impl LineAmounts {
    /// `refunded_total` is the line's succeeded refunds, tax included; its before-tax part is
    /// `sales.portion(refunded_total, line_total)`, and commission is the seller's rate on what
    /// is left, rounded half away from zero.
    pub fn of(
        line_subtotal: Money,
        discount: Money,
        line_total: Money,
        refunded_total: Money,
        commission_bps: i32,
    ) -> LineAmounts {
        let sales = line_subtotal - discount;
        let refunded = sales.portion(refunded_total.minor(), line_total.minor());
        LineAmounts {
            sales,
            refunded,
            commission: (sales - refunded).apply_bps(commission_bps),
        }
    }

    /// What the line adds to the statement's gross.
    pub fn earned(self) -> Money {
        self.sales - self.refunded
    }
}

/// One statement made by a run.
#[derive(Debug, Clone)]
pub struct Made {
    pub payout_id: i64,
    pub seller_name: String,
    pub lines: usize,
    pub gross: Money,
    pub commission: Money,
    pub net: Money,
}

/// What a run did: the statements it made, by seller name.
#[derive(Debug, Clone)]
pub struct Summary {
    pub period: Period,
    pub statements: Vec<Made>,
}

/// An order line that may be paid out, with what it needs for its amounts.
struct Eligible {
    id: i64,
    seller_id: i64,
    line_subtotal: Money,
    discount: Money,
    line_total: Money,
}

/// Makes `period`'s statements: for each seller without one yet, one statement of their lines
/// that are due (see `eligible`). Lines that come due later go on a later period's statement, so
/// running a period twice changes nothing. One transaction, taken under the payouts' turn so two
/// runs at once make each statement once. `by` is the person who ran it, for the audit log.
pub fn generate(conn: &mut DbConn, period: Period, by: Option<&Actor>) -> Result<Summary> {
    if period.end() > crate::util::now() {
        return Err(Error::Invalid(format!(
            "{period} has not ended yet: statements are made for months that are over."
        )));
    }
    write_tx(conn, |c| {
        db::take_turn(c, "seller_payouts")?;
        let lines = eligible(c, period)?;
        let refunded = refunded_by_line(c, &lines)?;
        let mut by_seller: BTreeMap<i64, Vec<(i64, LineAmounts)>> = BTreeMap::new();
        let rates = commission_rates(c, &lines)?;
        for line in &lines {
            let (_, rate) = rates.get(&line.seller_id).ok_or(Error::NotFound)?;
            let amounts = LineAmounts::of(
                line.line_subtotal,
                line.discount,
                line.line_total,
                refunded.get(&line.id).copied().unwrap_or(Money::ZERO),
                *rate,
            );
            by_seller
                .entry(line.seller_id)
                .or_default()
                .push((line.id, amounts));
        }
        let mut statements = Vec::new();
        for (seller_id, lines) in by_seller {
            let name = rates.get(&seller_id).map(|(n, _)| n.clone());
            statements.push(write_statement(c, period, seller_id, &lines, name)?);
        }
        if let Some(actor) = by {
            for made in &statements {
                let details = format!(
                    "statement for {period}, {}: {} line(s), gross {}, commission {}, net {}",
                    made.seller_name, made.lines, made.gross, made.commission, made.net
                );
                let entity = Entity {
                    kind: "payout",
                    id: made.payout_id,
                };
                audit::record(c, actor, "payout.created", entity, &details)?;
            }
        }
        Ok(Summary { period, statements })
    })
}

/// The order lines due at the end of `period`: not cancelled, their seller's parcel delivered
/// more than the return window before the period ends, no return waiting on them, not on any
/// statement yet, their order not refunded in full, and their seller without a statement for
/// this period.
fn eligible(conn: &mut DbConn, period: Period) -> Result<Vec<Eligible>> {
    let delivered_before = period.end() - chrono::Duration::days(RETURN_WINDOW_DAYS);
    let open_returns = [ReturnStatus::Requested, ReturnStatus::Accepted];
    let rows: Vec<(i64, i64, Money, Money, Money)> = order_items::table
        .inner_join(orders::table)
        .inner_join(
            shipments::table.on(shipments::order_id
                .eq(order_items::order_id)
                .and(shipments::seller_id.eq(order_items::seller_id))),
        )
        .filter(order_items::cancelled_at.is_null())
        .filter(orders::status.ne(OrderStatus::Refunded))
        .filter(shipments::status.eq(ShipmentStatus::Delivered))
        .filter(shipments::delivered_at.lt(delivered_before))
        .filter(not(exists(payout_lines::table.filter(
            payout_lines::order_item_id.eq(order_items::id.nullable()),
        ))))
        .filter(not(exists(
            returns::table
                .filter(returns::order_item_id.eq(order_items::id))
                .filter(returns::status.eq_any(open_returns)),
        )))
        .filter(not(exists(
            seller_payouts::table
                .filter(seller_payouts::seller_id.eq(order_items::seller_id))
                .filter(seller_payouts::period_start.eq(period.start())),
        )))
        .order((order_items::seller_id, order_items::id))
        .select((
            order_items::id,
            order_items::seller_id,
            order_items::line_subtotal,
            order_items::discount,
            order_items::line_total,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, seller_id, line_subtotal, discount, line_total)| Eligible {
                id,
                seller_id,
                line_subtotal,
                discount,
                line_total,
            },
        )
        .collect())
}

/// Each line's succeeded refunds, tax included.
fn refunded_by_line(conn: &mut DbConn, lines: &[Eligible]) -> Result<HashMap<i64, Money>> {
    let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
    let mut refunded = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let sums: Vec<(Option<i64>, Option<i64>)> = refunds::table
            .filter(refunds::order_item_id.eq_any(chunk))
            .filter(refunds::status.eq(RefundStatus::Succeeded))
            .group_by(refunds::order_item_id)
            .select((refunds::order_item_id, sum_bigint(refunds::amount)))
            .load(conn)?;
        refunded.extend(
            sums.into_iter()
                .filter_map(|(id, sum)| Some((id?, Money::from_minor(sum.unwrap_or(0))))),
        );
    }
    Ok(refunded)
}

/// Name and commission rate of each seller with lines, read once per run.
fn commission_rates(conn: &mut DbConn, lines: &[Eligible]) -> Result<HashMap<i64, (String, i32)>> {
    let mut ids: Vec<i64> = lines.iter().map(|l| l.seller_id).collect();
    ids.dedup();
    let mut rates = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let rows: Vec<(i64, String, i32)> = sellers::table
            .filter(sellers::id.eq_any(chunk))
            .select((sellers::id, sellers::display_name, sellers::commission_bps))
            .load(conn)?;
        rates.extend(rows.into_iter().map(|(id, name, bps)| (id, (name, bps))));
    }
    Ok(rates)
}

/// The statement row and its lines. Its totals are the sums of its lines, so it adds up to the
/// cent by construction.
fn write_statement(
    conn: &mut DbConn,
    period: Period,
    seller_id: i64,
    lines: &[(i64, LineAmounts)],
    seller_name: Option<String>,
) -> Result<Made> {
    let gross: Money = lines.iter().map(|(_, a)| a.earned()).sum();
    let commission: Money = lines.iter().map(|(_, a)| a.commission).sum();
    let net = gross - commission;
    let payout_id: i64 = diesel::insert_into(seller_payouts::table)
        .values((
            seller_payouts::seller_id.eq(seller_id),
            seller_payouts::period_start.eq(period.start()),
            seller_payouts::period_end.eq(period.end()),
            seller_payouts::gross.eq(gross),
            seller_payouts::commission.eq(commission),
            seller_payouts::net.eq(net),
            seller_payouts::status.eq(PayoutStatus::Pending),
        ))
        .returning(seller_payouts::id)
        .get_result(conn)?;
    // One insert per line: the backend-neutral connection has no multi-row insert.
    for (order_item_id, amounts) in lines {
        diesel::insert_into(payout_lines::table)
            .values((
                payout_lines::payout_id.eq(payout_id),
                payout_lines::order_item_id.eq(order_item_id),
                payout_lines::sales.eq(amounts.sales),
                payout_lines::refunded.eq(amounts.refunded),
                payout_lines::commission.eq(amounts.commission),
            ))
            .execute(conn)?;
    }
    Ok(Made {
        payout_id,
        seller_name: seller_name.unwrap_or_default(),
        lines: lines.len(),
        gross,
        commission,
        net,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commission_is_on_the_amount_before_tax_less_the_refunded_part() {
        let m = Money::from_minor;
        // $33.33 with 8.25 % tax ($2.75): 15 % of 3333 is 499.95 → 500, never 15 % of 3608.
        let whole = LineAmounts::of(m(3333), m(0), m(3608), m(0), 1500);
        assert_eq!(
            (whole.sales, whole.refunded, whole.commission),
            (m(3333), m(0), m(500))
        );
        // Half the paid share back (1804 of 3608): the before-tax part is 3333 × 1804 / 3608.
        let half = LineAmounts::of(m(3333), m(0), m(3608), m(1804), 1500);
        assert_eq!(half.refunded, m(1666));
        assert_eq!(half.earned(), m(1667));
        assert_eq!(half.commission, m(250));
        // A discount comes off before anything else; a full refund leaves nothing.
        let all = LineAmounts::of(m(2000), m(500), m(1624), m(1624), 1500);
        assert_eq!(
            (all.sales, all.refunded, all.commission),
            (m(1500), m(1500), m(0))
        );
    }
}
