//! Signing in (password, then the two-factor code when the account has one) and out.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::accounts::login::{self, LoginOutcome};
use crate::accounts::totp;
use crate::web::AppState;
use crate::web::auth::MaybeUser;
use crate::web::auth::client_ip;
use crate::web::chrome::{self, Chrome, FlashKind};
use crate::web::error::{WebError, WebResult};
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond::{self, Refusal, local_path, see_other};

/// Between a correct password and the two-factor code: who, since when, and where to go next.
#[derive(Serialize, Deserialize)]
struct PendingSecondStep {
    user_id: i64,
    started_at: i64,
    next: String,
}

const PENDING_KEY: &str = "login.pending";
/// The code must follow the password within this many seconds.
const SECOND_STEP_SECS: i64 = 5 * 60;

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    chrome: Chrome,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

fn next_or_home(raw: Option<&str>) -> String {
    raw.and_then(local_path).unwrap_or_else(|| "/".to_owned())
}

pub(super) async fn show_login(
    chrome: Chrome,
    user: MaybeUser,
    query: web::Query<NextQuery>,
) -> WebResult<HttpResponse> {
    let next = next_or_home(query.next.as_deref());
    if user.0.is_some() {
        return Ok(see_other(&next));
    }
    let page = LoginPage {
        chrome,
        email: String::new(),
        next,
        error: None,
    };
    respond::page(&page)
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub(super) async fn submit_login(
    req: HttpRequest,
    session: Session,
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    form: web::Form<LoginForm>,
) -> WebResult<HttpResponse> {
    let LoginForm {
        email,
        password,
        next,
    } = form.into_inner();
    let next = next_or_home(Some(&next));
    let (typed_email, ip) = (email.clone(), client_ip(&req));
    let outcome = state
        .db(move |conn| login::authenticate(conn, &typed_email, &password, &ip))
        .await;
    let refusal = match outcome {
        Ok(LoginOutcome::SignedIn(user)) => {
            super::sign_in_with_cart(&state, &session, &frame, &user).await?;
            let welcome = format!("Welcome back, {}.", user.first_name);
            return Ok(respond::done(&frame, welcome, &next));
        }
        Ok(LoginOutcome::SecondFactor(user)) => {
            session.renew();
            session.insert(
                PENDING_KEY,
                PendingSecondStep {
                    user_id: user.id,
                    started_at: chrono::Utc::now().timestamp(),
                    next,
                },
            )?;
            return Ok(see_other("/account/login/two-factor"));
        }
        Err(WebError::Forbidden) => Refusal {
            status: StatusCode::FORBIDDEN,
            message: "This account is suspended. Please contact us if you think this is a mistake."
                .into(),
        },
        Err(other) => Refusal::of(other)?,
    };
    let page = LoginPage {
        chrome,
        email: email.chars().take(320).collect(),
        next,
        error: Some(refusal.message),
    };
    respond::page_with(&page, refusal.status)
}

#[derive(Template)]
#[template(path = "account/login_two_factor.html")]
struct SecondStepPage {
    chrome: Chrome,
    error: Option<String>,
}

/// The pending sign-in, if it is recent enough to finish.
fn pending(session: &Session) -> Option<PendingSecondStep> {
    session
        .get::<PendingSecondStep>(PENDING_KEY)
        .ok()
        .flatten()
        .filter(|p| chrono::Utc::now().timestamp() - p.started_at <= SECOND_STEP_SECS)
}

fn start_again(session: &Session, frame: &FrameCookie) -> HttpResponse {
    session.remove(PENDING_KEY);
    respond::notice(
        frame,
        FlashKind::Info,
        "Please sign in again.",
        "/account/login",
    )
}

pub(super) async fn show_second_step(
    chrome: Chrome,
    session: Session,
    frame: FrameCookie,
) -> WebResult<HttpResponse> {
    if pending(&session).is_none() {
        return Ok(start_again(&session, &frame));
    }
    respond::page(&SecondStepPage {
        chrome,
        error: None,
    })
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    code: String,
}

pub(super) async fn submit_second_step(
    req: HttpRequest,
    session: Session,
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    form: web::Form<CodeForm>,
) -> WebResult<HttpResponse> {
    let Some(pending) = pending(&session) else {
        return Ok(start_again(&session, &frame));
    };
    let (user_id, ip, code) = (pending.user_id, client_ip(&req), form.into_inner().code);
    let verified = state
        .db({
            let sealer = state.sealer.clone();
            move |conn| totp::verify_second_factor(conn, &sealer, user_id, &code, &ip)
        })
        .await;
    let refusal = match verified {
        Ok(user) => {
            session.remove(PENDING_KEY);
            super::sign_in_with_cart(&state, &session, &frame, &user).await?;
            chrome::mark_second_factor(&session)?;
            let welcome = format!("Welcome back, {}.", user.first_name);
            return Ok(respond::done(&frame, welcome, &pending.next));
        }
        Err(other) => Refusal::of(other)?,
    };
    respond::page_with(
        &SecondStepPage {
            chrome,
            error: Some(refusal.message),
        },
        refusal.status,
    )
}

/// Ends this browser's session: the row is deleted, so the old cookie is worthless everywhere.
pub(super) async fn logout(session: Session) -> HttpResponse {
    chrome::sign_out(&session);
    see_other("/")
}
