//! Server-side session rules: how long a sign-in lasts, and ending every session of a user at
//! once (sessions live in the database, so this holds on every app node).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{sessions, users};
use crate::error::{Error, Result};
use crate::util::now;

/// A sign-in unused for this long must sign in again (ASVS 3.3.2).
pub const IDLE_TIMEOUT_SECS: i64 = 30 * 60;
/// A sign-in older than this must sign in again, however active (ASVS 3.3.2).
pub const ABSOLUTE_TIMEOUT_SECS: i64 = 12 * 60 * 60;

/// Session state keys this module reads: a random mark set at sign-in that tells a user's
/// sessions apart on "Your sessions", and when the session was last used (unix seconds).
pub const MARKER_KEY: &str = "auth.sid";
pub const LAST_SEEN_KEY: &str = "auth.seen";

/// One of a user's signed-in sessions, as "Your sessions" shows it.
pub struct ActiveSession {
    /// None for a sign-in from before marks were set.
    pub marker: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen: Option<NaiveDateTime>,
}

/// A session's mark and last use, read from its stored state (a JSON map of JSON values).
fn read_state(state: &str) -> (Option<String>, Option<NaiveDateTime>) {
    let map: HashMap<String, String> = serde_json::from_str(state).unwrap_or_default();
    let marker = map
        .get(MARKER_KEY)
        .and_then(|v| serde_json::from_str::<String>(v).ok());
    let last_seen = map
        .get(LAST_SEEN_KEY)
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.naive_utc());
    (marker, last_seen)
}

/// The user's sessions that have not expired, newest first.
pub fn active_sessions(conn: &mut DbConn, user_id: i64) -> Result<Vec<ActiveSession>> {
    let rows: Vec<(String, NaiveDateTime)> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now()))
        .order(sessions::created_at.desc())
        .select((sessions::state, sessions::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(state, created_at)| {
            let (marker, last_seen) = read_state(&state);
            ActiveSession {
                marker,
                created_at,
                last_seen,
            }
        })
        .collect())
}

/// Ends every session of the user but the one marked `keep`; how many ended. None, ending
/// nothing, when no stored session has that mark yet (a sign-in from before marks whose mark is
/// saved only at the end of this request): which one to keep cannot be told then.
pub fn end_other_sessions(conn: &mut DbConn, user_id: i64, keep: &str) -> Result<Option<usize>> {
    crate::db::write_tx(conn, |conn| {
        let rows: Vec<(String, String)> = sessions::table
            .filter(sessions::user_id.eq(user_id))
            .select((sessions::id, sessions::state))
            .load(conn)?;
        let (kept, others): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .partition(|(_, state)| read_state(state).0.as_deref() == Some(keep));
        if kept.is_empty() {
            return Ok(None);
        }
        let others: Vec<String> = others.into_iter().map(|(id, _)| id).collect();
        let ended =
            diesel::delete(sessions::table.filter(sessions::id.eq_any(&others))).execute(conn)?;
        Ok::<_, Error>(Some(ended))
    })
}

/// Deletes every session row of the user: their cookies become anonymous on their next request.
pub fn end_all_sessions(conn: &mut DbConn, user_id: i64) -> Result<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?)
}

/// Suspends an account and ends its sessions in the same transaction.
pub fn suspend_user(conn: &mut DbConn, email: &str) -> Result<i64> {
    let email = super::normalize_email(email)?;
    crate::db::write_tx(conn, |conn| {
        let id: i64 = users::table
            .filter(users::email.eq(&email))
            .filter(users::deleted_at.is_null())
            .select(users::id)
            .first(conn)?;
        diesel::update(users::table.find(id))
            .set((
                users::status.eq(super::UserStatus::Suspended),
                users::updated_at.eq(now()),
            ))
            .execute(conn)?;
        end_all_sessions(conn, id)?;
        Ok::<_, Error>(id)
    })
}

/// The stored state (JSON) of each session of `ids` that exists and has not expired, by id.
pub fn load_states(conn: &mut DbConn, ids: &[String]) -> Result<HashMap<String, String>> {
    Ok(sessions::table
        .filter(sessions::id.eq_any(ids))
        .filter(sessions::expires_at.gt(now()))
        .select((sessions::id, sessions::state))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Stores a new session under `id` (the SHA-256 of its cookie key, never the key itself).
pub fn insert(
    conn: &mut DbConn,
    id: &str,
    user_id: Option<i64>,
    state: &str,
    expires_at: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user_id),
            sessions::state.eq(state),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces a session's state; false when it was ended meanwhile (nothing is written then).
pub fn update_state(
    conn: &mut DbConn,
    id: &str,
    user_id: Option<i64>,
    state: &str,
    expires_at: NaiveDateTime,
) -> Result<bool> {
    let updated = diesel::update(sessions::table.filter(sessions::id.eq(id)))
        .set((
            sessions::user_id.eq(user_id),
            sessions::state.eq(state),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(updated > 0)
}

/// Moves a session's expiry.
pub fn extend(conn: &mut DbConn, id: &str, expires_at: NaiveDateTime) -> Result<()> {
    diesel::update(sessions::table.filter(sessions::id.eq(id)))
        .set(sessions::expires_at.eq(expires_at))
        .execute(conn)?;
    Ok(())
}

/// Ends one session.
pub fn delete(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::delete(sessions::table.filter(sessions::id.eq(id))).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sessions_mark_and_last_use_are_read_from_its_state() {
        let state = r#"{"auth.sid":"\"ab12\"","auth.seen":"1733011200","auth.uid":"7"}"#;
        let (marker, seen) = read_state(state);
        assert_eq!(marker.as_deref(), Some("ab12"));
        assert_eq!(
            seen.map(|t| t.to_string()).as_deref(),
            Some("2024-12-01 00:00:00")
        );
        // An older sign-in has neither; a damaged state reads as empty, never a panic.
        assert_eq!(read_state(r#"{"auth.uid":"7"}"#), (None, None));
        assert_eq!(read_state("not json"), (None, None));
    }
}
