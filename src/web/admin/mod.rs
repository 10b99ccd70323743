//! `/admin/*`: the admin panel. Every handler takes `AdminUser`, so customers and sellers get
//! 403, visitors are sent to sign in, and administrators need two-factor sign-in (unless demo).

mod reports;
mod reviews;
mod users;

use actix_web::{get, web};
use askama::Template;
use askama_web::WebTemplate;

use super::AppState;
use super::auth::AdminUser;
use super::chrome::Chrome;
use super::error::WebResult;
use crate::admin::{self, Overview};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show_dashboard)
        .service(reviews::show_queue)
        .service(reviews::approve)
        .service(reviews::reject)
        .service(reports::show_report)
        .service(users::list)
        .service(users::suspend)
        .service(users::reactivate);
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    overview: Overview,
}

#[get("/admin")]
async fn show_dashboard(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
) -> WebResult<DashboardPage> {
    let overview = state.db(admin::overview).await?;
    Ok(DashboardPage { chrome, overview })
}
