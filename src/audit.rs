//! The audit log: who changed what, from where, written in the same transaction as the change it
//! records, so the log never claims a change that rolled back nor misses one that committed.
//!
//! The log is tamper-evident: each row stores `hash = SHA-256(prev_hash, its own content)`,
//! where `prev_hash` is the hash of the row before it. Editing, deleting or inserting a row in
//! the middle breaks every link after it, and `verify_chain` (run by `shopwave check`) names the
//! first broken row. Appending takes the log's turn (`db::take_turn`), so two transactions never
//! chain onto the same row; a transaction should record its audit rows after its other writes,
//! so that it holds that turn only while committing.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::audit_log;
use crate::db::{self, DbConn};
use crate::error::Result;

/// What was touched: the table's subject and its id.
pub struct Entity<'a> {
    pub kind: &'a str,
    pub id: i64,
}

/// Who acted: the signed-in user and the address their request came from.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub client_ip: Option<String>,
}

impl Actor {
    /// A person acting from `client_ip`.
    pub fn at(user_id: i64, client_ip: &str) -> Actor {
        Actor {
            user_id,
            client_ip: Some(client_ip.to_owned()),
        }
    }

    /// A person acting with no request behind it (the command line, the demo seed).
    pub fn offline(user_id: i64) -> Actor {
        Actor {
            user_id,
            client_ip: None,
        }
    }
}

/// The hashed content of one row, in a fixed order.
struct Content<'a> {
    actor_id: Option<i64>,
    action: &'a str,
    entity_type: &'a str,
    entity_id: Option<i64>,
    details: &'a str,
    client_ip: Option<&'a str>,
    created_at: chrono::NaiveDateTime,
}

impl Content<'_> {
    /// SHA-256 over the previous hash and this content as a JSON array, which keeps the fields
    /// apart whatever text they hold.
    fn hash(&self, prev_hash: Option<&str>) -> String {
        let encoded = serde_json::json!([
            prev_hash,
            self.actor_id,
            self.action,
            self.entity_type,
            self.entity_id,
            self.details,
            self.client_ip,
            self.created_at.format(TIME_FORMAT).to_string(),
        ]);
        hex::encode(Sha256::digest(encoded.to_string().as_bytes()))
    }
}

/// Microseconds: the precision both backends keep, so the time hashed is the time read back.
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f";

fn now_to_the_microsecond() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Timelike};
    let now = crate::util::now();
    now.with_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or_else(|| now.trunc_subsecs(0))
}

/// Appends one entry, chained onto the last one; `details` is a short human-readable account of
/// the change. Must run inside the write transaction of the change it records.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity: Entity,
    details: &str,
) -> Result<()> {
    db::take_turn(conn, "audit_log")?;
    let prev_hash: Option<String> = audit_log::table
        .order(audit_log::id.desc())
        .select(audit_log::hash)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten();
    let content = Content {
        actor_id: Some(actor.user_id),
        action,
        entity_type: entity.kind,
        entity_id: Some(entity.id),
        details,
        client_ip: actor.client_ip.as_deref(),
        created_at: now_to_the_microsecond(),
    };
    let hash = content.hash(prev_hash.as_deref());
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(content.actor_id),
            audit_log::action.eq(action),
            audit_log::entity_type.eq(entity.kind),
            audit_log::entity_id.eq(entity.id),
            audit_log::details.eq(details),
            audit_log::client_ip.eq(content.client_ip),
            audit_log::created_at.eq(content.created_at),
            audit_log::prev_hash.eq(prev_hash.as_deref()),
            audit_log::hash.eq(&hash),
        ))
        .execute(conn)?;
    Ok(())
}

type Row = (
    i64,
    Option<i64>,
    String,
    String,
    Option<i64>,
    String,
    Option<String>,
    chrono::NaiveDateTime,
    Option<String>,
    Option<String>,
);

/// Walks the whole log in id order and describes every row whose link or hash does not hold.
/// Rows written before the chain existed (no hash, before the first hashed row) are skipped; a
/// row without a hash after that is a break. Accounts are closed by status, never deleted, so
/// `actor_id` keeps the value that was hashed.
pub fn verify_chain(conn: &mut DbConn) -> Result<Vec<String>> {
    const BATCH: i64 = 5_000;
    let mut problems = Vec::new();
    let mut last: Option<String> = None;
    let mut chained = false;
    let mut after = 0i64;
    loop {
        let rows: Vec<Row> = audit_log::table
            .filter(audit_log::id.gt(after))
            .order(audit_log::id.asc())
            .limit(BATCH)
            .select((
                audit_log::id,
                audit_log::actor_id,
                audit_log::action,
                audit_log::entity_type,
                audit_log::entity_id,
                audit_log::details,
                audit_log::client_ip,
                audit_log::created_at,
                audit_log::prev_hash,
                audit_log::hash,
            ))
            .load(conn)?;
        let Some(end) = rows.last().map(|row| row.0) else {
            break;
        };
        for (id, actor_id, action, entity_type, entity_id, details, client_ip, at, prev, hash) in
            rows
        {
            let Some(hash) = hash else {
                if chained {
                    problems.push(format!("audit row {id} has no hash inside the chain"));
                }
                continue;
            };
            if chained && prev != last {
                problems.push(format!(
                    "audit row {id} does not follow the row before it (a row was removed or inserted)"
                ));
            }
            let content = Content {
                actor_id,
                action: &action,
                entity_type: &entity_type,
                entity_id,
                details: &details,
                client_ip: client_ip.as_deref(),
                created_at: at,
            };
            if content.hash(prev.as_deref()) != hash {
                problems.push(format!(
                    "audit row {id} ({action} on {entity_type} {}) was changed after it was written",
                    entity_id.map_or("-".to_owned(), |e| e.to_string())
                ));
            }
            chained = true;
            last = Some(hash);
        }
        after = end;
    }
    Ok(problems)
}
