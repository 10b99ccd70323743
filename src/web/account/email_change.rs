//! `/account/email` and `/account/email/confirm`: a signed-in user moving their account to
//! another address, confirmed through a link mailed to that address.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::signed_in_as;
use crate::accounts::email_change::{self, ConfirmOutcome, EmailChangeInput};
use crate::accounts::mailed_link::LINK_MINUTES;
use crate::accounts::profile;
use crate::forms::FieldErrors;
use crate::web::AppState;
use crate::web::auth::{CurrentUser, MaybeUser, client_ip};
use crate::web::chrome::{self, Chrome};
use crate::web::error::{WebError, WebResult};
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond::{self, Refusal};

#[derive(Template)]
#[template(path = "account/email.html")]
struct EmailPage {
    chrome: Chrome,
    current: String,
    new_email: String,
    errors: FieldErrors,
    error: Option<String>,
    minutes: i64,
}

impl EmailPage {
    fn new(chrome: Chrome, current: String) -> EmailPage {
        EmailPage {
            chrome,
            current,
            new_email: String::new(),
            errors: FieldErrors::default(),
            error: None,
            minutes: LINK_MINUTES,
        }
    }
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    let user = state.db(move |conn| profile::user(conn, me.id)).await?;
    respond::page(&EmailPage::new(chrome, user.email))
}

#[derive(Deserialize)]
pub(super) struct EmailForm {
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    current_password: String,
}

pub(super) async fn submit(
    req: HttpRequest,
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    form: web::Form<EmailForm>,
) -> WebResult<HttpResponse> {
    let EmailForm {
        new_email,
        current_password,
    } = form.into_inner();
    let my_id = me.id;
    let typed: String = new_email.chars().take(320).collect();
    let refused = |errors: FieldErrors, error: Option<String>, status: StatusCode| {
        let state = state.clone();
        let (chrome, typed) = (chrome.clone(), typed.clone());
        async move {
            let user = state.db(move |conn| profile::user(conn, my_id)).await?;
            let page = EmailPage {
                new_email: typed,
                errors,
                error,
                ..EmailPage::new(chrome, user.email)
            };
            respond::page_with(&page, status)
        }
    };
    let input = match EmailChangeInput::parse(&new_email, &current_password) {
        Ok(input) => input,
        Err(errors) => return refused(errors, None, respond::INVALID).await,
    };
    let ip = client_ip(&req);
    let address = input.new_email.clone();
    let asked = state
        .db(move |conn| email_change::request(conn, my_id, &input, &current_password, &ip))
        .await;
    let mails = match asked {
        Ok(mails) => mails,
        Err(error) => {
            let Refusal { status, message } = Refusal::of(error)?;
            return refused(FieldErrors::default(), Some(message), status).await;
        }
    };
    let mailer = state.mailer();
    web::block(move || {
        for mail in mails {
            if let Err(error) = mailer.send(&mail) {
                tracing::warn!(%error, "could not send an address change's e-mail");
            }
        }
    })
    .await?;
    Ok(respond::done(
        &frame,
        format!(
            "We sent a link to {address}. Open it within {LINK_MINUTES} minutes to confirm the new address; until then, keep signing in with your current one."
        ),
        "/account",
    ))
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Template)]
#[template(path = "account/email_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    token: String,
    new_email: String,
}

#[derive(Template)]
#[template(path = "account/email_dead.html")]
struct DeadLinkPage {
    chrome: Chrome,
    message: Option<String>,
    minutes: i64,
}

fn dead_link(
    chrome: Chrome,
    message: Option<String>,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let page = DeadLinkPage {
        chrome,
        message,
        minutes: LINK_MINUTES,
    };
    respond::page_with(&page, status)
}

/// The link's page shows a button only: mail scanners open links, so a GET changes nothing.
pub(super) async fn show_confirm(
    state: web::Data<AppState>,
    chrome: Chrome,
    query: web::Query<TokenQuery>,
) -> WebResult<HttpResponse> {
    let token = query.into_inner().token;
    let lookup = token.clone();
    match state
        .db(move |conn| email_change::live(conn, &lookup))
        .await?
    {
        Some(change) => respond::page(&ConfirmPage {
            chrome,
            token,
            new_email: change.new_email,
        }),
        None => dead_link(chrome, None, StatusCode::NOT_FOUND),
    }
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    token: String,
}

pub(super) async fn submit_confirm(
    req: HttpRequest,
    session: Session,
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    user: MaybeUser,
    form: web::Form<ConfirmForm>,
) -> WebResult<HttpResponse> {
    let token = form.into_inner().token;
    let ip = client_ip(&req);
    let outcome = state
        .db(move |conn| email_change::confirm(conn, &token, &ip))
        .await;
    match outcome {
        Ok(ConfirmOutcome::Done(account)) => {
            let message = format!("Your e-mail address is now {}.", account.email);
            // Every session of the account ended; this browser, if it was the account's,
            // carries on signed in on a fresh session.
            if user.0.as_ref().is_some_and(|me| me.id == account.id) {
                chrome::sign_in(&session, &signed_in_as(&account))?;
                return Ok(respond::done(&frame, message, "/account"));
            }
            Ok(respond::done(
                &frame,
                format!("{message} Please sign in with it."),
                "/account/login",
            ))
        }
        Ok(ConfirmOutcome::Unknown) => dead_link(chrome, None, StatusCode::NOT_FOUND),
        Err(WebError::Conflict(message)) => dead_link(chrome, Some(message), StatusCode::CONFLICT),
        Err(other) => Err(other),
    }
}
