//! `/wishlist`: the shopper's saved products; product pages post to `/wishlist/add`.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::auth::CurrentUser;
use super::chrome::Chrome;
use super::error::WebResult;
use super::respond::{self, local_path};
use super::routing::{form, page};
use crate::accounts::wishlist;
use crate::catalog::ProductCard;
use crate::web::frame_cookie::FrameCookie;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/wishlist", show_wishlist))
        .service(form("/wishlist/add", add))
        .service(form("/wishlist/remove", remove));
}

#[derive(Template)]
#[template(path = "wishlist.html")]
struct WishlistPage {
    chrome: Chrome,
    cards: Vec<ProductCard>,
}

async fn show_wishlist(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    let cards = state.db(move |conn| wishlist::list(conn, me.id)).await?;
    respond::page(&WishlistPage { chrome, cards })
}

#[derive(Deserialize)]
struct ProductForm {
    #[serde(deserialize_with = "crate::numbers::whole")]
    product_id: i64,
    /// The page to return to (the product page that posted), when it is on this site.
    #[serde(default)]
    next: String,
}

/// Where a wishlist button returns: the page that posted, else the wishlist.
fn back_to(next: &str) -> String {
    local_path(next).unwrap_or_else(|| "/wishlist".to_owned())
}

async fn add(
    frame: FrameCookie,
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
    form: web::Form<ProductForm>,
) -> WebResult<HttpResponse> {
    let ProductForm { product_id, next } = form.into_inner();
    state
        .db(move |conn| wishlist::add(conn, me.id, product_id))
        .await?;
    Ok(respond::done(
        &frame,
        "Saved to your wishlist.",
        &back_to(&next),
    ))
}

async fn remove(
    frame: FrameCookie,
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
    form: web::Form<ProductForm>,
) -> WebResult<HttpResponse> {
    let ProductForm { product_id, next } = form.into_inner();
    state
        .db(move |conn| wishlist::remove(conn, me.id, product_id))
        .await?;
    Ok(respond::done(
        &frame,
        "Removed from your wishlist.",
        &back_to(&next),
    ))
}
