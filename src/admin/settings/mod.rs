//! Shop settings an administrator edits: shipping methods and tax rates. Each edit page shows
//! what the setting does to a cart, priced by `pricing::quote`, the function checkout uses, so
//! the example cannot drift from what shoppers pay.

pub mod shipping;
pub mod taxes;

use crate::money::Money;
use crate::pricing::{self, Discount, LineInput, Shipping};

/// The totals checkout would charge for a one-line cart of `subtotal`.
fn example_totals(subtotal: Money, shipping: Shipping, tax_bps: i32) -> pricing::Totals {
    let line = LineInput {
        unit_price: subtotal,
        quantity: 1,
        discountable: false,
    };
    // One line of a few hundred dollars cannot overflow, so `quote` always answers.
    pricing::quote(&[line], Discount::None, shipping, tax_bps)
        .map(|q| q.totals)
        .unwrap_or_default()
}
