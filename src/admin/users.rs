//! User management: the list of accounts, suspension and reactivation. Suspending ends the
//! user's sessions in the same transaction, so they are signed out on every node at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::accounts::sessions::end_all_sessions;
use crate::accounts::{Role, UserStatus};
use crate::audit::{self, Actor, Entity};
use crate::db::schema::users;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::paging::KeysetPage;
use crate::util::now;

pub const PAGE_SIZE: usize = 50;

/// An account as the admin list shows it.
#[derive(Debug, Clone, Queryable)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub created_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

impl UserSummary {
    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }

    pub fn is_suspended(&self) -> bool {
        self.status == UserStatus::Suspended
    }
}

/// Accounts in id order (the primary key is the keyset), continuing after `after`.
pub fn list(conn: &mut DbConn, after: Option<i64>) -> Result<KeysetPage<UserSummary>> {
    let rows = users::table
        .filter(users::id.gt(after.unwrap_or(0)))
        .order(users::id)
        .limit(PAGE_SIZE as i64 + 1)
        .select((
            users::id,
            users::email,
            users::first_name,
            users::last_name,
            users::role,
            users::status,
            users::created_at,
            users::last_login_at,
        ))
        .load::<UserSummary>(conn)?;
    Ok(KeysetPage::from_rows(rows, PAGE_SIZE, |u| u.id))
}

/// Suspends an active account and ends all its sessions; the audit log records who did it.
pub fn suspend(conn: &mut DbConn, admin: &Actor, user_id: i64) -> Result<()> {
    if admin.user_id == user_id {
        return Err(Error::Invalid(
            "You cannot suspend your own account.".into(),
        ));
    }
    db::write_tx(conn, |conn| {
        change_status(conn, user_id, UserStatus::Active, UserStatus::Suspended)?;
        let ended = end_all_sessions(conn, user_id)?;
        audit::record(
            conn,
            admin,
            "user.suspend",
            Entity {
                kind: "user",
                id: user_id,
            },
            &format!("suspended; {ended} session(s) ended"),
        )
    })
}

/// Lets a suspended account sign in again.
pub fn reactivate(conn: &mut DbConn, admin: &Actor, user_id: i64) -> Result<()> {
    db::write_tx(conn, |conn| {
        change_status(conn, user_id, UserStatus::Suspended, UserStatus::Active)?;
        audit::record(
            conn,
            admin,
            "user.reactivate",
            Entity {
                kind: "user",
                id: user_id,
            },
            "reactivated",
        )
    })
}

/// Moves the account from `from` to `to`, or says why it cannot: a missing account is
/// `NotFound`, one in another state a `Conflict`.
fn change_status(conn: &mut DbConn, user_id: i64, from: UserStatus, to: UserStatus) -> Result<()> {
    let updated = diesel::update(users::table.find(user_id).filter(users::status.eq(from)))
        .set((users::status.eq(to), users::updated_at.eq(now())))
        .execute(conn)?;
    if updated == 1 {
        return Ok(());
    }
    let current: UserStatus = users::table
        .find(user_id)
        .select(users::status)
        .first(conn)?;
    Err(Error::Conflict(format!(
        "That account is {current}, so it cannot be made {to}."
    )))
}
