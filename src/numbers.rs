//! Whole numbers typed by a person (a cart quantity, a stock change, a card's expiry month, an
//! id in a form or query): optional surrounding spaces, at most one sign, then ASCII digits.
//! Nothing else: `+-1`, `1.0`, `1e2`, `1_000`, `1,000` and an empty field are refused, as is a
//! number too large for an `i64`. Callers check the range and word the refusal for their field.

/// Reads a typed whole number by the module's rule.
pub fn parse_whole(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

const NOT_WHOLE: &str = "a whole number such as 12 was expected";

/// Serde reader for an id or count in a form or query, by the module's rule, so that a field
/// the extractor reads is refused exactly where a typed number would be.
pub fn whole<'de, D: serde::Deserializer<'de>>(fields: D) -> Result<i64, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(fields)?;
    parse_whole(&text).ok_or_else(|| serde::de::Error::custom(NOT_WHOLE))
}

/// [`whole`] for a field that may be left out; pair it with `#[serde(default)]`.
pub fn maybe_whole<'de, D: serde::Deserializer<'de>>(fields: D) -> Result<Option<i64>, D::Error> {
    <Option<String> as serde::Deserialize>::deserialize(fields)?
        .map(|text| parse_whole(&text).ok_or_else(|| serde::de::Error::custom(NOT_WHOLE)))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::parse_whole;

    #[test]
    fn one_sign_and_digits_only() {
        assert_eq!(parse_whole("3"), Some(3));
        assert_eq!(parse_whole(" +5 "), Some(5));
        assert_eq!(parse_whole("-2"), Some(-2));
        assert_eq!(parse_whole("-0"), Some(0));
        assert_eq!(parse_whole("007"), Some(7));
        assert_eq!(parse_whole("9223372036854775807"), Some(i64::MAX));
        for bad in [
            "",
            " ",
            "+",
            "-",
            "+-1",
            "-+1",
            "--1",
            "++1",
            "1.0",
            "1.",
            "1e2",
            "1_000",
            "1,000",
            "- 1",
            "1 2",
            "0x10",
            "NaN",
            "３",
            "9223372036854775808",
        ] {
            assert_eq!(parse_whole(bad), None, "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn every_integer_reads_back_with_or_without_a_plus(n in proptest::num::i64::ANY) {
            proptest::prop_assert_eq!(parse_whole(&n.to_string()), Some(n));
            if n >= 0 {
                proptest::prop_assert_eq!(parse_whole(&format!("+{n}")), Some(n));
            }
        }

        #[test]
        fn anything_beside_one_sign_and_digits_is_refused(
            text in "[+-]?[0-9]{0,4}[^0-9\\s][0-9]{0,4}",
        ) {
            let single_sign = text
                .strip_prefix(['+', '-'])
                .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()));
            proptest::prop_assume!(!single_sign);
            proptest::prop_assert_eq!(parse_whole(&text), None, "{}", text);
        }
    }
}
