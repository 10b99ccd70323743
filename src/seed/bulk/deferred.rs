//! What a bulk load puts off until its rows are in, and then builds and checks once: the big
//! tables' secondary indexes and, on PostgreSQL, their foreign keys and the trigger that enters
//! each order's number in `order_numbers` (migrations/postgres/2026-12-07-000001_monthly_orders).
//!
//! Checked row by row, a foreign key into the month-partitioned `orders` costs PostgreSQL 15
//! about 40 times the insert of the line itself (500 lines: 100–150 ms with their checks, 3 ms
//! without), and the trigger doubles an order's insert; at 10M orders that is hours. Added back
//! with `ADD CONSTRAINT`, each key is checked against every row in one pass and holds as before:
//! a row the load got wrong fails the seed there. SQLite checks keys by index at insert, cheaply.

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;

use crate::db::DbConn;
use crate::error::Result;

/// Turns the order-number trigger off or on; `Deferred::restore` does its work in one statement.
fn number_trigger(action: &str) -> String {
    format!("ALTER TABLE orders {action} TRIGGER orders_number_entered")
}

#[derive(diesel::QueryableByName)]
struct Definition {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

/// What `put_off` dropped: each index and foreign key with the statement that makes it again.
pub(super) struct Deferred {
    indexes: Vec<Definition>,
    foreign_keys: Vec<Definition>,
}

impl Deferred {
    /// Drops the secondary indexes of `tables` and, on PostgreSQL, their foreign keys, and stops
    /// the order-number trigger.
    pub(super) fn put_off(conn: &mut DbConn, tables: &[&str]) -> Result<Deferred> {
        let indexes = secondary_indexes(conn, tables)?;
        for index in &indexes {
            conn.batch_execute(&format!("DROP INDEX {}", index.name))?;
        }
        let foreign_keys = match conn {
            DbConn::Sqlite(_) => Vec::new(),
            DbConn::Postgres(_) => foreign_keys(conn, tables)?,
        };
        for key in &foreign_keys {
            conn.batch_execute(&format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                key.table, key.name
            ))?;
        }
        if matches!(conn, DbConn::Postgres(_)) {
            conn.batch_execute(&number_trigger("DISABLE"))?;
        }
        Ok(Deferred {
            indexes,
            foreign_keys,
        })
    }

    /// Builds the indexes, enters every order's number, and adds the foreign keys back, each
    /// checked against every row; returns what it says it did.
    pub(super) fn restore(self, conn: &mut DbConn) -> Result<String> {
        for index in &self.indexes {
            conn.batch_execute(&index.definition)?;
        }
        if matches!(conn, DbConn::Postgres(_)) {
            conn.batch_execute(&format!(
                "INSERT INTO order_numbers (number, order_id) SELECT number, id FROM orders; {}",
                number_trigger("ENABLE")
            ))?;
        }
        for key in &self.foreign_keys {
            conn.batch_execute(&format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {}",
                key.table, key.name, key.definition
            ))?;
        }
        Ok(format!(
            "{} secondary indexes built, {} foreign keys checked",
            self.indexes.len(),
            self.foreign_keys.len()
        ))
    }
}

fn quoted_list(tables: &[&str]) -> String {
    tables
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each index on `tables` that no constraint owns, with its CREATE statement.
fn secondary_indexes(conn: &mut DbConn, tables: &[&str]) -> Result<Vec<Definition>> {
    let list = quoted_list(tables);
    let query = match conn {
        DbConn::Sqlite(_) => format!(
            "SELECT tbl_name AS \"table\", name, sql AS definition FROM sqlite_master \
             WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({list})"
        ),
        // A partitioned table's index reads `ON ONLY t`, which would rebuild it on the table
        // alone; without ONLY it is built on every partition too.
        DbConn::Postgres(_) => format!(
            "SELECT tablename AS \"table\", indexname AS name, \
                    replace(indexdef, ' ON ONLY ', ' ON ') AS definition \
             FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ({list}) \
             AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ),
    };
    Ok(diesel::sql_query(query).load(conn)?)
}

/// The foreign keys declared on `tables` (a partitioned table's, not the copies on its
/// partitions, which go and come back with it), in the current schema.
fn foreign_keys(conn: &mut DbConn, tables: &[&str]) -> Result<Vec<Definition>> {
    let query = format!(
        "SELECT c.relname AS \"table\", k.conname AS name, pg_get_constraintdef(k.oid) AS definition \
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
         WHERE k.contype = 'f' AND k.conparentid = 0 AND c.relnamespace = current_schema()::regnamespace \
           AND c.relname IN ({})",
        quoted_list(tables)
    );
    Ok(diesel::sql_query(query).load(conn)?)
}
