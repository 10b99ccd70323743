//! `/seller`: the seller's dashboard.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::sellers::dashboard::{self, Dashboard};
use crate::web::AppState;
use crate::web::auth::SellerUser;
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::respond;

#[derive(Template)]
#[template(path = "seller/dashboard.html")]
pub(super) struct DashboardPage {
    chrome: Chrome,
    dashboard: Dashboard,
}

pub(super) async fn show_dashboard(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
) -> WebResult<HttpResponse> {
    let dashboard = state
        .db(move |conn| dashboard::dashboard(conn, me.id))
        .await?;
    respond::page(&DashboardPage { chrome, dashboard })
}
