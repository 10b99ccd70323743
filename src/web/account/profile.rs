//! `/account` (profile) and `/account/password`.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::signed_in_as;
use crate::accounts::profile::{self, ProfileChanges, ProfileInput};
use crate::accounts::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::db::models::User;
use crate::forms::FieldErrors;
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::auth::client_ip;
use crate::web::chrome::{self, Chrome};
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Deserialize, Default)]
pub(super) struct ProfileForm {
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    phone: String,
}

#[derive(Template)]
#[template(path = "account/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    email: String,
    form: ProfileForm,
    errors: FieldErrors,
}

impl ProfilePage {
    fn of(chrome: Chrome, user: &User) -> ProfilePage {
        ProfilePage {
            chrome,
            email: user.email.clone(),
            form: ProfileForm {
                first_name: user.first_name.clone(),
                last_name: user.last_name.clone(),
                phone: user.phone.clone().unwrap_or_default(),
            },
            errors: FieldErrors::default(),
        }
    }
}

pub(super) async fn show_profile(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    let user = state.db(move |conn| profile::user(conn, me.id)).await?;
    respond::page(&ProfilePage::of(chrome, &user))
}

pub(super) async fn update_profile(
    session: Session,
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    form: web::Form<ProfileForm>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    let parsed = ProfileChanges::parse(&ProfileInput {
        first_name: &form.first_name,
        last_name: &form.last_name,
        phone: &form.phone,
    });
    let changes = match parsed {
        Ok(changes) => changes,
        Err(errors) => {
            let user = state.db(move |conn| profile::user(conn, me.id)).await?;
            let page = ProfilePage {
                form,
                errors,
                ..ProfilePage::of(chrome, &user)
            };
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let user = state
        .db(move |conn| profile::update_profile(conn, me.id, &changes))
        .await?;
    chrome::update_signed_in(&session, &signed_in_as(&user))?;
    Ok(respond::done(
        &frame,
        "Your details were saved.",
        "/account",
    ))
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    chrome: Chrome,
    error: Option<String>,
    min_chars: usize,
    max_chars: usize,
}

impl PasswordPage {
    fn new(chrome: Chrome, error: Option<String>) -> PasswordPage {
        PasswordPage {
            chrome,
            error,
            min_chars: MIN_PASSWORD_CHARS,
            max_chars: MAX_PASSWORD_CHARS,
        }
    }
}

pub(super) async fn show_password(chrome: Chrome, _me: CurrentUser) -> WebResult<HttpResponse> {
    respond::page(&PasswordPage::new(chrome, None))
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// Changes the password and ends every session of the user, this one included; this browser
/// then continues on a fresh session.
pub(super) async fn change_password(
    req: HttpRequest,
    session: Session,
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    form: web::Form<PasswordForm>,
) -> WebResult<HttpResponse> {
    let PasswordForm {
        current_password,
        new_password,
    } = form.into_inner();
    let ip = client_ip(&req);
    let changed = state
        .db(move |conn| {
            profile::change_password(conn, me.id, &current_password, &new_password, &ip)
        })
        .await;
    respond::settle(
        changed,
        |user| {
            let had_second_factor = chrome::has_second_factor(&session);
            chrome::sign_in(&session, &signed_in_as(&user))?;
            if had_second_factor {
                chrome::mark_second_factor(&session)?;
            }
            Ok(respond::done(
                &frame,
                "Your password was changed, and every other device was signed out.",
                "/account",
            ))
        },
        |message| async move { Ok(PasswordPage::new(chrome, Some(message))) },
    )
    .await
}
