//! Session reads that share a query. Every request that carries a session cookie must know,
//! before its handler runs, whether that session still exists: a sign-out, password change or
//! suspension on any node deletes the row, and the next request anywhere must be anonymous. So
//! each request reads its row from the database after it arrived — nothing about a session is
//! kept in memory between requests — but the requests that arrive while one read is running wait
//! for it to finish and are then read together in one `WHERE id IN (..)` query, on one trip to
//! the blocking pool. Under load one query serves many requests; alone, a request waits for
//! exactly its own read, as before.
//!
//! Why no cache: a cached session could only be used after checking that it was not ended since
//! it was cached, and that check is itself a read of the database made after the request arrived
//! — one round trip, the same as reading the row. See "Sessions" in docs/architecture.md.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::accounts::sessions;
use crate::db::Pool;

/// A read's answer: the stored state, if the session exists; the error is shared by the batch.
type Answer = Result<Option<String>, Arc<anyhow::Error>>;

/// At most this many sessions in one query (well under SQLite's bound-parameter limit).
const BATCH: usize = 256;

/// This worker's session reads: who is waiting, and whether a batch is being read.
#[derive(Clone)]
pub struct SessionReads {
    pool: Pool,
    queue: Arc<Mutex<Queue>>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<(String, oneshot::Sender<Answer>)>,
    /// A reader task is running; it takes everything queued before it starts each query.
    reading: bool,
}

impl SessionReads {
    pub fn new(pool: Pool) -> SessionReads {
        SessionReads {
            pool,
            queue: Arc::default(),
        }
    }

    /// The stored state of session `id` (the SHA-256 of its cookie key), read by a query that
    /// started after this call.
    pub async fn read(&self, id: String) -> anyhow::Result<Option<String>> {
        let (answer, wait) = oneshot::channel();
        let start_reader = {
            let mut queue = self.lock();
            queue.waiting.push((id, answer));
            !std::mem::replace(&mut queue.reading, true)
        };
        if start_reader {
            // A task of its own, so a client that hangs up does not stop the reads of others.
            actix_web::rt::spawn(self.clone().drain());
        }
        match wait.await {
            Ok(answer) => answer.map_err(|e| anyhow::anyhow!("reading sessions: {e}")),
            Err(_) => Err(anyhow::anyhow!("the session reader stopped")),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // The queue holds no invariant a panic could break half-way.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads batches until nobody waits.
    async fn drain(self) {
        let mut stopping = StopGuard(Some(self.clone()));
        loop {
            let batch: Vec<_> = {
                let mut queue = self.lock();
                if queue.waiting.is_empty() {
                    queue.reading = false;
                    break;
                }
                let take = queue.waiting.len().min(BATCH);
                queue.waiting.drain(..take).collect()
            };
            let ids: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
            let pool = self.pool.clone();
            let found = actix_web::web::block(move || -> anyhow::Result<HashMap<_, _>> {
                Ok(sessions::load_states(
                    &mut *crate::db::checkout(&pool)?,
                    &ids,
                )?)
            })
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r)
            .map_err(Arc::new);
            for (id, answer) in batch {
                let _ = answer.send(match &found {
                    Ok(states) => Ok(states.get(&id).cloned()),
                    Err(e) => Err(e.clone()),
                });
            }
        }
        stopping.0 = None;
    }
}

/// Dropped only when the reader task is cancelled (its worker stops): the waiting requests get
/// an error instead of waiting forever, and the next request starts a new reader.
/// Disarmed (None) when the reader ends normally.
struct StopGuard(Option<SessionReads>);

impl Drop for StopGuard {
    fn drop(&mut self) {
        if let Some(reads) = &self.0 {
            let mut queue = reads.lock();
            queue.waiting.clear();
            queue.reading = false;
        }
    }
}
