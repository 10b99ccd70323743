//! Opening a customer account from the registration form.

use super::password_policy::check_new_password;
use super::{NewUser, Role, insert_user_with_hash, normalize_email, password, throttle};
use crate::db::models::User;
use crate::db::schema::users;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::mail::Email;
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

/// What a registration did. The visitor is answered the same way for both, so the form cannot
/// be used to learn who has an account; the owner of a taken address is told by e-mail instead.
pub enum Registered {
    New(Box<User>),
    /// The e-mail (in any letter case) already has an account: the message to send its owner.
    Taken(Email),
}

/// Creates the customer, or finds the e-mail taken. Err(TooManyRequests) when this address has
/// registered too often.
pub fn register(
    conn: &mut DbConn,
    registration: &Registration,
    client_ip: &str,
) -> Result<Registered> {
    // A refusal before the costly hash; `count_registration` checks again, atomically.
    throttle::check_registration(conn, client_ip)?;
    // Hashing takes tens of milliseconds: done before the write transaction, not inside it.
    let password_hash = password::bounded(|| password::hash(&registration.password))?;
    let new_user = NewUser {
        email: &registration.email,
        password: &registration.password,
        first_name: &registration.first_name,
        last_name: &registration.last_name,
        role: Role::Customer,
    };
    let outcome = db::write_tx(conn, |conn| {
        throttle::count_registration(conn, &registration.email, client_ip)?;
        let taken = users::table
            .filter(users::email.eq(&registration.email))
            .select(users::id)
            .first::<i64>(conn)
            .optional()?;
        if taken.is_some() {
            return Ok(Registered::Taken(taken_notice(&registration.email)));
        }
        let id = insert_user_with_hash(conn, &new_user, &password_hash)?;
        Ok::<_, Error>(Registered::New(Box::new(
            users::table
                .find(id)
                .select(User::as_select())
                .first(conn)?,
        )))
    });
    match outcome {
        // Someone registered the same e-mail a moment ago.
        Err(Error::Conflict(_)) => Ok(Registered::Taken(taken_notice(&registration.email))),
        other => other,
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
