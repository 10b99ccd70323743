//! Opening a customer account from the registration form.

use super::form::{self, FieldErrors};
use super::password_policy::check_new_password;
use super::{NewUser, Role, insert_user_with_hash, normalize_email, password, throttle};
use crate::db::models::User;
use crate::db::schema::users;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
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
        let (first_name, last_name) = form::names(&mut errors, input.first_name, input.last_name);
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

/// Creates the customer. Err(Conflict) when the e-mail is taken (in any letter case),
/// Err(TooManyRequests) when this address has registered too often.
pub fn register(conn: &mut DbConn, registration: &Registration, client_ip: &str) -> Result<User> {
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
    let user = db::write_tx(conn, |conn| {
        throttle::record_registration(conn, &registration.email, client_ip)?;
        let id = insert_user_with_hash(conn, &new_user, &password_hash)?;
        Ok::<_, Error>(
            users::table
                .find(id)
                .select(User::as_select())
                .first(conn)?,
        )
    })?;
    Ok(user)
}
