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
//! finds them by idempotency key exactly as it would at a real processor. An answer is given
//! only once its line is on disk; the lines of concurrent charges share one fsync.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::card::brand_of;
use super::{CardDetails, CardError, CardToken, ChargeOutcome, Lookup, PaymentGateway};
use crate::money::Money;

/// One writer at a time within the process, so a replayed key is seen before a second append.
/// Held while a line is looked up and appended, not while it is synced.
static LEDGER_LOCK: Mutex<()> = Mutex::new(());

const LEDGER_FILE: &str = "charges.jsonl";

pub struct TestGateway {
    dir: PathBuf,
    journal: Arc<Journal>,
}

/// How far a ledger file is written and how far it is on disk, shared by every gateway of the
/// process on that file (each worker builds its own).
#[derive(Default)]
struct Journal {
    /// Lines appended, counted under `LEDGER_LOCK`.
    appended: Mutex<u64>,
    /// Lines known to be on disk; held during an fsync, so the charges waiting behind one are
    /// covered by the next, which takes every line appended by then (group commit).
    synced: Mutex<u64>,
}

static JOURNALS: LazyLock<Mutex<HashMap<PathBuf, Arc<Journal>>>> = LazyLock::new(Mutex::default);

impl Journal {
    fn of(path: &Path) -> Arc<Journal> {
        let mut journals = JOURNALS.lock().unwrap_or_else(PoisonError::into_inner);
        journals.entry(path.to_owned()).or_default().clone()
    }

    fn appended(&self) -> u64 {
        *self.appended.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Returns once the first `line` lines of `path` are on disk.
    fn sync_through(&self, path: &Path, line: u64) -> std::io::Result<()> {
        let mut synced = self.synced.lock().unwrap_or_else(PoisonError::into_inner);
        if *synced >= line {
            return Ok(());
        }
        let through = self.appended();
        std::fs::File::open(path)?.sync_data()?;
        *synced = through;
        Ok(())
    }
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
        let journal = Journal::of(&dir.join(LEDGER_FILE));
        TestGateway { dir, journal }
    }

    fn ledger_path(&self) -> PathBuf {
        self.dir.join(LEDGER_FILE)
    }

    /// The entry of `key`, once it is on disk (a replay must not answer from a line that a
    /// crash could still take back).
    fn find(&self, key: &str) -> std::io::Result<Option<Entry>> {
        let Some(entry) = self.scan(key) else {
            return Ok(None);
        };
        self.sync_through(self.journal.appended())?;
        Ok(Some(entry))
    }

    fn scan(&self, key: &str) -> Option<Entry> {
        let file = std::fs::File::open(self.ledger_path()).ok()?;
        std::io::BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_str::<Entry>(&line).ok())
            .find(|entry| entry.key == key)
    }

    /// Appends `entry` (under `LEDGER_LOCK`); returns its line number, for `sync_through`.
    fn append(&self, entry: &Entry) -> std::io::Result<u64> {
        std::fs::create_dir_all(&self.dir)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.ledger_path())?;
        let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        writeln!(file, "{line}")?;
        let mut appended = self
            .journal
            .appended
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *appended += 1;
        Ok(*appended)
    }

    fn sync_through(&self, line: u64) -> std::io::Result<()> {
        self.journal.sync_through(&self.ledger_path(), line)
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
        let guard = LEDGER_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        match self.find(idempotency_key) {
            Ok(Some(entry)) => return outcome_of(&entry),
            Ok(None) => {}
            Err(_) => return ChargeOutcome::Unknown,
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
        let appended = self.append(&entry);
        drop(guard);
        if appended.and_then(|line| self.sync_through(line)).is_err() {
            // Not recorded for sure, so not charged for sure: the same as a lost request,
            // which the sweeper settles by lookup.
            return ChargeOutcome::Unknown;
        }
        match behaviour {
            Behaviour::TimeoutCaptured => ChargeOutcome::Unknown,
            _ => outcome_of(&entry),
        }
    }

    fn lookup(&self, idempotency_key: &str) -> Lookup {
        let _guard = LEDGER_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let found = self.find(idempotency_key).ok().flatten();
        match found.map(|entry| outcome_of(&entry)) {
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
        let guard = LEDGER_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = self.find(idempotency_key).map_err(|e| e.to_string())? {
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
        let appended = self.append(&entry);
        drop(guard);
        appended
            .and_then(|line| self.sync_through(line))
            .map_err(|e| e.to_string())?;
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
