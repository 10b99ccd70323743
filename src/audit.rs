//! The audit log: who changed what, written in the same transaction as the change it records,
//! so the log never claims a change that rolled back nor misses one that committed.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::error::Result;

/// What was touched: the table's subject and its id.
pub struct Entity<'a> {
    pub kind: &'a str,
    pub id: i64,
}

/// Appends one entry; `details` is a short human-readable account of the change.
pub fn record(
    conn: &mut DbConn,
    actor_id: i64,
    action: &str,
    entity: Entity,
    details: &str,
) -> Result<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(action),
            audit_log::entity_type.eq(entity.kind),
            audit_log::entity_id.eq(entity.id),
            audit_log::details.eq(details),
        ))
        .execute(conn)?;
    Ok(())
}
