//! How the simulator's test cards behave. The behaviour is written into the token, so a charge
//! needs no card number: only the token the shop kept.

use super::card_details::{CardDetails, brand_of};
use super::ledger::Card;
use crate::payments::CardError;

/// What charging a card does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Approve,
    Decline,
    InsufficientFunds,
    /// Charges, then answers 500 (and again for the same idempotency key).
    FailsAfterCharging,
    /// Answers 503 and charges nothing, every time: the request is as good as lost.
    Unreachable,
    /// Charges, but answers only after `SLOW`.
    Slow,
}

/// The card kept for typed details that can be used: a token carrying the card's behaviour, and
/// what may be shown of it.
pub fn card_of(details: &CardDetails) -> Result<Card, CardError> {
    let digits = details.validated_digits(crate::util::now().date())?;
    Ok(Card {
        token: Behaviour::of_card(&digits).token(),
        brand: brand_of(&digits).to_owned(),
        last4: digits[digits.len() - 4..].to_owned(),
        exp_month: details.exp_month,
        exp_year: details.exp_year,
    })
}

/// How long a slow card's charge takes to answer.
pub const SLOW: std::time::Duration = std::time::Duration::from_secs(3);

const ALL: [Behaviour; 6] = [
    Behaviour::Approve,
    Behaviour::Decline,
    Behaviour::InsufficientFunds,
    Behaviour::FailsAfterCharging,
    Behaviour::Unreachable,
    Behaviour::Slow,
];

impl Behaviour {
    pub fn of_card(digits: &str) -> Behaviour {
        match digits {
            "4000000000000002" => Behaviour::Decline,
            "4000000000009995" => Behaviour::InsufficientFunds,
            "4000000000000119" => Behaviour::FailsAfterCharging,
            "4000000000000259" => Behaviour::Unreachable,
            "4000000000006975" => Behaviour::Slow,
            _ => Behaviour::Approve,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Behaviour::Approve => "ok",
            Behaviour::Decline => "decline",
            Behaviour::InsufficientFunds => "funds",
            Behaviour::FailsAfterCharging => "latecapture",
            Behaviour::Unreachable => "lost",
            Behaviour::Slow => "slow",
        }
    }

    /// A new token for a card that behaves like this.
    pub fn token(self) -> String {
        format!("tok_test_{}_{}", self.tag(), crate::util::random_hex(12))
    }

    /// The behaviour a token was made with; `None` for a token this simulator never made.
    pub fn of_token(token: &str) -> Option<Behaviour> {
        // Cards the demo seed saved for its customers pay like 4242 4242 4242 4242.
        if token.starts_with("tok_demo_") {
            return Some(Behaviour::Approve);
        }
        let tag = token.strip_prefix("tok_test_")?.split('_').next()?;
        ALL.into_iter().find(|b| b.tag() == tag)
    }

    /// Why the card does not pay, if it does not.
    pub fn decline(self) -> Option<(&'static str, &'static str)> {
        match self {
            Behaviour::Decline => Some(("generic_decline", "Your card was declined.")),
            Behaviour::InsufficientFunds => Some(("insufficient_funds", "Insufficient funds.")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_carries_its_cards_behaviour() {
        for behaviour in ALL {
            assert_eq!(Behaviour::of_token(&behaviour.token()), Some(behaviour));
        }
        assert_eq!(
            Behaviour::of_token("tok_demo_abc"),
            Some(Behaviour::Approve)
        );
        assert_eq!(Behaviour::of_token("tok_test_nonsense_1"), None);
        assert_eq!(Behaviour::of_token("pm_elsewhere"), None);
    }
}
