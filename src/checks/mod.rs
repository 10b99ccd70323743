//! The shop's money and stock invariants, verified against the tables as they are. Each check is
//! one grouped query that returns only the rows breaking its rule, so a healthy shop of any size
//! costs one scan per check; the `shopwave check` command prints what they find.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::DbConn;
use crate::error::Result;
use crate::money::Money;
use crate::payments::RefundStatus;

mod findings;
mod ledgers;
mod payouts;

pub use findings::{Finding, OrderProblem, ProductProblem};
pub use payouts::{PayoutLineProblem, PayoutProblem};

/// A check's name and what it found; no findings means the rule holds.
#[derive(Debug)]
pub struct Check {
    pub name: &'static str,
    pub findings: Vec<Finding>,
}

type CheckFn = fn(&mut DbConn) -> Result<Vec<Finding>>;

/// How many checks `run_all` runs.
pub const COUNT: usize = 10;

/// Every check, in a fixed order.
pub fn run_all(conn: &mut DbConn) -> Result<Vec<Check>> {
    let checks: [(&'static str, CheckFn); COUNT] = [
        ("stock equals the inventory ledger", stock),
        ("held stock equals the open checkouts' holds", held),
        ("order totals add up", order_totals),
        ("refunds never exceed the payment", refunds),
        (
            "each payment's and line's refund reservation equals its refunds",
            ledgers::refund_reservations,
        ),
        ("the audit log's chain is unbroken", ledgers::audit_chain),
        ("voucher uses equal redemptions", voucher_uses),
        ("product stock flags and price ranges", product_summaries),
        (
            "payouts are delivered lines past their return window, less refunds and commission",
            payouts::statements,
        ),
        (
            "sales totals match their recomputation from the orders",
            sales_totals,
        ),
    ];
    checks
        .into_iter()
        .map(|(name, check)| {
            Ok(Check {
                name,
                findings: check(conn)?,
            })
        })
        .collect()
}

/// The running sales totals equal a full recomputation from the paid orders' lines, on the
/// days whose orders are not archived.
pub fn sales_totals(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let since = crate::orders::months::archived_before(conn)?;
    Ok(crate::sales_totals::drift(conn, since)?
        .into_iter()
        .map(Finding::SalesTotals)
        .collect())
}

/// Stock on hand equals the inventory ledger's sum, per variant.
pub fn stock(conn: &mut DbConn) -> Result<Vec<Finding>> {
    Ok(crate::inventory::drift(conn)?
        .into_iter()
        .map(|(sku, stock, ledger)| Finding::StockDrift { sku, stock, ledger })
        .collect())
}

/// Each variant's `held` equals the sum of its holds (`inventory::holds`).
pub fn held(conn: &mut DbConn) -> Result<Vec<Finding>> {
    Ok(crate::inventory::holds::drift(conn)?
        .into_iter()
        .map(|(sku, held, holds)| Finding::HeldDrift { sku, held, holds })
        .collect())
}

#[derive(QueryableByName)]
struct OrderRow {
    #[diesel(sql_type = Text)]
    number: String,
    #[diesel(sql_type = BigInt)]
    subtotal: i64,
    #[diesel(sql_type = BigInt)]
    discount_total: i64,
    #[diesel(sql_type = BigInt)]
    tax_total: i64,
    #[diesel(sql_type = BigInt)]
    lines_subtotal: i64,
    #[diesel(sql_type = BigInt)]
    lines_discount: i64,
    #[diesel(sql_type = BigInt)]
    lines_tax: i64,
}

/// Each order total is the sum of its lines' (`pricing::quote`). The rules within one row (grand
/// total = subtotal − discount + shipping + tax; a line's subtotal is price × quantity and its
/// total subtotal − discount + tax) are CHECK constraints in migrations/, so only the sums across
/// rows are left to verify. Sums are cast because PostgreSQL sums a BIGINT into a NUMERIC.
pub fn order_totals(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let rows: Vec<OrderRow> = diesel::sql_query(
        "SELECT o.number, o.subtotal, o.discount_total, o.tax_total, \
           CAST(COALESCE(SUM(i.line_subtotal), 0) AS BIGINT) AS lines_subtotal, \
           CAST(COALESCE(SUM(i.discount), 0) AS BIGINT) AS lines_discount, \
           CAST(COALESCE(SUM(i.tax), 0) AS BIGINT) AS lines_tax \
         FROM orders o LEFT JOIN order_items i ON i.order_id = o.id \
         GROUP BY o.id, o.number, o.subtotal, o.discount_total, o.tax_total \
         HAVING COALESCE(SUM(i.line_subtotal), 0) <> o.subtotal \
           OR COALESCE(SUM(i.discount), 0) <> o.discount_total \
           OR COALESCE(SUM(i.tax), 0) <> o.tax_total \
         ORDER BY o.id",
    )
    .load(conn)?;
    let mut findings = Vec::new();
    for row in rows {
        let m = Money::from_minor;
        let problems = [
            (row.subtotal != row.lines_subtotal).then_some(OrderProblem::Subtotal {
                recorded: m(row.subtotal),
                lines: m(row.lines_subtotal),
            }),
            (row.discount_total != row.lines_discount).then_some(OrderProblem::Discount {
                recorded: m(row.discount_total),
                lines: m(row.lines_discount),
            }),
            (row.tax_total != row.lines_tax).then_some(OrderProblem::Tax {
                recorded: m(row.tax_total),
                lines: m(row.lines_tax),
            }),
        ];
        findings.extend(
            problems
                .into_iter()
                .flatten()
                .map(|problem| Finding::OrderTotals {
                    number: row.number.clone(),
                    problem,
                }),
        );
    }
    Ok(findings)
}

#[derive(QueryableByName)]
struct RefundRow {
    #[diesel(sql_type = Text)]
    number: String,
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    amount: i64,
    #[diesel(sql_type = BigInt)]
    refunded: i64,
}

/// Per payment, succeeded and pending refunds together stay within the amount captured: a
/// pending refund is money already promised back.
pub fn refunds(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let counted = format!(
        "'{}', '{}'",
        RefundStatus::Succeeded.as_str(),
        RefundStatus::Pending.as_str()
    );
    let rows: Vec<RefundRow> = diesel::sql_query(format!(
        "SELECT o.number, p.id, p.amount, CAST(SUM(r.amount) AS BIGINT) AS refunded \
         FROM payments p JOIN refunds r ON r.payment_id = p.id JOIN orders o ON o.id = p.order_id \
         WHERE r.status IN ({counted}) \
         GROUP BY p.id, o.number, p.amount HAVING SUM(r.amount) > p.amount ORDER BY p.id"
    ))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| Finding::OverRefunded {
            order_number: row.number,
            payment_id: row.id,
            captured: Money::from_minor(row.amount),
            refunded: Money::from_minor(row.refunded),
        })
        .collect())
}

#[derive(QueryableByName)]
struct VoucherRow {
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = BigInt)]
    uses_count: i64,
    #[diesel(sql_type = BigInt)]
    redemptions: i64,
}

/// A use is counted when an order redeems the code and given back, with the redemption marked
/// reversed, when that order is cancelled (`promotions::reverse_use`); so `uses_count` equals the
/// redemptions not reversed.
pub fn voucher_uses(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let rows: Vec<VoucherRow> = diesel::sql_query(
        "SELECT p.code, CAST(p.uses_count AS BIGINT) AS uses_count, COUNT(r.id) AS redemptions \
         FROM promotions p LEFT JOIN promotion_redemptions r \
           ON r.promotion_id = p.id AND r.reversed_at IS NULL \
         GROUP BY p.id, p.code, p.uses_count HAVING COUNT(r.id) <> p.uses_count ORDER BY p.id",
    )
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| Finding::VoucherUses {
            code: row.code,
            uses_count: row.uses_count,
            redemptions: row.redemptions,
        })
        .collect())
}

#[derive(QueryableByName)]
struct ProductRow {
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = BigInt)]
    in_stock: i64,
    #[diesel(sql_type = BigInt)]
    price_min: i64,
    #[diesel(sql_type = BigInt)]
    price_max: i64,
    #[diesel(sql_type = BigInt)]
    stocked: i64,
    #[diesel(sql_type = BigInt)]
    low: i64,
    #[diesel(sql_type = BigInt)]
    high: i64,
}

/// `in_stock` is whether any active variant has a unit nobody holds
/// (`inventory::refresh_in_stock`); the price range is the cheapest and dearest active variant,
/// zero when there is none (`sellers::products::refresh_summary`).
pub fn product_summaries(conn: &mut DbConn) -> Result<Vec<Finding>> {
    let rows: Vec<ProductRow> = diesel::sql_query(
        "SELECT p.slug, CAST(CASE WHEN p.in_stock THEN 1 ELSE 0 END AS BIGINT) AS in_stock, \
           p.price_min, p.price_max, \
           CAST(COALESCE(MAX(CASE WHEN v.stock - v.held > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS stocked, \
           CAST(COALESCE(MIN(v.price), 0) AS BIGINT) AS low, \
           CAST(COALESCE(MAX(v.price), 0) AS BIGINT) AS high \
         FROM products p LEFT JOIN product_variants v ON v.product_id = p.id AND v.is_active \
         GROUP BY p.id, p.slug, p.in_stock, p.price_min, p.price_max \
         HAVING CASE WHEN p.in_stock THEN 1 ELSE 0 END \
             <> COALESCE(MAX(CASE WHEN v.stock - v.held > 0 THEN 1 ELSE 0 END), 0) \
           OR p.price_min <> COALESCE(MIN(v.price), 0) OR p.price_max <> COALESCE(MAX(v.price), 0) \
         ORDER BY p.id",
    )
    .load(conn)?;
    let mut findings = Vec::new();
    for row in rows {
        if row.in_stock != row.stocked {
            findings.push(Finding::ProductSummary {
                slug: row.slug.clone(),
                problem: ProductProblem::InStock {
                    recorded: row.in_stock != 0,
                    expected: row.stocked != 0,
                },
            });
        }
        if (row.price_min, row.price_max) != (row.low, row.high) {
            let m = Money::from_minor;
            findings.push(Finding::ProductSummary {
                slug: row.slug,
                problem: ProductProblem::PriceRange {
                    recorded: (m(row.price_min), m(row.price_max)),
                    expected: (m(row.low), m(row.high)),
                },
            });
        }
    }
    Ok(findings)
}
