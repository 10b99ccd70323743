//! `/account/register`: opening a customer account, signed in straight away. An e-mail that
//! already has an account is answered the same way, and its owner is told by e-mail.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::client_ip;
use crate::accounts::registration::{self, Registered, Registration, RegistrationInput};
use crate::accounts::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::forms::FieldErrors;
use crate::mail::Mailer;
use crate::web::AppState;
use crate::web::auth::MaybeUser;
use crate::web::chrome::Chrome;
use crate::web::error::{WebError, WebResult};
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
}

impl RegisterPage {
    fn new(chrome: Chrome, form: RegisterForm) -> RegisterPage {
        RegisterPage {
            chrome,
            form,
            errors: FieldErrors::default(),
            error: None,
            min_chars: MIN_PASSWORD_CHARS,
            max_chars: MAX_PASSWORD_CHARS,
        }
    }
}

pub(super) async fn show_register(chrome: Chrome, user: MaybeUser) -> WebResult<HttpResponse> {
    if user.0.is_some() {
        return Ok(see_other("/account"));
    }
    respond::page(&RegisterPage::new(chrome, RegisterForm::default()))
}

pub(super) async fn submit_register(
    req: HttpRequest,
    session: Session,
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
    let mut page = RegisterPage::new(chrome, form);
    let registration = match parsed {
        Ok(registration) => registration,
        Err(errors) => {
            page.errors = errors;
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let ip = client_ip(&req);
    let created = state
        .db(move |conn| registration::register(conn, &registration, &ip))
        .await;
    match created {
        Ok(Registered::New(user)) => {
            super::sign_in_with_cart(&state, &session, &user).await?;
            let welcome = format!(
                "Welcome to ShopWave, {}! Your account is ready.",
                user.first_name
            );
            Ok(respond::done(&session, welcome, "/account"))
        }
        Ok(Registered::Taken(notice)) => {
            let mailer = Mailer::from_env(&state.data_dir);
            if let Err(error) = web::block(move || mailer.send(&notice)).await? {
                tracing::warn!(%error, "could not tell an account's owner of a registration");
            }
            Ok(see_other("/account"))
        }
        Err(WebError::TooManyRequests(message)) => {
            page.error = Some(message);
            respond::page_with(&page, StatusCode::TOO_MANY_REQUESTS)
        }
        Err(other) => Err(other),
    }
}
