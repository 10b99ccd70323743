//! What a seller types to ship a parcel: the carrier, from a closed list, and a tracking number
//! normalised (trimmed, upper-cased, spaces removed) and checked for a shape that carrier uses,
//! so a typo or a pasted paragraph is refused on the form instead of shown to the shopper.

use serde::Deserialize;

use crate::forms::FieldErrors;

/// The carriers a parcel can go with; `Other` takes any plausible number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    Ups,
    FedEx,
    Usps,
    Dhl,
    Other,
}

impl Carrier {
    pub const ALL: [Carrier; 5] = [
        Carrier::Ups,
        Carrier::FedEx,
        Carrier::Usps,
        Carrier::Dhl,
        Carrier::Other,
    ];

    /// The word stored in `shipments.carrier`, sent by the form and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Carrier::Ups => "UPS",
            Carrier::FedEx => "FedEx",
            Carrier::Usps => "USPS",
            Carrier::Dhl => "DHL",
            Carrier::Other => "Other",
        }
    }

    pub fn parse(raw: &str) -> Option<Carrier> {
        Carrier::ALL.into_iter().find(|c| c.as_str() == raw.trim())
    }

    /// Whether `number` (already normalised) has a shape this carrier issues.
    fn accepts(self, number: &str) -> bool {
        // Bytes, not string slices: a non-ASCII character must fail the check, not split.
        let bytes = number.as_bytes();
        let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
        let len = bytes.len();
        match self {
            Carrier::Ups => {
                len == 18 && bytes.starts_with(b"1Z") && bytes.iter().all(u8::is_ascii_alphanumeric)
            }
            Carrier::Usps => {
                (digits(bytes) && (20..=22).contains(&len))
                    || (len == 13
                        && bytes[..2].iter().all(u8::is_ascii_uppercase)
                        && digits(&bytes[2..11])
                        && bytes.ends_with(b"US"))
            }
            Carrier::FedEx => digits(bytes) && matches!(len, 12 | 15 | 20 | 22),
            Carrier::Dhl => digits(bytes) && (10..=11).contains(&len),
            Carrier::Other => {
                (6..=40).contains(&len)
                    && bytes
                        .iter()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'-')
            }
        }
    }

    /// What the form says when a number does not fit.
    fn shape(self) -> &'static str {
        match self {
            Carrier::Ups => "1Z followed by 16 letters or digits",
            Carrier::Usps => "20 to 22 digits, or 2 letters, 9 digits and US",
            Carrier::FedEx => "12, 15, 20 or 22 digits",
            Carrier::Dhl => "10 or 11 digits",
            Carrier::Other => "6 to 40 letters, digits or dashes",
        }
    }
}

/// The ship form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ShipInput {
    #[serde(default)]
    pub carrier: String,
    #[serde(default)]
    pub tracking_number: String,
}

/// A parcel's carrier and a tracking number that carrier could have issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub carrier: Carrier,
    pub number: String,
}

/// Longest text looked at before refusing: no number is anywhere near it, and a huge paste is
/// refused without being copied around.
const MAX_TYPED: usize = 100;

impl Tracking {
    pub fn parse(input: &ShipInput) -> Result<Tracking, FieldErrors> {
        let mut errors = FieldErrors::default();
        let carrier = Carrier::parse(&input.carrier);
        if carrier.is_none() {
            errors.add("carrier", "Please choose a carrier from the list.");
        }
        let typed = input.tracking_number.as_str();
        let number = if typed.len() > MAX_TYPED {
            errors.add(
                "tracking_number",
                "That is far too long for a tracking number.",
            );
            String::new()
        } else {
            typed
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase()
        };
        if number.is_empty() {
            errors.add("tracking_number", "Please enter the tracking number.");
        }
        if let Some(carrier) = carrier
            && !carrier.accepts(&number)
        {
            errors.add(
                "tracking_number",
                format!(
                    "That does not look like a {} tracking number ({}).",
                    carrier.as_str(),
                    carrier.shape()
                ),
            );
        }
        let carrier = carrier.unwrap_or(Carrier::Other);
        errors.or_ok(Tracking { carrier, number })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(carrier: &str, number: &str) -> Result<Tracking, FieldErrors> {
        Tracking::parse(&ShipInput {
            carrier: carrier.into(),
            tracking_number: number.into(),
        })
    }

    #[test]
    fn numbers_are_normalised() {
        let t = parse("UPS", "  1z 999 aa1 0123456784 ").expect("valid");
        assert_eq!(t.carrier, Carrier::Ups);
        assert_eq!(t.number, "1Z999AA10123456784");
    }

    #[test]
    fn each_carrier_accepts_its_shapes() {
        for (carrier, number) in [
            ("UPS", "1Z999AA10123456784"),
            ("USPS", "94001118992230000000"),
            ("USPS", "9400111899223000000012"),
            ("USPS", "EA123456789US"),
            ("FedEx", "123456789012"),
            ("FedEx", "123456789012345"),
            ("FedEx", "12345678901234567890"),
            ("DHL", "1234567890"),
            ("DHL", "12345678901"),
            ("Other", "ABC-123"),
        ] {
            assert!(parse(carrier, number).is_ok(), "{carrier} {number}");
        }
    }

    #[test]
    fn wrong_shapes_are_refused_on_the_field() {
        for (carrier, number) in [
            ("UPS", "1Z999AA1012345678"),
            ("UPS", "2Z999AA10123456784"),
            ("USPS", "1234567890"),
            ("USPS", "E1123456789US"),
            ("FedEx", "1234567890123"),
            ("DHL", "123456789"),
            ("DHL", "12345ABCDE"),
            ("Other", "12345"),
            ("Other", "AB_123456"),
            ("Other", ""),
            ("UPS", "1Z999AA1012345678é"),
        ] {
            let errors = parse(carrier, number).expect_err(number);
            assert!(
                errors.get("tracking_number").is_some(),
                "{carrier} {number}"
            );
        }
    }

    #[test]
    fn a_huge_paste_and_an_unknown_carrier_are_refused() {
        let errors = parse("Pigeon", &"1".repeat(10 * 1024)).expect_err("refused");
        assert!(errors.get("carrier").is_some());
        assert!(errors.get("tracking_number").is_some());
    }
}
