//! What crawlers read: `/robots.txt`, the sitemaps (`catalog::sitemap` says how they are cut)
//! and the shopping feed (`catalog::feed` says how it follows changes).

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::AppState;
use super::error::{WebError, WebResult};
use super::routing::page;
use crate::catalog::feed::FeedItem;
use crate::catalog::sitemap::{self, Address, SitemapIndex};
use crate::money::CURRENCY;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/robots.txt", robots))
        .service(page("/sitemap.xml", sitemap_index))
        .service(page("/sitemap/categories.xml", categories_file))
        .service(page("/sitemap/products-{number:\\d+}.xml", products_file))
        .service(page("/feeds/google.xml", google_feed));
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

#[derive(Template)]
#[template(path = "seo/feed_head.xml")]
struct FeedHead<'a> {
    origin: &'a str,
}

#[derive(Template)]
#[template(path = "seo/feed_items.xml")]
struct FeedItems<'a> {
    origin: &'a str,
    currency: &'a str,
    items: &'a [FeedItem],
}

impl FeedItems<'_> {
    fn absolute(&self, url: &str) -> String {
        super::page_head::absolute(self.origin, url)
    }
}

/// The feed as one document streamed from its kept chunks, so no request holds it whole twice.
async fn google_feed(state: web::Data<AppState>) -> WebResult<HttpResponse> {
    let catalog = state.catalog.clone();
    let origin = state.public_url.clone();
    let head = FeedHead { origin: &origin }
        .render()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let chunks = state
        .db(move |conn| {
            let applied = catalog.applied_outbox_id();
            catalog.feed.current(conn, applied, |items| {
                FeedItems {
                    origin: &origin,
                    currency: CURRENCY,
                    items,
                }
                .render()
                .map_err(|e| crate::error::Error::Internal(e.to_string()))
            })
        })
        .await?;
    let parts = std::iter::once(head)
        .chain(chunks.into_iter().map(|chunk| chunk.as_str().to_owned()))
        .chain(std::iter::once("\n</channel>\n</rss>\n".to_owned()))
        .map(|part| Ok::<_, std::convert::Infallible>(web::Bytes::from(part)));
    Ok(HttpResponse::Ok()
        .content_type(XML)
        // Engines fetch it on their own schedule; a shared cache must not serve an old price.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .streaming(futures_util::stream::iter(parts)))
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
