//! `/cart`: the cart page and its forms (add, change quantity, remove, promotion code). A
//! visitor's cart is keyed by a random token kept in their session; at sign-in the accounts
//! module hands `guest_cart_token` to `cart::merge_on_login`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::auth::MaybeUser;
use super::chrome::remember_cart_count;
use super::chrome::{self, Chrome};
use super::csrf::CsrfToken;
use super::error::{WebError, WebResult};
use super::pages::{refusal, rerender, see_other};
use crate::cart::{self, CartOwner, CartView, Quantity};
use crate::error::Error;

const CART_TOKEN_KEY: &str = "cart.token";

/// The visitor's cart token, if their session has one.
pub fn guest_cart_token(session: &Session) -> Option<String> {
    session.get::<String>(CART_TOKEN_KEY).ok().flatten()
}

/// Whose cart this request works on, if there is one yet.
fn owner(user: &MaybeUser, session: &Session) -> Option<CartOwner> {
    if let Some(user) = &user.0 {
        return Some(CartOwner::User(user.id));
    }
    guest_cart_token(session).map(CartOwner::Guest)
}

/// `owner`, or for a visitor without a cart the one named after their browser's CSRF token.
fn owner_or_new(user: &MaybeUser, session: &Session, browser: &CsrfToken) -> WebResult<CartOwner> {
    if let Some(owner) = owner(user, session) {
        return Ok(owner);
    }
    let owner = CartOwner::guest_for(&browser.0);
    if let CartOwner::Guest(token) = &owner {
        session.insert(CART_TOKEN_KEY, token)?;
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

#[get("/cart")]
pub async fn show_cart(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    session: Session,
) -> WebResult<HttpResponse> {
    let cart = load(&state, owner(&user, &session)).await?;
    remember_cart_count(&session, cart.count)?;
    let signed_in = user.0.is_some();
    rerender(
        &CartPage {
            chrome,
            cart,
            error: None,
            signed_in,
        },
        StatusCode::OK,
    )
}

/// After a change: the new count in the header, a flash, and back to the cart. A refusal the
/// shopper can fix is shown on the cart page itself with a 4xx status.
async fn finish(
    state: &AppState,
    chrome: Chrome,
    user: &MaybeUser,
    session: &Session,
    result: WebResult<i64>,
    done: &str,
) -> WebResult<HttpResponse> {
    match result {
        Ok(count) => {
            remember_cart_count(session, count)?;
            chrome::flash(session, "success", done);
            Ok(see_other("/cart"))
        }
        Err(error) => {
            let Some((status, message)) = refusal(&error) else {
                return Err(error);
            };
            let cart = load(state, owner(user, session)).await?;
            let signed_in = user.0.is_some();
            rerender(
                &CartPage {
                    chrome,
                    cart,
                    error: Some(message),
                    signed_in,
                },
                status,
            )
        }
    }
}

#[derive(Deserialize)]
pub struct LineForm {
    variant_id: i64,
    quantity: String,
}

#[post("/cart/add")]
pub async fn add_to_cart(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    session: Session,
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
    finish(
        &state,
        chrome,
        &user,
        &session,
        result,
        "Added to your cart.",
    )
    .await
}

#[post("/cart/update")]
pub async fn update_line(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    session: Session,
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
    finish(&state, chrome, &user, &session, result, "Quantity updated.").await
}

#[derive(Deserialize)]
pub struct RemoveForm {
    variant_id: i64,
}

#[post("/cart/remove")]
pub async fn remove_line(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    session: Session,
    form: web::Form<RemoveForm>,
) -> WebResult<HttpResponse> {
    let owner = owner(&user, &session).ok_or(WebError::NotFound)?;
    let variant_id = form.variant_id;
    let result = state.db(move |c| cart::remove(c, &owner, variant_id)).await;
    finish(
        &state,
        chrome,
        &user,
        &session,
        result,
        "Removed from your cart.",
    )
    .await
}

#[derive(Deserialize)]
pub struct PromotionForm {
    code: String,
}

#[post("/cart/promotion")]
pub async fn apply_promotion(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    session: Session,
    form: web::Form<PromotionForm>,
) -> WebResult<HttpResponse> {
    let result = match owner(&user, &session) {
        Some(owner) => {
            let code = form.into_inner().code;
            state
                .db(move |c| {
                    let applied = cart::apply_promotion(c, &owner, &code)?;
                    Ok((applied, cart::item_count(c, &owner)?))
                })
                .await
        }
        None => {
            Err(Error::Invalid("Add something to your cart before entering a code.".into()).into())
        }
    };
    let message = match &result {
        Ok((code, _)) => format!("Code {code} applied."),
        Err(_) => String::new(),
    };
    finish(
        &state,
        chrome,
        &user,
        &session,
        result.map(|(_, count)| count),
        &message,
    )
    .await
}

#[post("/cart/promotion/remove")]
pub async fn remove_promotion(
    state: web::Data<AppState>,
    user: MaybeUser,
    session: Session,
) -> WebResult<HttpResponse> {
    if let Some(owner) = owner(&user, &session) {
        state.db(move |c| cart::remove_promotion(c, &owner)).await?;
    }
    chrome::flash(&session, "success", "Code removed.");
    Ok(see_other("/cart"))
}
