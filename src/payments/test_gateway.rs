//! The built-in test gateway: deterministic answers by card number, like a processor's sandbox.
//!
//! | card number          | charge answers                                               |
//! |----------------------|--------------------------------------------------------------|
//! | 4000 0000 0000 0002  | declined: "Your card was declined."                          |
//! | 4000 0000 0000 9995  | declined: "Insufficient funds."                              |
//! | 4000 0000 0000 0119  | times out, but the gateway did capture (lookup: captured)    |
//! | 4000 0000 0000 0259  | times out before reaching the gateway (lookup: not found)    |
//! | any other valid card | captured                                                     |
//!
//! Tokens the demo seed stored (`tok_demo_…`) are approved. The behaviour rides in the token,
//! so it needs no card number later. Charges and refunds are
//! appended to `charges.jsonl` in the gateway's directory: a restarted node, or the sweeper,
//! finds them by idempotency key exactly as it would at a real processor.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::card::brand_of;
use super::{CardDetails, CardError, CardToken, ChargeOutcome, Lookup, PaymentGateway};
use crate::money::Money;

/// One writer at a time within the process, so a replayed key is seen before a second append.
static LEDGER_LOCK: Mutex<()> = Mutex::new(());

pub struct TestGateway {
    dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Approve,
    Decline,
    InsufficientFunds,
    TimeoutCaptured,
    TimeoutLost,
}

impl Behaviour {
    fn of_card(digits: &str) -> Behaviour {
        match digits {
            "4000000000000002" => Behaviour::Decline,
            "4000000000009995" => Behaviour::InsufficientFunds,
            "4000000000000119" => Behaviour::TimeoutCaptured,
            "4000000000000259" => Behaviour::TimeoutLost,
            _ => Behaviour::Approve,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Behaviour::Approve => "ok",
            Behaviour::Decline => "decline",
            Behaviour::InsufficientFunds => "funds",
            Behaviour::TimeoutCaptured => "latecapture",
            Behaviour::TimeoutLost => "lost",
        }
    }

    fn of_token(token: &str) -> Option<Behaviour> {
        // Cards the demo seed saved for its customers pay like 4242 4242 4242 4242.
        if token.starts_with("tok_demo_") {
            return Some(Behaviour::Approve);
        }
        let tag = token.strip_prefix("tok_test_")?.split('_').next()?;
        [
            Behaviour::Approve,
            Behaviour::Decline,
            Behaviour::InsufficientFunds,
            Behaviour::TimeoutCaptured,
            Behaviour::TimeoutLost,
        ]
        .into_iter()
        .find(|b| b.tag() == tag)
    }
}

/// A line of the gateway's record.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    key: String,
    amount: i64,
    captured: bool,
    reference: Option<String>,
    reason: Option<String>,
}

impl TestGateway {
    pub fn new(dir: PathBuf) -> TestGateway {
        TestGateway { dir }
    }

    fn ledger_path(&self) -> PathBuf {
        self.dir.join("charges.jsonl")
    }

    fn find(&self, key: &str) -> Option<Entry> {
        let file = std::fs::File::open(self.ledger_path()).ok()?;
        std::io::BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_str::<Entry>(&line).ok())
            .find(|entry| entry.key == key)
    }

    fn append(&self, entry: &Entry) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.ledger_path())?;
        let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        writeln!(file, "{line}")?;
        file.sync_data()
    }
}

fn outcome_of(entry: &Entry) -> ChargeOutcome {
    match (&entry.reference, entry.captured) {
        (Some(reference), true) => ChargeOutcome::Captured {
            reference: reference.clone(),
        },
        _ => ChargeOutcome::Declined {
            reason: entry.reason.clone().unwrap_or_default(),
        },
    }
}

impl PaymentGateway for TestGateway {
    fn name(&self) -> &'static str {
        "test"
    }

    fn tokenize(&self, card: &CardDetails) -> Result<CardToken, CardError> {
        let digits = card.validated_digits(crate::util::now().date())?;
        let behaviour = Behaviour::of_card(&digits);
        Ok(CardToken {
            token: format!(
                "tok_test_{}_{}",
                behaviour.tag(),
                crate::util::random_hex(12)
            ),
            brand: brand_of(&digits).to_owned(),
            last4: digits[digits.len() - 4..].to_owned(),
            exp_month: card.exp_month,
            exp_year: card.exp_year,
        })
    }

    fn charge(&self, token: &str, amount: Money, idempotency_key: &str) -> ChargeOutcome {
        let _guard = LEDGER_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = self.find(idempotency_key) {
            return outcome_of(&entry);
        }
        let Some(behaviour) = Behaviour::of_token(token) else {
            return ChargeOutcome::Declined {
                reason: "The card could not be used; please add it again.".into(),
            };
        };
        let (captured, reason) = match behaviour {
            Behaviour::TimeoutLost => return ChargeOutcome::Unknown,
            Behaviour::Approve | Behaviour::TimeoutCaptured => (true, None),
            Behaviour::Decline => (false, Some("Your card was declined.")),
            Behaviour::InsufficientFunds => (false, Some("Insufficient funds.")),
        };
        let entry = Entry {
            key: idempotency_key.to_owned(),
            amount: amount.minor(),
            captured,
            reference: captured.then(|| format!("ch_test_{}", crate::util::random_hex(10))),
            reason: reason.map(str::to_owned),
        };
        if self.append(&entry).is_err() {
            // Nothing was recorded, so nothing was charged: the same as a lost request.
            return ChargeOutcome::Unknown;
        }
        match behaviour {
            Behaviour::TimeoutCaptured => ChargeOutcome::Unknown,
            _ => outcome_of(&entry),
        }
    }

    fn lookup(&self, idempotency_key: &str) -> Lookup {
        let _guard = LEDGER_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        match self.find(idempotency_key).map(|entry| outcome_of(&entry)) {
            Some(ChargeOutcome::Captured { reference }) => Lookup::Captured { reference },
            Some(ChargeOutcome::Declined { reason }) => Lookup::Declined { reason },
            Some(ChargeOutcome::Unknown) | None => Lookup::NotFound,
        }
    }

    fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<String, String> {
        let _guard = LEDGER_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = self.find(idempotency_key) {
            return entry.reference.ok_or_else(|| "refund refused".to_owned());
        }
        let entry = Entry {
            key: idempotency_key.to_owned(),
            amount: -amount.minor(),
            captured: true,
            reference: Some(format!(
                "re_test_{}_{reference}",
                crate::util::random_hex(6)
            )),
            reason: None,
        };
        self.append(&entry).map_err(|e| e.to_string())?;
        Ok(entry.reference.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway() -> (tempfile::TempDir, TestGateway) {
        let dir = tempfile::tempdir().expect("temp dir");
        let gateway = TestGateway::new(dir.path().join("gw"));
        (dir, gateway)
    }

    fn token(gateway: &TestGateway, number: &str) -> String {
        let card = CardDetails {
            number: number.into(),
            exp_month: 12,
            exp_year: 2099,
            cvc: "123".into(),
        };
        gateway.tokenize(&card).expect("valid card").token
    }

    #[test]
    fn a_repeated_key_replays_the_first_answer_and_survives_a_restart() {
        let (dir, gateway) = gateway();
        let ok = token(&gateway, "4242424242424242");
        let first = gateway.charge(&ok, Money::from_minor(500), "k1");
        assert!(matches!(first, ChargeOutcome::Captured { .. }));
        assert_eq!(gateway.charge(&ok, Money::from_minor(500), "k1"), first);
        let restarted = TestGateway::new(dir.path().join("gw"));
        let ChargeOutcome::Captured { reference } = first else {
            unreachable!()
        };
        assert_eq!(restarted.lookup("k1"), Lookup::Captured { reference });
        assert_eq!(restarted.lookup("k2"), Lookup::NotFound);
    }

    #[test]
    fn test_cards_decline_and_time_out_deterministically() {
        let (_dir, gateway) = gateway();
        let declined = token(&gateway, "4000 0000 0000 0002");
        assert_eq!(
            gateway.charge(&declined, Money::from_minor(1), "d"),
            ChargeOutcome::Declined {
                reason: "Your card was declined.".into()
            }
        );
        let late = token(&gateway, "4000000000000119");
        assert_eq!(
            gateway.charge(&late, Money::from_minor(1), "late"),
            ChargeOutcome::Unknown
        );
        assert!(matches!(gateway.lookup("late"), Lookup::Captured { .. }));
        let lost = token(&gateway, "4000000000000259");
        assert_eq!(
            gateway.charge(&lost, Money::from_minor(1), "lost"),
            ChargeOutcome::Unknown
        );
        assert_eq!(gateway.lookup("lost"), Lookup::NotFound);
    }
}
