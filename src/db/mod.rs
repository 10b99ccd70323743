//! The data layer: one connection type over SQLite and PostgreSQL, the pool, migrations, and the
//! write-transaction helper every service uses.

mod buckets;
mod errors;
mod group_commit;
mod migrations;
pub mod models;
mod native;
mod pool;
pub mod replica;
pub mod schema;
mod seller_rows;
mod sql;
pub mod types;

pub use buckets::Granularity;
pub use errors::{
    is_connection_lost, is_deadlock_or_serialization_failure, is_storage_full, is_timeout,
    is_unique_violation, unique_violation_on,
};
pub use migrations::{migrate, unapplied_migrations};
pub use native::{execute_native, take_turn};
pub use pool::{
    Manager, checkout, connect, connect_replica, establish, note_query_error, storage_full_lately,
};
pub use seller_rows::as_seller;
pub use sql::{Constant, LimitConstant, Limited, SumBigInt, constant, sum_bigint};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

/// A connection to whichever backend `DATABASE_URL` names; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConn {
    /// Whether this is the in-process backend, where a statement costs no round trip.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbConn::Sqlite(_))
    }
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

/// SQLite writers of this process that have no group-commit writer (a connection opened by
/// `establish` for a command, outside any pool) take turns here before they ask SQLite for its
/// write lock, instead of sleeping in SQLite's busy handler and losing round after round.
static SQLITE_WRITERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

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
