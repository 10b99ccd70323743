//! The data layer's promises: SQLite connections are durable and checked, and concurrent write
//! transactions queue instead of failing.

use diesel::prelude::*;

use crate::common::TestDb;
use shopwave::db::schema::tax_rates;
use shopwave::db::{DbConn, write_tx};

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

fn pragma(conn: &mut DbConn, name: &str) -> String {
    diesel::sql_query(format!(
        "SELECT CAST({name} AS TEXT) AS value FROM pragma_{name}"
    ))
    .get_result::<Setting>(conn)
    .expect("pragma")
    .value
}

#[test]
fn sqlite_connections_use_wal_full_sync_and_foreign_keys() {
    let db = TestDb::sqlite();
    let mut conn = db.conn();
    assert_eq!(pragma(&mut conn, "journal_mode"), "wal");
    assert_eq!(pragma(&mut conn, "synchronous"), "2", "synchronous=FULL");
    assert_eq!(pragma(&mut conn, "foreign_keys"), "1");
}

/// Sixteen threads each read-modify-write one row fifty times. A deferred SQLite transaction
/// would fail with "database is locked" when its read lock must become a write lock; IMMEDIATE
/// transactions queue on the busy timeout instead, and no increment is lost.
#[test]
fn concurrent_sqlite_write_transactions_queue_and_lose_nothing() {
    let db = TestDb::sqlite();
    diesel::insert_into(tax_rates::table)
        .values((
            tax_rates::country.eq("ZZ"),
            tax_rates::name.eq("counter"),
            tax_rates::rate_bps.eq(0),
        ))
        .execute(&mut db.conn())
        .unwrap();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let pool = db.pool.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                for _ in 0..50 {
                    write_tx(&mut conn, |c| {
                        let current: i32 = tax_rates::table
                            .filter(tax_rates::country.eq("ZZ"))
                            .select(tax_rates::rate_bps)
                            .first(c)?;
                        diesel::update(tax_rates::table.filter(tax_rates::country.eq("ZZ")))
                            .set(tax_rates::rate_bps.eq(current + 1))
                            .execute(c)?;
                        Ok::<_, diesel::result::Error>(())
                    })
                    .expect("write transaction");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let total: i32 = tax_rates::table
        .filter(tax_rates::country.eq("ZZ"))
        .select(tax_rates::rate_bps)
        .first(&mut db.conn())
        .unwrap();
    assert_eq!(total, 800);
}
