//! The round trip to the processor's card page, shared by checkout and the saved-cards page. The
//! shop opens a page at the processor and sends the shopper there; the card is typed and posted
//! on the processor's own page, so the number never reaches the shop; the processor sends the
//! shopper back with the page's id, and the shop asks the processor for the card entered. The
//! page's id is kept in this visitor's session, so only the session that opened a page can take
//! its card.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{WebError, WebResult};
use super::respond;
use crate::checkout::PaymentSaga;
use crate::error::Error;
use crate::payments::{CardEntryReturn, CardToken};

/// A card page opened for this visitor, and what they had chosen before going there.
#[derive(Serialize, Deserialize)]
struct Opened<T> {
    id: String,
    then: T,
}

/// The query the processor sends the shopper back with.
#[derive(Deserialize)]
pub struct Returned {
    #[serde(default)]
    session_id: String,
}

/// Where a card page sends the shopper back to: `entered` once a card is in, `cancelled` if
/// they give up (both paths of this shop).
pub struct Paths<'a> {
    pub entered: &'a str,
    pub cancelled: &'a str,
}

/// Opens a card page for `user_id`, remembers it (with `then`) in the session under `slot`, and
/// answers the redirect that sends the shopper to it.
pub async fn open<T: Serialize>(
    state: &AppState,
    saga: &web::Data<PaymentSaga>,
    session: &Session,
    slot: &str,
    (user_id, paths): (i64, Paths<'_>),
    then: T,
) -> WebResult<HttpResponse> {
    let back = CardEntryReturn {
        entered: format!(
            "{}{}?session_id={{CHECKOUT_SESSION_ID}}",
            state.public_url, paths.entered
        ),
        cancelled: format!("{}{}", state.public_url, paths.cancelled),
        reference: user_id.to_string(),
    };
    let saga = saga.clone();
    let entry = web::block(move || saga.open_card_entry(&back)).await??;
    let opened = Opened { id: entry.id, then };
    session
        .insert(slot, &opened)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(respond::see_other(&entry.url))
}

/// The card entered on the page this session opened under `slot`, with what was chosen before
/// it. Taken once: the page is forgotten, so coming back to the same address adds nothing.
pub async fn entered<T: DeserializeOwned>(
    saga: &web::Data<PaymentSaga>,
    session: &Session,
    slot: &str,
    returned: &Returned,
) -> WebResult<(CardToken, T)> {
    let opened = session
        .get::<Opened<T>>(slot)
        .ok()
        .flatten()
        .filter(|opened| opened.id == returned.session_id)
        .ok_or_else(|| {
            Error::Invalid("That card page has expired; please enter your card again.".into())
        })?;
    let saga = saga.clone();
    let id = opened.id;
    let card = web::block(move || saga.entered_card(&id)).await??;
    session.remove(slot);
    Ok((card, opened.then))
}
