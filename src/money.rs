//! Money: whole minor units (cents) in an `i64`, never floating point.
//!
//! The rounding rule, used everywhere a rate meets an amount (tax, percentage discounts,
//! commission): compute exactly with `rust_decimal`, then round half away from zero to the cent.
//!
//! The allocation rule, used wherever one amount is spread over several lines (an order discount
//! over the lines it applies to): largest remainder. Each line first gets its exact share,
//! `total × weight / Σ weights`, rounded down to the cent; the cents still missing go one each to
//! the lines with the largest fractional remainders, earlier lines first on a tie. The shares add
//! up to the total exactly, and no line gets more than its weight when the total does not exceed
//! the sum of the weights.
//!
//! The portion rule, used wherever a part of a line's money is taken out of it: `total × part /
//! whole`, rounded down to the cent ([`Money::portion`]). Units `r+1 ..= r+q` of a line of `n`
//! units (a return, a cancelled part) are worth `portion(r+q, n) − portion(r, n)`, so giving
//! every unit back, in any number of steps, gives back exactly the line's total and never a cent
//! more. The before-tax part of what was refunded on a line is its net (after discount, before
//! tax) `.portion(refunded, line total)`, which never exceeds the net.
//!
//! Typed amounts (a price, a filter, any amount a person enters) are read by
//! [`Money::parse_typed`] and only in the form the shop itself prints, so that no amount can be
//! read in a way its writer did not mean:
//! - optional surrounding spaces and one leading `$`;
//! - whole dollars as plain digits (`1299`), or grouped by commas exactly as the shop shows them
//!   (`1,299`, `12,345,678`: a first group of one to three digits not starting with 0, then groups
//!   of three);
//! - optionally a point and one or two decimals (`12.5`, `1,299.00`).
//!
//! Everything else is refused with a message showing that form: a decimal comma (`12,99`,
//! `5,00`), commas out of place (`1,2,3`, `0,500`), exponents (`1e3`), underscores (`1_000`), any
//! sign (`-0`, `+1`), a point without digits after it (`12.`), more than two decimals, `NaN`,
//! and amounts that overflow.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

use rust_decimal::{Decimal, RoundingStrategy};

/// The shop's one currency (ISO 4217), where an amount is written for machines: JSON-LD,
/// the shopping feed.
pub const CURRENCY: &str = "USD";

/// Stored as a BIGINT of cents: row types hold `Money`, not a bare `i64`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::BigInt)]
pub struct Money(i64);

impl<DB> diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> for Money
where
    DB: diesel::backend::Backend,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
{
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, DB>,
    ) -> diesel::serialize::Result {
        <i64 as diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>>::to_sql(&self.0, out)
    }
}

impl<DB> diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB> for Money
where
    DB: diesel::backend::Backend,
    i64: diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
        <i64 as diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>>::from_sql(bytes)
            .map(Money)
    }
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_minor(cents: i64) -> Money {
        Money(cents)
    }

    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Reads an amount a person typed, by the module's rule for typed amounts.
    pub fn parse_typed(text: &str) -> Result<Money, AmountError> {
        let text = text.trim();
        let text = text.strip_prefix('$').unwrap_or(text);
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (text, None),
        };
        let dollars = whole_dollars(whole).ok_or(AmountError::Format)?;
        let cents = match fraction {
            None => 0,
            Some(f) if (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
                let value: i64 = f.parse().map_err(|_| AmountError::Format)?;
                if f.len() == 1 { value * 10 } else { value }
            }
            Some(_) => return Err(AmountError::Format),
        };
        // Only digits are left, so the one way this fails is an amount too large for an i64.
        let dollars: i64 = dollars.parse().map_err(|_| AmountError::TooLarge)?;
        dollars
            .checked_mul(100)
            .and_then(|d| d.checked_add(cents))
            .map(Money)
            .ok_or(AmountError::TooLarge)
    }

    /// `self` × `bps` / 10,000 (basis points: 825 = 8.25 %), rounded by the module's rule.
    pub fn apply_bps(self, bps: i32) -> Money {
        let exact = Decimal::from(self.0) * Decimal::from(bps) / Decimal::from(10_000);
        Money::round(exact)
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// `self` × `quantity`, or `None` when it would overflow.
    pub fn times(self, quantity: i64) -> Option<Money> {
        self.0.checked_mul(quantity).map(Money)
    }

    /// `self` × `part` / `whole`, rounded down to the cent: the module's portion rule. `part` is
    /// clamped to `0..=whole`, so a portion never exceeds `self`; a `whole` of zero or less is
    /// nothing.
    pub fn portion(self, part: i64, whole: i64) -> Money {
        if whole <= 0 {
            return Money::ZERO;
        }
        let part = i128::from(part.clamp(0, whole));
        let share = i128::from(self.0) * part / i128::from(whole);
        Money(i64::try_from(share).unwrap_or(i64::MAX))
    }

    /// What units `already + 1 ..= already + units` of a line of `quantity` units are worth, by
    /// the portion rule.
    pub fn units_share(self, already: i64, units: i64, quantity: i64) -> Money {
        self.portion(already + units, quantity) - self.portion(already, quantity)
    }

    /// Spreads `self` over lines in proportion to `weights` by the module's allocation rule.
    /// Returns one share per weight; all zero when the weights are all zero or negative.
    pub fn allocate(self, weights: &[Money]) -> Vec<Money> {
        let weights: Vec<i128> = weights.iter().map(|w| i128::from(w.0.max(0))).collect();
        let sum: i128 = weights.iter().sum();
        if sum == 0 || self.0 <= 0 {
            return vec![Money::ZERO; weights.len()];
        }
        let total = i128::from(self.0);
        let mut shares: Vec<i128> = weights.iter().map(|w| total * w / sum).collect();
        let mut missing = total - shares.iter().sum::<i128>();
        let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
        // Stable sort: equal remainders keep line order, so earlier lines win ties.
        by_remainder.sort_by_key(|&i| std::cmp::Reverse(total * weights[i] % sum));
        for i in by_remainder {
            if missing == 0 {
                break;
            }
            shares[i] += 1;
            missing -= 1;
        }
        shares
            .into_iter()
            .map(|s| Money(i64::try_from(s).unwrap_or(i64::MAX)))
            .collect()
    }

    fn round(exact: Decimal) -> Money {
        let rounded = exact.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        Money(i64::try_from(rounded).unwrap_or(i64::MAX))
    }

    /// The amount as a decimal number of dollars, e.g. `12.30`.
    pub fn as_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Plain "12.30", for form fields.
    pub fn plain(self) -> String {
        self.as_decimal().to_string()
    }
}

/// Why a typed amount was refused; the message shows the form that is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error(
        "Please enter an amount like 12.99 or 1,299.00: digits, then a point and at most two decimals."
    )]
    Format,
    #[error("That amount is too large.")]
    TooLarge,
}

/// The digits of whole dollars, plain or grouped by commas in their proper places.
fn whole_dollars(text: &str) -> Option<String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return None;
    }
    let mut groups = text.split(',');
    let first = groups.next()?;
    if text.contains(',') {
        let leading_ok = (1..=3).contains(&first.len()) && !first.starts_with('0');
        if !leading_ok || groups.any(|group| group.len() != 3) {
            return None;
        }
    }
    Some(text.replace(',', ""))
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let cents = self.0.unsigned_abs();
        let mut dollars = (cents / 100).to_string();
        let mut grouped = String::new();
        while dollars.len() > 3 {
            let split = dollars.len() - 3;
            grouped = format!(",{}{}", &dollars[split..], grouped);
            dollars.truncate(split);
        }
        write!(f, "{sign}${dollars}{grouped}.{:02}", cents % 100)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        self.0 += other.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        Money(self.0 - other.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_given_back_in_steps_add_up_to_the_line_exactly() {
        let total = Money::from_minor(1000);
        let steps = [1, 1, 1];
        let mut already = 0;
        let shares: Vec<Money> = steps
            .iter()
            .map(|&units| {
                let share = total.units_share(already, units, 3);
                already += units;
                share
            })
            .collect();
        assert_eq!(
            shares,
            [
                Money::from_minor(333),
                Money::from_minor(333),
                Money::from_minor(334)
            ]
        );
        assert_eq!(shares.into_iter().sum::<Money>(), total);
        assert_eq!(total.units_share(0, 3, 3), total);
    }

    #[test]
    fn a_portion_never_exceeds_the_whole() {
        let net = Money::from_minor(999);
        assert_eq!(net.portion(1085, 1085), net);
        assert_eq!(net.portion(2000, 1085), net);
        assert_eq!(net.portion(-5, 1085), Money::ZERO);
        assert_eq!(net.portion(1, 0), Money::ZERO);
        assert_eq!(net.portion(542, 1085), Money::from_minor(499));
    }

    #[test]
    fn displays_dollars_with_grouping_and_cents() {
        assert_eq!(Money::from_minor(0).to_string(), "$0.00");
        assert_eq!(Money::from_minor(5).to_string(), "$0.05");
        assert_eq!(Money::from_minor(123_456_789).to_string(), "$1,234,567.89");
        assert_eq!(Money::from_minor(-1999).to_string(), "-$19.99");
    }

    #[test]
    fn parses_typed_amounts_in_the_form_the_shop_prints() {
        let cents = |text: &str| Money::parse_typed(text).map(Money::minor);
        assert_eq!(cents("12"), Ok(1200));
        assert_eq!(cents(" $1,299.9 "), Ok(129_990));
        assert_eq!(cents("1,299.00"), Ok(129_900));
        assert_eq!(cents("12,345,678.05"), Ok(1_234_567_805));
        assert_eq!(cents("1299"), Ok(129_900));
        assert_eq!(cents("0.01"), Ok(1));
        assert_eq!(cents("0"), Ok(0));
        assert_eq!(cents("007.5"), Ok(750));
        assert_eq!(cents("12.99"), Ok(1299));
    }

    #[test]
    fn refuses_every_amount_that_could_be_read_two_ways() {
        for bad in [
            "12,99", "5,00", "1,2,3", "0,500", "1,2999", ",100", "1,", "1,000,00", "1e3", "1E3",
            "1_000", "-0", "-1", "+1", "+-1", "$-1", "-$1", "1.234", "12.", ".5", "1.2.3", "NaN",
            "inf", "", " ", "$", "$$1", "1 000", "12 .5", "abc", "０", "1.5e1", "0x10",
        ] {
            assert_eq!(Money::parse_typed(bad), Err(AmountError::Format), "{bad:?}");
        }
        assert_eq!(
            Money::parse_typed("99999999999999999999999"),
            Err(AmountError::TooLarge)
        );
        assert_eq!(
            Money::parse_typed("92233720368547758.08"),
            Err(AmountError::TooLarge)
        );
        assert_eq!(
            Money::parse_typed("92233720368547758.07"),
            Ok(Money::from_minor(i64::MAX))
        );
        assert!(AmountError::Format.to_string().contains("12.99"));
    }

    proptest::proptest! {
        #[test]
        fn every_amount_the_shop_prints_reads_back_as_itself(cents in 0i64..=i64::MAX) {
            let money = Money::from_minor(cents);
            proptest::prop_assert_eq!(Money::parse_typed(&money.to_string()), Ok(money));
            proptest::prop_assert_eq!(Money::parse_typed(&money.plain()), Ok(money));
        }

        #[test]
        fn a_decimal_comma_is_never_read_as_a_thousands_comma(
            whole in 0u32..1_000_000,
            decimals in "[0-9]{1,2}",
        ) {
            let typed = format!("{whole},{decimals}");
            proptest::prop_assert!(Money::parse_typed(&typed).is_err(), "{}", typed);
        }

        #[test]
        fn anything_but_digits_commas_a_point_and_a_dollar_sign_is_refused(
            text in "[0-9,.$]{0,6}[^0-9,.$\\s][0-9,.$]{0,6}",
        ) {
            proptest::prop_assert!(Money::parse_typed(&text).is_err(), "{}", text);
        }
    }

    #[test]
    fn allocation_gives_leftover_cents_to_the_largest_remainders() {
        let cents = |v: &[i64]| v.iter().copied().map(Money::from_minor).collect::<Vec<_>>();
        // $1.00 over three equal lines: 33.33… each, the spare cent to the first line.
        assert_eq!(
            Money::from_minor(100).allocate(&cents(&[500, 500, 500])),
            cents(&[34, 33, 33])
        );
        // $10.00 over $30 and $10: exact thirds, 750 / 250.
        assert_eq!(
            Money::from_minor(1000).allocate(&cents(&[3000, 1000])),
            cents(&[750, 250])
        );
        // 5 cents over 1, 1, 3 cents: shares 1, 1, 3 (never more than a line's weight).
        assert_eq!(
            Money::from_minor(5).allocate(&cents(&[1, 1, 3])),
            cents(&[1, 1, 3])
        );
        assert_eq!(
            Money::from_minor(7).allocate(&cents(&[0, 0])),
            cents(&[0, 0])
        );
    }

    #[test]
    fn rates_round_half_away_from_zero_to_the_cent() {
        // 8.25 % of $10.10 is 83.325 cents → 83; of $10.20 it is 84.15 → 84; 50 % of 1 cent → 1.
        assert_eq!(
            Money::from_minor(1010).apply_bps(825),
            Money::from_minor(83)
        );
        assert_eq!(
            Money::from_minor(1020).apply_bps(825),
            Money::from_minor(84)
        );
        assert_eq!(Money::from_minor(1).apply_bps(5000), Money::from_minor(1));
        assert_eq!(Money::from_minor(1999).apply_bps(0), Money::ZERO);
    }
}
