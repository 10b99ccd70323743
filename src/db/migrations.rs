//! The schema's migrations, carried in the binary for each backend: applied by the owner role
//! (`shopwave migrate`, or `serve` when it may), or only checked by a node that runs as a role
//! with no right to change the schema (`serve --migrations check`, docs/operations.md).

use diesel::RunQueryDsl;
use diesel::migration::MigrationSource;
use diesel::sql_types::Text;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConn, Error};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs the migrations this binary carries that the database has not seen; returns how many ran.
pub fn migrate(conn: &mut DbConn) -> Result<usize, Error> {
    let ran = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgres(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    };
    ran.map_err(|e| Error::Migration(e.to_string()))
}

#[derive(diesel::QueryableByName)]
struct Applied {
    #[diesel(sql_type = Text)]
    version: String,
}

/// The versions of this binary's migrations the database has not applied, read without
/// writing anything (diesel's own check would create its bookkeeping table).
pub fn unapplied_migrations(conn: &mut DbConn) -> Result<Vec<String>, Error> {
    fn versions<DB: diesel::backend::Backend>(
        source: &EmbeddedMigrations,
    ) -> Result<Vec<String>, Error> {
        Ok(MigrationSource::<DB>::migrations(source)
            .map_err(|e| Error::Migration(e.to_string()))?
            .iter()
            .map(|migration| migration.name().version().to_string())
            .collect())
    }
    let carried = match conn {
        DbConn::Sqlite(_) => versions::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS)?,
        DbConn::Postgres(_) => versions::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS)?,
    };
    let applied: Vec<String> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load::<Applied>(conn)
        .map_err(|e| Error::Migration(format!("the database has no migrations applied: {e}")))?
        .into_iter()
        .map(|row| row.version)
        .collect();
    Ok(carried
        .into_iter()
        .filter(|version| !applied.contains(version))
        .collect())
}
