//! Retention: rows that are useful only for a while are removed once that while is over, by a
//! background job of every node, in batches of `BATCH` rows, each its own short transaction, so
//! no delete holds locks for long or grows the write-ahead log by much:
//!
//! - sessions, once expired (nobody can use them);
//! - sign-in attempts older than `Ages::login_attempts` (rate limits look back minutes);
//! - guest carts nobody touched for `Ages::guest_carts` (a signed-in shopper's cart is kept);
//! - search outbox rows older than `Ages::search_outbox`, long applied by every running node. The
//!   highest id removed is kept in `search_outbox_pruned`, so a node that was down for longer
//!   rebuilds its index instead of missing the changes (`search::Indexer::drain`).
//!
//! Orders, payments, refunds, stock movements and the audit log are records, never removed here.
//! Two nodes sweeping at once is harmless: a row is deleted once, and the pruned mark only
//! rises.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{carts, login_attempts, search_outbox, search_outbox_pruned, sessions};
use crate::db::{DbConn, write_tx};
use crate::error::Result;

/// Rows removed per transaction.
pub const BATCH: i64 = 500;

/// How long each kind of row is kept.
#[derive(Debug, Clone, Copy)]
pub struct Ages {
    pub login_attempts: Duration,
    pub guest_carts: Duration,
    pub search_outbox: Duration,
}

impl Default for Ages {
    fn default() -> Ages {
        Ages {
            login_attempts: Duration::days(30),
            guest_carts: Duration::days(30),
            search_outbox: Duration::days(7),
        }
    }
}

/// How many rows of each kind a sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub sessions: usize,
    pub login_attempts: usize,
    pub guest_carts: usize,
    pub search_outbox: usize,
}

impl Removed {
    pub fn total(&self) -> usize {
        self.sessions + self.login_attempts + self.guest_carts + self.search_outbox
    }
}

/// Rows removed by this process since it started, by kind, for `/metrics`.
static REMOVED: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

/// `(kind, rows removed since start)` for each kind, for `/metrics`.
pub fn removed_so_far() -> [(&'static str, u64); 4] {
    let kinds = ["sessions", "login_attempts", "guest_carts", "search_outbox"];
    std::array::from_fn(|i| (kinds[i], REMOVED[i].load(Ordering::Relaxed)))
}

/// One kind's removal of up to `BATCH` rows past their age; returns how many went.
type Batch<'a> = &'a dyn Fn(&mut DbConn) -> Result<usize>;

/// Removes every row past its age at `now`, batch by batch, and stops after `max_batches`
/// batches of each kind so one round stays short; the next round goes on.
pub fn sweep(
    conn: &mut DbConn,
    ages: &Ages,
    now: NaiveDateTime,
    max_batches: usize,
) -> Result<Removed> {
    let mut removed = Removed::default();
    let kinds: [(&mut usize, Batch); 4] = [
        (&mut removed.sessions, &|c| expired_sessions(c, now)),
        (&mut removed.login_attempts, &|c| {
            old_login_attempts(c, now - ages.login_attempts)
        }),
        (&mut removed.guest_carts, &|c| {
            idle_guest_carts(c, now - ages.guest_carts)
        }),
        (&mut removed.search_outbox, &|c| {
            old_outbox_rows(c, now - ages.search_outbox)
        }),
    ];
    for (counter, (count, batch)) in REMOVED.iter().zip(kinds) {
        for _ in 0..max_batches {
            let gone = write_tx(conn, |c| batch(c))?;
            *count += gone;
            counter.fetch_add(gone as u64, Ordering::Relaxed);
            if gone < BATCH as usize {
                break;
            }
        }
    }
    Ok(removed)
}

fn expired_sessions(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize> {
    let ids: Vec<String> = sessions::table
        .filter(sessions::expires_at.lt(now))
        .select(sessions::id)
        .limit(BATCH)
        .load(conn)?;
    Ok(diesel::delete(sessions::table.filter(sessions::id.eq_any(&ids))).execute(conn)?)
}

/// Ids rise with time, so the oldest attempts are the first ids: the scan stops at the cutoff.
fn old_login_attempts(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    let ids: Vec<i64> = login_attempts::table
        .filter(login_attempts::created_at.lt(before))
        .order(login_attempts::id)
        .select(login_attempts::id)
        .limit(BATCH)
        .load(conn)?;
    Ok(
        diesel::delete(login_attempts::table.filter(login_attempts::id.eq_any(&ids)))
            .execute(conn)?,
    )
}

/// A guest cart's lines go with it (`ON DELETE CASCADE`).
fn idle_guest_carts(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    let ids: Vec<i64> = carts::table
        .filter(carts::user_id.is_null())
        .filter(carts::updated_at.lt(before))
        .select(carts::id)
        .limit(BATCH)
        .load(conn)?;
    Ok(diesel::delete(carts::table.filter(carts::id.eq_any(&ids))).execute(conn)?)
}

/// Removes old outbox rows and raises the pruned mark to the highest id removed, in one
/// transaction, so the mark never trails what is gone.
fn old_outbox_rows(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    let ids: Vec<i64> = search_outbox::table
        .filter(search_outbox::created_at.lt(before))
        .order(search_outbox::id)
        .select(search_outbox::id)
        .limit(BATCH)
        .load(conn)?;
    let Some(&highest) = ids.last() else {
        return Ok(0);
    };
    let gone = diesel::delete(search_outbox::table.filter(search_outbox::id.eq_any(&ids)))
        .execute(conn)?;
    // The mark's one row is made by its migration; it only ever rises.
    diesel::update(search_outbox_pruned::table.find(1))
        .filter(search_outbox_pruned::up_to.lt(highest))
        .set(search_outbox_pruned::up_to.eq(highest))
        .execute(conn)?;
    Ok(gone)
}

/// The retention job of `serve`: a round every `every`, the first right away.
pub fn spawn(pool: crate::db::Pool, ages: Ages, every: std::time::Duration) {
    std::thread::Builder::new()
        .name("retention".into())
        .spawn(move || {
            loop {
                let swept = pool
                    .get()
                    .map_err(crate::error::Error::from)
                    .and_then(|mut conn| sweep(&mut conn, &ages, crate::util::now(), ROUND));
                match swept {
                    Ok(removed) if removed.total() > 0 => tracing::info!(
                        sessions = removed.sessions,
                        login_attempts = removed.login_attempts,
                        guest_carts = removed.guest_carts,
                        search_outbox = removed.search_outbox,
                        "retention: old rows removed"
                    ),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "retention: will retry"),
                }
                std::thread::sleep(every);
            }
        })
        .expect("spawn the retention thread");
}

/// Batches of each kind per round: 10,000 rows, a few seconds of small transactions at most.
const ROUND: usize = 20;
