//! `/images/{name}`: uploaded product images, as the shop re-encoded them. A name is the file's
//! content hash, so a file never changes under its name and browsers and proxies may keep it
//! for a year without asking again. Only names of the exact stored shape are looked up (no
//! path ever reaches the store from a request); anything else is 404.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::AppState;
use super::error::{WebError, WebResult};
use super::routing::page;
use crate::images::FileName;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/images/{name}", serve_image));
}

async fn serve_image(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> WebResult<HttpResponse> {
    let name = FileName::parse(&name).ok_or(WebError::NotFound)?;
    let store = state.images.clone();
    let wanted = name.clone();
    let bytes = web::block(move || store.open(&wanted))
        .await?
        .map_err(|e| WebError::Internal(format!("image store: {e}")))?
        .ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(name.encoding.content_type())
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(bytes))
}
