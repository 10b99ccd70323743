//! The shopper's own details: names and phone, and the password.

use diesel::prelude::*;

use super::password_policy::check_new_password;
use super::{password, sessions, throttle};
use crate::db::models::User;
use crate::db::schema::users;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::util::now;

pub fn user(conn: &mut DbConn, user_id: i64) -> Result<User> {
    Ok(users::table
        .find(user_id)
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)?)
}

/// The profile form as typed.
pub struct ProfileInput<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub phone: &'a str,
}

pub struct ProfileChanges {
    first_name: String,
    last_name: String,
    phone: Option<String>,
}

impl ProfileChanges {
    pub fn parse(input: &ProfileInput) -> Result<ProfileChanges, FieldErrors> {
        let mut errors = FieldErrors::default();
        let (first_name, last_name) = forms::names(&mut errors, input.first_name, input.last_name);
        let phone = forms::phone(&mut errors, "phone", input.phone);
        errors.or_ok(ProfileChanges {
            first_name,
            last_name,
            phone,
        })
    }
}

pub fn update_profile(conn: &mut DbConn, user_id: i64, changes: &ProfileChanges) -> Result<User> {
    db::write_tx(conn, |conn| {
        diesel::update(users::table.find(user_id))
            .set((
                users::first_name.eq(&changes.first_name),
                users::last_name.eq(&changes.last_name),
                users::phone.eq(&changes.phone),
                users::updated_at.eq(now()),
            ))
            .execute(conn)?;
        user(conn, user_id)
    })
}

/// Changes the password after checking the current one (a wrong one counts as a failed
/// sign-in, so this form cannot be used to guess it), and ends every session of the user: the
/// caller signs the current browser in again on a fresh session.
pub fn change_password(
    conn: &mut DbConn,
    user_id: i64,
    current: &str,
    new: &str,
    client_ip: &str,
) -> Result<User> {
    let account = user(conn, user_id)?;
    let attempt = throttle::begin_login(conn, &account.email, client_ip)?;
    match password::bounded(|| password::verify(&account.password_hash, current)) {
        Ok(true) => throttle::take_back(conn, attempt)?,
        Ok(false) => {
            return Err(Error::Invalid(
                "Your current password is not correct.".into(),
            ));
        }
        Err(busy) => {
            throttle::take_back(conn, attempt)?;
            return Err(busy);
        }
    }
    check_new_password(new, &account.email)?;
    let new_hash = password::bounded(|| password::hash(new))?;
    db::write_tx(conn, |conn| {
        diesel::update(users::table.find(user_id))
            .set((
                users::password_hash.eq(&new_hash),
                users::password_changed_at.eq(now()),
                users::updated_at.eq(now()),
            ))
            .execute(conn)?;
        sessions::end_all_sessions(conn, user_id)?;
        Ok::<_, Error>(())
    })?;
    Ok(account)
}
