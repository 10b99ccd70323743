//! A seller panel's reads, confined by the database to the seller's own rows. On PostgreSQL the
//! work runs in one transaction that names the acting seller (`SET LOCAL`, through
//! `set_config(..., true)`, so a transaction pooler never carries it to another client); the
//! row-level security policies of migrations/postgres/2026-12-06-00002[0-5]_* then show
//! and let it change only that seller's products, variants, order lines, parcels and payouts.
//! The services keep their own ownership filters: the policies are the second lock, for the
//! filter someone forgets.
//!
//! Only reads go through here, and not those that must see other sellers' rows: a CSV import's
//! plan checks that each SKU is free in the whole shop. A seller's writes (a parcel shipped, a
//! return decided) derive the order's state from every seller's lines and parcels, which the
//! policies would hide.
//! SQLite has no roles or policies: the work simply runs.

use diesel::sql_types::BigInt;
use diesel::{Connection, RunQueryDsl};

use super::DbConn;

/// Runs `work` as the seller whose account is `user_id`; a user who is no seller sees no
/// seller rows at all.
pub fn as_seller<T, E>(
    conn: &mut DbConn,
    user_id: i64,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(_) => work(conn),
        DbConn::Postgres(_) => conn.transaction(|conn| {
            diesel::sql_query(
                "SELECT set_config('shopwave.seller_id', \
                   COALESCE((SELECT id FROM sellers WHERE user_id = $1)::text, '0'), true)",
            )
            .bind::<BigInt, _>(user_id)
            .execute(conn)?;
            work(conn)
        }),
    }
}
