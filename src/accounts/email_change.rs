//! A signed-in user moving their account to another e-mail address. The new address must
//! prove it reads its mail: a single-use link (`mailed_link`) goes to it, and a notice to the
//! old one, which keeps signing in until the link is followed. Following it changes the
//! address if no other account took it meanwhile, ends every session, voids reset links sent
//! to the old address and writes an audit row.

use diesel::prelude::*;

use super::mailed_link::{self, LINK_MINUTES, LinkToken};
use super::{normalize_email, password, password_reset, sessions, throttle};
use crate::audit::{self, Actor, Entity};
use crate::db::models::{EmailChange, User};
use crate::db::schema::{email_changes, users};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::forms::FieldErrors;
use crate::mail::{Email, shop_link};
use crate::util::now;

/// The form, read: the new address as stored (`normalize_email`).
#[derive(Debug)]
pub struct EmailChangeInput {
    pub new_email: String,
}

impl EmailChangeInput {
    pub fn parse(
        new_email: &str,
        current_password: &str,
    ) -> std::result::Result<EmailChangeInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email = normalize_email(new_email);
        if let Err(error) = &email {
            errors.add("new_email", error.to_string());
        }
        if current_password.is_empty() {
            errors.add("current_password", "Please enter your current password.");
        }
        let new_email = email.unwrap_or_default();
        errors.or_ok(EmailChangeInput { new_email })
    }
}

const TAKEN: &str = "That address belongs to another account. Please choose another one.";

/// Checks the password (a wrong one counts as a failed sign-in), the address (not the same,
/// not another account's) and the hourly limit, then records the change and answers the two
/// e-mails to send: the link to the new address, the notice to the old one.
pub fn request(
    conn: &mut DbConn,
    user_id: i64,
    input: &EmailChangeInput,
    current_password: &str,
    client_ip: &str,
) -> Result<[Email; 2]> {
    let account: User = super::profile::user(conn, user_id)?;
    let attempt = throttle::begin_login(conn, &account.email, client_ip)?;
    match password::bounded(|| password::verify(&account.password_hash, current_password)) {
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
    if input.new_email == account.email {
        return Err(Error::Invalid(
            "That is already your address. Please enter a different one.".into(),
        ));
    }
    let link = LinkToken::new();
    db::write_tx(conn, |conn| {
        diesel::delete(email_changes::table.filter(email_changes::expires_at.le(now())))
            .execute(conn)?;
        // The account's turn, so asks at once are counted one after the other.
        super::lock_user(conn, user_id)?;
        let recent: i64 = email_changes::table
            .filter(email_changes::user_id.eq(user_id))
            .filter(email_changes::created_at.gt(mailed_link::hour_ago()))
            .count()
            .get_result(conn)?;
        if !mailed_link::may_send(recent) {
            return Err(Error::TooManyRequests(format!(
                "You asked for {} links in the last hour. Please use one of them, or try again later.",
                mailed_link::MAX_LINKS_PER_HOUR
            )));
        }
        if address_taken(conn, &input.new_email, user_id)? {
            return Err(Error::Invalid(TAKEN.into()));
        }
        diesel::insert_into(email_changes::table)
            .values((
                email_changes::token_hash.eq(&link.hash),
                email_changes::user_id.eq(user_id),
                email_changes::new_email.eq(&input.new_email),
                email_changes::created_at.eq(now()),
                email_changes::expires_at.eq(link.expires_at),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    Ok([
        confirm_mail(&input.new_email, &link.token),
        notice_mail(&account.email, &input.new_email),
    ])
}

/// The change a link's token stands for, while it is unused and unexpired.
pub fn live(conn: &mut DbConn, token: &str) -> Result<Option<EmailChange>> {
    Ok(email_changes::table
        .filter(email_changes::token_hash.eq(mailed_link::digest(token)))
        .filter(email_changes::used_at.is_null())
        .filter(email_changes::expires_at.gt(now()))
        .select(EmailChange::as_select())
        .first(conn)
        .optional()?)
}

/// What following a link did.
#[derive(Debug)]
pub enum ConfirmOutcome {
    /// The account, as it is now, has the new address; every session of it has ended.
    Done(Box<User>),
    /// The link is bogus, used or expired. Nothing changed.
    Unknown,
}

/// Moves the account behind `token` to the link's address. Another account holding that
/// address by now is `Error::Conflict`, and nothing changes (the link stays usable, in case
/// the other account lets it go).
pub fn confirm(conn: &mut DbConn, token: &str, client_ip: &str) -> Result<ConfirmOutcome> {
    let Some(change) = live(conn, token)? else {
        return Ok(ConfirmOutcome::Unknown);
    };
    let outcome = db::write_tx(conn, |conn| {
        super::lock_user(conn, change.user_id)?;
        if address_taken(conn, &change.new_email, change.user_id)? {
            return Err(Error::Conflict(TAKEN.into()));
        }
        // Two submits at once: only the one whose update took the link goes on.
        let taken = diesel::update(
            email_changes::table
                .find(change.id)
                .filter(email_changes::used_at.is_null())
                .filter(email_changes::expires_at.gt(now())),
        )
        .set(email_changes::used_at.eq(now()))
        .execute(conn)?;
        if taken == 0 {
            return Ok(ConfirmOutcome::Unknown);
        }
        let old_email: String = users::table
            .find(change.user_id)
            .select(users::email)
            .first(conn)?;
        diesel::update(users::table.find(change.user_id))
            .set((
                users::email.eq(&change.new_email),
                users::updated_at.eq(now()),
            ))
            .execute(conn)?;
        // Other links of the account, to this or another address, die with this one.
        diesel::update(
            email_changes::table
                .filter(email_changes::user_id.eq(change.user_id))
                .filter(email_changes::used_at.is_null()),
        )
        .set(email_changes::used_at.eq(now()))
        .execute(conn)?;
        password_reset::void_links(conn, change.user_id)?;
        let ended = sessions::end_all_sessions(conn, change.user_id)?;
        audit::record(
            conn,
            &Actor::at(change.user_id, client_ip),
            "user.email_changed",
            Entity {
                kind: "user",
                id: change.user_id,
            },
            &format!(
                "e-mail address changed from {old_email} to {} by mailed link; {ended} session(s) ended",
                change.new_email
            ),
        )?;
        let user = super::profile::user(conn, change.user_id)?;
        Ok::<_, Error>(ConfirmOutcome::Done(Box::new(user)))
    });
    match outcome {
        // The unique key caught a race the check above could not see.
        Err(Error::Db(db::Error::Query(error)))
            if db::unique_violation_on(&error, "users", &["email"]) =>
        {
            Err(Error::Conflict(TAKEN.into()))
        }
        other => other,
    }
}

/// Whether an account other than `user_id` holds `email` (deleted accounts keep theirs).
fn address_taken(conn: &mut DbConn, email: &str, user_id: i64) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::email.eq(email))
            .filter(users::id.ne(user_id)),
    ))
    .get_result(conn)?)
}

fn confirm_mail(new_email: &str, token: &str) -> Email {
    let link = shop_link(&format!("/account/email/confirm?token={token}"));
    Email {
        to: new_email.to_owned(),
        subject: "Confirm your new ShopWave e-mail address".to_owned(),
        body: format!(
            "Someone (we hope you) asked to use {new_email} for their ShopWave\n\
             account.\n\n\
             To confirm, open this link within {LINK_MINUTES} minutes:\n\n\
             {link}\n\n\
             If it was not you, you can ignore this message: nothing changes.\n"
        ),
    }
}

fn notice_mail(old_email: &str, new_email: &str) -> Email {
    Email {
        to: old_email.to_owned(),
        subject: "Your ShopWave e-mail address is about to change".to_owned(),
        body: format!(
            "Someone signed in to your ShopWave account asked to change its\n\
             e-mail address from {old_email} to {new_email}.\n\n\
             Nothing changes until the link we sent to the new address is\n\
             opened; until then you keep signing in with {old_email}.\n\n\
             If it was not you, change your password now and review the\n\
             devices signed in to your account under Account > Sessions.\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_needs_an_address_and_the_password() {
        let input = EmailChangeInput::parse("  New@Example.COM ", "secret").unwrap();
        assert_eq!(input.new_email, "new@example.com");
        let errors = EmailChangeInput::parse("not an address", "").unwrap_err();
        assert!(errors.get("new_email").is_some() && errors.get("current_password").is_some());
    }

    #[test]
    fn the_link_goes_to_the_new_address_and_the_notice_to_the_old() {
        let mail = confirm_mail("new@example.com", "abc");
        assert_eq!(mail.to, "new@example.com");
        assert!(
            mail.body
                .contains(&shop_link("/account/email/confirm?token=abc"))
        );
        let notice = notice_mail("old@example.com", "new@example.com");
        assert_eq!(notice.to, "old@example.com");
        assert!(!notice.body.contains("token"));
    }
}
