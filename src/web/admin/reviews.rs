//! `/admin/reviews`: the moderation queue and its approve / reject buttons.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::admin::reviews::{self, Decision, Moderation, QueuedReview};
use crate::audit::Actor;
use crate::paging::KeysetPage;
use crate::reviews::ReviewStatus;
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::{WebError, WebResult};
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond::{self, local_path};

#[derive(Deserialize)]
pub(super) struct QueueQuery {
    status: Option<String>,
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/reviews.html")]
pub(super) struct QueuePage {
    chrome: Chrome,
    status: ReviewStatus,
    page: KeysetPage<QueuedReview>,
    /// This page's own address, where a decision returns to.
    here: String,
}

impl QueuePage {
    fn tabs(&self) -> [ReviewStatus; 3] {
        ReviewStatus::ALL
    }

    fn can_approve(&self) -> bool {
        self.status != ReviewStatus::Approved
    }

    fn can_reject(&self) -> bool {
        self.status != ReviewStatus::Rejected
    }
}

pub(super) async fn show_queue(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    query: web::Query<QueueQuery>,
) -> WebResult<HttpResponse> {
    let QueueQuery { status, after } = query.into_inner();
    let status = match status.as_deref() {
        None | Some("") => ReviewStatus::Pending,
        Some(raw) => ReviewStatus::parse(raw).ok_or_else(|| {
            WebError::BadRequest("Reviews are pending, approved or rejected.".into())
        })?,
    };
    let page = state
        .db(move |conn| reviews::queue(conn, status, after))
        .await?;
    let here = match after {
        Some(after) => format!("/admin/reviews?status={}&after={after}", status.as_str()),
        None => format!("/admin/reviews?status={}", status.as_str()),
    };
    respond::page(&QueuePage {
        chrome,
        status,
        page,
        here,
    })
}

#[derive(Deserialize)]
pub(super) struct DecisionForm {
    #[serde(default)]
    next: String,
}

async fn decide(
    frame: FrameCookie,
    state: web::Data<AppState>,
    admin: Actor,
    review_id: i64,
    next: &str,
    decision: Decision,
) -> WebResult<HttpResponse> {
    let outcome = state
        .db_changing_catalog(move |conn| reviews::moderate(conn, &admin, review_id, decision))
        .await?;
    let message = match (outcome, decision) {
        (Moderation::Changed, Decision::Approve) => "Review approved; it now counts in the rating.",
        (Moderation::Changed, Decision::Reject) => "Review rejected; it no longer counts.",
        (Moderation::AlreadyDecided, _) => "That review already had this decision.",
    };
    let back = local_path(next).unwrap_or_else(|| "/admin/reviews".to_owned());
    Ok(respond::done(&frame, message, &back))
}

pub(super) async fn approve(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminUser(admin): AdminUser,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> WebResult<HttpResponse> {
    decide(
        frame,
        state,
        actor(&req, &admin),
        path.into_inner(),
        &form.next,
        Decision::Approve,
    )
    .await
}

pub(super) async fn reject(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminUser(admin): AdminUser,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> WebResult<HttpResponse> {
    decide(
        frame,
        state,
        actor(&req, &admin),
        path.into_inner(),
        &form.next,
        Decision::Reject,
    )
    .await
}
