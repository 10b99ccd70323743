//! `/account/two-factor`: turning two-factor sign-in on (secret, then a confirming code, then
//! the recovery codes, shown once) and off.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::totp::{self, TwoFactorState};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::auth::client_ip;
use crate::web::chrome::{self, Chrome, FlashKind};
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

const PAGE: &str = "/account/two-factor";

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

/// The two-factor page, with a message when a form on it was refused.
async fn page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    error: Option<String>,
) -> WebResult<TwoFactorPage> {
    let sealer = state.sealer.clone();
    let two_factor = state
        .db(move |conn| totp::state(conn, &sealer, user_id))
        .await?;
    Ok(TwoFactorPage {
        chrome,
        state: two_factor,
        error,
    })
}

pub(super) async fn show_two_factor(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    respond::page(&page(&state, chrome, me.id, None).await?)
}

/// Issues a new secret to add to an authenticator app.
pub(super) async fn start(
    frame: FrameCookie,
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    state
        .db({
            let sealer = state.sealer.clone();
            move |conn| totp::start_enrolment(conn, &sealer, me.id)
        })
        .await?;
    let next_step = "Add the key below to your authenticator app.";
    Ok(respond::notice(&frame, FlashKind::Info, next_step, PAGE))
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    code: String,
}

/// Switches two-factor sign-in on. The recovery codes are rendered in this response rather
/// than kept anywhere for a later page: they exist in clear only here.
pub(super) async fn confirm(
    session: Session,
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    form: web::Form<CodeForm>,
) -> WebResult<HttpResponse> {
    let code = form.into_inner().code;
    let confirmed = state
        .db({
            let sealer = state.sealer.clone();
            move |conn| totp::confirm_enrolment(conn, &sealer, me.id, &code)
        })
        .await;
    let (for_codes, for_refusal) = (chrome.clone(), chrome);
    respond::settle(
        confirmed,
        |codes| {
            chrome::mark_second_factor(&session)?;
            respond::page(&RecoveryCodesPage {
                chrome: for_codes,
                codes,
            })
        },
        |message| page(&state, for_refusal, me.id, Some(message)),
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct DisableForm {
    password: String,
}

pub(super) async fn disable(
    req: HttpRequest,
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    form: web::Form<DisableForm>,
) -> WebResult<HttpResponse> {
    let (password, ip) = (form.into_inner().password, client_ip(&req));
    let disabled = state
        .db(move |conn| totp::disable(conn, me.id, &password, &ip))
        .await;
    respond::settle(
        disabled,
        |()| Ok(respond::done(&frame, "Two-factor sign-in is off.", PAGE)),
        |message| page(&state, chrome, me.id, Some(message)),
    )
    .await
}
