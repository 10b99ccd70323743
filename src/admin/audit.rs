//! Reading the audit log: newest first in keyset pages by id, filtered by action, entity,
//! actor and day. Whether the hash chain holds is `shopwave check`'s job (`audit::verify_chain`),
//! not this list's.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::days::Days;
use crate::db::DbConn;
use crate::db::schema::{audit_log, users};
use crate::error::Result;
use crate::forms::{self, FieldErrors};
use crate::numbers::parse_whole;
use crate::paging::KeysetPage;

pub const PAGE_SIZE: usize = 50;

/// One entry as the admin reads it: who (by e-mail), from where, what and when.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_email: Option<String>,
    pub client_ip: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub details: String,
}

/// The filter form's fields as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditFields<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub actor: &'a str,
    pub from: &'a str,
    pub to: &'a str,
}

/// A checked filter; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    /// Lowercased, as accounts store addresses.
    pub actor_email: Option<String>,
    pub days: Days,
}

impl AuditFilter {
    pub fn parse(fields: &AuditFields) -> std::result::Result<AuditFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut optional = |field, label, raw, max| {
            Some(forms::text(&mut errors, field, label, raw, max, false)).filter(|v| !v.is_empty())
        };
        let action = optional("action", "Action", fields.action, 64);
        let entity_type = optional("entity_type", "Entity type", fields.entity_type, 32);
        let actor_email =
            optional("actor", "Actor e-mail", fields.actor, 320).map(|e| e.to_lowercase());
        let entity_id = match fields.entity_id.trim() {
            "" => None,
            raw => match parse_whole(raw).filter(|id| *id > 0) {
                Some(id) => Some(id),
                None => {
                    errors.add("entity_id", "An entity id is a whole number such as 12.");
                    None
                }
            },
        };
        let days = Days::parse(&mut errors, fields.from, fields.to);
        errors.or_ok(AuditFilter {
            action,
            entity_type,
            entity_id,
            actor_email,
            days,
        })
    }
}

type Columns = (
    audit_log::id,
    audit_log::created_at,
    diesel::dsl::Nullable<users::email>,
    audit_log::client_ip,
    audit_log::action,
    audit_log::entity_type,
    audit_log::entity_id,
    audit_log::details,
);

/// What a listed entry reads; the actor is left-joined (the seed's rows may have none).
fn columns() -> Columns {
    (
        audit_log::id,
        audit_log::created_at,
        users::email.nullable(),
        audit_log::client_ip,
        audit_log::action,
        audit_log::entity_type,
        audit_log::entity_id,
        audit_log::details,
    )
}

type Loaded = (
    i64,
    NaiveDateTime,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<i64>,
    String,
);

fn row(
    (id, at, actor_email, client_ip, action, entity_type, entity_id, details): Loaded,
) -> AuditRow {
    AuditRow {
        id,
        at,
        actor_email,
        client_ip,
        action,
        entity_type,
        entity_id,
        details,
    }
}

/// The log newest first, `PAGE_SIZE` at a time after the entry `after`. An actor e-mail no
/// account has matches nothing.
pub fn audit_log(
    conn: &mut DbConn,
    filter: &AuditFilter,
    after: Option<i64>,
) -> Result<KeysetPage<AuditRow>> {
    let mut query = audit_log::table
        .left_join(users::table)
        .select(columns())
        .into_boxed();
    if let Some(email) = &filter.actor_email {
        let actor: Option<i64> = users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .first(conn)
            .optional()?;
        let Some(actor) = actor else {
            return Ok(KeysetPage::from_rows(
                Vec::new(),
                PAGE_SIZE,
                |r: &AuditRow| r.id,
            ));
        };
        query = query.filter(audit_log::actor_id.eq(actor));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(kind) = &filter.entity_type {
        query = query.filter(audit_log::entity_type.eq(kind.clone()));
    }
    if let Some(id) = filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(id));
    }
    if let Some(start) = filter.days.start() {
        query = query.filter(audit_log::created_at.ge(start));
    }
    if let Some(end) = filter.days.end_exclusive() {
        query = query.filter(audit_log::created_at.lt(end));
    }
    if let Some(after) = after {
        query = query.filter(audit_log::id.lt(after));
    }
    let rows: Vec<Loaded> = query
        .order(audit_log::id.desc())
        .limit(PAGE_SIZE as i64 + 1)
        .load(conn)?;
    Ok(KeysetPage::from_rows(
        rows.into_iter().map(row).collect(),
        PAGE_SIZE,
        |r| r.id,
    ))
}

/// The entries about one order and its refunds, oldest first: what its admin page shows.
pub(crate) fn about_order(
    conn: &mut DbConn,
    order_id: i64,
    refund_ids: &[i64],
) -> Result<Vec<AuditRow>> {
    let rows: Vec<Loaded> = audit_log::table
        .left_join(users::table)
        .filter(
            audit_log::entity_type
                .eq("order")
                .and(audit_log::entity_id.eq(order_id))
                .or(audit_log::entity_type
                    .eq("refund")
                    .and(audit_log::entity_id.eq_any(refund_ids))),
        )
        .order(audit_log::id.asc())
        .select(columns())
        .load(conn)?;
    Ok(rows.into_iter().map(row).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_form_filters_nothing_and_bad_fields_get_their_message() {
        let all = AuditFilter::parse(&AuditFields::default()).unwrap();
        assert!(all.action.is_none() && all.entity_id.is_none() && all.actor_email.is_none());
        let filter = AuditFilter::parse(&AuditFields {
            actor: " Admin@Example.COM ",
            entity_id: "42",
            ..AuditFields::default()
        })
        .unwrap();
        assert_eq!(filter.actor_email.as_deref(), Some("admin@example.com"));
        assert_eq!(filter.entity_id, Some(42));
        let errors = AuditFilter::parse(&AuditFields {
            entity_id: "4.2",
            from: "2026-13-01",
            ..AuditFields::default()
        })
        .unwrap_err();
        assert_eq!(
            errors.get("entity_id"),
            Some("An entity id is a whole number such as 12.")
        );
        assert_eq!(
            errors.get("from"),
            Some("Please enter the start date as YYYY-MM-DD.")
        );
    }
}
