//! `shopwave backup DEST` and `shopwave restore SRC`: a consistent copy of a running shop, and a
//! new shop made from one.
//!
//! A backup is a folder holding the database and the files the database refers to:
//! - SQLite: `shopwave.sqlite3`, written by `VACUUM INTO`, which reads one snapshot while the
//!   shop goes on writing (WAL mode lets writers run beside a reader).
//! - PostgreSQL: `shopwave.pgdump`, written by `pg_dump --format=custom` of the shop's schema,
//!   which also reads one snapshot while the shop writes. (Point-in-time recovery is a
//!   different tool: `pg_basebackup` and WAL archiving, docs/operations.md.)
//! - `images/` (uploaded pictures, named by their content and never changed, so a copy taken
//!   after the snapshot holds every picture the snapshot names), and the keys kept in the data
//!   directory (`secret_key`, `payments_key`) and the built-in card processor's books
//!   (`payments-sim/`), without which signed-in sessions and saved test cards would not carry
//!   over.
//!
//! The search index is left out: a node that starts without one builds it from the database.
//! A restore refuses a target that already holds a shop, so it never mixes two shops.

use std::path::Path;
use std::process::Command;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::{self, Backend, DbConn};

const SQLITE_FILE: &str = "shopwave.sqlite3";
const PG_FILE: &str = "shopwave.pgdump";
/// pg_dump and pg_restore keep settings and a snapshot across their transactions, which a
/// transaction-mode pooler would spread over several server connections.
const NOT_THROUGH_A_POOLER: &str =
    "back up and restore through a direct connection to PostgreSQL, not --db-pooler transaction";
/// What of the data directory a backup carries besides the database.
const KEPT: [&str; 4] = ["images", "secret_key", "payments_key", "payments-sim"];

/// Copies the shop's database (through `conn`) and its files from `data_dir` into `dest`, a
/// folder that must not exist yet; returns a line saying what was written.
pub fn backup(
    conn: &mut DbConn,
    backend: &Backend,
    data_dir: &Path,
    dest: &Path,
) -> Result<String, String> {
    if dest.exists() {
        return Err(format!(
            "{} exists already; a backup goes into a new folder",
            dest.display()
        ));
    }
    std::fs::create_dir_all(dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    let database = match backend {
        Backend::Sqlite(_) => {
            let file = dest.join(SQLITE_FILE);
            let target = file
                .to_str()
                .ok_or("the backup folder's path is not UTF-8")?;
            diesel::sql_query(format!("VACUUM INTO '{}'", target.replace('\'', "''")))
                .execute(conn)
                .map_err(|e| format!("copying the database failed: {e}"))?;
            file
        }
        Backend::Postgres(url) => {
            let file = dest.join(PG_FILE);
            let schema = current_schema(conn)?;
            run(Command::new("pg_dump")
                .args([
                    "--format=custom",
                    "--no-owner",
                    // The shop's role is bound by the seller-data policies, which pg_dump
                    // otherwise refuses; with no seller acting they show every row.
                    "--enable-row-security",
                    "--schema",
                    &schema,
                    "--file",
                ])
                .arg(&file)
                .arg(url))?;
            file
        }
        Backend::PostgresViaPooler(_) => return Err(NOT_THROUGH_A_POOLER.into()),
    };
    let copied = copy_kept(data_dir, dest)?;
    Ok(format!(
        "backup written to {}: {} ({} bytes) and {copied} file(s) of {}",
        dest.display(),
        database
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default(),
        std::fs::metadata(&database).map(|m| m.len()).unwrap_or(0),
        data_dir.display()
    ))
}

/// Makes the shop at `backend` and `data_dir` from the backup in `src`; the database must hold
/// no shop yet (a new SQLite file, an empty PostgreSQL schema).
pub fn restore(backend: &Backend, data_dir: &Path, src: &Path) -> Result<String, String> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    match backend {
        Backend::Sqlite(path) => {
            let from = src.join(SQLITE_FILE);
            if !from.is_file() {
                return Err(format!(
                    "{} holds no SQLite backup ({SQLITE_FILE})",
                    src.display()
                ));
            }
            if Path::new(path).exists() {
                return Err(format!(
                    "{path} exists already; restore into a new data directory"
                ));
            }
            std::fs::copy(&from, path).map_err(|e| format!("cannot write {path}: {e}"))?;
        }
        Backend::PostgresViaPooler(_) => return Err(NOT_THROUGH_A_POOLER.into()),
        Backend::Postgres(url) => {
            let from = src.join(PG_FILE);
            if !from.is_file() {
                return Err(format!(
                    "{} holds no PostgreSQL backup ({PG_FILE})",
                    src.display()
                ));
            }
            let mut conn = db::establish(backend).map_err(|e| e.to_string())?;
            if tables_in_current_schema(&mut conn)? > 0 {
                return Err(
                    "the target database already has tables; restore into an empty one".into(),
                );
            }
            // The dump creates its schema, which fails where it exists already (`public` always
            // does): the schema is made here if missing, and its entries left out of the restore.
            let contents = run(Command::new("pg_restore").arg("--list").arg(&from))?;
            let (schema_entries, rest): (Vec<&str>, Vec<&str>) =
                contents.lines().partition(|line| {
                    line.contains(" SCHEMA - ") || line.contains(" COMMENT - SCHEMA ")
                });
            let schema = schema_entries
                .iter()
                .find_map(|line| line.split(" SCHEMA - ").nth(1)?.split_whitespace().next())
                .ok_or("the dump names no schema")?;
            diesel::sql_query(format!(
                "CREATE SCHEMA IF NOT EXISTS \"{}\"",
                schema.replace('"', "\"\"")
            ))
            .execute(&mut conn)
            .map_err(|e| format!("cannot create schema {schema}: {e}"))?;
            let list = std::env::temp_dir().join(format!(
                "shopwave-restore-{}.list",
                crate::util::random_hex(8)
            ));
            std::fs::write(&list, rest.join("\n"))
                .map_err(|e| format!("cannot write {}: {e}", list.display()))?;
            let restored = run(Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--use-list"])
                .arg(&list)
                .arg("--dbname")
                .arg(url)
                .arg(&from));
            let _ = std::fs::remove_file(&list);
            restored?;
        }
    }
    let copied = copy_kept(src, data_dir)?;
    Ok(format!(
        "restored {} into {} with {copied} file(s); the search index is built when the shop starts",
        src.display(),
        backend.display()
    ))
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn current_schema(conn: &mut DbConn) -> Result<String, String> {
    diesel::sql_query("SELECT current_schema() AS name")
        .get_result::<Named>(conn)
        .map(|row| row.name)
        .map_err(|e| format!("cannot read the shop's schema: {e}"))
}

fn tables_in_current_schema(conn: &mut DbConn) -> Result<i64, String> {
    diesel::sql_query(
        "SELECT count(*) AS count FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .get_result::<Counted>(conn)
    .map(|row| row.count)
    .map_err(|e| format!("cannot look at the target database: {e}"))
}

/// Runs a PostgreSQL client tool and returns what it printed; its own message is the error.
fn run(command: &mut Command) -> Result<String, String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command
        .output()
        .map_err(|e| format!("cannot run {program} (is the PostgreSQL client installed?): {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Copies the kept files and folders of `from` that exist into `to`; returns how many files.
fn copy_kept(from: &Path, to: &Path) -> Result<usize, String> {
    KEPT.iter()
        .map(|name| from.join(name))
        .filter(|path| path.exists())
        .map(|path| copy_tree(&path, &to.join(path.file_name().unwrap_or_default())))
        .sum()
}

fn copy_tree(from: &Path, to: &Path) -> Result<usize, String> {
    let failed =
        |e: std::io::Error| format!("cannot copy {} to {}: {e}", from.display(), to.display());
    if from.is_file() {
        std::fs::copy(from, to).map_err(failed)?;
        return Ok(1);
    }
    std::fs::create_dir_all(to).map_err(failed)?;
    let mut copied = 0;
    for entry in std::fs::read_dir(from).map_err(failed)? {
        let entry = entry.map_err(failed)?;
        copied += copy_tree(&entry.path(), &to.join(entry.file_name()))?;
    }
    Ok(copied)
}
