//! Finding an order by its number. A number is unique in the whole shop, but on PostgreSQL
//! `orders` is partitioned by month and a unique index there must hold the partition key, so each
//! month has an index of its own and a bare `number = $1` probes every one of them (40 at three
//! years: BENCHMARKS.md, "Orders by month"). `order_numbers` keeps every number unique and, since
//! migrations/postgres/2026-12-09-000001_order_number_ids, the id of the order that holds it; the
//! id names the order's month, and the read that follows opens only that partition.

use diesel::dsl;
use diesel::prelude::*;

use super::months::{self, PlacedBetween};
use crate::db::DbConn;
use crate::db::schema::orders;
use crate::error::Result;

// PostgreSQL's alone (the SQLite migration of that name makes nothing), so it is declared here
// rather than in src/db/schema.rs, which both backends share.
diesel::table! {
    order_numbers (number) {
        number -> Varchar,
        order_id -> Nullable<BigInt>,
    }
}

pub type Numbered = dsl::And<dsl::Eq<orders::number, String>, PlacedBetween<orders::id>>;

/// The order numbered `number`, said with its month's id bounds where they are known. The number
/// itself stays the filter, so the bounds only say where to look: where the id is not known
/// (SQLite's one table, a number entered before the migration above and not yet backfilled, a
/// number no order has) the bounds span every id and the order is found as before.
pub fn numbered(conn: &mut DbConn, number: &str) -> Result<Numbered> {
    let order_id = if months::by_month(conn) {
        order_numbers::table
            .find(number)
            .select(order_numbers::order_id)
            .first::<Option<i64>>(conn)
            .optional()?
            .flatten()
    } else {
        None
    };
    let bounds = match order_id {
        Some(id) => months::in_months_of(orders::id, &[id]),
        None => months::any_month(orders::id),
    };
    Ok(orders::number.eq(number.to_owned()).and(bounds))
}
