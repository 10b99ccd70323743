//! Connections: how each backend's are opened and set up, the request pool (and a read
//! replica's), and how a request takes a connection from it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use diesel::connection::{CacheSize, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

use super::{Backend, DbConn, Error, Pool, PooledConn, errors, group_commit, setting};

/// Opens connections of one backend, with the settings every connection of it needs. On
/// SQLite it also holds the database's group-commit writer (see `write_tx`) for as long as the
/// pool lives.
pub struct Manager {
    backend: Backend,
    writer: OnceLock<Arc<group_commit::Writer>>,
    /// Whether its connections serve requests (a pool's), and so carry the limits below.
    pooled: bool,
}

/// A pooled PostgreSQL connection gives up waiting for a lock after this, and on a statement
/// after `STATEMENT_TIMEOUT`, so one stuck transaction cannot hold every connection of the
/// pool; the visitor is told to try again (`errors::is_timeout`). Commands (`establish`: bulk
/// seeding, migrations, backups) have no limit.
const LOCK_TIMEOUT: &str = "5s";
const STATEMENT_TIMEOUT: &str = "30s";
/// A transaction left open by a crashed client is ended after this.
const IDLE_IN_TRANSACTION_TIMEOUT: &str = "60s";

thread_local! {
    /// Set when a query on this thread found its connection gone; read by `has_broken` when the
    /// connection goes back to the pool, which happens on the same thread right after.
    static CONNECTION_LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// When a write last failed for a full disk, in seconds since the epoch (`storage_full_lately`).
static STORAGE_FULL_AT: AtomicI64 = AtomicI64::new(0);

/// Notes a query error; a lost connection (`errors::is_connection_lost`) is then not given to
/// anyone again, and a full disk is remembered for a moment. Called where a query error becomes
/// `db::Error` (every service error's way) and where the session store meets one.
pub fn note_query_error(error: &diesel::result::Error) {
    if errors::is_connection_lost(error) {
        CONNECTION_LOST.set(true);
    }
    if errors::is_storage_full(error) {
        STORAGE_FULL_AT.store(crate::util::now().and_utc().timestamp(), Ordering::Relaxed);
    }
}

/// Whether a write failed for a full disk in the last few seconds: what a failure reported only
/// as "the session could not be saved" most likely met too.
pub fn storage_full_lately() -> bool {
    crate::util::now().and_utc().timestamp() - STORAGE_FULL_AT.load(Ordering::Relaxed) <= 5
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("backend", &self.backend.display())
            .finish()
    }
}

impl Manager {
    pub fn new(backend: Backend) -> Manager {
        Manager {
            backend,
            writer: OnceLock::new(),
            pooled: false,
        }
    }
}

/// A SQLite connection with the settings every connection of the shop needs.
pub(super) fn open_sqlite(path: &str) -> Result<SqliteConnection, r2d2::Error> {
    let mut conn = SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
    // WAL lets readers run beside the writer; synchronous=FULL makes a committed order survive
    // a power cut; the busy timeout queues writers of other processes instead of failing; reads
    // go through a memory map and a 32 MB page cache instead of a pread per page (3x on
    // product pages at 50K products).
    conn.batch_execute(
        "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
         PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
         PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -32000;",
    )
    .map_err(r2d2::Error::QueryError)?;
    Ok(conn)
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.backend {
            Backend::Postgres(url) | Backend::PostgresViaPooler(url) => {
                let mut conn =
                    PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                // TIMESTAMPTZ columns are read and written as UTC wall-clock values. A pooler
                // carries the time zone over to whichever server connection it uses (pgbouncer
                // tracks it), unlike the limits.
                conn.batch_execute("SET TIME ZONE 'UTC'")
                    .map_err(r2d2::Error::QueryError)?;
                let via_pooler = matches!(self.backend, Backend::PostgresViaPooler(_));
                if via_pooler {
                    conn.set_prepared_statement_cache_size(CacheSize::Disabled);
                } else if self.pooled {
                    conn.batch_execute(&format!(
                        "SET lock_timeout = '{LOCK_TIMEOUT}'; \
                         SET statement_timeout = '{STATEMENT_TIMEOUT}'; \
                         SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION_TIMEOUT}'"
                    ))
                    .map_err(r2d2::Error::QueryError)?;
                }
                Ok(DbConn::Postgres(conn))
            }
            Backend::Sqlite(path) => {
                let mut conn = open_sqlite(path)?;
                if self.writer.get().is_none() {
                    let file = group_commit::file_of(&mut conn).map_err(r2d2::Error::QueryError)?;
                    if !file.is_empty() {
                        let _ = self.writer.set(group_commit::Writer::for_file(&file));
                    }
                }
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        CONNECTION_LOST.take() || std::thread::panicking()
    }
}

/// One connection outside any pool, for commands and start-up: fails at once with the
/// backend's own message when the database cannot be reached.
pub fn establish(backend: &Backend) -> Result<DbConn, Error> {
    ensure_sqlite_dir(backend)?;
    Manager::new(backend.clone())
        .connect()
        .map_err(|e| match e {
            r2d2::Error::ConnectionError(e) => Error::Connect(e),
            r2d2::Error::QueryError(e) => Error::Query(e),
        })
}

fn ensure_sqlite_dir(backend: &Backend) -> Result<(), Error> {
    if let Backend::Sqlite(path) = backend
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| Error::BadUrl(format!("{path}: {e}")))?;
    }
    Ok(())
}

/// Builds the pool for a backend. `max_size` defaults to 8: on a 2-core machine shared with
/// PostgreSQL, 16 connections made the order history's p99 three times worse (75–90 ms against
/// 21–34 ms) for no more throughput; a database on its own machine may want more.
pub fn connect(backend: &Backend, max_size: Option<u32>) -> Result<Pool, Error> {
    ensure_sqlite_dir(backend)?;
    let pool = builder(max_size).build(Manager {
        pooled: true,
        ..Manager::new(backend.clone())
    })?;
    if let Backend::PostgresViaPooler(_) = backend {
        check_role_limits(&mut *pool.get()?)?;
    }
    Ok(pool)
}

/// The pool of a read replica (`DATABASE_REPLICA_URL`), built without waiting for it: a node
/// starts, and reads its reports from the primary, while the replica is away.
pub fn connect_replica(backend: &Backend, max_size: Option<u32>) -> Pool {
    builder(max_size).build_unchecked(Manager {
        pooled: true,
        ..Manager::new(backend.clone())
    })
}

fn builder(max_size: Option<u32>) -> r2d2::Builder<Manager> {
    r2d2::Pool::builder()
        .max_size(max_size.unwrap_or(8))
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(5))
        .test_on_check_out(false)
}

/// Behind a transaction pooler a connection's own `SET`s would stay on whichever server
/// connection ran them, so the limits every request needs (`LOCK_TIMEOUT` and the others) must
/// be the role's settings; a pool is refused when one of them is off.
fn check_role_limits(conn: &mut DbConn) -> Result<(), Error> {
    for (name, value) in [
        ("lock_timeout", LOCK_TIMEOUT),
        ("statement_timeout", STATEMENT_TIMEOUT),
        (
            "idle_in_transaction_session_timeout",
            IDLE_IN_TRANSACTION_TIMEOUT,
        ),
    ] {
        if setting(conn, &format!("SELECT current_setting('{name}') AS value"))? == "0" {
            return Err(Error::NoLimit { name, value });
        }
    }
    Ok(())
}

/// A connection from the pool for a request. A pool holding no connection at all has found
/// every one it had lost: either the database is down, or the pool is reconnecting after a
/// restart (in the background, within milliseconds). So the request waits `WHEN_EMPTY` for a
/// connection instead of the pool's 5 seconds, and is answered 503 then: at once while the
/// database is away, served as usual once it is back. A busy pool is waited on in `WHEN_EMPTY`
/// slices, up to the pool's timeout, looking again between them: when the database goes away
/// while every connection is in use, those connections fail and leave the pool, and the waiting
/// request learns it within a slice instead of waiting out the 5 seconds.
pub fn checkout(pool: &Pool) -> Result<PooledConn, Error> {
    // An idle connection is taken with the pool's one lock, as `get` would; the pool's state is
    // read only when none is idle.
    if let Some(conn) = pool.try_get() {
        return Ok(conn);
    }
    let deadline = std::time::Instant::now() + pool.connection_timeout();
    loop {
        if pool.state().connections == 0 {
            return pool.get_timeout(WHEN_EMPTY).map_err(|_| Error::Unreachable);
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match pool.get_timeout(left.min(WHEN_EMPTY)) {
            Ok(conn) => return Ok(conn),
            Err(error) if left <= WHEN_EMPTY => return Err(error.into()),
            Err(_) => continue,
        }
    }
}

/// How long a request waits on a pool that has no connection (`checkout`).
const WHEN_EMPTY: Duration = Duration::from_millis(500);
