//! `/admin/orders`: search orders, read one order's whole story, and act on it (cancel with
//! refund, refund a line or an amount, retry a failed refund, send the confirmation again).
//! Refused actions show the order page again with the message, 422 for input to correct and
//! 409 for a state that does not allow it. Admins also keep a staff note on the order, saved
//! only over the version they opened (`edits`).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::admin::orders::{
    self, AdminOrderDetail, AdminOrderFilter, NoteForm, OrderRow, OrderSearchFields, RefundInput,
};
use crate::checkout::PaymentSaga;
use crate::edits::{self, Difference, EditForm, Version};
use crate::forms::FieldErrors;
use crate::orders::{Canceller, OrderStatus};
use crate::paging::KeysetPage;
use crate::payments::RefundStatus;
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::{Chrome, FlashKind};
use crate::web::error::{WebError, WebResult};
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Deserialize, Default)]
pub(super) struct SearchQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    after: Option<i64>,
}

impl SearchQuery {
    fn fields(&self) -> OrderSearchFields<'_> {
        OrderSearchFields {
            number: &self.number,
            email: &self.email,
            status: &self.status,
            from: &self.from,
            to: &self.to,
        }
    }

    /// The address of the page after the order `after`, with the same search.
    fn next_page(&self, after: i64) -> String {
        respond::next_page(
            "/admin/orders",
            &[
                ("number", &self.number),
                ("email", &self.email),
                ("status", &self.status),
                ("from", &self.from),
                ("to", &self.to),
            ],
            after,
        )
    }
}

#[derive(Template)]
#[template(path = "admin/orders.html")]
struct SearchPage {
    chrome: Chrome,
    query: SearchQuery,
    errors: FieldErrors,
    results: Option<KeysetPage<OrderRow>>,
    next: Option<String>,
}

impl SearchPage {
    fn statuses(&self) -> &'static [OrderStatus] {
        &OrderStatus::ALL
    }
}

pub(super) async fn search(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    query: web::Query<SearchQuery>,
) -> WebResult<HttpResponse> {
    let query = query.into_inner();
    let filter = match AdminOrderFilter::parse(&query.fields()) {
        Ok(filter) => filter,
        Err(errors) => {
            let page = SearchPage {
                chrome,
                query,
                errors,
                results: None,
                next: None,
            };
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let after = query.after;
    let results = state
        .db(move |conn| orders::search(conn, &filter, after))
        .await?;
    let next = results.next_after.map(|after| query.next_page(after));
    respond::page(&SearchPage {
        chrome,
        query,
        errors: FieldErrors::default(),
        results: Some(results),
        next,
    })
}

/// The refund form as typed, shown again when it is refused.
#[derive(Deserialize, Default)]
pub(super) struct RefundForm {
    #[serde(default)]
    line: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "admin/order.html")]
struct OrderPage {
    chrome: Chrome,
    detail: AdminOrderDetail,
    error: Option<String>,
    errors: FieldErrors,
    refund: RefundForm,
    note: NoteForm,
    note_errors: FieldErrors,
    /// When the note was saved by another admin since this one opened it (`edits`).
    stale: Option<Vec<Difference>>,
}

impl OrderPage {
    fn line_chosen(&self, id: &i64) -> bool {
        self.refund.line.trim() == id.to_string()
    }

    fn note_max(&self) -> usize {
        orders::NOTE_MAX
    }
}

/// A refused action's message and the forms as typed, shown again on the order page.
#[derive(Default)]
struct Typed {
    error: Option<String>,
    errors: FieldErrors,
    refund: RefundForm,
    note: Option<NoteForm>,
    note_errors: FieldErrors,
    stale: bool,
}

async fn order_page(
    state: &AppState,
    chrome: Chrome,
    number: String,
    typed: Typed,
) -> WebResult<OrderPage> {
    let detail = state.db(move |c| orders::detail(c, &number)).await?;
    let saved = NoteForm::of(&detail.order);
    let (note, stale) = match typed.note {
        Some(mut note) if typed.stale => {
            let stale = edits::reconcile(&saved, &mut note);
            (note, Some(stale))
        }
        Some(note) => (note, None),
        None => (saved, None),
    };
    Ok(OrderPage {
        chrome,
        detail,
        error: typed.error,
        errors: typed.errors,
        refund: typed.refund,
        note,
        note_errors: typed.note_errors,
        stale,
    })
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let page = order_page(&state, chrome, path.into_inner(), Typed::default()).await?;
    respond::page(&page)
}

/// Runs an action with the node's payment collaborators on the blocking pool.
async fn with_saga<T: Send + 'static>(
    saga: &web::Data<PaymentSaga>,
    work: impl FnOnce(&PaymentSaga) -> crate::error::Result<T> + Send + 'static,
) -> WebResult<T> {
    let saga: Arc<PaymentSaga> = saga.clone().into_inner();
    Ok(web::block(move || work(&saga)).await??)
}

/// Answers an action: its flash and 303 back to the order when done, else the order page again.
async fn answer<T>(
    state: &AppState,
    chrome: Chrome,
    req: &HttpRequest,
    number: String,
    result: WebResult<T>,
    done: impl FnOnce(T) -> (FlashKind, String),
) -> WebResult<HttpResponse> {
    let back = format!("/admin/orders/{number}");
    respond::settle(
        result,
        |value| {
            let (kind, message) = done(value);
            Ok(respond::notice(&FrameCookie::of(req), kind, message, &back))
        },
        |message| {
            let typed = Typed {
                error: Some(message),
                ..Typed::default()
            };
            order_page(state, chrome, number.clone(), typed)
        },
    )
    .await
}

fn refund_message(outcome: crate::payments::RefundOutcome) -> (FlashKind, String) {
    match outcome.status {
        RefundStatus::Succeeded => (FlashKind::Success, "The refund went through.".into()),
        RefundStatus::Failed => (
            FlashKind::Error,
            "The payment processor refused the refund. It is listed as failed and can be retried."
                .into(),
        ),
        RefundStatus::Pending => (
            FlashKind::Info,
            "The refund was sent, but the payment processor has not answered yet. It is listed as \
             pending and will be settled within a few minutes; do not refund again."
                .into(),
        ),
    }
}

pub(super) async fn cancel(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(admin): AdminUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let number = path.into_inner();
    let (admin, order) = (actor(&req, &admin), number.clone());
    let result = with_saga(&saga, move |saga| {
        saga.cancel_order(Canceller::Admin(&admin), &order)
    })
    .await;
    answer(&state, chrome, &req, number, result, |()| {
        (
            FlashKind::Success,
            "The order is cancelled, its stock is back and its payment refunded.".into(),
        )
    })
    .await
}

pub(super) async fn refund(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(admin): AdminUser,
    path: web::Path<String>,
    form: web::Form<RefundForm>,
) -> WebResult<HttpResponse> {
    let (number, form) = (path.into_inner(), form.into_inner());
    let input = match RefundInput::parse(&form.line, &form.amount, &form.reason) {
        Ok(input) => input,
        Err(errors) => {
            let typed = Typed {
                errors,
                refund: form,
                ..Typed::default()
            };
            let page = order_page(&state, chrome, number, typed).await?;
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let (admin, order) = (actor(&req, &admin), number.clone());
    let result = with_saga(&saga, move |saga| {
        orders::refund(saga, &admin, &order, &input)
    })
    .await;
    answer(&state, chrome, &req, number, result, refund_message).await
}

pub(super) async fn retry(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(admin): AdminUser,
    path: web::Path<(String, i64)>,
) -> WebResult<HttpResponse> {
    let (number, refund_id) = path.into_inner();
    let (admin, order) = (actor(&req, &admin), number.clone());
    let result = with_saga(&saga, move |saga| {
        orders::retry(saga, &admin, &order, refund_id)
    })
    .await;
    answer(&state, chrome, &req, number, result, refund_message).await
}

pub(super) async fn resend(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(admin): AdminUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let number = path.into_inner();
    let (admin, order) = (actor(&req, &admin), number.clone());
    let result = with_saga(&saga, move |saga| {
        orders::resend_confirmation(saga, &admin, &order)
    })
    .await;
    answer(&state, chrome, &req, number, result, |()| {
        (
            FlashKind::Success,
            "The order confirmation is on its way to the shopper again.".into(),
        )
    })
    .await
}

/// Saves the staff note over the version the page was opened at; a note another admin saved
/// meanwhile is shown beside this one (409) and nothing is overwritten.
pub(super) async fn note(
    state: web::Data<AppState>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(admin): AdminUser,
    path: web::Path<String>,
    form: web::Form<NoteForm>,
) -> WebResult<HttpResponse> {
    let (number, typed) = (path.into_inner(), form.into_inner());
    let opened_at = Version::parse(typed.version())?;
    let (refused, status) = match typed.parse() {
        Err(note_errors) => (note_errors, respond::INVALID),
        Ok(note) => {
            let (admin, order) = (actor(&req, &admin), number.clone());
            let saved = state
                .db(move |c| orders::save_note(c, &admin, &order, opened_at, &note))
                .await;
            match saved {
                Ok(()) => {
                    let back = format!("/admin/orders/{number}");
                    return Ok(respond::notice(
                        &FrameCookie::of(&req),
                        FlashKind::Success,
                        "The note is saved.",
                        &back,
                    ));
                }
                Err(WebError::Stale) => (FieldErrors::default(), StatusCode::CONFLICT),
                Err(error) => return Err(error),
            }
        }
    };
    let typed = Typed {
        stale: status == StatusCode::CONFLICT,
        note: Some(typed),
        note_errors: refused,
        ..Typed::default()
    };
    let page = order_page(&state, chrome, number, typed).await?;
    respond::page_with(&page, status)
}
