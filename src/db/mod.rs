//! The data layer: one connection type over SQLite and PostgreSQL, the pool, migrations, and the
//! write-transaction helper every service uses.

mod buckets;
mod errors;
mod group_commit;
mod migrations;
pub mod models;
mod native;
pub mod schema;
mod sql;
pub mod types;

pub use buckets::Granularity;
pub use errors::{
    is_connection_lost, is_deadlock_or_serialization_failure, is_timeout, is_unique_violation,
    unique_violation_on,
};
pub use migrations::{migrate, unapplied_migrations};
pub use native::{execute_native, take_turn};
pub use sql::{SumBigInt, sum_bigint};

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, CacheSize, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

/// A connection to whichever backend `DATABASE_URL` names; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database connection failed: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database query failed: {0}")]
    Query(diesel::result::Error),
    /// The pool lost every connection it had and cannot open another.
    #[error("the database cannot be reached")]
    Unreachable,
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("the database is not configured durably: {0}")]
    Unsafe(String),
    #[error(
        "{name} is off for this role; behind a transaction pooler set it on the role: \
         ALTER ROLE <the app's role> SET {name} = '{value}' (docs/app_role.sql)"
    )]
    NoLimit {
        name: &'static str,
        value: &'static str,
    },
    #[error(
        "unsupported DATABASE_URL (expected postgres://, postgresql://, sqlite:// or a file path): {0}"
    )]
    BadUrl(String),
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Error {
        note_query_error(&error);
        Error::Query(error)
    }
}

/// Which backend a URL names. A bare path or `sqlite://path` is SQLite, never a guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite(String),
    Postgres(String),
    /// PostgreSQL reached through a pooler in transaction mode (pgbouncer's `pool_mode =
    /// transaction`), which hands each transaction, or each statement outside one, to any of its
    /// server connections: nothing may outlive a transaction on the server's side, so statements
    /// are sent unnamed instead of prepared once per connection, and the limits below must be
    /// the role's own settings (docs/app_role.sql) instead of each connection's.
    PostgresViaPooler(String),
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(Backend::Sqlite(path.to_owned()))
        } else if url.contains("://") || url.is_empty() {
            Err(Error::BadUrl(url.to_owned()))
        } else {
            Ok(Backend::Sqlite(url.to_owned()))
        }
    }

    /// The path or URL the backend was named by.
    pub fn url(&self) -> &str {
        match self {
            Backend::Sqlite(url) | Backend::Postgres(url) | Backend::PostgresViaPooler(url) => url,
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Backend::Sqlite(_))
    }

    /// The same PostgreSQL database, reached through a transaction-mode pooler.
    pub fn via_pooler(self) -> Result<Backend, Error> {
        match self {
            Backend::Postgres(url) | Backend::PostgresViaPooler(url) => {
                Ok(Backend::PostgresViaPooler(url))
            }
            Backend::Sqlite(path) => Err(Error::BadUrl(format!(
                "{path}: a connection pooler stands in front of PostgreSQL only"
            ))),
        }
    }

    /// A URL safe to print: the password of a PostgreSQL URL is masked.
    pub fn display(&self) -> String {
        match self {
            Backend::Sqlite(path) => format!("sqlite://{path}"),
            Backend::Postgres(url) | Backend::PostgresViaPooler(url) => mask_password(url),
        }
    }
}

fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((creds, host)) if creds.contains(':') => {
            let user = creds.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

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

/// Notes a query error; a lost connection (`errors::is_connection_lost`) is then not given to
/// anyone again. Called where a query error becomes `db::Error` (every service error's way).
pub fn note_query_error(error: &diesel::result::Error) {
    if errors::is_connection_lost(error) {
        CONNECTION_LOST.set(true);
    }
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
fn open_sqlite(path: &str) -> Result<SqliteConnection, r2d2::Error> {
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
    let size = max_size.unwrap_or(8);
    let pool = r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(5))
        .test_on_check_out(false)
        .build(Manager {
            pooled: true,
            ..Manager::new(backend.clone())
        })?;
    if let Backend::PostgresViaPooler(_) = backend {
        check_role_limits(&mut *pool.get()?)?;
    }
    Ok(pool)
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

/// SQLite writers of this process that have no group-commit writer (a connection opened by
/// `establish` for a command, outside any pool) take turns here before they ask SQLite for its
/// write lock, instead of sleeping in SQLite's busy handler and losing round after round.
static SQLITE_WRITERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A connection from the pool for a request. A pool holding no connection at all has found
/// every one it had lost: either the database is down, or the pool is reconnecting after a
/// restart (in the background, within milliseconds). So the request waits `WHEN_EMPTY` for a
/// connection instead of the pool's 5 seconds, and is answered 503 then: at once while the
/// database is away, served as usual once it is back.
pub fn checkout(pool: &Pool) -> Result<PooledConn, Error> {
    // An idle connection is taken with the pool's one lock, as `get` would; the pool's state is
    // read only when none is idle.
    if let Some(conn) = pool.try_get() {
        return Ok(conn);
    }
    if pool.state().connections == 0 {
        return pool.get_timeout(WHEN_EMPTY).map_err(|_| Error::Unreachable);
    }
    Ok(pool.get()?)
}

/// How long a request waits on a pool that has no connection (`checkout`).
const WHEN_EMPTY: Duration = Duration::from_millis(500);

/// Runs `work` as one write transaction and returns only once what it wrote is durable.
///
/// SQLite, pooled connections (group commit, src/db/group_commit.rs): `work` runs on the
/// database's one writer connection, inside a SAVEPOINT of the batch transaction that the units
/// queued at the same moment share; the batch's single COMMIT (one fsync with
/// synchronous=FULL) makes all of them durable at once. Durability: a unit's caller is answered
/// only after the COMMIT of its batch has returned, so an acknowledged write is on disk; a
/// failed COMMIT fails every unit of the batch, and a unit that fails or panics rolls back its
/// savepoint only, so it never undoes another unit. `work` must do its writes, and the reads
/// they depend on, through the connection it is given (not the caller's), since only that one
/// holds the batch's transaction; units of a batch see each other's writes, which is what one
/// writer after another would see, and none of them is answered unless all of them commit.
/// A connection already inside a write transaction (a CSV import's batch calling the
/// one-change services) gets a savepoint. A connection outside any pool begins IMMEDIATE on
/// itself, after its turn at `SQLITE_WRITERS`.
///
/// PostgreSQL: a plain transaction on the caller's connection; the server already merges the
/// WAL flushes of concurrent commits (synchronous_commit=on stays on).
pub fn write_tx<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Postgres(_) => conn.transaction(work),
        DbConn::Sqlite(sqlite) => {
            let depth = AnsiTransactionManager::transaction_manager_status_mut(sqlite)
                .transaction_depth()?;
            if depth.is_some() {
                return conn.transaction(work);
            }
            if let Some(writer) = group_commit::Writer::find(&group_commit::file_of(sqlite)?) {
                return writer.run(work);
            }
            let _turn = SQLITE_WRITERS
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
            match work(conn) {
                Ok(value) => {
                    commit_or_rollback(conn)?;
                    Ok(value)
                }
                Err(error) => {
                    <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
                    Err(error)
                }
            }
        }
    }
}

fn commit_or_rollback(conn: &mut DbConn) -> Result<(), diesel::result::Error> {
    type Manager = <DbConn as Connection>::TransactionManager;
    if let Err(error) = Manager::commit_transaction(conn) {
        let _ = Manager::rollback_transaction(conn);
        return Err(error);
    }
    Ok(())
}

/// Whether a query error is a constraint the database refused (unique, check, foreign key).
pub fn is_constraint_violation(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as Kind, Error as E};
    matches!(
        error,
        E::DatabaseError(
            Kind::UniqueViolation
                | Kind::CheckViolation
                | Kind::ForeignKeyViolation
                | Kind::NotNullViolation,
            _
        )
    )
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

fn setting(conn: &mut DbConn, query: &str) -> Result<String, Error> {
    Ok(diesel::sql_query(query).get_result::<Setting>(conn)?.value)
}

/// Refuses to serve on a database that could lose a committed order: SQLite must run WAL with
/// synchronous=FULL; PostgreSQL must have fsync, full_page_writes and synchronous_commit on.
pub fn check_durability(conn: &mut DbConn) -> Result<(), Error> {
    let required: &[(&str, &str, &str)] = match conn {
        DbConn::Sqlite(_) => &[
            (
                "journal_mode",
                "SELECT CAST(journal_mode AS TEXT) AS value FROM pragma_journal_mode",
                "wal",
            ),
            (
                "synchronous",
                "SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous",
                "2",
            ),
        ],
        DbConn::Postgres(_) => &[
            (
                "fsync",
                "SELECT setting AS value FROM pg_settings WHERE name = 'fsync'",
                "on",
            ),
            (
                "full_page_writes",
                "SELECT setting AS value FROM pg_settings WHERE name = 'full_page_writes'",
                "on",
            ),
            (
                "synchronous_commit",
                "SELECT setting AS value FROM pg_settings WHERE name = 'synchronous_commit'",
                "on",
            ),
        ],
    };
    for (name, query, expected) in required {
        let actual = setting(conn, query)?;
        if actual != *expected {
            return Err(Error::Unsafe(format!(
                "{name} is {actual}, but must be {expected} so committed orders survive a crash"
            )));
        }
    }
    Ok(())
}

/// The cheapest round trip: proves the database answers.
pub fn ping(conn: &mut DbConn) -> Result<(), Error> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}
