//! `/account/password/forgot` and `/account/password/reset`: a forgotten password replaced
//! through a link mailed to the account's address. Asking answers the same page whether or not
//! the address has an account.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::password_reset::{self, RESET_MINUTES, ResetOutcome};
use crate::accounts::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, normalize_email};
use crate::web::AppState;
use crate::web::auth::{MaybeUser, client_ip};
use crate::web::chrome::Chrome;
use crate::web::error::{WebError, WebResult};
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Template)]
#[template(path = "account/password_forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    email: String,
    error: Option<String>,
}

pub(super) async fn show_forgot(chrome: Chrome) -> WebResult<HttpResponse> {
    respond::page(&ForgotPage {
        chrome,
        email: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
pub(super) struct ForgotForm {
    email: String,
}

#[derive(Template)]
#[template(path = "account/password_forgot_sent.html")]
struct ForgotSentPage {
    chrome: Chrome,
    minutes: i64,
    mail_to_files: bool,
}

pub(super) async fn submit_forgot(
    state: web::Data<AppState>,
    chrome: Chrome,
    form: web::Form<ForgotForm>,
) -> WebResult<HttpResponse> {
    let typed = form.into_inner().email;
    let email = match normalize_email(&typed) {
        Ok(email) => email,
        Err(error) => {
            let page = ForgotPage {
                chrome,
                email: typed.chars().take(320).collect(),
                error: Some(error.to_string()),
            };
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let mailer = state.mailer();
    let mail_to_files = mailer.writes_files();
    let link = state
        .db(move |conn| password_reset::request_reset(conn, &email))
        .await?;
    if let Some(mail) = link
        && let Err(error) = web::block(move || mailer.send(&mail)).await?
    {
        tracing::warn!(%error, "could not send a password reset's e-mail");
    }
    // The same page whether a link was sent or not: it does not tell who has an account.
    respond::page(&ForgotSentPage {
        chrome,
        minutes: RESET_MINUTES,
        mail_to_files,
    })
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Template)]
#[template(path = "account/password_reset.html")]
struct ResetPage {
    chrome: Chrome,
    token: String,
    error: Option<String>,
    min_chars: usize,
    max_chars: usize,
}

impl ResetPage {
    fn new(chrome: Chrome, token: String, error: Option<String>) -> ResetPage {
        ResetPage {
            chrome,
            token,
            error,
            min_chars: MIN_PASSWORD_CHARS,
            max_chars: MAX_PASSWORD_CHARS,
        }
    }
}

#[derive(Template)]
#[template(path = "account/password_reset_dead.html")]
struct DeadLinkPage {
    chrome: Chrome,
}

fn dead_link(chrome: Chrome) -> WebResult<HttpResponse> {
    respond::page_with(&DeadLinkPage { chrome }, StatusCode::NOT_FOUND)
}

/// The link's page shows the form only: mail scanners open links, so a GET changes nothing.
pub(super) async fn show_reset(
    state: web::Data<AppState>,
    chrome: Chrome,
    query: web::Query<TokenQuery>,
) -> WebResult<HttpResponse> {
    let token = query.into_inner().token;
    let lookup = token.clone();
    match state
        .db(move |conn| password_reset::live(conn, &lookup))
        .await?
    {
        Some(_) => respond::page(&ResetPage::new(chrome, token, None)),
        None => dead_link(chrome),
    }
}

#[derive(Deserialize)]
pub(super) struct ResetForm {
    #[serde(default)]
    token: String,
    password: String,
}

pub(super) async fn submit_reset(
    req: HttpRequest,
    session: Session,
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    form: web::Form<ResetForm>,
) -> WebResult<HttpResponse> {
    let ResetForm { token, password } = form.into_inner();
    let (ip, kept) = (client_ip(&req), token.clone());
    let outcome = state
        .db(move |conn| password_reset::reset(conn, &token, &password, &ip))
        .await;
    match outcome {
        Ok(ResetOutcome::Done) => {
            // Every session of the account has ended; a browser signed in here starts afresh,
            // so it is not left holding a session that no longer exists.
            if user.0.is_some() {
                session.clear();
                session.renew();
            }
            Ok(respond::done(
                &frame,
                "Your password was changed and every device was signed out. Please sign in with your new password.",
                "/account/login",
            ))
        }
        Ok(ResetOutcome::Unknown) => dead_link(chrome),
        // A password the policy refuses: the form again, and the link still works.
        Err(WebError::BadRequest(message)) => respond::page_with(
            &ResetPage::new(chrome, kept, Some(message)),
            respond::INVALID,
        ),
        Err(other) => Err(other),
    }
}
