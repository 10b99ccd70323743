//! The simulator's books: every answer that changed something, kept as one JSON line per answer
//! in `ledger.jsonl` and in memory. An answer is sent only once its line is on disk; the lines
//! of concurrent calls share one fsync (group commit). On start the file is read back, so a
//! restarted simulator answers a repeated idempotency key, or a search, as before.

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
}

#[derive(Serialize, Deserialize)]
struct Line {
    key: String,
    reply: Reply,
    change: Change,
}

/// What the ledger holds, in memory.
#[derive(Default)]
pub struct Books {
    replies: HashMap<String, Reply>,
    intents: HashMap<String, Intent>,
    by_shop_key: HashMap<String, String>,
}

impl Books {
    pub fn intent(&self, id: &str) -> Option<&Intent> {
        self.intents.get(id)
    }

    fn apply(&mut self, line: Line) {
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
        }
        self.replies.insert(line.key, line.reply);
    }
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
                if let Ok(line) = serde_json::from_str::<Line>(&line?) {
                    books.apply(line);
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
    /// its parameters is not), recorded and on disk before it is returned.
    pub fn answer(
        &self,
        key: &str,
        decide: impl FnOnce(&Books) -> (Reply, Option<Change>),
    ) -> std::io::Result<Reply> {
        let (reply, line_number) = {
            let mut open = locked(&self.open);
            if let Some(reply) = open.books.replies.get(key) {
                (reply.clone(), open.appended)
            } else {
                let (reply, change) = decide(&open.books);
                let Some(change) = change else {
                    return Ok(reply);
                };
                let line = Line {
                    key: key.to_owned(),
                    reply: reply.clone(),
                    change,
                };
                let text = serde_json::to_string(&line).map_err(std::io::Error::other)?;
                writeln!(open.file, "{text}")?;
                open.appended += 1;
                open.books.apply(line);
                (reply, open.appended)
            }
        };
        // A replay waits for the sync too: it must not answer from a line a crash could undo.
        self.sync_through(line_number)?;
        Ok(reply)
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

    #[test]
    fn a_repeated_key_replays_the_first_answer_even_after_a_restart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ledger = Ledger::open(dir.path()).expect("open");
        let first = ledger
            .answer("k1", |_| (reply(200), Some(intent("pi_1", "pay_1"))))
            .expect("answer");
        let again = ledger
            .answer("k1", |_| (reply(500), Some(intent("pi_2", "pay_1"))))
            .expect("replay");
        assert_eq!(again.status, first.status);
        drop(ledger);
        let restarted = Ledger::open(dir.path()).expect("reopen");
        let replayed = restarted
            .answer("k1", |_| (reply(500), None))
            .expect("replay");
        assert_eq!(replayed.status, 200);
        let found = restarted.intent_by_shop_key("pay_1").expect("read");
        assert_eq!(found.map(|i| i.id), Some("pi_1".to_owned()));
    }

    #[test]
    fn an_answer_that_changes_nothing_is_not_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ledger = Ledger::open(dir.path()).expect("open");
        ledger.answer("k", |_| (reply(400), None)).expect("answer");
        let second = ledger
            .answer("k", |_| (reply(200), Some(intent("pi_1", "pay_1"))))
            .expect("answer");
        assert_eq!(second.status, 200);
    }

    #[test]
    fn refunds_add_up_on_their_intent() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ledger = Ledger::open(dir.path()).expect("open");
        ledger
            .answer("k", |_| (reply(200), Some(intent("pi_1", "pay_1"))))
            .expect("intent");
        for key in ["r1", "r2"] {
            ledger
                .answer(key, |_| {
                    let change = Change::Refund {
                        intent: "pi_1".into(),
                        amount: 200,
                    };
                    (reply(200), Some(change))
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
}
