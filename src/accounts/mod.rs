//! Accounts: users, their passwords, sessions, two-factor sign-in, addresses and wishlists.

pub mod addresses;
pub mod countries;
pub mod email_change;
pub mod login;
pub mod mailed_link;
pub mod password;
pub mod password_policy;
pub mod password_reset;
pub mod profile;
pub mod registration;
pub mod sealed;
pub mod sessions;
pub mod throttle;
pub mod totp;
pub mod wishlist;

use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};

pub use crate::db::types::{Role, UserStatus};

/// Holds the user's turn until the transaction ends. Every change that keeps "at most one
/// default" among a user's addresses or saved cards takes it first, so concurrent changes run
/// one after the other instead of deadlocking or meeting the one-default unique index.
pub(crate) fn lock_user(conn: &mut DbConn, user_id: i64) -> Result<()> {
    Ok(db::take_turn(conn, &format!("user:{user_id}"))?)
}

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// An e-mail address as stored: trimmed and lower-cased, so uniqueness ignores case.
pub fn normalize_email(raw: &str) -> Result<String> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 320
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        // U+FFFD is what invalid UTF-8 in a form decodes to: not something anyone typed.
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == char::REPLACEMENT_CHARACTER);
    if valid {
        Ok(email)
    } else {
        Err(Error::Invalid(
            "Please enter a valid e-mail address.".into(),
        ))
    }
}

/// Length is the only rule (12 to 128 characters, any characters), as NIST and OWASP advise.
pub fn check_password_length(password: &str) -> Result<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "Please choose a password of at least {MIN_PASSWORD_CHARS} characters."
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "Passwords can be at most {MAX_PASSWORD_CHARS} characters."
        )));
    }
    Ok(())
}

/// Everything needed to create a user; the password is hashed here.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub role: Role,
}

/// Inserts a user with an already computed hash (the demo data reuses one hash for speed).
pub fn insert_user_with_hash(
    conn: &mut DbConn,
    user: &NewUser,
    password_hash: &str,
) -> Result<i64> {
    let email = normalize_email(user.email)?;
    diesel::insert_into(users::table)
        .values((
            users::email.eq(&email),
            users::password_hash.eq(password_hash),
            users::first_name.eq(user.first_name.trim()),
            users::last_name.eq(user.last_name.trim()),
            users::role.eq(user.role),
        ))
        .returning(users::id)
        .get_result(conn)
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                Error::Conflict(format!("An account for {email} already exists."))
            } else {
                e.into()
            }
        })
}

pub fn insert_user(conn: &mut DbConn, user: &NewUser) -> Result<i64> {
    password_policy::check_new_password(user.password, user.email)?;
    insert_user_with_hash(conn, user, &password::hash(user.password))
}

/// `shopwave create-admin`: an administrator who must enrol in two-factor sign-in before the
/// admin panel opens.
pub fn create_admin(conn: &mut DbConn, email: &str, password: &str) -> Result<i64> {
    insert_user(
        conn,
        &NewUser {
            email,
            password,
            first_name: "Admin",
            last_name: "",
            role: Role::Admin,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann smith@example.com",
            "a@.com",
            "\u{fffd}@example.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_are_judged_by_length_alone() {
        assert!(check_password_length("short").is_err());
        assert!(check_password_length("twelve chars").is_ok());
        assert!(check_password_length("ääääääääääää").is_ok());
        assert!(check_password_length(&"x".repeat(129)).is_err());
    }
}
