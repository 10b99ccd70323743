//! Server-side session rules: how long a sign-in lasts, and ending every session of a user at
//! once (sessions live in the database, so this holds on every app node).

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

/// A stored session's state (JSON), when `id` names one that has not expired.
pub fn load_state(conn: &mut DbConn, id: &str) -> Result<Option<String>> {
    Ok(sessions::table
        .filter(sessions::id.eq(id))
        .filter(sessions::expires_at.gt(now()))
        .select(sessions::state)
        .first(conn)
        .optional()?)
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
