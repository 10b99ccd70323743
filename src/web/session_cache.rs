//! Sessions kept in this node's memory between requests, where the database can tell every node
//! that one changed: PostgreSQL reached directly. Each change or end of a session row is
//! announced by the database itself when its transaction commits (a trigger:
//! migrations/postgres/2026-12-11-000001_session_changes), and this node's feed, a connection
//! listening for those announcements, forgets the session. Before a held session is used, the
//! announcements that have reached the feed's connection are taken (a read of the socket, no
//! round trip); a request that changed or ended a session answers only once this node's feed
//! has heard the change (`settle_changes`), and every other node's feed is told by the same
//! commit.
//!
//! Nothing is held while the feed is lost or busy with its keeper's round trip, and no session
//! is held longer than `HOLD_FOR`: then the session is read from the database, as on SQLite and
//! behind a transaction pooler, where nothing is ever held (see "Sessions" in
//! docs/architecture.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use crate::db::notify::{Listener, announce};
use crate::db::{Backend, DbConn};

/// The channel the trigger announces on.
const CHANNEL: &str = "session_changes";
/// A held session is read again after this long, whatever the feed said, so its expiry is
/// never more than this late.
const HOLD_FOR: Duration = Duration::from_secs(60);
/// At most this many sessions are held; past it, the memory starts over.
const MOST_HELD: usize = 100_000;
/// How often the keeper checks the feed's connection, and how long it waits to open it again.
const KEEP_EVERY: Duration = Duration::from_millis(100);
const REOPEN_AFTER: Duration = Duration::from_secs(1);
/// How long a request that changed a session waits for this node's feed to hear the change.
const SETTLE_WITHIN: Duration = Duration::from_millis(500);
/// Marks the announcements a node makes to itself to know when its feed has caught up.
const MARKER_PREFIX: &str = "mark:";

#[derive(Default)]
pub struct SessionCache {
    held: Mutex<Held>,
    /// The connection that hears the announcements; None while it is lost or was never open.
    feed: Mutex<Option<Listener>>,
    from_memory: AtomicU64,
    from_database: AtomicU64,
}

#[derive(Default)]
struct Held {
    states: HashMap<String, (String, Instant)>,
    /// The feed is open: sessions may be held.
    listening: bool,
    /// Counts the changes heard; a read is kept only if none was heard while it ran.
    changes: u64,
    /// This node's own marks it waits for, and whether the feed has heard each.
    marks: HashMap<String, bool>,
}

impl Held {
    fn hear(&mut self, payload: String) {
        if let Some(heard) = self.marks.get_mut(&payload) {
            *heard = true;
        } else {
            self.states.remove(&payload);
            self.changes += 1;
        }
    }

    /// Stops holding anything, and makes every read in flight unkeepable.
    fn stop_listening(&mut self) {
        self.listening = false;
        self.states.clear();
        self.changes += 1;
    }
}

impl SessionCache {
    /// A node's sessions over `backend`, with the feed kept open by a thread of its own while
    /// the cache lives; on SQLite and behind a pooler a cache that holds nothing.
    pub fn start(backend: &Backend) -> Arc<SessionCache> {
        let cache = Arc::new(SessionCache::default());
        if let Backend::Postgres(_) = backend {
            let (weak, backend) = (Arc::downgrade(&cache), backend.clone());
            let spawned = std::thread::Builder::new()
                .name("session-feed".into())
                .spawn(move || keep_feed(weak, backend));
            if let Err(error) = spawned {
                tracing::warn!(%error, "sessions are read from the database: no feed thread");
            }
        }
        cache
    }

    /// Session `id`'s state, if held and not changed by any announcement that has reached this
    /// node.
    pub fn get(&self, id: &str) -> Option<String> {
        let state = self.catch_up().then(|| {
            let held = self.held();
            let (state, since) = held.states.get(id)?;
            (since.elapsed() < HOLD_FOR).then(|| state.clone())
        });
        let counter = match state {
            Some(Some(_)) => &self.from_memory,
            _ => &self.from_database,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        state.flatten()
    }

    /// Taken before a session is read from the database and given back to `keep`.
    pub fn changes(&self) -> u64 {
        self.held().changes
    }

    /// Holds session `id`'s `state`, read after `changes` gave `since`, unless a change was
    /// heard since (it may be this session's, made after the read).
    pub fn keep(&self, id: String, state: String, since: u64) {
        let mut held = self.held();
        if !held.listening || held.changes != since {
            return;
        }
        if held.states.len() >= MOST_HELD {
            held.states.clear();
        }
        held.states.insert(id, (state, Instant::now()));
    }

    /// Drops session `id`, which this node just changed.
    pub fn forget(&self, id: &str) {
        self.held().hear(id.to_owned());
    }

    /// Sessions read from memory and from the database since the node started.
    pub fn reads(&self) -> (u64, u64) {
        (
            self.from_memory.load(Ordering::Relaxed),
            self.from_database.load(Ordering::Relaxed),
        )
    }

    /// Called after a request's database work, on its connection: if the work changed or ended a
    /// session, returns only once this node's feed has heard everything committed before (its
    /// own mark, announced after the change, arrives after it), so this node forgot the session
    /// before the answer leaves.
    pub fn settle_changes(&self, conn: &mut DbConn) {
        if !crate::accounts::sessions::take_changed() || !self.held().listening {
            return;
        }
        let mark = format!("{MARKER_PREFIX}{}", crate::util::random_hex(16));
        self.held().marks.insert(mark.clone(), false);
        if let Err(error) = announce(conn, CHANNEL, &mark) {
            self.held().marks.remove(&mark);
            tracing::warn!(%error, "a session changed: this node's feed could not be marked");
            return;
        }
        let deadline = Instant::now() + SETTLE_WITHIN;
        let mut heard = false;
        while !heard && Instant::now() < deadline {
            // Never waits on the keeper's round trip, which a stalled database can make long.
            if let Ok(mut feed) = self.feed.try_lock() {
                self.take_heard(&mut feed);
            }
            let held = self.held();
            heard = !held.listening || held.marks[&mark];
            drop(held);
            if !heard {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        if !self.held().marks.remove(&mark).unwrap_or(true) {
            tracing::warn!("the session feed did not hear a session change within 500 ms");
        }
    }

    fn held(&self) -> MutexGuard<'_, Held> {
        // Held is consistent between statements; a panic cannot leave it half-changed.
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes what reached the feed, unless the keeper is using it (then the session is read
    /// from the database this once); false when nothing may be held now.
    fn catch_up(&self) -> bool {
        match self.feed.try_lock() {
            Ok(mut feed) => self.take_heard(&mut feed),
            Err(_) => false,
        }
    }

    /// Applies what reached the feed; a lost feed is closed and nothing held. Whether it is open.
    fn take_heard(&self, feed: &mut Option<Listener>) -> bool {
        let Some(listener) = feed.as_mut() else {
            return false;
        };
        let mut payloads = Vec::new();
        let taken = listener.take_heard(|payload| payloads.push(payload));
        let mut held = self.held();
        payloads.into_iter().for_each(|payload| held.hear(payload));
        if let Err(error) = taken {
            tracing::warn!(%error, "the session feed was lost; sessions are read from the database");
            held.stop_listening();
            *feed = None;
            return false;
        }
        true
    }

    /// Opens the feed if it is closed, else checks it with a round trip; when to tend it next.
    fn tend(&self, backend: &Backend) -> Duration {
        let mut feed = self.feed.lock().unwrap_or_else(|p| p.into_inner());
        if feed.is_none() {
            match Listener::open(backend, CHANNEL) {
                Ok(Some(listener)) => {
                    *feed = Some(listener);
                    // Reads that began before the LISTEN may have missed a change: not kept.
                    let mut held = self.held();
                    held.stop_listening();
                    held.listening = true;
                }
                Ok(None) => return Duration::MAX,
                Err(error) => {
                    tracing::warn!(%error, "the session feed cannot open; trying again");
                    return REOPEN_AFTER;
                }
            }
        }
        if let Some(Err(error)) = feed.as_mut().map(Listener::ping) {
            tracing::warn!(%error, "the session feed's connection failed");
            self.held().stop_listening();
            *feed = None;
            return REOPEN_AFTER;
        }
        self.take_heard(&mut feed);
        KEEP_EVERY
    }
}

/// The feed's keeper: runs while the node's cache lives.
fn keep_feed(cache: Weak<SessionCache>, backend: Backend) {
    while let Some(cache) = cache.upgrade() {
        let next = cache.tend(&backend);
        drop(cache);
        if next == Duration::MAX {
            return;
        }
        std::thread::sleep(next);
    }
}
