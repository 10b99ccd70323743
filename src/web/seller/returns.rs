//! `/seller/returns`: the seller's returns (keyset pages, filtered by status) and one return with
//! its accept / refuse and "received" forms. Another seller's return answers 404.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::checkout::PaymentSaga;
use crate::forms::FieldErrors;
use crate::paging::KeysetPage;
use crate::returns::{self, Decision, ReturnStatus, SellerReturn, SellerReturnRow};
use crate::web::AppState;
use crate::web::auth::{SellerUser, actor};
use crate::web::chrome::{Chrome, FlashKind};
use crate::web::error::{WebError, WebResult};
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "seller/returns.html")]
pub(super) struct ReturnsPage {
    chrome: Chrome,
    page: KeysetPage<SellerReturnRow>,
    status: Option<ReturnStatus>,
}

impl ReturnsPage {
    fn statuses(&self) -> [ReturnStatus; 4] {
        ReturnStatus::ALL
    }

    fn is_status(&self, status: &ReturnStatus) -> bool {
        self.status == Some(*status)
    }

    /// The address of the next page, keeping the filter.
    fn next_href(&self, after: &i64) -> String {
        match self.status {
            Some(status) => format!("/seller/returns?status={status}&after={after}"),
            None => format!("/seller/returns?after={after}"),
        }
    }
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    query: web::Query<ListQuery>,
) -> WebResult<HttpResponse> {
    let query = query.into_inner();
    let status = match query.status.as_str() {
        "" => None,
        word => Some(ReturnStatus::parse(word).ok_or_else(|| {
            WebError::BadRequest(format!("There is no return status called {word:?}."))
        })?),
    };
    let after = query.after;
    let page = state
        .db_as_seller(me.id, move |c| returns::for_seller(c, me.id, status, after))
        .await?;
    respond::page(&ReturnsPage {
        chrome,
        page,
        status,
    })
}

#[derive(Template)]
#[template(path = "seller/return.html")]
struct ReturnPage {
    chrome: Chrome,
    view: SellerReturn,
    message: String,
    errors: FieldErrors,
    error: Option<String>,
}

impl ReturnPage {
    fn is_status(&self, status: ReturnStatus) -> bool {
        self.view.ret.status == status
    }
}

async fn return_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    return_id: i64,
    typed: (String, FieldErrors),
    error: Option<String>,
) -> WebResult<ReturnPage> {
    let view = state
        .db_as_seller(user_id, move |c| {
            returns::seller_view(c, user_id, return_id)
        })
        .await?;
    Ok(ReturnPage {
        chrome,
        view,
        message: typed.0,
        errors: typed.1,
        error,
    })
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let typed = (String::new(), FieldErrors::default());
    let page = return_page(&state, chrome, me.id, path.into_inner(), typed, None).await?;
    respond::page(&page)
}

#[derive(Deserialize)]
pub(super) struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    message: String,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn decide(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    frame: FrameCookie,
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<DecideForm>,
) -> WebResult<HttpResponse> {
    let (return_id, form) = (path.into_inner(), form.into_inner());
    let decision = match Decision::parse(&form.decision, &form.message) {
        Ok(decision) => decision,
        Err(errors) => {
            let typed = (form.message, errors);
            let page = return_page(&state, chrome, me.id, return_id, typed, None).await?;
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let seller = actor(&req, &me);
    let accepted = matches!(decision, Decision::Accept(_));
    let result = state
        .db(move |c| returns::decide(c, &seller, return_id, &decision))
        .await;
    crate::web::deliver_mail(saga).await;
    let to = format!("/seller/returns/{return_id}");
    respond::settle(
        result,
        |()| {
            let done = if accepted {
                "Return accepted; the shopper has been told to send the items back."
            } else {
                "Return refused; the shopper has been told why."
            };
            Ok(respond::done(&frame, done, &to))
        },
        |message| {
            let typed = (form.message.clone(), FieldErrors::default());
            return_page(&state, chrome, me.id, return_id, typed, Some(message))
        },
    )
    .await
}

/// Sends the shopper's e-mail the change queued, on the blocking pool, once it has committed;
/// what cannot go now stays queued for the sweeper.
#[derive(Deserialize)]
pub(super) struct ReceiveForm {
    /// The "put back in stock" checkbox: present when ticked.
    restock: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn receive(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    frame: FrameCookie,
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<ReceiveForm>,
) -> WebResult<HttpResponse> {
    let return_id = path.into_inner();
    let restock = form.into_inner().restock.is_some();
    let seller = actor(&req, &me);
    let gateway = saga.gateway().clone();
    let result = state
        .db_changing_catalog(move |c| returns::receive(c, &gateway, &seller, return_id, restock))
        .await;
    crate::web::deliver_mail(saga).await;
    let to = format!("/seller/returns/{return_id}");
    respond::settle(
        result,
        |received| {
            Ok(if !received.amount.is_positive() {
                let done = "Return received; the line was already refunded, so nothing more goes back.";
                respond::done(&frame, done, &to)
            } else if received.refunded {
                let done = format!(
                    "Return received; {} refunded to the shopper.",
                    received.amount
                );
                respond::done(&frame, done, &to)
            } else {
                let warn = format!(
                    "Return received, but the refund of {} did not go through; an administrator can retry it from the order's page.",
                    received.amount
                );
                respond::notice(&frame, FlashKind::Error, warn, &to)
            })
        },
        |message| {
            let typed = (String::new(), FieldErrors::default());
            return_page(&state, chrome, me.id, return_id, typed, Some(message))
        },
    )
    .await
}
