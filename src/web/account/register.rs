//! `/account/register`: opening a customer account. The form mails a link that finishes the
//! account (`/account/register/confirm`), and answers the same when the e-mail already has an
//! account, whose owner is told by e-mail instead.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::registration::{
    self, CONFIRM_HOURS, Finished, Registration, RegistrationInput,
};
use crate::accounts::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::forms::FieldErrors;
use crate::mail::Mailer;
use crate::web::AppState;
use crate::web::auth::MaybeUser;
use crate::web::auth::client_ip;
use crate::web::chrome::Chrome;
use crate::web::error::{WebError, WebResult};
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond::{self, see_other};

#[derive(Deserialize, Default)]
pub(super) struct RegisterForm {
    email: String,
    first_name: String,
    #[serde(default)]
    last_name: String,
    password: String,
}

#[derive(Template)]
#[template(path = "account/register.html")]
struct RegisterPage {
    chrome: Chrome,
    form: RegisterForm,
    errors: FieldErrors,
    error: Option<String>,
    min_chars: usize,
    max_chars: usize,
    mail_to_files: bool,
}

impl RegisterPage {
    fn new(chrome: Chrome, form: RegisterForm, mailer: &Mailer) -> RegisterPage {
        RegisterPage {
            chrome,
            form,
            errors: FieldErrors::default(),
            error: None,
            min_chars: MIN_PASSWORD_CHARS,
            max_chars: MAX_PASSWORD_CHARS,
            mail_to_files: mailer.writes_files(),
        }
    }
}

pub(super) async fn show_register(
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
) -> WebResult<HttpResponse> {
    if user.0.is_some() {
        return Ok(see_other("/account"));
    }
    let mailer = state.mailer();
    respond::page(&RegisterPage::new(chrome, RegisterForm::default(), &mailer))
}

pub(super) async fn submit_register(
    req: HttpRequest,
    state: web::Data<AppState>,
    chrome: Chrome,
    form: web::Form<RegisterForm>,
) -> WebResult<HttpResponse> {
    let mut form = form.into_inner();
    let parsed = Registration::parse(&RegistrationInput {
        email: &form.email,
        first_name: &form.first_name,
        last_name: &form.last_name,
        password: &form.password,
    });
    // The password is never sent back to the browser.
    form.password.clear();
    let mailer = state.mailer();
    let mut page = RegisterPage::new(chrome, form, &mailer);
    let registration = match parsed {
        Ok(registration) => registration,
        Err(errors) => {
            page.errors = errors;
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let ip = client_ip(&req);
    let sent = state
        .db(move |conn| registration::register(conn, &registration, &ip))
        .await;
    match sent {
        // A new address and a taken one get the same answer, and neither touches the session.
        Ok(email) => {
            if let Err(error) = web::block(move || mailer.send(&email)).await? {
                tracing::warn!(%error, "could not send a registration's e-mail");
            }
            Ok(see_other("/account/register/sent"))
        }
        Err(WebError::TooManyRequests(message)) => {
            page.error = Some(message);
            respond::page_with(&page, StatusCode::TOO_MANY_REQUESTS)
        }
        Err(other) => Err(other),
    }
}

#[derive(Template)]
#[template(path = "account/register_sent.html")]
struct SentPage {
    chrome: Chrome,
    hours: i64,
    mail_to_files: bool,
}

pub(super) async fn show_sent(
    state: web::Data<AppState>,
    chrome: Chrome,
) -> WebResult<HttpResponse> {
    respond::page(&SentPage {
        chrome,
        hours: CONFIRM_HOURS,
        mail_to_files: state.mailer().writes_files(),
    })
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    token: String,
}

#[derive(Template)]
#[template(path = "account/register_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    token: String,
    email: String,
}

/// Why a registration's link did not open an account.
enum LinkProblem {
    /// Bogus, used or expired.
    Unknown,
    /// The address got an account since the link was sent.
    Taken,
}

#[derive(Template)]
#[template(path = "account/register_link.html")]
struct LinkProblemPage {
    chrome: Chrome,
    problem: LinkProblem,
}

fn link_problem(chrome: Chrome, problem: LinkProblem) -> WebResult<HttpResponse> {
    let status = match problem {
        LinkProblem::Unknown => StatusCode::NOT_FOUND,
        LinkProblem::Taken => StatusCode::CONFLICT,
    };
    respond::page_with(&LinkProblemPage { chrome, problem }, status)
}

/// The link's page only asks for a click: mail scanners open links, so a GET changes nothing.
pub(super) async fn show_confirm(
    state: web::Data<AppState>,
    chrome: Chrome,
    query: web::Query<ConfirmForm>,
) -> WebResult<HttpResponse> {
    let token = query.into_inner().token;
    let lookup = token.clone();
    match state
        .db(move |conn| registration::pending(conn, &lookup))
        .await?
    {
        Some(pending) => respond::page(&ConfirmPage {
            chrome,
            token,
            email: pending.email,
        }),
        None => link_problem(chrome, LinkProblem::Unknown),
    }
}

pub(super) async fn submit_confirm(
    session: Session,
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    form: web::Form<ConfirmForm>,
) -> WebResult<HttpResponse> {
    let token = form.into_inner().token;
    match state
        .db(move |conn| registration::finish(conn, &token))
        .await?
    {
        Finished::Created(user) => {
            super::sign_in_with_cart(&state, &session, &frame, &user).await?;
            let welcome = format!(
                "Welcome to ShopWave, {}! Your account is ready.",
                user.first_name
            );
            Ok(respond::done(&frame, welcome, "/account"))
        }
        Finished::Taken => link_problem(chrome, LinkProblem::Taken),
        Finished::Unknown => link_problem(chrome, LinkProblem::Unknown),
    }
}
