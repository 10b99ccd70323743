//! `/account/*`: registration, sign-in and out, profile, password and its reset by e-mail,
//! the sessions signed in, two-factor sign-in and the address book. Each handler parses, checks who asks, calls one accounts service and renders.

mod addresses;
mod email_change;
mod login;
mod password_reset;
mod profile;
mod register;
mod sessions;
mod two_factor;

use actix_web::web;

use super::chrome::SignedIn;
use super::error::WebResult;
use super::routing::{form, page, page_and_form};
use crate::db::models::User;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use addresses as a;
    cfg.service(page_and_form(
        "/account/register",
        register::show_register,
        register::submit_register,
    ))
    .service(page("/account/register/sent", register::show_sent))
    .service(page_and_form(
        "/account/register/confirm",
        register::show_confirm,
        register::submit_confirm,
    ))
    .service(page_and_form(
        "/account/login",
        login::show_login,
        login::submit_login,
    ))
    .service(page_and_form(
        "/account/login/two-factor",
        login::show_second_step,
        login::submit_second_step,
    ))
    .service(form("/account/logout", login::logout))
    .service(page_and_form(
        "/account",
        profile::show_profile,
        profile::update_profile,
    ))
    .service(page_and_form(
        "/account/password",
        profile::show_password,
        profile::change_password,
    ))
    .service(page_and_form(
        "/account/password/forgot",
        password_reset::show_forgot,
        password_reset::submit_forgot,
    ))
    .service(page_and_form(
        "/account/password/reset",
        password_reset::show_reset,
        password_reset::submit_reset,
    ))
    .service(page_and_form(
        "/account/email",
        email_change::show,
        email_change::submit,
    ))
    .service(page_and_form(
        "/account/email/confirm",
        email_change::show_confirm,
        email_change::submit_confirm,
    ))
    .service(page("/account/sessions", sessions::show))
    .service(form("/account/sessions/end-others", sessions::end_others))
    .service(page("/account/two-factor", two_factor::show_two_factor))
    .service(form("/account/two-factor/start", two_factor::start))
    .service(form("/account/two-factor/confirm", two_factor::confirm))
    .service(form("/account/two-factor/disable", two_factor::disable))
    .service(page_and_form("/account/addresses", a::list, a::create))
    .service(page("/account/addresses/new", a::show_new))
    .service(page("/account/addresses/{id}/edit", a::show_edit))
    .service(form("/account/addresses/{id}", a::update))
    .service(form("/account/addresses/{id}/delete", a::delete))
    .service(form("/account/addresses/{id}/default", a::make_default));
}

/// Signs `user` in on this session and carries over the cart they filled as a visitor.
pub(super) async fn sign_in_with_cart(
    state: &super::AppState,
    session: &actix_session::Session,
    frame: &super::frame_cookie::FrameCookie,
    user: &User,
) -> WebResult<()> {
    let guest_cart = super::chrome::guest_cart_token(session);
    super::chrome::sign_in(session, &signed_in_as(user))?;
    let user_id = user.id;
    let count = match guest_cart {
        Some(token) => {
            state
                .db(move |c| crate::cart::merge_on_login(c, &token, user_id))
                .await?
        }
        None => {
            state
                .db(move |c| crate::cart::item_count(c, &crate::cart::CartOwner::User(user_id)))
                .await?
        }
    };
    frame.remember_cart_count(&crate::cart::CartOwner::User(user_id), count);
    Ok(())
}

pub(super) fn signed_in_as(user: &User) -> SignedIn {
    SignedIn {
        id: user.id,
        first_name: user.first_name.clone(),
        role: user.role,
    }
}
