//! What a check finds: one broken rule, naming the row it was found on, and how it reads.

use std::fmt;

use super::{PayoutLineProblem, PayoutProblem};
use crate::money::Money;

/// One broken rule, naming the row it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A variant's stock differs from the sum of its inventory ledger.
    StockDrift {
        sku: String,
        stock: i32,
        ledger: i64,
    },
    /// A variant's units set aside by checkouts differ from the sum of its holds.
    HeldDrift { sku: String, held: i32, holds: i64 },
    /// An order's totals disagree with each other or with its lines.
    OrderTotals {
        number: String,
        problem: OrderProblem,
    },
    /// More has been (or is being) refunded on a payment than it captured.
    OverRefunded {
        order_number: String,
        payment_id: i64,
        captured: Money,
        refunded: Money,
    },
    /// A payment's `refunded_amount` (what refunds have reserved) differs from its refunds that
    /// went through or are waiting.
    RefundReservation {
        payment_id: i64,
        recorded: Money,
        refunds: Money,
    },
    /// An order line's `refunded_amount` differs from its refunds that went through or are
    /// waiting.
    LineRefundReservation {
        order_item_id: i64,
        recorded: Money,
        refunds: Money,
    },
    /// The audit log's hash chain is broken at a row (edited, removed or inserted).
    AuditChain(String),
    /// A promotion's `uses_count` differs from its redemptions not given back.
    VoucherUses {
        code: String,
        uses_count: i64,
        redemptions: i64,
    },
    /// A product's denormalised stock flag or price range disagrees with its active variants.
    ProductSummary {
        slug: String,
        problem: ProductProblem,
    },
    /// A payout statement's totals disagree with its lines.
    PayoutTotals {
        payout_id: i64,
        problem: PayoutProblem,
    },
    /// A line on a payout statement that was not due to its seller when the period ended.
    PayoutLine {
        payout_id: i64,
        order_item_id: i64,
        problem: PayoutLineProblem,
    },
    /// A row of the sales totals that differs from their recomputation from the orders.
    SalesTotals(crate::sales_totals::Drift),
}

/// Which of an order's sums is wrong: the recorded value, then what it should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderProblem {
    Subtotal { recorded: Money, lines: Money },
    Discount { recorded: Money, lines: Money },
    Tax { recorded: Money, lines: Money },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductProblem {
    InStock {
        recorded: bool,
        expected: bool,
    },
    PriceRange {
        recorded: (Money, Money),
        expected: (Money, Money),
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::StockDrift { sku, stock, ledger } => {
                write!(f, "variant {sku}: stock {stock}, ledger sum {ledger}")
            }
            Finding::HeldDrift { sku, held, holds } => {
                write!(f, "variant {sku}: {held} held, holds sum {holds}")
            }
            Finding::OrderTotals { number, problem } => write!(f, "order {number}: {problem}"),
            Finding::OverRefunded {
                order_number,
                payment_id,
                captured,
                refunded,
            } => write!(
                f,
                "order {order_number}, payment {payment_id}: {refunded} refunded of {captured} captured"
            ),
            Finding::RefundReservation {
                payment_id,
                recorded,
                refunds,
            } => write!(
                f,
                "payment {payment_id}: {recorded} reserved for refunds, but its refunds come to {refunds}"
            ),
            Finding::LineRefundReservation {
                order_item_id,
                recorded,
                refunds,
            } => write!(
                f,
                "order line {order_item_id}: {recorded} reserved for refunds, but its refunds come to {refunds}"
            ),
            Finding::AuditChain(problem) => f.write_str(problem),
            Finding::VoucherUses {
                code,
                uses_count,
                redemptions,
            } => write!(
                f,
                "voucher {code}: uses_count {uses_count}, {redemptions} redemption(s)"
            ),
            Finding::ProductSummary { slug, problem } => write!(f, "product {slug}: {problem}"),
            Finding::PayoutTotals { payout_id, problem } => {
                write!(f, "payout {payout_id}: {problem}")
            }
            Finding::PayoutLine {
                payout_id,
                order_item_id,
                problem,
            } => write!(
                f,
                "payout {payout_id}, order line {order_item_id}: {problem}"
            ),
            Finding::SalesTotals(d) => write!(
                f,
                "{} key {} on {}: {} row has orders {}, units {}, gross {}, revenue {}",
                d.table, d.key, d.day, d.side, d.orders, d.units, d.gross, d.revenue
            ),
        }
    }
}

impl fmt::Display for OrderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrderProblem::Subtotal { recorded, lines } => {
                write!(f, "subtotal {recorded}, lines sum to {lines}")
            }
            OrderProblem::Discount { recorded, lines } => {
                write!(f, "discount {recorded}, lines sum to {lines}")
            }
            OrderProblem::Tax { recorded, lines } => {
                write!(f, "tax {recorded}, lines sum to {lines}")
            }
        }
    }
}

impl fmt::Display for ProductProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProductProblem::InStock { recorded, expected } => {
                write!(f, "in_stock {recorded}, active variants say {expected}")
            }
            ProductProblem::PriceRange { recorded, expected } => write!(
                f,
                "price range {}–{}, active variants say {}–{}",
                recorded.0, recorded.1, expected.0, expected.1
            ),
        }
    }
}
