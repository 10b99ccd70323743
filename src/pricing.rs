//! The arithmetic of a quote, pure and exact: line subtotals, the order discount spread over the
//! lines it applies to, tax per line, shipping, and totals that always equal the sum of their parts.
//!
//! Rules (see `money` for rounding and allocation):
//! - a line's subtotal is unit price × quantity;
//! - a percentage discount is the rate applied to the eligible subtotal, rounded once; a fixed
//!   discount is capped at the eligible subtotal; either is then allocated over the eligible
//!   lines in proportion to their subtotals, so no line is discounted below zero;
//! - tax is computed per line on its discounted subtotal at the destination's rate;
//! - shipping is free when the discounted subtotal reaches the method's threshold, and untaxed;
//! - grand total = subtotal − discount + shipping + tax, each total the sum of its lines.

use crate::money::Money;

#[derive(Debug, Clone, Copy)]
pub struct LineInput {
    pub unit_price: Money,
    pub quantity: i32,
    /// Whether the order's promotion applies to this line (its scope).
    pub discountable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    None,
    /// Basis points of the eligible subtotal: 1,500 = 15 %.
    Percent(i32),
    Fixed(Money),
}

#[derive(Debug, Clone, Copy)]
pub struct Shipping {
    pub price: Money,
    pub free_over: Option<Money>,
}

impl Shipping {
    pub const NONE: Shipping = Shipping {
        price: Money::ZERO,
        free_over: None,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedLine {
    pub subtotal: Money,
    pub discount: Money,
    pub tax: Money,
    pub total: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub subtotal: Money,
    pub discount: Money,
    pub shipping: Money,
    pub tax: Money,
    pub grand_total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
}

/// Prices `lines`; `None` when an amount would not fit in 64 bits (a nonsense cart, refused).
pub fn quote(
    lines: &[LineInput],
    discount: Discount,
    shipping: Shipping,
    tax_bps: i32,
) -> Option<Quote> {
    let subtotals: Vec<Money> = lines
        .iter()
        .map(|l| l.unit_price.times(i64::from(l.quantity)))
        .collect::<Option<_>>()?;
    let subtotal = checked_sum(&subtotals)?;
    let eligible: Vec<Money> = lines
        .iter()
        .zip(&subtotals)
        .map(|(l, s)| if l.discountable { *s } else { Money::ZERO })
        .collect();
    let eligible_total = checked_sum(&eligible)?;
    let discount_total = match discount {
        Discount::None => Money::ZERO,
        Discount::Percent(bps) => eligible_total.apply_bps(bps.clamp(0, 10_000)),
        Discount::Fixed(amount) => amount.max(Money::ZERO).min(eligible_total),
    };
    let shares = discount_total.allocate(&eligible);
    let priced: Vec<PricedLine> = subtotals
        .iter()
        .zip(shares)
        .map(|(&subtotal, discount)| {
            let tax = (subtotal - discount).apply_bps(tax_bps.clamp(0, 10_000));
            PricedLine {
                subtotal,
                discount,
                tax,
                total: subtotal - discount + tax,
            }
        })
        .collect();
    let after_discount = subtotal - discount_total;
    let shipping_total = match shipping.free_over {
        Some(threshold) if after_discount >= threshold => Money::ZERO,
        _ => shipping.price,
    };
    let tax_total = checked_sum(&priced.iter().map(|l| l.tax).collect::<Vec<_>>())?;
    let grand_total = Money::from_minor(
        after_discount
            .minor()
            .checked_add(shipping_total.minor())?
            .checked_add(tax_total.minor())?,
    );
    Some(Quote {
        lines: priced,
        totals: Totals {
            subtotal,
            discount: discount_total,
            shipping: shipping_total,
            tax: tax_total,
            grand_total,
        },
    })
}

fn checked_sum(amounts: &[Money]) -> Option<Money> {
    amounts
        .iter()
        .try_fold(0i64, |acc, m| acc.checked_add(m.minor()))
        .map(Money::from_minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cents: i64, quantity: i32, discountable: bool) -> LineInput {
        LineInput {
            unit_price: Money::from_minor(cents),
            quantity,
            discountable,
        }
    }

    #[test]
    fn a_worked_example_adds_up() {
        // $19.99 × 3 + $5.00 × 1, 10 % off the first line only, 8.25 % tax, $4.99 shipping.
        let q = quote(
            &[line(1999, 3, true), line(500, 1, false)],
            Discount::Percent(1000),
            Shipping {
                price: Money::from_minor(499),
                free_over: Some(Money::from_minor(10_000)),
            },
            825,
        )
        .expect("fits");
        assert_eq!(q.totals.subtotal, Money::from_minor(6497));
        assert_eq!(q.totals.discount, Money::from_minor(600)); // 599.7 → 600
        assert_eq!(q.lines[0].tax, Money::from_minor(445)); // 5397 × 8.25 % = 445.25
        assert_eq!(q.lines[1].tax, Money::from_minor(41)); // 500 × 8.25 % = 41.25
        assert_eq!(q.totals.shipping, Money::from_minor(499));
        assert_eq!(
            q.totals.grand_total,
            Money::from_minor(6497 - 600 + 499 + 486)
        );
    }

    #[test]
    fn shipping_is_free_from_the_threshold_after_discount() {
        let free = Shipping {
            price: Money::from_minor(499),
            free_over: Some(Money::from_minor(5000)),
        };
        let q = quote(&[line(5000, 1, true)], Discount::None, free, 0).expect("fits");
        assert_eq!(q.totals.shipping, Money::ZERO);
        let q = quote(
            &[line(5000, 1, true)],
            Discount::Fixed(Money::from_minor(1)),
            free,
            0,
        )
        .expect("fits");
        assert_eq!(q.totals.shipping, Money::from_minor(499));
    }

    #[test]
    fn a_fixed_discount_larger_than_the_eligible_lines_is_capped() {
        let q = quote(
            &[line(300, 1, true), line(700, 1, false)],
            Discount::Fixed(Money::from_minor(5000)),
            Shipping::NONE,
            0,
        )
        .expect("fits");
        assert_eq!(q.totals.discount, Money::from_minor(300));
        assert_eq!(q.lines[1].discount, Money::ZERO);
    }

    #[test]
    fn absurd_amounts_are_refused_not_wrapped() {
        assert!(
            quote(
                &[line(i64::MAX / 2, 3, false)],
                Discount::None,
                Shipping::NONE,
                0
            )
            .is_none()
        );
    }
}
