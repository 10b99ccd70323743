//! `/seller`: the seller's dashboard, with their revenue month by month as a chart drawn on the
//! server beside a table of the same numbers.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::charts::{self, Caption, Measure, Point};
use crate::db::replica::Freshness;
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
    monthly_chart: String,
    freshness: Freshness,
}

pub(super) async fn show_dashboard(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
) -> WebResult<HttpResponse> {
    let (dashboard, freshness) = state
        .report(move |conn| {
            crate::db::as_seller(conn, me.id, |conn| dashboard::dashboard(conn, me.id))
        })
        .await?;
    let points: Vec<Point> = dashboard
        .monthly
        .iter()
        .map(|month| Point::new(month.label(), month.revenue.gross.minor()))
        .collect();
    let monthly_chart = charts::column_chart(
        Caption {
            id: "chart-monthly",
            title: "Your gross revenue per month",
            measure: Measure::Money,
        },
        &points,
    );
    respond::page(&DashboardPage {
        chrome,
        dashboard,
        monthly_chart,
        freshness,
    })
}
