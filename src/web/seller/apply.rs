//! `/seller/apply`: any signed-in user without a seller profile applies to sell; afterwards the
//! page says the application is being reviewed. Sellers are sent to their panel.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::db::models::Seller;
use crate::forms::FieldErrors;
use crate::sellers::apply::{self, Application, ApplicationInput, Standing};
use crate::web::AppState;
use crate::web::auth::{CurrentUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond::{self, Refusal};

#[derive(Template)]
#[template(path = "seller/apply.html")]
struct ApplyPage {
    chrome: Chrome,
    /// Waiting for review: the application as sent.
    pending: Option<Seller>,
    administrator: bool,
    form: ApplicationInput,
    errors: FieldErrors,
    /// Why the whole form was refused (already applied).
    problem: Option<String>,
}

/// The page for `standing`, or the seller panel for a seller.
async fn apply_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    form: ApplicationInput,
    (errors, problem, status): (FieldErrors, Option<String>, StatusCode),
) -> WebResult<HttpResponse> {
    let standing = state.db(move |conn| apply::standing(conn, user_id)).await?;
    let (pending, administrator) = match standing {
        Standing::Selling | Standing::Suspended => return Ok(respond::see_other("/seller")),
        Standing::UnderReview(seller) => (Some(seller), false),
        Standing::Administrator => (None, true),
        Standing::MayApply => (None, false),
    };
    let page = ApplyPage {
        chrome,
        pending,
        administrator,
        form,
        errors,
        problem,
    };
    respond::page_with(&page, status)
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    let fine = (FieldErrors::default(), None, StatusCode::OK);
    apply_page(&state, chrome, me.id, ApplicationInput::default(), fine).await
}

pub(super) async fn submit(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    form: web::Form<ApplicationInput>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    let application = match Application::parse(&form) {
        Ok(application) => application,
        Err(errors) => {
            let failed = (errors, None, respond::INVALID);
            return apply_page(&state, chrome, me.id, form, failed).await;
        }
    };
    let applicant = actor(&req, &me);
    let result = state
        .db(move |conn| apply::apply(conn, &applicant, &application))
        .await;
    let failed = match result {
        Ok(Ok(_)) => {
            return Ok(respond::done(
                &frame,
                "Thank you: your application to sell has been sent.",
                "/seller/apply",
            ));
        }
        Ok(Err(errors)) => (errors, None, respond::INVALID),
        Err(error) => {
            let refusal = Refusal::of(error)?;
            (
                FieldErrors::default(),
                Some(refusal.message),
                refusal.status,
            )
        }
    };
    apply_page(&state, chrome, me.id, form, failed).await
}
