//! Resetting a forgotten password through a link mailed to the account's address. Asking
//! answers the same whether or not the address has an account; the link's token is stored only
//! as its SHA-256, works once and for `RESET_MINUTES`, and using it ends every session.

use diesel::prelude::*;

use super::mailed_link::{self, LinkToken};
use super::password_policy::check_new_password;
use super::{UserStatus, password, sessions};
use crate::audit::{self, Actor, Entity};
use crate::db::models::{PasswordReset, User};
use crate::db::schema::{password_resets, users};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::mail::{Email, shop_link};
use crate::util::now;

/// How long a reset link stays good.
pub const RESET_MINUTES: i64 = mailed_link::LINK_MINUTES;
/// Links mailed to one account per hour; more asks are answered alike but mail nothing, so the
/// form cannot be used to flood someone's inbox.
pub const MAX_LINKS_PER_HOUR: i64 = mailed_link::MAX_LINKS_PER_HOUR;

/// The link to mail for `email` (as `normalize_email` gives it), or None when nothing should be sent: no such account, a
/// suspended or deleted one, or too many links lately. The visitor's answer is the same in
/// every case.
pub fn request_reset(conn: &mut DbConn, email: &str) -> Result<Option<Email>> {
    let link = LinkToken::new();
    db::write_tx(conn, |conn| {
        diesel::delete(password_resets::table.filter(password_resets::expires_at.le(now())))
            .execute(conn)?;
        let Some(user_id) = users::table
            .filter(users::email.eq(email))
            .filter(users::deleted_at.is_null())
            .filter(users::status.eq(UserStatus::Active))
            .select(users::id)
            .first::<i64>(conn)
            .optional()?
        else {
            return Ok(None);
        };
        // The account's turn, so asks at once are counted one after the other.
        super::lock_user(conn, user_id)?;
        let recent: i64 = password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::created_at.gt(mailed_link::hour_ago()))
            .count()
            .get_result(conn)?;
        if !mailed_link::may_send(recent) {
            return Ok(None);
        }
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::token_hash.eq(&link.hash),
                password_resets::user_id.eq(user_id),
                password_resets::created_at.eq(now()),
                password_resets::expires_at.eq(link.expires_at),
            ))
            .execute(conn)?;
        Ok(Some(reset_link(email, &link.token)))
    })
}

/// The reset a link's token stands for, while it is unused and unexpired.
pub fn live(conn: &mut DbConn, token: &str) -> Result<Option<PasswordReset>> {
    Ok(password_resets::table
        .filter(password_resets::token_hash.eq(mailed_link::digest(token)))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now()))
        .select(PasswordReset::as_select())
        .first(conn)
        .optional()?)
}

/// What a new password sent with a link did.
pub enum ResetOutcome {
    /// The password is changed and every session of the account ended.
    Done,
    /// The link is bogus, used or expired. Nothing changed.
    Unknown,
}

/// Sets `new_password` for the account behind `token`, through the password policy (a refused
/// password is Err(Invalid) and leaves the link usable), uses the link up and ends every
/// session of the account.
pub fn reset(
    conn: &mut DbConn,
    token: &str,
    new_password: &str,
    client_ip: &str,
) -> Result<ResetOutcome> {
    let Some(link) = live(conn, token)? else {
        return Ok(ResetOutcome::Unknown);
    };
    let account: User = users::table
        .find(link.user_id)
        .select(User::as_select())
        .first(conn)?;
    check_new_password(new_password, &account.email)?;
    // Hashing takes tens of milliseconds: done before the write transaction, not inside it.
    let new_hash = password::bounded(|| password::hash(new_password))?;
    db::write_tx(conn, |conn| {
        // Two submits at once: only the one whose update took the link goes on.
        let taken = diesel::update(
            password_resets::table
                .find(link.id)
                .filter(password_resets::used_at.is_null())
                .filter(password_resets::expires_at.gt(now())),
        )
        .set(password_resets::used_at.eq(now()))
        .execute(conn)?;
        if taken == 0 {
            return Ok(ResetOutcome::Unknown);
        }
        diesel::update(users::table.find(account.id))
            .set((
                users::password_hash.eq(&new_hash),
                users::password_changed_at.eq(now()),
                users::updated_at.eq(now()),
            ))
            .execute(conn)?;
        let ended = sessions::end_all_sessions(conn, account.id)?;
        audit::record(
            conn,
            &Actor::at(account.id, client_ip),
            "user.password_reset",
            Entity {
                kind: "user",
                id: account.id,
            },
            &format!("password reset by mailed link; {ended} session(s) ended"),
        )?;
        Ok::<_, Error>(ResetOutcome::Done)
    })
}

/// Uses up every live reset link of the account: they were mailed to an address the account
/// no longer has.
pub(crate) fn void_links(conn: &mut DbConn, user_id: i64) -> Result<usize> {
    Ok(diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now()))
    .execute(conn)?)
}

fn reset_link(email: &str, token: &str) -> Email {
    let link = shop_link(&format!("/account/password/reset?token={token}"));
    Email {
        to: email.to_owned(),
        subject: "Reset your ShopWave password".to_owned(),
        body: format!(
            "Someone (we hope you) asked to reset the password of the ShopWave\n\
             account for {email}.\n\n\
             To choose a new password, open this link within {RESET_MINUTES} minutes:\n\n\
             {link}\n\n\
             If it was not you, you can ignore this message: your password\n\
             stays as it is.\n"
        ),
    }
}
