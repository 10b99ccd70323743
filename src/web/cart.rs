//! `/cart`: the cart page and its forms (add, change quantity, remove, promotion code). A
//! visitor's cart is keyed by a random token kept in their session (`chrome::cart_owner`); at
//! sign-in the accounts module hands it to `cart::merge_on_login`.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::auth::MaybeUser;
use super::chrome::{self, Chrome};
use super::csrf::CsrfToken;
use super::error::{WebError, WebResult};
use super::frame_cookie::FrameCookie;
use super::respond;
use super::routing::{form, page};
use crate::cart::{self, CartOwner, CartView, Quantity};
use crate::error::Error;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/cart", show_cart))
        .service(form("/cart/add", add_to_cart))
        .service(form("/cart/update", update_line))
        .service(form("/cart/remove", remove_line))
        .service(form("/cart/promotion", apply_promotion))
        .service(form("/cart/promotion/remove", remove_promotion));
}

/// Whose cart this request works on, if there is one yet.
fn owner(user: &MaybeUser, session: &Session) -> Option<CartOwner> {
    chrome::cart_owner(user.0.as_ref().map(|u| u.id), session)
}

/// `owner`, or for a visitor without a cart the one named after their browser's CSRF token.
fn owner_or_new(user: &MaybeUser, session: &Session, browser: &CsrfToken) -> WebResult<CartOwner> {
    if let Some(owner) = owner(user, session) {
        return Ok(owner);
    }
    let owner = CartOwner::guest_for(&browser.0);
    if let CartOwner::Guest(token) = &owner {
        chrome::keep_guest_cart_token(session, token)?;
    }
    Ok(owner)
}

#[derive(Template)]
#[template(path = "cart/show.html")]
struct CartPage {
    chrome: Chrome,
    cart: CartView,
    error: Option<String>,
    signed_in: bool,
}

async fn load(state: &AppState, owner: Option<CartOwner>) -> WebResult<CartView> {
    match owner {
        Some(owner) => state.db(move |c| cart::view(c, &owner)).await,
        None => Ok(CartView::default()),
    }
}

/// The cart page, with a refusal's message when a form on it was not accepted.
async fn cart_page(
    state: &AppState,
    chrome: Chrome,
    user: &MaybeUser,
    session: &Session,
    frame: &FrameCookie,
    error: Option<String>,
) -> WebResult<CartPage> {
    let owner = owner(user, session);
    let cart = load(state, owner.clone()).await?;
    if let Some(owner) = &owner {
        frame.remember_cart_count(owner, cart.count);
    }
    let chrome = Chrome {
        cart_count: cart.count,
        ..chrome
    };
    Ok(CartPage {
        chrome,
        cart,
        error,
        signed_in: user.0.is_some(),
    })
}

async fn show_cart(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    session: Session,
    frame: FrameCookie,
) -> WebResult<HttpResponse> {
    respond::page(&cart_page(&state, chrome, &user, &session, &frame, None).await?)
}

/// After a change: the new count in the header, a flash, and back to the cart. A refusal the
/// shopper can fix is shown on the cart page itself.
async fn finish(
    state: &AppState,
    chrome: Chrome,
    user: &MaybeUser,
    session: &Session,
    frame: &FrameCookie,
    result: WebResult<(i64, String)>,
) -> WebResult<HttpResponse> {
    respond::settle(
        result,
        |(count, done)| {
            if let Some(owner) = owner(user, session) {
                frame.remember_cart_count(&owner, count);
            }
            Ok(respond::done(frame, done, "/cart"))
        },
        |message| cart_page(state, chrome, user, session, frame, Some(message)),
    )
    .await
}

#[derive(Deserialize)]
pub struct LineForm {
    #[serde(deserialize_with = "crate::numbers::whole")]
    variant_id: i64,
    quantity: String,
}

async fn add_to_cart(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    session: Session,
    frame: FrameCookie,
    browser: CsrfToken,
    form: web::Form<LineForm>,
) -> WebResult<HttpResponse> {
    let result = match Quantity::parse(&form.quantity) {
        Ok(quantity) => {
            let owner = owner_or_new(&user, &session, &browser)?;
            let variant_id = form.variant_id;
            state
                .db(move |c| cart::add(c, &owner, variant_id, quantity))
                .await
        }
        Err(e) => Err(e.into()),
    };
    let result = result.map(|count| (count, "Added to your cart.".to_owned()));
    finish(&state, chrome, &user, &session, &frame, result).await
}

async fn update_line(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    session: Session,
    frame: FrameCookie,
    form: web::Form<LineForm>,
) -> WebResult<HttpResponse> {
    let owner = owner(&user, &session).ok_or(WebError::NotFound)?;
    let result = match Quantity::parse(&form.quantity) {
        Ok(quantity) => {
            let variant_id = form.variant_id;
            state
                .db(move |c| cart::set_quantity(c, &owner, variant_id, quantity))
                .await
        }
        Err(e) => Err(e.into()),
    };
    let result = result.map(|count| (count, "Quantity updated.".to_owned()));
    finish(&state, chrome, &user, &session, &frame, result).await
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(deserialize_with = "crate::numbers::whole")]
    variant_id: i64,
}

async fn remove_line(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    session: Session,
    frame: FrameCookie,
    form: web::Form<RemoveForm>,
) -> WebResult<HttpResponse> {
    let owner = owner(&user, &session).ok_or(WebError::NotFound)?;
    let variant_id = form.variant_id;
    let result = state.db(move |c| cart::remove(c, &owner, variant_id)).await;
    let result = result.map(|count| (count, "Removed from your cart.".to_owned()));
    finish(&state, chrome, &user, &session, &frame, result).await
}

#[derive(Deserialize)]
pub struct PromotionForm {
    code: String,
}

async fn apply_promotion(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    session: Session,
    frame: FrameCookie,
    form: web::Form<PromotionForm>,
) -> WebResult<HttpResponse> {
    let result = match owner(&user, &session) {
        Some(owner) => {
            let code = form.into_inner().code;
            state
                .db(move |c| {
                    let applied = cart::apply_promotion(c, &owner, &code)?;
                    Ok((
                        cart::item_count(c, &owner)?,
                        format!("Code {applied} applied."),
                    ))
                })
                .await
        }
        None => {
            Err(Error::Invalid("Add something to your cart before entering a code.".into()).into())
        }
    };
    finish(&state, chrome, &user, &session, &frame, result).await
}

async fn remove_promotion(
    state: web::Data<AppState>,
    user: MaybeUser,
    session: Session,
    frame: FrameCookie,
) -> WebResult<HttpResponse> {
    if let Some(owner) = owner(&user, &session) {
        state.db(move |c| cart::remove_promotion(c, &owner)).await?;
    }
    Ok(respond::done(&frame, "Code removed.", "/cart"))
}
