//! `/admin/reviews`: the moderation queue and its approve / reject buttons.

use actix_session::Session;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::admin::reviews::{self, Decision, Moderation, QueuedReview};
use crate::paging::KeysetPage;
use crate::reviews::ReviewStatus;
use crate::web::AppState;
use crate::web::auth::AdminUser;
use crate::web::chrome::{self, Chrome};
use crate::web::error::{WebError, WebResult};
use crate::web::pages::{local_path, see_other};

#[derive(Deserialize)]
pub(super) struct QueueQuery {
    status: Option<String>,
    after: Option<i64>,
}

#[derive(Template, WebTemplate)]
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

#[get("/admin/reviews")]
pub(super) async fn show_queue(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    query: web::Query<QueueQuery>,
) -> WebResult<QueuePage> {
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
    Ok(QueuePage {
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
    session: Session,
    state: web::Data<AppState>,
    admin: AdminUser,
    review_id: i64,
    next: &str,
    decision: Decision,
) -> WebResult<HttpResponse> {
    let AdminUser(me) = admin;
    let outcome = state
        .db_changing_catalog(move |conn| reviews::moderate(conn, me.id, review_id, decision))
        .await?;
    let message = match (outcome, decision) {
        (Moderation::Changed, Decision::Approve) => "Review approved; it now counts in the rating.",
        (Moderation::Changed, Decision::Reject) => "Review rejected; it no longer counts.",
        (Moderation::AlreadyDecided, _) => "That review already had this decision.",
    };
    chrome::flash(&session, "success", message);
    let back = local_path(next).unwrap_or_else(|| "/admin/reviews".to_owned());
    Ok(see_other(&back))
}

#[post("/admin/reviews/{id}/approve")]
pub(super) async fn approve(
    session: Session,
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> WebResult<HttpResponse> {
    decide(
        session,
        state,
        admin,
        path.into_inner(),
        &form.next,
        Decision::Approve,
    )
    .await
}

#[post("/admin/reviews/{id}/reject")]
pub(super) async fn reject(
    session: Session,
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> WebResult<HttpResponse> {
    decide(
        session,
        state,
        admin,
        path.into_inner(),
        &form.next,
        Decision::Reject,
    )
    .await
}
