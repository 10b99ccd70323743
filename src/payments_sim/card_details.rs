//! Card details as a shopper types them on the simulator's card page, checked before a token is
//! made: digits and length, the Luhn check digit, an expiry that has not passed, a 3–4 digit
//! security code. Only the simulator ever sees them: the shop gets the token.

use chrono::Datelike;

use crate::payments::CardError;

#[derive(Debug, Clone)]
pub struct CardDetails {
    pub number: String,
    pub exp_month: i32,
    pub exp_year: i32,
    pub cvc: String,
}

impl CardDetails {
    /// A card as typed into a form; an unreadable month or year becomes 0, which the card checks
    /// then refuse with their own message.
    pub fn typed(number: String, exp_month: &str, exp_year: &str, cvc: &str) -> CardDetails {
        CardDetails {
            number,
            exp_month: typed_whole(exp_month),
            exp_year: typed_whole(exp_year),
            cvc: cvc.trim().to_owned(),
        }
    }
}

/// A typed month or year; anything unreadable, or beyond an `i32`, becomes 0.
fn typed_whole(text: &str) -> i32 {
    crate::numbers::parse_whole(text)
        .and_then(|n| i32::try_from(n).ok())
        .unwrap_or(0)
}

impl CardDetails {
    /// The card number's digits, once the number, expiry and code are plausible.
    pub fn validated_digits(&self, today: chrono::NaiveDate) -> Result<String, CardError> {
        let digits: String = self
            .number
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardError(
                "Please enter the card number: 12 to 19 digits.".into(),
            ));
        }
        if !luhn_valid(&digits) {
            return Err(CardError(
                "That card number is not valid; please check it.".into(),
            ));
        }
        if !(1..=12).contains(&self.exp_month) || !(2000..=2100).contains(&self.exp_year) {
            return Err(CardError("Please enter the expiry month and year.".into()));
        }
        if (self.exp_year, self.exp_month) < (today.year(), today.month() as i32) {
            return Err(CardError("That card has expired.".into()));
        }
        let cvc_ok =
            (3..=4).contains(&self.cvc.len()) && self.cvc.bytes().all(|b| b.is_ascii_digit());
        if !cvc_ok {
            return Err(CardError(
                "Please enter the 3 or 4 digit security code.".into(),
            ));
        }
        Ok(digits)
    }
}

/// The Luhn (mod 10) check every card number carries in its last digit.
pub fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// The card network, from the number's leading digits.
pub fn brand_of(digits: &str) -> &'static str {
    let prefix2: u32 = digits.get(..2).and_then(|p| p.parse().ok()).unwrap_or(0);
    let prefix4: u32 = digits.get(..4).and_then(|p| p.parse().ok()).unwrap_or(0);
    match () {
        _ if digits.starts_with('4') => "visa",
        _ if (51..=55).contains(&prefix2) || (2221..=2720).contains(&prefix4) => "mastercard",
        _ if prefix2 == 34 || prefix2 == 37 => "amex",
        _ if prefix4 == 6011 || prefix2 == 65 => "discover",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str, month: i32, year: i32) -> CardDetails {
        CardDetails {
            number: number.into(),
            exp_month: month,
            exp_year: year,
            cvc: "123".into(),
        }
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    #[test]
    fn luhn_accepts_real_test_numbers_and_refuses_a_typo() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("5555555555554444"));
        assert!(!luhn_valid("4242424242424241"));
    }

    #[test]
    fn brands_come_from_the_leading_digits() {
        assert_eq!(brand_of("4242424242424242"), "visa");
        assert_eq!(brand_of("5555555555554444"), "mastercard");
        assert_eq!(brand_of("2223003122003222"), "mastercard");
        assert_eq!(brand_of("378282246310005"), "amex");
        assert_eq!(brand_of("6011111111111117"), "discover");
        assert_eq!(brand_of("3566002020360505"), "other");
    }

    #[test]
    fn bad_cards_get_a_reason() {
        let t = today();
        assert!(
            card("4242 4242 4242 4242", 12, 2030)
                .validated_digits(t)
                .is_ok()
        );
        assert!(
            card("4242 4242 4242 4241", 12, 2030)
                .validated_digits(t)
                .is_err()
        );
        assert!(card("42424242", 12, 2030).validated_digits(t).is_err());
        assert!(
            card("4242424242424242", 10, 2026)
                .validated_digits(t)
                .is_err()
        );
        assert!(
            card("4242424242424242", 11, 2026)
                .validated_digits(t)
                .is_ok()
        );
        assert!(
            card("4242424242424242", 13, 2030)
                .validated_digits(t)
                .is_err()
        );
    }
}
