//! `/account/sessions`: where the user is signed in, and signing out everywhere else.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::accounts::sessions::{self, ActiveSession, MARKER_KEY};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::chrome::{Chrome, FlashKind};
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsPage {
    chrome: Chrome,
    sessions: Vec<ActiveSession>,
    this_one: Option<String>,
}

impl SessionsPage {
    fn is_this_one(&self, session: &ActiveSession) -> bool {
        session.marker.is_some() && session.marker == self.this_one
    }
}

/// This browser's mark (set at sign-in, or on the first request of an older sign-in).
fn this_one(session: &Session) -> Option<String> {
    session.get::<String>(MARKER_KEY).ok().flatten()
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    session: Session,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    let list = state
        .db(move |conn| sessions::active_sessions(conn, me.id))
        .await?;
    respond::page(&SessionsPage {
        chrome,
        sessions: list,
        this_one: this_one(&session),
    })
}

pub(super) async fn end_others(
    state: web::Data<AppState>,
    session: Session,
    frame: FrameCookie,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    // `CurrentUser` has marked this session by now, though perhaps not yet in the store.
    let keep = this_one(&session).unwrap_or_default();
    let ended = state
        .db(move |conn| sessions::end_other_sessions(conn, me.id, &keep))
        .await?;
    let message = match ended {
        // The mark is stored with this answer, so the button works the next time.
        None => {
            return Ok(respond::notice(
                &frame,
                FlashKind::Info,
                "Please press “Sign out everywhere else” once more.",
                "/account/sessions",
            ));
        }
        Some(0) => "You were not signed in anywhere else.".to_owned(),
        Some(1) => "Signed out of 1 other session.".to_owned(),
        Some(n) => format!("Signed out of {n} other sessions."),
    };
    Ok(respond::done(&frame, message, "/account/sessions"))
}
