//! Property tests of the money rules: random carts, discounts, shipping and taxes always add up
//! to the cent and never go negative.

use proptest::prelude::*;
use shopwave::money::Money;
use shopwave::pricing::{Discount, LineInput, Shipping, quote};

fn line() -> impl Strategy<Value = LineInput> {
    (0i64..1_000_000, 1i32..=999, any::<bool>()).prop_map(|(cents, quantity, discountable)| {
        LineInput {
            unit_price: Money::from_minor(cents),
            quantity,
            discountable,
        }
    })
}

fn discount() -> impl Strategy<Value = Discount> {
    prop_oneof![
        Just(Discount::None),
        (1i32..=10_000).prop_map(Discount::Percent),
        (1i64..100_000_000).prop_map(|c| Discount::Fixed(Money::from_minor(c))),
    ]
}

fn shipping() -> impl Strategy<Value = Shipping> {
    (0i64..10_000, proptest::option::of(0i64..1_000_000)).prop_map(|(price, free_over)| Shipping {
        price: Money::from_minor(price),
        free_over: free_over.map(Money::from_minor),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_quote_adds_up_to_the_cent(
        lines in proptest::collection::vec(line(), 1..8),
        discount in discount(),
        shipping in shipping(),
        tax_bps in 0i32..=10_000,
    ) {
        let q = quote(&lines, discount, shipping, tax_bps).expect("realistic carts fit");
        let t = q.totals;
        let sum = |f: fn(&shopwave::pricing::PricedLine) -> Money| q.lines.iter().map(f).sum::<Money>();
        prop_assert_eq!(t.subtotal, sum(|l| l.subtotal));
        prop_assert_eq!(t.discount, sum(|l| l.discount));
        prop_assert_eq!(t.tax, sum(|l| l.tax));
        prop_assert_eq!(t.grand_total, t.subtotal - t.discount + t.shipping + t.tax);
        prop_assert!(t.grand_total >= Money::ZERO && t.shipping >= Money::ZERO);
        let eligible: Money = lines.iter().zip(&q.lines).filter(|(i, _)| i.discountable).map(|(_, l)| l.subtotal).sum();
        prop_assert!(t.discount <= eligible);
        if let Discount::Percent(bps) = discount {
            prop_assert_eq!(t.discount, eligible.apply_bps(bps));
        }
        for (input, priced) in lines.iter().zip(&q.lines) {
            prop_assert_eq!(priced.subtotal.minor(), input.unit_price.minor() * i64::from(input.quantity));
            prop_assert!(priced.discount >= Money::ZERO && priced.discount <= priced.subtotal);
            prop_assert!(input.discountable || priced.discount == Money::ZERO);
            prop_assert_eq!(priced.tax, (priced.subtotal - priced.discount).apply_bps(tax_bps));
            prop_assert_eq!(priced.total, priced.subtotal - priced.discount + priced.tax);
            prop_assert!(priced.total >= Money::ZERO);
        }
    }

    #[test]
    fn allocation_is_exact_proportional_and_never_exceeds_a_line(
        weights in proptest::collection::vec(0i64..10_000_000, 1..10),
        fraction in 0.0f64..=1.0,
    ) {
        let weights: Vec<Money> = weights.into_iter().map(Money::from_minor).collect();
        let sum: i64 = weights.iter().map(|w| w.minor()).sum();
        let total = Money::from_minor((sum as f64 * fraction) as i64);
        let shares = total.allocate(&weights);
        prop_assert_eq!(shares.len(), weights.len());
        if sum > 0 {
            prop_assert_eq!(shares.iter().copied().sum::<Money>(), total);
        }
        for (share, weight) in shares.iter().zip(&weights) {
            prop_assert!(*share >= Money::ZERO && share <= weight);
            if sum > 0 {
                let exact = i128::from(total.minor()) * i128::from(weight.minor());
                let floor = exact / i128::from(sum);
                prop_assert!(i128::from(share.minor()) == floor || i128::from(share.minor()) == floor + 1);
            }
        }
    }
}
