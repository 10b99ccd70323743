//! `/admin/*`: the admin panel. Every handler takes `AdminUser`, so customers and sellers get
//! 403, visitors are sent to sign in, and administrators need two-factor sign-in (unless demo).

mod audit;
mod categories;
mod orders;
mod payouts;
mod products;
mod promotions;
mod reports;
mod reviews;
mod sellers;
mod settings;
mod user_role;
mod users;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::AppState;
use super::auth::AdminUser;
use super::chrome::Chrome;
use super::error::WebResult;
use super::respond;
use super::routing::{form, page, page_and_form};
use crate::admin::{self, Overview};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/admin", show_dashboard))
        .service(page("/admin/reviews", reviews::show_queue))
        .service(form("/admin/reviews/{id}/approve", reviews::approve))
        .service(form("/admin/reviews/{id}/reject", reviews::reject))
        .service(page("/admin/reports", reports::show_report))
        .service(page("/admin/users", users::list))
        .service(form("/admin/users/{id}/suspend", users::suspend))
        .service(form("/admin/users/{id}/reactivate", users::reactivate))
        .service(page("/admin/users/{id}", user_role::show))
        .service(form("/admin/users/{id}/role", user_role::change))
        .service(page("/admin/sellers", sellers::list))
        .service(page("/admin/sellers/{id}", sellers::show))
        .service(form("/admin/sellers/{id}/approve", sellers::approve))
        .service(form("/admin/sellers/{id}/reject", sellers::reject))
        .service(form("/admin/sellers/{id}/commission", sellers::commission))
        .service(form("/admin/sellers/{id}/suspend", sellers::suspend))
        .service(form("/admin/sellers/{id}/reactivate", sellers::reactivate))
        .service(page_and_form(
            "/admin/payouts",
            payouts::list,
            payouts::generate,
        ))
        .service(form("/admin/payouts/{id}/paid", payouts::mark_paid))
        .service(page("/admin/orders", orders::search))
        .service(page("/admin/orders/{number}", orders::show))
        .service(form("/admin/orders/{number}/cancel", orders::cancel))
        .service(form("/admin/orders/{number}/refund", orders::refund))
        .service(form(
            "/admin/orders/{number}/refunds/{id}/retry",
            orders::retry,
        ))
        .service(form("/admin/orders/{number}/resend", orders::resend))
        .service(form("/admin/orders/{number}/note", orders::note))
        .service(page("/admin/audit", audit::list))
        .service(page("/admin/products", products::search))
        .service(page("/admin/products/{id}", products::show))
        .service(form("/admin/products/{id}/unpublish", products::unpublish))
        .service(form("/admin/products/{id}/feature", products::set_featured))
        .service(form(
            "/admin/products/{id}/unfeature",
            products::unset_featured,
        ))
        .service(page("/admin/shipping", settings::shipping::list))
        .service(page_and_form(
            "/admin/shipping/new",
            settings::shipping::new,
            settings::shipping::create,
        ))
        .service(page_and_form(
            "/admin/shipping/{id}",
            settings::shipping::edit,
            settings::shipping::update,
        ))
        .service(page("/admin/taxes", settings::taxes::list))
        .service(page_and_form(
            "/admin/taxes/new",
            settings::taxes::new,
            settings::taxes::create,
        ))
        .service(page_and_form(
            "/admin/taxes/{id}",
            settings::taxes::edit,
            settings::taxes::update,
        ))
        .service(page_and_form(
            "/admin/categories",
            categories::list,
            categories::create,
        ))
        .service(page("/admin/categories/{id}", categories::show))
        .service(form("/admin/categories/{id}/rename", categories::rename))
        .service(form("/admin/categories/{id}/move", categories::move_to))
        .service(form("/admin/categories/{id}/delete", categories::delete))
        .service(page("/admin/promotions", promotions::list))
        .service(page_and_form(
            "/admin/promotions/new",
            promotions::new,
            promotions::create,
        ))
        .service(page_and_form(
            "/admin/promotions/{id}",
            promotions::edit,
            promotions::update,
        ))
        .service(form("/admin/promotions/{id}/disable", promotions::disable))
        .service(form("/admin/promotions/{id}/enable", promotions::enable));
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    overview: Overview,
}

async fn show_dashboard(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
) -> WebResult<HttpResponse> {
    let overview = state.db(admin::overview).await?;
    respond::page(&DashboardPage { chrome, overview })
}
