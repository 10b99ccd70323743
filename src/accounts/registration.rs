//! Opening a customer account: the registration form, then the link mailed to its address.
//! The account exists only once the address is confirmed, and the form answers the same
//! whether or not the address already has an account, so it cannot be used to learn who does.

use super::password_policy::check_new_password;
use super::{NewUser, Role, insert_user_with_hash, normalize_email, password, throttle};
use crate::db::models::{PendingRegistration, User};
use crate::db::schema::{pending_registrations, users};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::mail::{Email, shop_link};
use crate::util::{now, random_hex, sha256_hex};
use chrono::Duration;
use diesel::prelude::*;

/// The registration form as typed.
pub struct RegistrationInput<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub password: &'a str,
}

/// A registration whose every field has been checked.
pub struct Registration {
    email: String,
    first_name: String,
    last_name: String,
    password: String,
}

impl Registration {
    pub fn parse(input: &RegistrationInput) -> Result<Registration, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email = normalize_email(input.email).unwrap_or_else(|e| {
            errors.add("email", e.to_string());
            String::new()
        });
        let (first_name, last_name) = forms::names(&mut errors, input.first_name, input.last_name);
        if let Err(e) = check_new_password(input.password, &email) {
            errors.add("password", e.to_string());
        }
        errors.or_ok(Registration {
            email,
            first_name,
            last_name,
            password: input.password.to_owned(),
        })
    }

    pub fn email(&self) -> &str {
        &self.email
    }
}

/// How long the link that finishes an account stays good.
pub const CONFIRM_HOURS: i64 = 24;

/// Takes a registration and gives the message to send; the visitor's answer does not say which
/// it was. A new address is kept as pending and gets a link that finishes the account
/// (`finish`); the owner of a taken address is told someone tried. Both ways hash the password,
/// so the time taken does not tell either. Err(TooManyRequests) when this address has registered
/// too often.
pub fn register(conn: &mut DbConn, registration: &Registration, client_ip: &str) -> Result<Email> {
    // A refusal before the costly hash; `count_registration` checks again, atomically.
    throttle::check_registration(conn, client_ip)?;
    // Hashing takes tens of milliseconds: done before the write transaction, not inside it.
    let password_hash = password::bounded(|| password::hash(&registration.password))?;
    let token = random_hex(32);
    db::write_tx(conn, |conn| {
        throttle::count_registration(conn, &registration.email, client_ip)?;
        diesel::delete(
            pending_registrations::table.filter(pending_registrations::expires_at.le(now())),
        )
        .execute(conn)?;
        if email_taken(conn, &registration.email)? {
            return Ok(taken_notice(&registration.email));
        }
        diesel::insert_into(pending_registrations::table)
            .values((
                pending_registrations::token_hash.eq(sha256_hex(&token)),
                pending_registrations::email.eq(&registration.email),
                pending_registrations::first_name.eq(&registration.first_name),
                pending_registrations::last_name.eq(&registration.last_name),
                pending_registrations::password_hash.eq(&password_hash),
                pending_registrations::created_at.eq(now()),
                pending_registrations::expires_at.eq(now() + Duration::hours(CONFIRM_HOURS)),
            ))
            .execute(conn)?;
        Ok(confirm_link(&registration.email, &token))
    })
}

/// The pending registration a mailed link's token stands for, while it is still good.
pub fn pending(conn: &mut DbConn, token: &str) -> Result<Option<PendingRegistration>> {
    Ok(pending_registrations::table
        .filter(pending_registrations::token_hash.eq(sha256_hex(token)))
        .filter(pending_registrations::expires_at.gt(now()))
        .select(PendingRegistration::as_select())
        .first(conn)
        .optional()?)
}

/// What following a registration's link did.
pub enum Finished {
    /// The account now exists.
    Created(Box<User>),
    /// Someone opened an account for this address since the link was sent; the link is used up.
    Taken,
    /// No pending registration has this token: bogus, used or expired. Nothing changed.
    Unknown,
}

/// Turns the pending registration behind `token` into the account, consuming it.
pub fn finish(conn: &mut DbConn, token: &str) -> Result<Finished> {
    let outcome = db::write_tx(conn, |conn| {
        let Some(pending) = pending(conn, token)? else {
            return Ok(Finished::Unknown);
        };
        // Two clicks at once: only the one whose delete took the row goes on.
        let consumed =
            diesel::delete(pending_registrations::table.find(pending.id)).execute(conn)?;
        if consumed == 0 {
            return Ok(Finished::Unknown);
        }
        if email_taken(conn, &pending.email)? {
            return Ok(Finished::Taken);
        }
        let new_user = NewUser {
            email: &pending.email,
            // Checked against the policy when the form was sent; only its hash was kept.
            password: "",
            first_name: &pending.first_name,
            last_name: &pending.last_name,
            role: Role::Customer,
        };
        let id = insert_user_with_hash(conn, &new_user, &pending.password_hash)?;
        Ok::<_, Error>(Finished::Created(Box::new(
            users::table
                .find(id)
                .select(User::as_select())
                .first(conn)?,
        )))
    });
    match outcome {
        // The same address was registered a moment ago, by another link or an administrator.
        Err(Error::Conflict(_)) => Ok(Finished::Taken),
        other => other,
    }
}

fn email_taken(conn: &mut DbConn, email: &str) -> Result<bool> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

fn confirm_link(email: &str, token: &str) -> Email {
    let link = shop_link(&format!("/account/register/confirm?token={token}"));
    Email {
        to: email.to_owned(),
        subject: "Finish creating your ShopWave account".to_owned(),
        body: format!(
            "Someone (we hope you) asked to open a ShopWave account for\n\
             {email}.\n\n\
             To finish creating your account, open this link within {CONFIRM_HOURS} hours:\n\n\
             {link}\n\n\
             If it was not you, you can ignore this message: no account is\n\
             opened without this link.\n"
        ),
    }
}

fn taken_notice(email: &str) -> Email {
    Email {
        to: email.to_owned(),
        subject: "Someone tried to open a ShopWave account with your e-mail".to_owned(),
        body: format!(
            "Someone (perhaps you) just tried to open a new ShopWave account\n\
             for {email}.\n\n\
             You already have an account with this address, so nothing was\n\
             changed. If it was you, simply sign in instead.\n\n\
             If it was not you, you can ignore this message: your account is\n\
             as it was.\n"
        ),
    }
}
