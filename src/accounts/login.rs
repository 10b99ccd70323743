//! Signing in with e-mail and password: throttled, and as slow for an unknown e-mail as for a
//! known one, so neither timing nor message tells which addresses have accounts.

use std::sync::LazyLock;

use diesel::prelude::*;

use super::{normalize_email, password, throttle};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::schema::users;
use crate::error::{Error, Result};
use crate::util::now;

pub const BAD_CREDENTIALS: &str = "That e-mail and password do not match an account.";

/// Verified against when the e-mail is unknown, so the request costs one argon2 run either way.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| password::hash("a password no account has, hashed at start-up"));

/// What a correct password leads to.
pub enum LoginOutcome {
    /// Signed in.
    SignedIn(User),
    /// The password was right; the account also needs its two-factor code.
    SecondFactor(User),
}

pub fn authenticate(
    conn: &mut DbConn,
    raw_email: &str,
    password_typed: &str,
    client_ip: &str,
) -> Result<LoginOutcome> {
    // A malformed address can have no account; it is still throttled per client address.
    let email = normalize_email(raw_email).unwrap_or_default();
    let attempt = throttle::begin_login(conn, &email, client_ip)?;
    let user: Option<User> = if email.is_empty() {
        None
    } else {
        users::table
            .filter(users::email.eq(&email))
            .filter(users::deleted_at.is_null())
            .select(User::as_select())
            .first(conn)
            .optional()?
    };
    let stored = user
        .as_ref()
        .map_or(DUMMY_HASH.as_str(), |u| u.password_hash.as_str());
    let matches = match password::bounded(|| password::verify(stored, password_typed)) {
        Ok(matches) => matches && user.is_some(),
        Err(busy) => {
            // Nothing was checked, so nothing counts against the account.
            throttle::take_back(conn, attempt)?;
            return Err(busy);
        }
    };
    // A wrong password, or a suspended account, keeps its attempt counted as a failure.
    let Some(user) = user.filter(|_| matches) else {
        return Err(Error::Invalid(BAD_CREDENTIALS.into()));
    };
    if user.status != "active" {
        return Err(Error::Forbidden);
    }
    throttle::take_back(conn, attempt)?;
    // An upgrade that can wait for a quieter sign-in when the hashing slots are full.
    if password::needs_rehash(&user.password_hash)
        && let Ok(fresh) = password::bounded(|| password::hash(password_typed))
    {
        diesel::update(users::table.find(user.id))
            .set(users::password_hash.eq(fresh))
            .execute(conn)?;
    }
    if user.totp_enabled {
        return Ok(LoginOutcome::SecondFactor(user));
    }
    Ok(LoginOutcome::SignedIn(complete_sign_in(
        conn, user, client_ip,
    )?))
}

/// Records a finished sign-in (after the second factor, when there is one).
pub fn complete_sign_in(conn: &mut DbConn, user: User, client_ip: &str) -> Result<User> {
    throttle::record_sign_in(conn, &user.email, client_ip)?;
    diesel::update(users::table.find(user.id))
        .set(users::last_login_at.eq(now()))
        .execute(conn)?;
    Ok(user)
}
