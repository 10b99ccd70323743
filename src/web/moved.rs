//! What a catalog address that shows no page now answers (`catalog::addresses`): an old slug
//! redirects for good to the current address, keeping the query; an archived product is a 410
//! page in the site's frame, pointing at its category.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;

use super::AppState;
use super::chrome::Chrome;
use super::error::WebResult;
use super::respond;
use crate::catalog::addresses::{self, Elsewhere, GoneProduct};

#[derive(Template)]
#[template(path = "catalog/gone.html")]
struct GoneTemplate {
    chrome: Chrome,
    gone: GoneProduct,
}

pub async fn product(
    state: &web::Data<AppState>,
    chrome: Chrome,
    slug: String,
    query: &str,
) -> WebResult<HttpResponse> {
    match state
        .db(move |conn| addresses::product_elsewhere(conn, &slug))
        .await?
    {
        Elsewhere::Moved(path) => Ok(moved_for_good(&path, query)),
        Elsewhere::Gone(gone) => {
            respond::page_with(&GoneTemplate { chrome, gone }, StatusCode::GONE)
        }
    }
}

pub async fn category(
    state: &web::Data<AppState>,
    slug: String,
    query: &str,
) -> WebResult<HttpResponse> {
    let path = state
        .db(move |conn| addresses::category_moved(conn, &slug))
        .await?;
    Ok(moved_for_good(&path, query))
}

fn moved_for_good(path: &str, query: &str) -> HttpResponse {
    let location = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, location))
        .finish()
}
