//! `/c/{slug}` and `/p/{slug}`: category listings and product pages.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::chrome::Chrome;
use super::error::{WebError, WebResult};
use super::moved;
use super::page_head::PageHead;
use super::rendered::{self, Body, body_of};
use super::routing::page;
use crate::catalog::category::{self, CategoryPage};
use crate::catalog::product::{self, ProductPage};
use crate::listing::{self, Filters, ListingParams, Sort};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/c/{slug}", show_category))
        .service(page("/p/{slug}", show_product));
}

/// What the filter form and sort links of a listing need to render and to link onward.
pub struct ListingView {
    pub base: String,
    pub filters: Filters,
    pub sort: Sort,
    pub sorts: Vec<Sort>,
    /// Pairs every link of the listing keeps (the search text).
    pub keep: Vec<(String, String)>,
    /// (slug, name) for the seller drop-down; empty where facets list sellers instead.
    pub sellers: Arc<[(String, String)]>,
}

impl ListingView {
    pub fn href_with_sort(&self, sort: &Sort) -> String {
        listing::href(&self.base, &self.filters, *sort, &self.kept())
    }

    pub fn href_after(&self, token: &str) -> String {
        let mut extra = self.kept();
        extra.push(("after", token));
        listing::href(&self.base, &self.filters, self.sort, &extra)
    }

    /// A numbered page of results (search pages by number; categories by cursor).
    pub fn href_after_page(&self, page: usize) -> String {
        let page = page.to_string();
        let mut extra = self.kept();
        extra.push(("page", &page));
        listing::href(&self.base, &self.filters, self.sort, &extra)
    }

    /// The listing without filters, keeping the search text.
    pub fn clear_href(&self) -> String {
        if self.keep.is_empty() {
            return self.base.clone();
        }
        let pairs = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.keep)
            .finish();
        format!("{}?{pairs}", self.base)
    }

    fn kept(&self) -> Vec<(&str, &str)> {
        self.keep
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    pub fn min_price(&self) -> String {
        self.filters
            .min_price
            .map(|m| m.plain())
            .unwrap_or_default()
    }

    pub fn max_price(&self) -> String {
        self.filters
            .max_price
            .map(|m| m.plain())
            .unwrap_or_default()
    }

    pub fn is_rating(&self, stars: &i32) -> bool {
        self.filters.min_rating == Some(*stars)
    }

    pub fn is_seller(&self, slug: &str) -> bool {
        self.filters.seller.as_deref() == Some(slug)
    }
}

#[derive(Template)]
#[template(path = "catalog/category.html", blocks = ["title", "head", "content"])]
struct CategoryTemplate {
    head: PageHead,
    page: Arc<CategoryPage>,
    listing: ListingView,
    /// Set past the first page.
    first_href: Option<String>,
    next_href: Option<String>,
}

async fn show_category(
    req: HttpRequest,
    state: web::Data<AppState>,
    chrome: Chrome,
    slug: web::Path<String>,
    params: web::Query<ListingParams>,
) -> WebResult<HttpResponse> {
    let parsed = params.parse(Sort::Featured)?;
    let slug = slug.into_inner();
    let key = parsed.address(&format!("/c/{slug}"));
    let state_ref = state.get_ref();
    let wanted = slug.clone();
    let body = rendered::body(state_ref, &state_ref.pages.categories, key.clone(), || {
        category_body(state_ref, slug, parsed, key)
    })
    .await;
    match body {
        Err(WebError::NotFound) => moved::category(&state, wanted, req.query_string()).await,
        Err(other) => Err(other),
        Ok(body) => rendered::page(chrome, &body),
    }
}

async fn category_body(
    state: &AppState,
    slug: String,
    parsed: listing::Listing,
    key: String,
) -> WebResult<Body> {
    let listing_for_service = parsed.clone();
    let index = state.search.clone();
    let page = state
        .cached(&state.catalog.categories, key, move |conn| {
            category::category_page(conn, &index, &slug, &listing_for_service)
        })
        .await?;
    let listing = ListingView {
        base: format!("/c/{}", page.category.slug),
        filters: parsed.filters,
        sort: parsed.sort,
        sorts: Sort::CATEGORY_CHOICES.to_vec(),
        keep: Vec::new(),
        sellers: page.sellers.clone(),
    };
    let next_href = page
        .next
        .map(|cursor| listing.href_after(&cursor.encode(listing.sort)));
    let first_href = parsed.after.map(|_| listing.href_with_sort(&listing.sort));
    body_of!(CategoryTemplate {
        head: PageHead::category(&state.public_url, &page),
        page,
        listing,
        first_href,
        next_href,
    })
}

#[derive(Template)]
#[template(path = "catalog/product.html", blocks = ["title", "head", "content"])]
struct ProductTemplate {
    head: PageHead,
    page: Arc<ProductPage>,
    csrf_slot: &'static str,
}

#[derive(Deserialize)]
pub struct ReviewsParams {
    reviews_after: Option<String>,
}

async fn show_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    chrome: Chrome,
    slug: web::Path<String>,
    params: web::Query<ReviewsParams>,
) -> WebResult<HttpResponse> {
    let slug = slug.into_inner();
    let after = params.into_inner().reviews_after;
    let key = (slug.clone(), after.clone());
    let state_ref = state.get_ref();
    let wanted = slug.clone();
    let body = rendered::body(state_ref, &state_ref.pages.products, key.clone(), || {
        product_body(state_ref, slug, after, key)
    })
    .await;
    match body {
        Err(WebError::NotFound) => moved::product(&state, chrome, wanted, req.query_string()).await,
        Err(other) => Err(other),
        Ok(body) => rendered::page(chrome, &body),
    }
}

async fn product_body(
    state: &AppState,
    slug: String,
    after: Option<String>,
    key: (String, Option<String>),
) -> WebResult<Body> {
    let page = state
        .cached(&state.catalog.products, key, move |conn| {
            product::product_page(conn, &slug, after.as_deref())
        })
        .await?;
    body_of!(ProductTemplate {
        head: PageHead::product(&state.public_url, &page),
        page,
        csrf_slot: rendered::CSRF_SLOT.as_str(),
    })
}
