//! `/admin/users`: accounts in id order, with suspend and reactivate buttons.

use actix_session::Session;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::admin::users::{self, UserSummary};
use crate::paging::KeysetPage;
use crate::web::AppState;
use crate::web::auth::AdminUser;
use crate::web::chrome::{self, Chrome};
use crate::web::error::WebResult;
use crate::web::pages::see_other;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    after: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub(super) struct UsersPage {
    chrome: Chrome,
    page: KeysetPage<UserSummary>,
    me: i64,
}

#[get("/admin/users")]
pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    query: web::Query<ListQuery>,
) -> WebResult<UsersPage> {
    let after = query.after;
    let page = state.db(move |conn| users::list(conn, after)).await?;
    Ok(UsersPage {
        chrome,
        page,
        me: me.id,
    })
}

#[post("/admin/users/{id}/suspend")]
pub(super) async fn suspend(
    session: Session,
    state: web::Data<AppState>,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let user_id = path.into_inner();
    state
        .db(move |conn| users::suspend(conn, me.id, user_id))
        .await?;
    chrome::flash(
        &session,
        "success",
        "Account suspended; it has been signed out everywhere.",
    );
    Ok(see_other("/admin/users"))
}

#[post("/admin/users/{id}/reactivate")]
pub(super) async fn reactivate(
    session: Session,
    state: web::Data<AppState>,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let user_id = path.into_inner();
    state
        .db(move |conn| users::reactivate(conn, me.id, user_id))
        .await?;
    chrome::flash(&session, "success", "Account reactivated.");
    Ok(see_other("/admin/users"))
}
