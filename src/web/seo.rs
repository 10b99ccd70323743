//! What crawlers read: `/robots.txt` and the sitemaps (`catalog::sitemap` says how they are cut).

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::AppState;
use super::error::{WebError, WebResult};
use super::routing::page;
use crate::catalog::sitemap::{self, Address, SitemapIndex};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/robots.txt", robots))
        .service(page("/sitemap.xml", sitemap_index))
        .service(page("/sitemap/categories.xml", categories_file))
        .service(page("/sitemap/products-{number:\\d+}.xml", products_file));
}

#[derive(Template)]
#[template(path = "seo/robots.txt")]
struct Robots<'a> {
    origin: &'a str,
}

#[derive(Template)]
#[template(path = "seo/sitemap_index.xml")]
struct IndexFile<'a> {
    origin: &'a str,
    index: &'a SitemapIndex,
}

#[derive(Template)]
#[template(path = "seo/sitemap.xml")]
struct AddressFile<'a> {
    origin: &'a str,
    addresses: &'a [Address],
}

async fn robots(state: web::Data<AppState>) -> WebResult<HttpResponse> {
    crawler_file(
        "text/plain; charset=utf-8",
        &Robots {
            origin: &state.public_url,
        },
    )
}

async fn sitemap_index(state: web::Data<AppState>) -> WebResult<HttpResponse> {
    let index = state
        .cached(&state.catalog.sitemap_index, (), sitemap::index)
        .await?;
    crawler_file(
        XML,
        &IndexFile {
            origin: &state.public_url,
            index: &index,
        },
    )
}

async fn categories_file(state: web::Data<AppState>) -> WebResult<HttpResponse> {
    let addresses = state
        .cached(&state.catalog.sitemap_files, None, sitemap::categories_file)
        .await?;
    address_file(&state, &addresses)
}

async fn products_file(
    state: web::Data<AppState>,
    number: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let number = number.into_inner();
    let addresses: Arc<Vec<Address>> = state
        .cached(&state.catalog.sitemap_files, Some(number), move |conn| {
            sitemap::products_file(conn, number)
        })
        .await?;
    address_file(&state, &addresses)
}

const XML: &str = "application/xml; charset=utf-8";

fn address_file(state: &AppState, addresses: &[Address]) -> WebResult<HttpResponse> {
    crawler_file(
        XML,
        &AddressFile {
            origin: &state.public_url,
            addresses,
        },
    )
}

/// Crawler files are the same for everyone, so shared caches may keep them for a while.
fn crawler_file(content_type: &str, file: &impl Template) -> WebResult<HttpResponse> {
    let body = file
        .render()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body))
}
