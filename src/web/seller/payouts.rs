//! `/seller/payouts`: the seller's payout statements, one statement with its lines, and its CSV.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::payouts::{self, Statement, StatementRow};
use crate::web::AppState;
use crate::web::auth::SellerUser;
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::respond;

#[derive(Template)]
#[template(path = "seller/payouts.html")]
pub(super) struct PayoutsPage {
    chrome: Chrome,
    statements: Vec<StatementRow>,
}

impl PayoutsPage {
    fn window_days(&self) -> i64 {
        crate::orders::RETURN_WINDOW_DAYS
    }
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
) -> WebResult<HttpResponse> {
    let statements = state
        .db_as_seller(me.id, move |conn| payouts::for_seller(conn, me.id))
        .await?;
    respond::page(&PayoutsPage { chrome, statements })
}

#[derive(Template)]
#[template(path = "seller/payout.html")]
pub(super) struct StatementPage {
    chrome: Chrome,
    statement: Statement,
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    let statement = state
        .db_as_seller(me.id, move |conn| {
            payouts::seller_statement(conn, me.id, id)
        })
        .await?;
    respond::page(&StatementPage { chrome, statement })
}

/// The statement as a CSV download.
pub(super) async fn csv(
    state: web::Data<AppState>,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    let statement = state
        .db_as_seller(me.id, move |conn| {
            payouts::seller_statement(conn, me.id, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", statement.csv_filename()),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(statement.csv()))
}
