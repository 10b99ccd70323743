//! `/checkout`: choose address, shipping and payment; review every amount; place the order.
//! The review page carries an idempotency key, so a double submit makes one order. A new card
//! is typed on the processor's own page (`card_entry`), which sends the shopper back to the
//! review; its token waits in the (server-side) session until the order is placed. The card
//! number never reaches the shop.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::CurrentUser;
use super::card_entry::{self, Paths, Returned};
use super::chrome::{Chrome, FlashKind};
use super::error::{WebError, WebResult};
use super::frame_cookie::FrameCookie;
use super::respond;
use super::routing::{form, page};
use crate::cart::CartOwner;
use crate::checkout::{self, Options, Outcome, PaymentChoice, PaymentSaga, PlaceOrder, Priced};
use crate::error::Error;
use crate::money::Money;
use crate::payments::CardToken;

const CARD_KEY: &str = "checkout.card";
/// The processor's card page opened from the checkout form.
const ENTRY_KEY: &str = "checkout.card_entry";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/checkout", show_checkout))
        .service(form("/checkout/review", review))
        .service(page("/checkout/card-entered", card_entered))
        .service(form("/checkout/place", place_order));
}

/// What the checkout form chose, kept while the shopper types a new card at the processor.
#[derive(Serialize, Deserialize)]
struct Choices {
    address_id: i64,
    shipping_method_id: i64,
    save_card: bool,
}

/// A new card entered at the processor, waiting in the session for the order to be placed.
#[derive(Serialize, Deserialize)]
struct PendingCard {
    token: String,
    brand: String,
    last4: String,
    exp_month: i32,
    exp_year: i32,
    save: bool,
}

#[derive(Template)]
#[template(path = "checkout/form.html")]
struct CheckoutPage {
    chrome: Chrome,
    options: Options,
    error: Option<String>,
}

impl CheckoutPage {
    fn money(&self, cents: impl std::borrow::Borrow<i64>) -> Money {
        Money::from_minor(*cents.borrow())
    }
}

#[derive(Template)]
#[template(path = "checkout/review.html")]
struct ReviewPage {
    chrome: Chrome,
    priced: Priced,
    payment: String,
    payment_label: String,
    idempotency_key: String,
}

/// The checkout form, with a message when a step after it was not accepted.
async fn checkout_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    error: Option<String>,
) -> WebResult<CheckoutPage> {
    let options = state.db(move |c| checkout::options(c, user_id)).await?;
    Ok(CheckoutPage {
        chrome,
        options,
        error,
    })
}

async fn show_checkout(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    frame: FrameCookie,
) -> WebResult<HttpResponse> {
    let hold_for = state.stock_hold;
    let options = state
        .db(move |c| checkout::open(c, user.id, hold_for))
        .await?;
    if options.cart.is_empty() {
        let empty = "Your cart is empty.";
        return Ok(respond::notice(&frame, FlashKind::Info, empty, "/cart"));
    }
    respond::page(&CheckoutPage {
        chrome,
        options,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    address_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    shipping_method_id: Option<i64>,
    #[serde(default)]
    payment: String,
    save_card: Option<String>,
}

fn chosen<T>(value: Option<T>, what: &str) -> Result<T, Error> {
    value.ok_or_else(|| Error::Invalid(format!("Please choose {what}.")))
}

/// The review page for what the checkout form chose. A new card is typed first, on the
/// processor's page, which sends the shopper back to `card_entered`.
async fn review(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    session: Session,
    form: web::Form<ReviewForm>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    if form.payment == "new" {
        let opened = enter_new_card(&state, &saga, &session, user.id, &form).await;
        return respond::settle(opened, Ok, |message| {
            checkout_page(&state, chrome, user.id, Some(message))
        })
        .await;
    }
    let review = saved_card_review(&state, user.id, &form).await;
    show_review(&state, chrome, user.id, review).await
}

/// The review page, or the checkout form again with the reason it could not be shown.
async fn show_review(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    result: WebResult<(Priced, String, String)>,
) -> WebResult<HttpResponse> {
    let (for_review, for_refusal) = (chrome.clone(), chrome);
    respond::settle(
        result,
        |(priced, payment, payment_label)| {
            respond::page(&ReviewPage {
                chrome: for_review,
                priced,
                payment,
                payment_label,
                idempotency_key: crate::util::random_hex(16),
            })
        },
        |message| checkout_page(state, for_refusal, user_id, Some(message)),
    )
    .await
}

async fn enter_new_card(
    state: &AppState,
    saga: &web::Data<PaymentSaga>,
    session: &Session,
    user_id: i64,
    form: &ReviewForm,
) -> WebResult<HttpResponse> {
    let choices = Choices {
        address_id: chosen(form.address_id, "a delivery address")?,
        shipping_method_id: chosen(form.shipping_method_id, "a shipping method")?,
        save_card: form.save_card.is_some(),
    };
    let paths = Paths {
        entered: "/checkout/card-entered",
        cancelled: "/checkout",
    };
    card_entry::open(state, saga, session, ENTRY_KEY, (user_id, paths), choices).await
}

/// Back from the processor's card page: the card entered waits in the session for the order,
/// and the review page is shown.
async fn card_entered(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    session: Session,
    returned: web::Query<Returned>,
) -> WebResult<HttpResponse> {
    let result = async {
        let (card, choices) =
            card_entry::entered::<Choices>(&saga, &session, ENTRY_KEY, &returned).await?;
        let label = format!("{} ending {}", card.brand, card.last4);
        let pending = PendingCard {
            token: card.token,
            brand: card.brand,
            last4: card.last4,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            save: choices.save_card,
        };
        session
            .insert(CARD_KEY, &pending)
            .map_err(|e| WebError::Internal(e.to_string()))?;
        let (address, shipping) = (choices.address_id, choices.shipping_method_id);
        let priced = state
            .db(move |c| checkout::price(c, user.id, address, shipping))
            .await?;
        Ok((priced, "new".to_owned(), label))
    }
    .await;
    show_review(&state, chrome, user.id, result).await
}

async fn saved_card_review(
    state: &AppState,
    user_id: i64,
    form: &ReviewForm,
) -> WebResult<(Priced, String, String)> {
    let address_id = chosen(form.address_id, "a delivery address")?;
    let shipping_method_id = chosen(form.shipping_method_id, "a shipping method")?;
    let id = saved_card_id(&form.payment)?;
    let card = state
        .db(move |c| {
            crate::payments::methods::owned(c, user_id, id)
                .map_err(|_| Error::Invalid("Please choose one of your saved cards.".into()))
        })
        .await?;
    let label = format!("{} ending {}", card.brand, card.last4);
    let priced = state
        .db(move |c| checkout::price(c, user_id, address_id, shipping_method_id))
        .await?;
    Ok((priced, form.payment.clone(), label))
}

fn saved_card_id(payment: &str) -> Result<i64, Error> {
    payment
        .strip_prefix("saved:")
        .and_then(crate::numbers::parse_whole)
        .ok_or_else(|| Error::Invalid("Please choose how to pay.".into()))
}

#[derive(Deserialize)]
pub struct PlaceForm {
    #[serde(deserialize_with = "crate::numbers::whole")]
    address_id: i64,
    #[serde(deserialize_with = "crate::numbers::whole")]
    shipping_method_id: i64,
    payment: String,
    idempotency_key: String,
    #[serde(deserialize_with = "crate::numbers::whole")]
    expected_total: i64,
}

/// Drops the new card the review kept, if there was one. actix-session counts any `remove` as a
/// change and writes the session again (a durable commit per order), so a shopper paying with a
/// saved card must not reach it.
fn forget_card(session: &Session) {
    if session.contains_key(CARD_KEY) {
        session.remove(CARD_KEY);
    }
}

async fn place_order(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    session: Session,
    frame: FrameCookie,
    form: web::Form<PlaceForm>,
) -> WebResult<HttpResponse> {
    let result = submit(&saga, &session, user.id, form.into_inner()).await;
    match result {
        Ok(Outcome::Confirmed { number }) => {
            forget_card(&session);
            frame.remember_cart_count(&CartOwner::User(user.id), 0);
            Ok(respond::done(
                &frame,
                format!(
                    "Thank you! Order {number} is confirmed; a confirmation e-mail is on its way."
                ),
                &format!("/orders/{number}"),
            ))
        }
        Ok(Outcome::Pending { number }) => {
            forget_card(&session);
            frame.remember_cart_count(&CartOwner::User(user.id), 0);
            Ok(respond::notice(
                &frame,
                FlashKind::Info,
                format!(
                    "Order {number} is placed. We are waiting for the card processor to confirm your payment; this page will show it."
                ),
                &format!("/orders/{number}"),
            ))
        }
        Ok(Outcome::Declined { number, reason }) => {
            let count = state
                .db(move |c| crate::cart::item_count(c, &CartOwner::User(user.id)))
                .await?;
            frame.remember_cart_count(&CartOwner::User(user.id), count);
            let message = format!(
                "Your payment did not go through: {reason} Order {number} was cancelled and nothing was charged; your items are back in your cart, so you can try another card."
            );
            let page = checkout_page(&state, chrome, user.id, Some(message)).await?;
            respond::page_with(&page, StatusCode::PAYMENT_REQUIRED)
        }
        Err(error) => {
            let refusal = respond::Refusal::of(error)?;
            let page = checkout_page(&state, chrome, user.id, Some(refusal.message)).await?;
            respond::page_with(&page, refusal.status)
        }
    }
}

async fn submit(
    saga: &web::Data<PaymentSaga>,
    session: &Session,
    user_id: i64,
    form: PlaceForm,
) -> WebResult<Outcome> {
    if !checkout::valid_idempotency_key(&form.idempotency_key) {
        return Err(WebError::BadRequest(
            "This form is incomplete; please review your order again.".into(),
        ));
    }
    let payment = if form.payment == "new" {
        let card = session
            .get::<PendingCard>(CARD_KEY)
            .ok()
            .flatten()
            .ok_or_else(|| WebError::BadRequest("Please enter your card details again.".into()))?;
        PaymentChoice::NewCard {
            save: card.save,
            card: CardToken {
                token: card.token,
                brand: card.brand,
                last4: card.last4,
                exp_month: card.exp_month,
                exp_year: card.exp_year,
            },
        }
    } else {
        PaymentChoice::Saved(saved_card_id(&form.payment)?)
    };
    let request = PlaceOrder {
        user_id,
        address_id: form.address_id,
        shipping_method_id: form.shipping_method_id,
        payment,
        idempotency_key: form.idempotency_key,
        expected_total: Some(Money::from_minor(form.expected_total)),
    };
    let saga = saga.clone();
    Ok(web::block(move || saga.submit(&request)).await??)
}
