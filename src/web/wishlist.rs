//! `/wishlist`: the shopper's saved products; product pages post to `/wishlist/add`.

use actix_session::Session;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::AppState;
use super::account::local_path;
use super::auth::CurrentUser;
use super::chrome::{self, Chrome};
use super::error::WebResult;
use crate::accounts::wishlist;
use crate::catalog::ProductCard;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show_wishlist).service(add).service(remove);
}

#[derive(Template, WebTemplate)]
#[template(path = "wishlist.html")]
struct WishlistPage {
    chrome: Chrome,
    cards: Vec<ProductCard>,
}

#[get("/wishlist")]
async fn show_wishlist(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
) -> WebResult<WishlistPage> {
    let cards = state.db(move |conn| wishlist::list(conn, me.id)).await?;
    Ok(WishlistPage { chrome, cards })
}

#[derive(Deserialize)]
struct ProductForm {
    product_id: i64,
    /// The page to return to (the product page that posted), when it is on this site.
    #[serde(default)]
    next: String,
}

fn back_to(next: &str) -> HttpResponse {
    super::pages::see_other(&local_path(next).unwrap_or_else(|| "/wishlist".to_owned()))
}

#[post("/wishlist/add")]
async fn add(
    session: Session,
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
    form: web::Form<ProductForm>,
) -> WebResult<HttpResponse> {
    let ProductForm { product_id, next } = form.into_inner();
    state
        .db(move |conn| wishlist::add(conn, me.id, product_id))
        .await?;
    chrome::flash(&session, "success", "Saved to your wishlist.");
    Ok(back_to(&next))
}

#[post("/wishlist/remove")]
async fn remove(
    session: Session,
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
    form: web::Form<ProductForm>,
) -> WebResult<HttpResponse> {
    let ProductForm { product_id, next } = form.into_inner();
    state
        .db(move |conn| wishlist::remove(conn, me.id, product_id))
        .await?;
    chrome::flash(&session, "success", "Removed from your wishlist.");
    Ok(back_to(&next))
}
