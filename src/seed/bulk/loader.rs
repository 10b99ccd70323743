//! The bulk loader: rows as SQL literals, gathered into multi-row INSERTs and committed many
//! statements at a time, and the small helpers that spell values as SQL.

use std::fmt::Write as _;
use std::time::Instant;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use rand::Rng;
use rand::rngs::StdRng;

use crate::accounts::Role;
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};

/// Rows per INSERT statement, and statements per transaction.
const ROWS_PER_STATEMENT: usize = 500;
const STATEMENTS_PER_TRANSACTION: usize = 40;

/// Accumulates one table's rows into multi-row INSERT statements.
pub(super) struct Loader<'a> {
    pub(super) conn: &'a mut DbConn,
    table: &'static str,
    columns: &'static str,
    statement: String,
    batch: String,
    rows_in_statement: usize,
    statements_in_batch: usize,
    total: usize,
    expected: usize,
    started: Instant,
    last_report: Instant,
}

impl<'a> Loader<'a> {
    pub(super) fn new(
        conn: &'a mut DbConn,
        table: &'static str,
        columns: &'static str,
        expected: usize,
    ) -> Loader<'a> {
        Loader {
            conn,
            table,
            columns,
            statement: String::new(),
            batch: String::new(),
            rows_in_statement: 0,
            statements_in_batch: 0,
            total: 0,
            expected,
            started: Instant::now(),
            last_report: Instant::now(),
        }
    }

    /// Adds one row given as SQL literals, e.g. `1, 'name', 250`.
    pub(super) fn row(&mut self, values: std::fmt::Arguments) -> Result<()> {
        if self.rows_in_statement == 0 {
            let _ = write!(
                self.statement,
                "INSERT INTO {} ({}) VALUES (",
                self.table, self.columns
            );
        } else {
            self.statement.push_str(",(");
        }
        let _ = self.statement.write_fmt(values);
        self.statement.push(')');
        self.rows_in_statement += 1;
        self.total += 1;
        if self.rows_in_statement == ROWS_PER_STATEMENT {
            self.end_statement()?;
        }
        Ok(())
    }

    pub(super) fn end_statement(&mut self) -> Result<()> {
        if self.rows_in_statement == 0 {
            return Ok(());
        }
        self.batch.push_str(&self.statement);
        self.batch.push_str(";\n");
        self.statement.clear();
        self.rows_in_statement = 0;
        self.statements_in_batch += 1;
        if self.statements_in_batch == STATEMENTS_PER_TRANSACTION {
            self.commit()?;
        }
        Ok(())
    }

    pub(super) fn commit(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let sql = std::mem::take(&mut self.batch);
        write_tx(self.conn, |c| c.batch_execute(&sql).map_err(Error::from))?;
        self.statements_in_batch = 0;
        if self.last_report.elapsed().as_secs_f64() >= 1.0 {
            self.report(false);
            self.last_report = Instant::now();
        }
        Ok(())
    }

    fn report(&self, done: bool) {
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\r  {:<16} {:>11}/{:<11} {:>9.0} rows/s {:>7.1} s{}",
            self.table,
            self.total,
            self.expected,
            self.total as f64 / seconds,
            seconds,
            if done { "\n" } else { "" }
        );
    }

    pub(super) fn finish(mut self) -> Result<usize> {
        self.end_statement()?;
        self.commit()?;
        self.report(true);
        Ok(self.total)
    }
}

/// `text` as an SQL string literal.
pub(super) fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `at` as an SQL timestamp literal both backends read.
pub(super) fn timestamp(at: NaiveDateTime) -> String {
    format!("'{}'", at.format("%Y-%m-%d %H:%M:%S"))
}

/// A power-law pick in `0..n`: index 0 is the most popular.
pub(super) fn skewed(rng: &mut StdRng, n: usize, exponent: i32) -> usize {
    ((rng.random_range(0.0f64..1.0).powi(exponent) * n as f64) as usize).min(n - 1)
}

/// The first id of the users loaded with `role`: bulk rows of one kind get consecutive ids.
pub(super) fn first_user(conn: &mut DbConn, role: Role) -> Result<i64> {
    first_id_of(conn, "users", &format!("role = '{}'", role.as_str()))
}

/// The smallest id in `table` among the rows that match `condition`.
pub(super) fn first_id_of(conn: &mut DbConn, table: &str, condition: &str) -> Result<i64> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let row: Id = diesel::sql_query(format!(
        "SELECT MIN(id) AS id FROM {table} WHERE {condition}"
    ))
    .get_result(conn)?;
    Ok(row.id)
}
