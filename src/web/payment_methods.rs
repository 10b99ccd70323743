//! `/account/payment-methods`: saved cards (token, brand, last four, expiry): add a card (typed on
//! the processor's page, `card_entry`), make one the default, remove one. Another user's card id
//! answers 404.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::AppState;
use super::auth::CurrentUser;
use super::card_entry::{self, Paths, Returned};
use super::chrome::Chrome;
use super::error::WebResult;
use super::respond;
use super::routing::{form, page, page_and_form};
use crate::checkout::PaymentSaga;
use crate::db::models::PaymentMethod;
use crate::payments::methods;
use crate::web::frame_cookie::FrameCookie;

const PAGE: &str = "/account/payment-methods";
const ENTERED: &str = "/account/payment-methods/entered";
/// The processor's card page opened from this page.
const ENTRY_KEY: &str = "account.card_entry";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page_and_form(PAGE, list_cards, add_card))
        .service(page(ENTERED, card_entered))
        .service(form("/account/payment-methods/{id}/default", make_default))
        .service(form("/account/payment-methods/{id}/delete", delete_card));
}

#[derive(Template)]
#[template(path = "account/payment_methods.html")]
struct CardsPage {
    chrome: Chrome,
    cards: Vec<PaymentMethod>,
    error: Option<String>,
}

/// The saved cards, with a message when adding one was refused.
async fn cards_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    error: Option<String>,
) -> WebResult<CardsPage> {
    let cards = state.db(move |c| methods::list(c, user_id)).await?;
    Ok(CardsPage {
        chrome,
        cards,
        error,
    })
}

async fn list_cards(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
) -> WebResult<HttpResponse> {
    respond::page(&cards_page(&state, chrome, user.id, None).await?)
}

/// Sends the shopper to the processor's card page, which sends them back to `card_entered`.
async fn add_card(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    session: Session,
) -> WebResult<HttpResponse> {
    let paths = Paths {
        entered: ENTERED,
        cancelled: PAGE,
    };
    let opened = card_entry::open(&state, &saga, &session, ENTRY_KEY, (user.id, paths), ()).await;
    respond::settle(opened, Ok, |message| {
        cards_page(&state, chrome, user.id, Some(message))
    })
    .await
}

/// Back from the processor's card page: the card entered is saved.
async fn card_entered(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    session: Session,
    frame: FrameCookie,
    returned: web::Query<Returned>,
) -> WebResult<HttpResponse> {
    let user_id = user.id;
    let result: WebResult<()> = async {
        let (card, ()) = card_entry::entered(&saga, &session, ENTRY_KEY, &returned).await?;
        state.db(move |c| methods::add(c, user_id, &card)).await?;
        Ok(())
    }
    .await;
    respond::settle(
        result,
        |()| Ok(respond::done(&frame, "Card saved.", PAGE)),
        |message| cards_page(&state, chrome, user_id, Some(message)),
    )
    .await
}

async fn make_default(
    state: web::Data<AppState>,
    CurrentUser(user): CurrentUser,
    frame: FrameCookie,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    state
        .db(move |c| methods::make_default(c, user.id, id))
        .await?;
    Ok(respond::done(&frame, "Default card changed.", PAGE))
}

async fn delete_card(
    state: web::Data<AppState>,
    CurrentUser(user): CurrentUser,
    frame: FrameCookie,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    state.db(move |c| methods::delete(c, user.id, id)).await?;
    Ok(respond::done(&frame, "Card removed.", PAGE))
}
