//! Group commit for SQLite: the write units of one database share its single writer connection
//! and one durable COMMIT per batch, each unit in a savepoint of its own.
//!
//! A unit takes the writer's turn, joins the open batch (BEGIN IMMEDIATE when none is open),
//! runs in a SAVEPOINT (RELEASE on Ok, ROLLBACK TO on Err or panic, so one unit's failure never
//! undoes another's) and, when no other unit is queued for the turn, COMMITs the batch. Units
//! that queue while a COMMIT waits for its fsync run next and form the next batch. Every unit
//! then waits until its batch is resolved: nothing is answered before the COMMIT that makes it
//! durable has returned, and if that COMMIT fails every unit of the batch gets the error.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel::sqlite::SqliteConnection;

use super::DbConn;

type Tm = <DbConn as Connection>::TransactionManager;

/// A batch is committed at this many units even while more are queued, so a steady stream of
/// writers cannot keep its first units waiting.
const MAX_BATCH: usize = 64;

/// The writer of one SQLite database file.
pub struct Writer {
    path: String,
    turn: Mutex<Turn>,
    queued: AtomicUsize,
    ledger: Mutex<Ledger>,
    resolved: Condvar,
}

/// What the unit holding the turn may touch.
#[derive(Default)]
struct Turn {
    /// Opened on first use; dropped (rolling back whatever it held) when it is in doubt.
    conn: Option<DbConn>,
    /// The batch whose transaction is open.
    open: Option<u64>,
    last_batch: u64,
    units: usize,
    /// Units of the open batch that will wait for its outcome.
    waiters: usize,
}

/// Outcomes of the batches, for the units waiting on them. Batches resolve in order.
#[derive(Default)]
struct Ledger {
    resolved_through: u64,
    /// A failed batch's message and how many of its units have not read it yet.
    failed: HashMap<u64, (String, usize)>,
}

/// How a unit ended inside its savepoint.
enum Unit<T, E> {
    Done(Result<T, E>),
    Panicked(Box<dyn std::any::Any + Send>),
}

impl Writer {
    /// The writer of the database file `path`, shared by every pool of this process on it.
    pub fn for_file(path: &str) -> Arc<Writer> {
        let mut writers = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
        writers.retain(|_, writer| writer.strong_count() > 0);
        if let Some(writer) = writers.get(path).and_then(Weak::upgrade) {
            return writer;
        }
        let writer = Arc::new(Writer {
            path: path.to_owned(),
            turn: Mutex::default(),
            queued: AtomicUsize::new(0),
            ledger: Mutex::default(),
            resolved: Condvar::new(),
        });
        writers.insert(path.to_owned(), Arc::downgrade(&writer));
        writer
    }

    /// The live writer of `path`, if a pool of this process opened that file.
    pub fn find(path: &str) -> Option<Arc<Writer>> {
        let writers = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
        writers.get(path).and_then(Weak::upgrade)
    }

    /// Runs `work` as one unit of a batch and returns once the batch is durable (or failed).
    pub fn run<T, E>(&self, work: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<QueryError>,
    {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let batch = self.join(&mut turn)?;
        let conn = turn
            .conn
            .as_mut()
            .expect("join opened the writer connection");
        let (unit, healthy) = in_savepoint(conn, work);
        turn.units += 1;
        if matches!(unit, Unit::Done(_)) {
            turn.waiters += 1;
        }
        if !healthy {
            self.abandon(&mut turn, "a write left the batch's transaction unusable");
        } else if self.queued.load(Ordering::SeqCst) == 0 || turn.units >= MAX_BATCH {
            self.commit(&mut turn);
        }
        drop(turn);
        let result = match unit {
            Unit::Done(result) => result,
            Unit::Panicked(payload) => resume_unwind(payload),
        };
        match (self.outcome(batch), result) {
            (Ok(()), result) | (Err(_), result @ Err(_)) => result,
            (Err(message), Ok(_)) => Err(batch_failed(message).into()),
        }
    }

    /// The open batch, beginning one (and opening the connection) when none is open.
    fn join(&self, turn: &mut Turn) -> Result<u64, QueryError> {
        if let Some(batch) = turn.open {
            return Ok(batch);
        }
        if turn.conn.is_none() {
            let conn = super::pool::open_sqlite(&self.path).map_err(|e| match e {
                diesel::r2d2::Error::QueryError(e) => e,
                diesel::r2d2::Error::ConnectionError(e) => batch_failed(e.to_string()),
            })?;
            turn.conn = Some(DbConn::Sqlite(conn));
        }
        let Some(DbConn::Sqlite(sqlite)) = turn.conn.as_mut() else {
            unreachable!("the writer connection is SQLite")
        };
        AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
        turn.last_batch += 1;
        turn.open = Some(turn.last_batch);
        Ok(turn.last_batch)
    }

    /// COMMITs the open batch; its fsync is the moment every unit of it becomes durable.
    fn commit(&self, turn: &mut Turn) {
        let conn = turn
            .conn
            .as_mut()
            .expect("an open batch has its connection");
        let failure = match Tm::commit_transaction(conn) {
            Ok(()) => None,
            Err(error) => {
                // Closing the connection rolls back whatever the failed COMMIT left.
                turn.conn = None;
                Some(error.to_string())
            }
        };
        self.resolve(turn, failure);
    }

    /// Gives up the open batch: the connection is closed, which rolls it back.
    fn abandon(&self, turn: &mut Turn, why: &str) {
        turn.conn = None;
        self.resolve(turn, Some(why.to_owned()));
    }

    fn resolve(&self, turn: &mut Turn, failure: Option<String>) {
        let batch = turn.open.take().expect("a batch is open");
        let mut ledger = self.ledger();
        ledger.resolved_through = batch;
        if let Some(message) = failure
            && turn.waiters > 0
        {
            ledger.failed.insert(batch, (message, turn.waiters));
        }
        turn.units = 0;
        turn.waiters = 0;
        drop(ledger);
        self.resolved.notify_all();
    }

    /// Waits until `batch` is resolved: Ok when it committed, else the failure's message.
    fn outcome(&self, batch: u64) -> Result<(), String> {
        let mut ledger = self.ledger();
        while ledger.resolved_through < batch {
            ledger = self
                .resolved
                .wait(ledger)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let Some((message, unread)) = ledger.failed.get_mut(&batch) else {
            return Ok(());
        };
        *unread -= 1;
        let message = message.clone();
        if *unread == 0 {
            ledger.failed.remove(&batch);
        }
        Err(message)
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Every writer of this process by database file; a writer lives as long as a pool holds it.
static REGISTRY: std::sync::LazyLock<Mutex<HashMap<String, Weak<Writer>>>> =
    std::sync::LazyLock::new(Mutex::default);

/// Runs `work` in a savepoint of the batch's transaction. The flag says whether the batch's
/// transaction is still whole: the savepoint released or rolled back and nothing else open.
fn in_savepoint<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> (Unit<T, E>, bool)
where
    E: From<QueryError>,
{
    if let Err(error) = Tm::begin_transaction(conn) {
        return (Unit::Done(Err(error.into())), false);
    }
    let (unit, closed) = match catch_unwind(AssertUnwindSafe(|| work(&mut *conn))) {
        Ok(Ok(value)) => match Tm::commit_transaction(conn) {
            Ok(()) => (Unit::Done(Ok(value)), true),
            Err(error) => (Unit::Done(Err(error.into())), false),
        },
        Ok(Err(error)) => {
            let rolled_back = Tm::rollback_transaction(conn).is_ok();
            (Unit::Done(Err(error)), rolled_back)
        }
        Err(payload) => {
            let rolled_back = Tm::rollback_transaction(conn).is_ok();
            (Unit::Panicked(payload), rolled_back)
        }
    };
    (unit, closed && batch_depth(conn))
}

/// Whether exactly the batch's transaction is open on the writer connection.
fn batch_depth(conn: &mut DbConn) -> bool {
    let DbConn::Sqlite(sqlite) = conn else {
        return false;
    };
    matches!(
        AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth(),
        Ok(Some(depth)) if depth.get() == 1
    )
}

fn batch_failed(message: String) -> QueryError {
    QueryError::DatabaseError(
        DatabaseErrorKind::Unknown,
        Box::new(format!(
            "the batch this write joined did not commit: {message}"
        )),
    )
}

/// The database file a SQLite connection has open ("" for an in-memory database).
pub fn file_of(conn: &mut SqliteConnection) -> Result<String, QueryError> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct File {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    Ok(
        diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .get_result::<File>(conn)?
            .file,
    )
}

#[cfg(test)]
mod tests;
