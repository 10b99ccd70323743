//! `/account/two-factor`: turning two-factor sign-in on (secret, then a confirming code, then
//! the recovery codes, shown once) and off.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::{client_ip, render, see_other};
use crate::accounts::totp::{self, TwoFactorState};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::chrome::{self, Chrome};
use crate::web::error::{WebError, WebResult};

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct TwoFactorPage {
    chrome: Chrome,
    state: TwoFactorState,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct RecoveryCodesPage {
    chrome: Chrome,
    codes: Vec<String>,
}

async fn page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let two_factor = state.db(move |conn| totp::state(conn, user_id)).await?;
    render(
        &TwoFactorPage {
            chrome,
            state: two_factor,
            error,
        },
        status,
    )
}

#[get("/account/two-factor")]
pub(super) async fn show_two_factor(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    page(&state, chrome, me.id, None, StatusCode::OK).await
}

/// Issues a new secret to add to an authenticator app.
#[post("/account/two-factor/start")]
pub(super) async fn start(
    session: Session,
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    state
        .db(move |conn| totp::start_enrolment(conn, me.id))
        .await?;
    chrome::flash(
        &session,
        "info",
        "Add the key below to your authenticator app.",
    );
    Ok(see_other("/account/two-factor"))
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

/// Switches two-factor sign-in on. The recovery codes are rendered in this response rather
/// than kept anywhere for a later page: they exist in clear only here.
#[post("/account/two-factor/confirm")]
pub(super) async fn confirm(
    session: Session,
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    form: web::Form<CodeForm>,
) -> WebResult<HttpResponse> {
    let code = form.into_inner().code;
    match state
        .db(move |conn| totp::confirm_enrolment(conn, me.id, &code))
        .await
    {
        Ok(codes) => {
            chrome::mark_second_factor(&session)?;
            render(&RecoveryCodesPage { chrome, codes }, StatusCode::OK)
        }
        Err(WebError::BadRequest(message)) => {
            page(
                &state,
                chrome,
                me.id,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct DisableForm {
    password: String,
}

#[post("/account/two-factor/disable")]
pub(super) async fn disable(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    form: web::Form<DisableForm>,
) -> WebResult<HttpResponse> {
    let (password, ip) = (form.into_inner().password, client_ip(&req));
    match state
        .db(move |conn| totp::disable(conn, me.id, &password, &ip))
        .await
    {
        Ok(()) => {
            chrome::flash(&session, "success", "Two-factor sign-in is off.");
            Ok(see_other("/account/two-factor"))
        }
        Err(WebError::BadRequest(message)) => {
            page(
                &state,
                chrome,
                me.id,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(WebError::TooManyRequests(message)) => {
            page(
                &state,
                chrome,
                me.id,
                Some(message),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await
        }
        Err(other) => Err(other),
    }
}
