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

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

use rust_decimal::{Decimal, RoundingStrategy};

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

    /// Parses a shopper- or seller-typed amount such as "12", "12.5" or "1,299.99".
    pub fn parse(text: &str) -> Option<Money> {
        let cleaned: String = text
            .trim()
            .trim_start_matches('$')
            .chars()
            .filter(|c| *c != ',')
            .collect();
        let value: Decimal = cleaned.parse().ok()?;
        if value.is_sign_negative() || value.scale() > 2 {
            return None;
        }
        let cents = (value * Decimal::ONE_HUNDRED).trunc();
        i64::try_from(cents).ok().map(Money)
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
    fn displays_dollars_with_grouping_and_cents() {
        assert_eq!(Money::from_minor(0).to_string(), "$0.00");
        assert_eq!(Money::from_minor(5).to_string(), "$0.05");
        assert_eq!(Money::from_minor(123_456_789).to_string(), "$1,234,567.89");
        assert_eq!(Money::from_minor(-1999).to_string(), "-$19.99");
    }

    #[test]
    fn parses_typed_amounts_and_refuses_the_rest() {
        assert_eq!(Money::parse("12"), Some(Money::from_minor(1200)));
        assert_eq!(Money::parse(" $1,299.9 "), Some(Money::from_minor(129_990)));
        assert_eq!(Money::parse("0.01"), Some(Money::from_minor(1)));
        assert_eq!(Money::parse("-1"), None);
        assert_eq!(Money::parse("1.234"), None);
        assert_eq!(Money::parse("abc"), None);
        assert_eq!(Money::parse("99999999999999999999999"), None);
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
