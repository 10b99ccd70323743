//! `/account/payment-methods`: saved cards (token, brand, last four, expiry): add a card, make
//! one the default, remove one. Another user's card id answers 404.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::auth::CurrentUser;
use super::chrome::Chrome;
use super::error::WebResult;
use super::respond;
use super::routing::{form, page_and_form};
use crate::checkout::PaymentSaga;
use crate::db::models::PaymentMethod;
use crate::payments::{CardDetails, methods};

const PAGE: &str = "/account/payment-methods";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page_and_form(PAGE, list_cards, add_card))
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

#[derive(Deserialize)]
pub struct CardForm {
    card_number: String,
    exp_month: String,
    exp_year: String,
    cvc: String,
}

async fn add_card(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    session: Session,
    form: web::Form<CardForm>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    let card = CardDetails::typed(form.card_number, &form.exp_month, &form.exp_year, &form.cvc);
    let (saga, user_id) = (saga.clone(), user.id);
    let result: WebResult<()> = async {
        let token = web::block(move || saga.tokenize(&card)).await??;
        state.db(move |c| methods::add(c, user_id, &token)).await?;
        Ok(())
    }
    .await;
    respond::settle(
        result,
        |()| Ok(respond::done(&session, "Card saved.", PAGE)),
        |message| cards_page(&state, chrome, user.id, Some(message)),
    )
    .await
}

async fn make_default(
    state: web::Data<AppState>,
    CurrentUser(user): CurrentUser,
    session: Session,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    state
        .db(move |c| methods::make_default(c, user.id, id))
        .await?;
    Ok(respond::done(&session, "Default card changed.", PAGE))
}

async fn delete_card(
    state: web::Data<AppState>,
    CurrentUser(user): CurrentUser,
    session: Session,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    state.db(move |c| methods::delete(c, user.id, id)).await?;
    Ok(respond::done(&session, "Card removed.", PAGE))
}
