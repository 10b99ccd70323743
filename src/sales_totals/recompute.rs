//! The totals recomputed from the orders and their lines in one grouped query per table: what
//! the migration's backfill and the bulk seed fill them with (`rebuild`), and what `shopwave
//! check` compares them to (`drift`). The SQL is the migration's
//! (migrations/*/2026-12-03-000020_sales_totals/up.sql), spelled for the connection's backend.

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

use crate::db::DbConn;
use crate::db::types::OrderStatus;
use crate::error::Result;

/// One totals table: its name, key column, figure columns (four, `0` where it has fewer, so
/// every table compares alike) and how to recompute them, grouped by key and day.
struct Table {
    name: &'static str,
    key: &'static str,
    figures: [&'static str; 4],
}

const TABLES: [Table; 3] = [
    Table {
        name: "seller_sales_days",
        key: "seller_id",
        figures: ["orders", "units", "gross", "revenue"],
    },
    Table {
        name: "category_sales_days",
        key: "category_id",
        figures: ["0", "units", "0", "revenue"],
    },
    Table {
        name: "shop_sales_days",
        key: "0",
        figures: ["orders", "units", "0", "revenue"],
    },
];

/// The UTC day an order was placed, as each backend writes it.
fn day_of_order(conn: &DbConn) -> &'static str {
    match conn {
        DbConn::Postgres(_) => "(o.created_at AT TIME ZONE 'UTC')::date",
        DbConn::Sqlite(_) => "date(o.created_at)",
    }
}

/// `SELECT key, day, figures… FROM` the paid orders' lines, grouped as `table` is and named
/// as its columns.
fn recomputed(conn: &DbConn, table: &Table) -> String {
    let day = day_of_order(conn);
    let paid = OrderStatus::sql_list(&OrderStatus::PAID);
    let (key, join) = match table.key {
        "seller_id" => (Some("i.seller_id"), ""),
        "category_id" => (
            Some("p.primary_category_id"),
            " JOIN products p ON p.id = i.product_id",
        ),
        _ => (None, ""),
    };
    let mut selected: Vec<String> = key
        .map(|key| format!("{key} AS {}", table.key))
        .into_iter()
        .collect();
    selected.push(format!("{day} AS day"));
    for column in table.figures.iter().filter(|column| **column != "0") {
        let sum = match *column {
            "orders" => "COUNT(DISTINCT o.id)",
            "units" => "CAST(SUM(i.quantity) AS BIGINT)",
            "gross" => "CAST(SUM(i.line_subtotal - i.discount) AS BIGINT)",
            _ => "CAST(SUM(i.line_total) AS BIGINT)",
        };
        selected.push(format!("{sum} AS {column}"));
    }
    let group = match key {
        Some(key) => format!("{key}, {day}"),
        None => day.to_string(),
    };
    format!(
        "SELECT {} FROM order_items i JOIN orders o ON o.id = i.order_id{join} \
         WHERE o.status IN ({paid}) AND i.cancelled_at IS NULL GROUP BY {group}",
        selected.join(", ")
    )
}

/// The table's own columns, in the order `recomputed` selects them.
fn columns(table: &Table) -> String {
    let mut columns: Vec<&str> = Vec::new();
    if table.key != "0" {
        columns.push(table.key);
    }
    columns.push("day");
    columns.extend(table.figures.iter().filter(|column| **column != "0"));
    columns.join(", ")
}

/// Empties the totals and fills them again from the orders (the caller holds the transaction).
pub fn rebuild(conn: &mut DbConn) -> Result<()> {
    let mut sql = String::new();
    for table in &TABLES {
        sql.push_str(&format!(
            "DELETE FROM {name}; INSERT INTO {name} ({columns}) {select}; ",
            name = table.name,
            columns = columns(table),
            select = recomputed(conn, table),
        ));
    }
    conn.batch_execute(&sql)?;
    Ok(())
}

/// A row of a totals table that its recomputation does not have (`side` "stored"), or a row of
/// the recomputation missing from the table ("recomputed"). Zero rows (a day whose sales were
/// all taken back) count as absent.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Drift {
    #[diesel(sql_type = Text)]
    pub side: String,
    #[diesel(sql_type = BigInt)]
    pub key: i64,
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    /// orders, units, gross, revenue (0 where the table has no such figure).
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
    #[diesel(sql_type = BigInt)]
    pub units: i64,
    #[diesel(sql_type = BigInt)]
    pub gross: i64,
    #[diesel(sql_type = BigInt)]
    pub revenue: i64,
    #[diesel(sql_type = Text)]
    pub table: String,
}

/// How many differing rows a check reports per table; one is enough to know the totals drifted.
const SHOWN: usize = 20;

/// Every row where a totals table and its recomputation disagree (at most `SHOWN` per table),
/// from day `since` on when given: the days before it had their orders archived, so their
/// totals stay and have nothing left to be recomputed from.
pub fn drift(conn: &mut DbConn, since: Option<NaiveDate>) -> Result<Vec<Drift>> {
    let kept = since
        .map(|day| format!(" AND day >= '{day}'"))
        .unwrap_or_default();
    let mut found = Vec::new();
    for table in &TABLES {
        let cast = |column: &str| format!("CAST({column} AS BIGINT)");
        let padded = format!(
            "{} AS key, day, {} AS orders, {} AS units, {} AS gross, {} AS revenue",
            cast(table.key),
            cast(table.figures[0]),
            cast(table.figures[1]),
            cast(table.figures[2]),
            cast(table.figures[3]),
        );
        let nonzero = table
            .figures
            .iter()
            .filter(|column| **column != "0")
            .map(|column| format!("{column} <> 0"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let stored = format!(
            "SELECT {padded} FROM {} WHERE ({nonzero}){kept}",
            table.name
        );
        let recomputed = format!("SELECT {padded} FROM ({}) AS r", recomputed(conn, table));
        let sql = format!(
            "SELECT d.*, '{name}' AS \"table\" FROM (\
               SELECT 'stored' AS side, s.* FROM ({stored} EXCEPT {recomputed}) AS s \
               UNION ALL \
               SELECT 'recomputed' AS side, r.* FROM ({recomputed} EXCEPT {stored}) AS r\
             ) AS d ORDER BY key, day, side LIMIT {SHOWN}",
            name = table.name,
        );
        found.extend(diesel::sql_query(sql).load::<Drift>(conn)?);
    }
    Ok(found)
}
