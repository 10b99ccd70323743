//! `/admin/sellers`: sellers, applications first, filtered by status; each seller's page with
//! approve (at a commission rate) or reject for an application, and the commission rate,
//! suspend and reactivate for a seller. A form with problems shows the page again: 422 for the
//! rate typed, 409 for a seller whose status no longer allows the action.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::admin::sellers::{
    self, Commission, CommissionInput, ListFilter, ListQuery, SellerDetail, SellerPage,
};
use crate::checkout::PaymentSaga;
use crate::forms::FieldErrors;
use crate::sellers::SellerStatus;
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond::{self, Refusal};

#[derive(Template)]
#[template(path = "admin/sellers.html")]
struct ListPage {
    chrome: Chrome,
    page: SellerPage,
    status: String,
    statuses: [SellerStatus; 3],
}

impl ListPage {
    fn next_page(&self) -> Option<String> {
        let cursor = self.page.next?;
        let mut query = form_urlencoded::Serializer::new(String::new());
        if !self.status.is_empty() {
            query.append_pair("status", &self.status);
        }
        query.append_pair("after", &cursor.encode());
        Some(format!("/admin/sellers?{}", query.finish()))
    }
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    query: web::Query<ListQuery>,
) -> WebResult<HttpResponse> {
    let filter = ListFilter::parse(&query)?;
    let page = state.db(move |conn| sellers::list(conn, &filter)).await?;
    respond::page(&ListPage {
        chrome,
        page,
        status: filter.status.map(|s| s.to_string()).unwrap_or_default(),
        statuses: [
            SellerStatus::Pending,
            SellerStatus::Active,
            SellerStatus::Suspended,
        ],
    })
}

/// Which rate form failed, with what was typed.
#[derive(Default)]
struct Failed {
    form: &'static str,
    typed: String,
    errors: FieldErrors,
    /// A refusal of the whole action (409), shown above the forms.
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/seller.html")]
struct DetailPage {
    chrome: Chrome,
    detail: SellerDetail,
    failed: Failed,
}

impl DetailPage {
    /// The rate field of `form`: what was typed if that form failed, else the current rate.
    fn rate_value(&self, form: &str) -> String {
        if self.failed.form == form {
            self.failed.typed.clone()
        } else {
            self.detail.commission()
        }
    }

    fn rate_error(&self, form: &str) -> Option<&str> {
        (self.failed.form == form)
            .then(|| self.failed.errors.get("commission"))
            .flatten()
    }

    fn is(&self, status: &str) -> bool {
        self.detail.seller.status.as_str() == status
    }
}

async fn detail_page(
    state: &AppState,
    chrome: Chrome,
    id: i64,
    failed: Failed,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let detail = state.db(move |conn| sellers::detail(conn, id)).await?;
    respond::page_with(
        &DetailPage {
            chrome,
            detail,
            failed,
        },
        status,
    )
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    detail_page(
        &state,
        chrome,
        path.into_inner(),
        Failed::default(),
        StatusCode::OK,
    )
    .await
}

/// The seller's page after an action: `done` with a flash on success, else the page again
/// with the refusal.
async fn answer(
    (state, chrome, frame): (&AppState, Chrome, &FrameCookie),
    id: i64,
    result: WebResult<String>,
    to: &str,
) -> WebResult<HttpResponse> {
    match result {
        Ok(message) => Ok(respond::done(frame, message, to)),
        Err(error) => {
            let refusal = Refusal::of(error)?;
            let failed = Failed {
                problem: Some(refusal.message),
                ..Failed::default()
            };
            detail_page(state, chrome, id, failed, refusal.status).await
        }
    }
}

impl Failed {
    fn rate(form: &'static str, input: CommissionInput, errors: FieldErrors) -> Failed {
        Failed {
            form,
            typed: input.commission,
            errors,
            problem: None,
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn approve(
    frame: FrameCookie,
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<CommissionInput>,
) -> WebResult<HttpResponse> {
    let (id, form) = (path.into_inner(), form.into_inner());
    let rate = match Commission::parse(&form) {
        Ok(rate) => rate,
        Err(errors) => {
            let failed = Failed::rate("approve", form, errors);
            return detail_page(&state, chrome, id, failed, respond::INVALID).await;
        }
    };
    let admin = actor(&req, &me);
    let result = state
        .db(move |conn| sellers::approve(conn, &admin, id, rate))
        .await;
    if result.is_ok() {
        crate::web::deliver_mail(saga).await;
    }
    let done = result.map(|()| {
        "Application approved: the shop is open, and the applicant has been told to sign in \
         again as a seller."
            .to_owned()
    });
    let to = format!("/admin/sellers/{id}");
    answer((&state, chrome, &frame), id, done, &to).await
}

pub(super) async fn reject(
    frame: FrameCookie,
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let (id, admin) = (path.into_inner(), actor(&req, &me));
    let result = state
        .db(move |conn| sellers::reject(conn, &admin, id))
        .await;
    if result.is_ok() {
        crate::web::deliver_mail(saga).await;
    }
    let done = result.map(|()| {
        "Application rejected and removed; the applicant has been told and may apply again."
            .to_owned()
    });
    answer((&state, chrome, &frame), id, done, "/admin/sellers").await
}

pub(super) async fn commission(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<CommissionInput>,
) -> WebResult<HttpResponse> {
    let (id, form) = (path.into_inner(), form.into_inner());
    let rate = match Commission::parse(&form) {
        Ok(rate) => rate,
        Err(errors) => {
            let failed = Failed::rate("commission", form, errors);
            return detail_page(&state, chrome, id, failed, respond::INVALID).await;
        }
    };
    let admin = actor(&req, &me);
    let result = state
        .db(move |conn| sellers::set_commission(conn, &admin, id, rate))
        .await;
    let done = result.map(|()| "Commission rate saved; payouts from now on use it.".to_owned());
    let to = format!("/admin/sellers/{id}");
    answer((&state, chrome, &frame), id, done, &to).await
}

pub(super) async fn suspend(
    frame: FrameCookie,
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let (id, admin) = (path.into_inner(), actor(&req, &me));
    let result = state
        .db_changing_catalog(move |conn| sellers::suspend(conn, &admin, id))
        .await;
    if result.is_ok() {
        crate::web::deliver_mail(saga).await;
    }
    let done = result.map(|held| {
        format!("Seller suspended; {held} product(s) taken off the shop until reactivation.")
    });
    let to = format!("/admin/sellers/{id}");
    answer((&state, chrome, &frame), id, done, &to).await
}

pub(super) async fn reactivate(
    frame: FrameCookie,
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let (id, admin) = (path.into_inner(), actor(&req, &me));
    let result = state
        .db_changing_catalog(move |conn| sellers::reactivate(conn, &admin, id))
        .await;
    if result.is_ok() {
        crate::web::deliver_mail(saga).await;
    }
    let done = result.map(|back| format!("Seller reactivated; {back} product(s) back on sale."));
    let to = format!("/admin/sellers/{id}");
    answer((&state, chrome, &frame), id, done, &to).await
}
