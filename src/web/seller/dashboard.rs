//! `/seller`: the seller's dashboard (QP-06).

use actix_web::{get, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::sellers::dashboard::{self, Dashboard};
use crate::web::AppState;
use crate::web::auth::SellerUser;
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;

#[derive(Template, WebTemplate)]
#[template(path = "seller/dashboard.html")]
pub(super) struct DashboardPage {
    chrome: Chrome,
    dashboard: Dashboard,
}

#[get("/seller")]
pub(super) async fn show_dashboard(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
) -> WebResult<DashboardPage> {
    let dashboard = state
        .db(move |conn| dashboard::dashboard(conn, me.id))
        .await?;
    Ok(DashboardPage { chrome, dashboard })
}
