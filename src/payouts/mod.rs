//! Seller payouts: for a closed month, each seller's statement of the order lines due to them
//! (delivered, past the return window, less refunds and the shop's commission on the amount
//! before tax), one per seller and period; an admin marks a statement paid with a reference.
//!
//! A line is paid out at most once (`payout_lines` is unique per order line), and a statement's
//! totals are the sums of its lines, so statements add up to the cent; `shopwave check`
//! verifies both (`checks::payouts`).

mod csv;
mod generate;
mod period;
mod statements;

pub use generate::{Made, Summary, generate};
pub use period::{Period, PeriodError};
pub use statements::{
    Ordered, Reference, Statement, StatementLine, StatementRow, all, for_seller, mark_paid,
    seller_statement,
};
