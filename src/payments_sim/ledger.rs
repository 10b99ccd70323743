//! The simulator's books: every answer that changed something, kept as one JSON line per answer
//! in `ledger.jsonl` and in memory. An answer is sent only once its line is on disk; the lines
//! of concurrent calls share one fsync (group commit). On start the file is read back, so a
//! restarted simulator answers a repeated idempotency key, or a search, as before. A line may
//! carry the webhook event its change makes; a later line marks the event delivered, so a
//! restarted simulator sends again what it had not delivered.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

const LEDGER_FILE: &str = "ledger.jsonl";

/// An HTTP answer as it was first given, replayed for a repeated idempotency key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
}

/// A payment intent: confirmed when it is made, and captured at once when the card pays.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Intent {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    /// Why the card did not pay; `None` when it did.
    pub declined: Option<String>,
    /// The shop's own key for the payment (`metadata[shop_key]`), which a search finds it by.
    pub shop_key: Option<String>,
    /// Minor units given back so far.
    pub refunded: i64,
}

/// A card kept by the simulator: its token and what may be shown of it. Never its number.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Card {
    pub token: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i32,
    pub exp_year: i32,
}

/// A card page opened for a shopper (a Checkout Session in setup mode), and the card entered
/// on it once there is one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CardSession {
    pub id: String,
    /// The hosted page, as the shopper's browser reaches it.
    pub url: String,
    pub success_url: String,
    pub cancel_url: String,
    pub client_reference_id: Option<String>,
    /// The customer the card is attached to, as the shop asked.
    #[serde(default)]
    pub customer: Option<String>,
    pub card: Option<Card>,
}

/// What an answer changed in the books.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Intent(Intent),
    Refund {
        intent: String,
        amount: i64,
    },
    /// A refusal set up in advance for a key (`POST /v1/test_helpers/refusals`).
    Refusal,
    Session(Box<CardSession>),
    CardEntered {
        session: String,
        card: Card,
    },
}

/// What an answer decided: the reply, what it changes, and the event that change makes.
pub struct Decision {
    pub reply: Reply,
    pub change: Option<Change>,
    pub event: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct Line {
    key: String,
    reply: Reply,
    change: Change,
    event: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Entry {
    Answer(Line),
    Delivered { delivered: String },
}

/// What the ledger holds, in memory.
#[derive(Default)]
pub struct Books {
    replies: HashMap<String, Reply>,
    intents: HashMap<String, Intent>,
    by_shop_key: HashMap<String, String>,
    sessions: HashMap<String, CardSession>,
    /// Events not yet delivered, by id, in the order they were made.
    undelivered: Vec<(String, serde_json::Value)>,
}

impl Books {
    pub fn intent(&self, id: &str) -> Option<&Intent> {
        self.intents.get(id)
    }

    pub fn session(&self, id: &str) -> Option<&CardSession> {
        self.sessions.get(id)
    }

    fn apply(&mut self, entry: Entry) {
        let line = match entry {
            Entry::Answer(line) => line,
            Entry::Delivered { delivered } => {
                self.undelivered.retain(|(id, _)| *id != delivered);
                return;
            }
        };
        if let Some(event) = &line.event {
            self.undelivered.push((event_id(event), event.clone()));
        }
        match line.change {
            Change::Intent(intent) => {
                if let Some(shop_key) = &intent.shop_key {
                    self.by_shop_key.insert(shop_key.clone(), intent.id.clone());
                }
                self.intents.insert(intent.id.clone(), intent);
            }
            Change::Refund { intent, amount } => {
                if let Some(intent) = self.intents.get_mut(&intent) {
                    intent.refunded += amount;
                }
            }
            Change::Refusal => {}
            Change::Session(session) => {
                self.sessions.insert(session.id.clone(), *session);
            }
            Change::CardEntered { session, card } => {
                if let Some(session) = self.sessions.get_mut(&session) {
                    session.card = Some(card);
                }
            }
        }
        self.replies.insert(line.key, line.reply);
    }
}

/// An event's id (`evt_…`).
pub fn event_id(event: &serde_json::Value) -> String {
    event["id"].as_str().unwrap_or_default().to_owned()
}

pub struct Ledger {
    path: PathBuf,
    open: Mutex<Open>,
    /// Lines known to be on disk; held during an fsync, so the answers waiting behind one are
    /// covered by the next, which takes every line appended by then.
    synced: Mutex<u64>,
}

struct Open {
    books: Books,
    file: File,
    appended: u64,
}

impl Open {
    fn append(&mut self, entry: Entry) -> std::io::Result<()> {
        let text = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
        writeln!(self.file, "{text}")?;
        self.appended += 1;
        self.books.apply(entry);
        Ok(())
    }
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each change to the books is applied whole under the lock, so a panic elsewhere leaves
    // nothing half-written.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Ledger {
    /// Opens (or starts) the ledger in `dir`, reading back every answer already given.
    pub fn open(dir: &Path) -> std::io::Result<Ledger> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(LEDGER_FILE);
        let mut books = Books::default();
        let mut appended = 0;
        if let Ok(file) = File::open(&path) {
            for line in BufReader::new(file).lines() {
                // A line cut short by a crash was never synced, so never answered: skip it.
                if let Ok(entry) = serde_json::from_str::<Entry>(&line?) {
                    books.apply(entry);
                    appended += 1;
                }
            }
        }
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Ledger {
            path,
            open: Mutex::new(Open {
                books,
                file,
                appended,
            }),
            synced: Mutex::new(appended),
        })
    }

    /// The answer already given under `key`, or else the one `decide` gives (with what it
    /// changes, if anything: an answer that changes nothing is not kept, as a call refused for
    /// its parameters is not), recorded and on disk before it is returned, with the event it
    /// made, if it made one now.
    pub fn answer(
        &self,
        key: &str,
        decide: impl FnOnce(&Books) -> Decision,
    ) -> std::io::Result<(Reply, Option<serde_json::Value>)> {
        let (reply, event, line_number) = {
            let mut open = locked(&self.open);
            if let Some(reply) = open.books.replies.get(key) {
                (reply.clone(), None, open.appended)
            } else {
                let Decision {
                    reply,
                    change,
                    event,
                } = decide(&open.books);
                let Some(change) = change else {
                    return Ok((reply, None));
                };
                let line = Line {
                    key: key.to_owned(),
                    reply: reply.clone(),
                    change,
                    event: event.clone(),
                };
                open.append(Entry::Answer(line))?;
                (reply, event, open.appended)
            }
        };
        // A replay waits for the sync too: it must not answer from a line a crash could undo.
        self.sync_through(line_number)?;
        Ok((reply, event))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Marks event `id` delivered. Not synced: a mark lost to a crash only sends it again.
    pub fn delivered(&self, id: &str) -> std::io::Result<()> {
        locked(&self.open).append(Entry::Delivered {
            delivered: id.to_owned(),
        })
    }

    /// The events not delivered yet, oldest first.
    pub fn undelivered(&self) -> Vec<serde_json::Value> {
        let open = locked(&self.open);
        open.books
            .undelivered
            .iter()
            .map(|(_, event)| event.clone())
            .collect()
    }

    /// Reads the books, once everything they hold is on disk.
    pub fn read<T>(&self, read: impl FnOnce(&Books) -> T) -> std::io::Result<T> {
        let (value, line_number) = {
            let open = locked(&self.open);
            (read(&open.books), open.appended)
        };
        self.sync_through(line_number)?;
        Ok(value)
    }

    /// The intent made under the shop's key `shop_key`, if any.
    pub fn intent_by_shop_key(&self, shop_key: &str) -> std::io::Result<Option<Intent>> {
        self.read(|books| {
            books
                .by_shop_key
                .get(shop_key)
                .and_then(|id| books.intents.get(id))
                .cloned()
        })
    }

    fn sync_through(&self, line: u64) -> std::io::Result<()> {
        let mut synced = locked(&self.synced);
        if *synced >= line {
            return Ok(());
        }
        let through = locked(&self.open).appended;
        File::open(&self.path)?.sync_data()?;
        *synced = through;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(id: &str, shop_key: &str) -> Change {
        Change::Intent(Intent {
            id: id.into(),
            amount: 500,
            currency: "usd".into(),
            declined: None,
            shop_key: Some(shop_key.into()),
            refunded: 0,
        })
    }

    fn reply(status: u16) -> Reply {
        Reply {
            status,
            body: serde_json::json!({ "status": status }),
        }
    }

    fn decided(status: u16, change: Option<Change>) -> Decision {
        let event = change
            .as_ref()
            .map(|_| serde_json::json!({ "id": format!("evt_{status}") }));
        Decision {
            reply: reply(status),
            change,
            event,
        }
    }

    #[test]
    fn a_repeated_key_replays_the_first_answer_even_after_a_restart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ledger = Ledger::open(dir.path()).expect("open");
        let (first, event) = ledger
            .answer("k1", |_| decided(200, Some(intent("pi_1", "pay_1"))))
            .expect("answer");
        assert!(event.is_some(), "a new change makes its event");
        let (again, event) = ledger
            .answer("k1", |_| decided(500, Some(intent("pi_2", "pay_1"))))
            .expect("replay");
        assert_eq!(again.status, first.status);
        assert!(event.is_none(), "a replay makes no event");
        drop(ledger);
        let restarted = Ledger::open(dir.path()).expect("reopen");
        let (replayed, _) = restarted
            .answer("k1", |_| decided(500, None))
            .expect("replay");
        assert_eq!(replayed.status, 200);
        let found = restarted.intent_by_shop_key("pay_1").expect("read");
        assert_eq!(found.map(|i| i.id), Some("pi_1".to_owned()));
    }

    #[test]
    fn an_answer_that_changes_nothing_is_not_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ledger = Ledger::open(dir.path()).expect("open");
        ledger.answer("k", |_| decided(400, None)).expect("answer");
        let (second, _) = ledger
            .answer("k", |_| decided(200, Some(intent("pi_1", "pay_1"))))
            .expect("answer");
        assert_eq!(second.status, 200);
    }

    #[test]
    fn refunds_add_up_on_their_intent() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ledger = Ledger::open(dir.path()).expect("open");
        ledger
            .answer("k", |_| decided(200, Some(intent("pi_1", "pay_1"))))
            .expect("intent");
        for key in ["r1", "r2"] {
            ledger
                .answer(key, |_| {
                    let change = Change::Refund {
                        intent: "pi_1".into(),
                        amount: 200,
                    };
                    decided(201, Some(change))
                })
                .expect("refund");
        }
        drop(ledger);
        let restarted = Ledger::open(dir.path()).expect("reopen");
        let refunded = restarted
            .read(|books| books.intent("pi_1").map(|i| i.refunded))
            .expect("read");
        assert_eq!(refunded, Some(400));
    }

    #[test]
    fn events_stay_undelivered_until_marked_even_across_a_restart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ledger = Ledger::open(dir.path()).expect("open");
        ledger
            .answer("k1", |_| decided(200, Some(intent("pi_1", "pay_1"))))
            .expect("answer");
        ledger
            .answer("k2", |_| decided(202, Some(intent("pi_2", "pay_2"))))
            .expect("answer");
        ledger.delivered("evt_200").expect("mark");
        drop(ledger);
        let restarted = Ledger::open(dir.path()).expect("reopen");
        let left: Vec<String> = restarted.undelivered().iter().map(event_id).collect();
        assert_eq!(left, ["evt_202"]);
    }
}
