//! `/account/*`: registration, sign-in and out, profile, password, two-factor sign-in and the
//! address book. Each handler parses, checks who asks, calls one accounts service and renders.

mod addresses;
mod login;
mod profile;
mod register;
mod two_factor;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::chrome::SignedIn;
use super::error::WebResult;
use crate::db::models::User;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(register::show_register)
        .service(register::submit_register)
        .service(login::show_login)
        .service(login::submit_login)
        .service(login::show_second_step)
        .service(login::submit_second_step)
        .service(login::logout)
        .service(profile::show_profile)
        .service(profile::update_profile)
        .service(profile::show_password)
        .service(profile::change_password)
        .service(two_factor::show_two_factor)
        .service(two_factor::start)
        .service(two_factor::confirm)
        .service(two_factor::disable)
        .service(addresses::list)
        .service(addresses::show_new)
        .service(addresses::create)
        .service(addresses::show_edit)
        .service(addresses::update)
        .service(addresses::delete)
        .service(addresses::make_default);
}

/// The address throttling counts by: the TCP peer. Behind a proxy that is the proxy, so the
/// per-address limit then applies to all traffic through it (the per-account limit still holds).
pub(super) fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string())
}

pub(super) use super::pages::{local_path, see_other};

/// A page with a status other than 200: a form shown again with its messages. Account pages
/// carry personal data, so no cache keeps them.
pub(super) fn render(page: &impl Template, status: StatusCode) -> WebResult<HttpResponse> {
    let mut response = super::pages::rerender(page, status)?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// Signs `user` in on this session and carries over the cart they filled as a visitor.
pub(super) async fn sign_in_with_cart(
    state: &super::AppState,
    session: &actix_session::Session,
    user: &User,
) -> WebResult<()> {
    let guest_cart = super::guest_cart_token(session);
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
    super::chrome::remember_cart_count(session, count)?;
    Ok(())
}

pub(super) fn signed_in_as(user: &User) -> SignedIn {
    SignedIn {
        id: user.id,
        first_name: user.first_name.clone(),
        role: user.role,
    }
}
