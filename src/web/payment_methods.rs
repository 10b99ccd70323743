//! `/account/payment-methods`: saved cards (token, brand, last four, expiry): add a card, make
//! one the default, remove one. Another user's card id answers 404.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::auth::CurrentUser;
use super::chrome::{self, Chrome};
use super::error::WebResult;
use super::pages::{refusal, rerender, see_other};
use crate::checkout::PaymentSaga;
use crate::db::models::PaymentMethod;
use crate::payments::{CardDetails, methods};

const PAGE: &str = "/account/payment-methods";

#[derive(Template)]
#[template(path = "account/payment_methods.html")]
struct CardsPage {
    chrome: Chrome,
    cards: Vec<PaymentMethod>,
    error: Option<String>,
}

async fn cards_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let cards = state.db(move |c| methods::list(c, user_id)).await?;
    rerender(
        &CardsPage {
            chrome,
            cards,
            error,
        },
        status,
    )
}

#[get("/account/payment-methods")]
pub async fn list_cards(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
) -> WebResult<HttpResponse> {
    cards_page(&state, chrome, user.id, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct CardForm {
    card_number: String,
    exp_month: String,
    exp_year: String,
    cvc: String,
}

#[post("/account/payment-methods")]
pub async fn add_card(
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
    match result {
        Ok(()) => {
            chrome::flash(&session, "success", "Card saved.");
            Ok(see_other(PAGE))
        }
        Err(error) => match refusal(&error) {
            Some((status, message)) => {
                cards_page(&state, chrome, user.id, Some(message), status).await
            }
            None => Err(error),
        },
    }
}

#[post("/account/payment-methods/{id}/default")]
pub async fn make_default(
    state: web::Data<AppState>,
    CurrentUser(user): CurrentUser,
    session: Session,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    state
        .db(move |c| methods::make_default(c, user.id, id))
        .await?;
    chrome::flash(&session, "success", "Default card changed.");
    Ok(see_other(PAGE))
}

#[post("/account/payment-methods/{id}/delete")]
pub async fn delete_card(
    state: web::Data<AppState>,
    CurrentUser(user): CurrentUser,
    session: Session,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    state.db(move |c| methods::delete(c, user.id, id)).await?;
    chrome::flash(&session, "success", "Card removed.");
    Ok(see_other(PAGE))
}
