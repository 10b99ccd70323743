//! Applies the search outbox to this node's index, in id order, crash-safely.
//!
//! Every batch deletes and re-adds the products its outbox rows name, reading their state as
//! the database has it now, then commits with the highest outbox id it covers as the commit
//! payload. A crash before the commit loses only uncommitted index work: on restart the payload
//! still names the old position and the same rows are applied again, which is harmless because
//! applying a row is idempotent (delete by product id, then add the current document).
//!
//! Outbox ids come from a sequence, and on PostgreSQL a transaction that took id 10 may commit
//! after one that took id 11. So the position only advances over a contiguous run of ids; rows
//! past a gap are applied at once but the position waits for the gap to fill, and gives up on it
//! (a rolled-back transaction leaves a permanent hole) after `GAP_GRACE`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use tantivy::{IndexWriter, TantivyDocument};

use super::documents;
use super::index::{SearchIndex, internal, payload};
use crate::db::schema::{products, search_outbox, search_outbox_pruned};
use crate::db::{DbConn, Pool};
use crate::error::{Error, Result};

const BATCH: i64 = 1_000;
const WRITER_MEMORY: usize = 50_000_000;
/// How long a missing outbox id may stay missing before it counts as rolled back.
const GAP_GRACE: Duration = Duration::from_secs(60);

/// The single writer of a node's index.
pub struct Indexer {
    index: Arc<SearchIndex>,
    state: Mutex<State>,
}

struct State {
    writer: IndexWriter<TantivyDocument>,
    /// Every outbox id up to here is in the committed index (or was given up on).
    position: Option<i64>,
    /// Ids past `position` already applied (waiting behind a gap), so they are not redone.
    applied_past_gap: BTreeSet<i64>,
    /// The first missing id after `position` and when it was first noticed.
    gap: Option<(i64, Instant)>,
    /// Whether this indexer has looked, since it started, for outbox rows the retention job
    /// removed before it applied them.
    looked_for_pruned: bool,
}

/// What `stage` applied but has not committed yet.
pub struct Staged {
    position: i64,
    changed: bool,
}

impl Indexer {
    /// Takes the index's writer lock: a second indexer on the same folder fails here.
    pub fn new(index: Arc<SearchIndex>) -> Result<Indexer> {
        let writer = index.index.writer(WRITER_MEMORY).map_err(|e| {
            Error::Internal(format!(
                "search index is in use by another process (is the shop running?): {e}"
            ))
        })?;
        let position = index.applied_outbox_id();
        Ok(Indexer {
            index,
            state: Mutex::new(State {
                writer,
                position,
                applied_past_gap: BTreeSet::new(),
                gap: None,
                looked_for_pruned: false,
            }),
        })
    }

    /// Applies every outbox row there is and commits; returns how many rows it applied. A new,
    /// never-filled index is rebuilt from the products instead of replaying the whole outbox.
    pub fn drain(&self, conn: &mut DbConn) -> Result<usize> {
        let mut state = self.lock();
        if state.position.is_none() || missed_pruned_rows(&mut state, conn)? {
            return self.rebuild_locked(&mut state, conn);
        }
        let mut applied = 0;
        loop {
            let before = state.position;
            let (rows, staged) = self.stage_locked(&mut state, conn)?;
            applied += rows;
            match staged {
                Some(staged) => self.commit_locked(&mut state, staged)?,
                None => return Ok(applied),
            }
            // A short batch was the last; a position stuck behind a gap would repeat forever.
            if rows < BATCH as usize || state.position == before {
                return Ok(applied);
            }
        }
    }

    /// Applies one batch of outbox rows to the writer without committing them. `commit` makes
    /// them visible and durable; dropping the indexer instead is what a crash does.
    pub fn stage(&self, conn: &mut DbConn) -> Result<Option<Staged>> {
        let mut state = self.lock();
        Ok(self.stage_locked(&mut state, conn)?.1)
    }

    pub fn commit(&self, staged: Staged) -> Result<()> {
        let mut state = self.lock();
        self.commit_locked(&mut state, staged)
    }

    /// Throws the index away and builds it again from every published product.
    pub fn rebuild(&self, conn: &mut DbConn) -> Result<usize> {
        let mut state = self.lock();
        self.rebuild_locked(&mut state, conn)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves only uncommitted writer work behind, which the
        // next batch redoes; the state stays usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stage_locked(
        &self,
        state: &mut State,
        conn: &mut DbConn,
    ) -> Result<(usize, Option<Staged>)> {
        let from = state.position.unwrap_or(0);
        let rows: Vec<(i64, i64)> = search_outbox::table
            .filter(search_outbox::id.gt(from))
            .order(search_outbox::id)
            .limit(BATCH)
            .select((search_outbox::id, search_outbox::product_id))
            .load(conn)?;
        if rows.is_empty() {
            return Ok((0, None));
        }
        let mut to_apply: Vec<i64> = rows
            .iter()
            .filter(|(id, _)| !state.applied_past_gap.contains(id))
            .map(|(_, product_id)| *product_id)
            .collect();
        to_apply.sort_unstable();
        to_apply.dedup();
        if let Err(error) = self.apply(state, conn, &to_apply) {
            let _ = state.writer.rollback();
            return Err(error);
        }
        let mut position = from;
        for (id, _) in &rows {
            if *id == position + 1 || self.gap_expired(state, position + 1) {
                position = *id;
            } else {
                state.applied_past_gap.insert(*id);
            }
        }
        Ok((
            rows.len(),
            Some(Staged {
                position,
                changed: !to_apply.is_empty(),
            }),
        ))
    }

    /// Whether the ids from `missing` on have been missing for longer than `GAP_GRACE`.
    fn gap_expired(&self, state: &mut State, missing: i64) -> bool {
        match state.gap {
            Some((id, since)) if id == missing => {
                if since.elapsed() >= GAP_GRACE {
                    tracing::warn!(outbox_id = missing, "search outbox gap given up on");
                    true
                } else {
                    false
                }
            }
            _ => {
                state.gap = Some((missing, Instant::now()));
                false
            }
        }
    }

    fn apply(&self, state: &mut State, conn: &mut DbConn, product_ids: &[i64]) -> Result<()> {
        for id in product_ids {
            state.writer.delete_term(self.index.product_term(*id));
        }
        for (_, doc) in documents::load(conn, &self.index.fields, product_ids)? {
            state.writer.add_document(doc).map_err(internal)?;
        }
        Ok(())
    }

    fn commit_locked(&self, state: &mut State, staged: Staged) -> Result<()> {
        if !staged.changed && Some(staged.position) == state.position {
            return Ok(());
        }
        let mut prepared = state.writer.prepare_commit().map_err(internal)?;
        prepared.set_payload(&payload(staged.position));
        prepared.commit().map_err(internal)?;
        state.position = Some(staged.position);
        state.applied_past_gap.retain(|id| *id > staged.position);
        if state.gap.is_some_and(|(id, _)| id <= staged.position) {
            state.gap = None;
        }
        self.index.reload(staged.position)?;
        Ok(())
    }

    fn rebuild_locked(&self, state: &mut State, conn: &mut DbConn) -> Result<usize> {
        // Rows written while we read are newer than this and get applied afterwards.
        let position: i64 = search_outbox::table
            .select(diesel::dsl::max(search_outbox::id))
            .first::<Option<i64>>(conn)?
            .unwrap_or(0);
        state.writer.delete_all_documents().map_err(internal)?;
        let mut after = 0;
        let mut indexed = 0;
        loop {
            let ids: Vec<i64> = products::table
                .filter(products::id.gt(after))
                .order(products::id)
                .limit(BATCH)
                .select(products::id)
                .load(conn)?;
            let Some(last) = ids.last().copied() else {
                break;
            };
            for (_, doc) in documents::load(conn, &self.index.fields, &ids)? {
                state.writer.add_document(doc).map_err(internal)?;
                indexed += 1;
            }
            after = last;
        }
        state.applied_past_gap.clear();
        state.gap = None;
        self.commit_locked(
            state,
            Staged {
                position,
                changed: true,
            },
        )?;
        Ok(indexed)
    }
}

/// Whether the retention job removed outbox rows past this index's position
/// (`retention::sweep`): changes it can no longer read, so only a rebuild brings it up to date.
/// Looked up when the indexer starts (a node that was down for long) and while the position
/// waits behind a gap (removed rows look like one); a running node applies rows within a second
/// and the job removes them only after days.
fn missed_pruned_rows(state: &mut State, conn: &mut DbConn) -> Result<bool> {
    if state.looked_for_pruned && state.gap.is_none() {
        return Ok(false);
    }
    state.looked_for_pruned = true;
    let Some(position) = state.position else {
        return Ok(false);
    };
    let pruned: Option<i64> = search_outbox_pruned::table
        .select(search_outbox_pruned::up_to)
        .first(conn)
        .optional()?;
    Ok(pruned.is_some_and(|up_to| up_to > position))
}

/// The background indexer of `serve`: polls the outbox every `interval` until dropped.
pub struct Running {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

pub fn spawn(indexer: Arc<Indexer>, pool: Pool, interval: Duration) -> Running {
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::Builder::new()
        .name("search-indexer".into())
        .spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                let result = pool
                    .get()
                    .map_err(Error::from)
                    .and_then(|mut conn| indexer.drain(&mut conn));
                if let Err(error) = result {
                    tracing::warn!(%error, "search indexer: will retry");
                }
                std::thread::park_timeout(interval);
            }
        })
        .expect("spawn the search indexer thread");
    Running {
        stop,
        thread: Some(thread),
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}
