//! `/admin/users`: accounts in id order, with suspend and reactivate buttons.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::admin::users::{self, UserSummary};
use crate::paging::KeysetPage;
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub(super) struct UsersPage {
    chrome: Chrome,
    page: KeysetPage<UserSummary>,
    me: i64,
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    query: web::Query<ListQuery>,
) -> WebResult<HttpResponse> {
    let after = query.after;
    let page = state.db(move |conn| users::list(conn, after)).await?;
    respond::page(&UsersPage {
        chrome,
        page,
        me: me.id,
    })
}

pub(super) async fn suspend(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let (user_id, actor) = (path.into_inner(), actor(&req, &me));
    state
        .db(move |conn| users::suspend(conn, &actor, user_id))
        .await?;
    let done = "Account suspended; it has been signed out everywhere.";
    Ok(respond::done(&frame, done, "/admin/users"))
}

pub(super) async fn reactivate(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let (user_id, actor) = (path.into_inner(), actor(&req, &me));
    state
        .db(move |conn| users::reactivate(conn, &actor, user_id))
        .await?;
    Ok(respond::done(
        &frame,
        "Account reactivated.",
        "/admin/users",
    ))
}
