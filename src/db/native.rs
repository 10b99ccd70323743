//! Statements the multi-backend connection cannot express, run on each backend's own
//! connection. Services call these instead of matching on `DbConn` themselves.

use diesel::prelude::*;
use diesel::query_dsl::methods::ExecuteDsl;
use sha2::Digest;

use super::DbConn;

/// Executes a statement that both backends accept but the multi-backend connection does not
/// build (`INSERT … ON CONFLICT`).
pub fn execute_native<Q>(conn: &mut DbConn, statement: Q) -> QueryResult<usize>
where
    Q: ExecuteDsl<PgConnection> + ExecuteDsl<SqliteConnection>,
{
    match conn {
        DbConn::Postgres(pg) => ExecuteDsl::<PgConnection>::execute(statement, pg),
        DbConn::Sqlite(sqlite) => ExecuteDsl::<SqliteConnection>::execute(statement, sqlite),
    }
}

/// Waits for, then holds until the transaction ends, the turn named `key`, so two transactions
/// that must not interleave run one after the other. PostgreSQL: a transaction-scoped advisory
/// lock on a hash of the key. SQLite: nothing to do, its writers already take turns
/// (`db::write_tx`).
pub fn take_turn(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        let digest = sha2::Sha256::digest(key.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(i64::from_be_bytes(first))
            .execute(pg)?;
    }
    Ok(())
}
