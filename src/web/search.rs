//! `/search?q=` results with facets, and `/search/suggest?q=` for search-as-you-type.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::catalog::ListingView;
use super::chrome::Chrome;
use super::error::{WebError, WebResult};
use super::rendered::{self, Body, body_of};
use super::routing::page;
use crate::catalog::search_results::{SearchResults, search_results};
use crate::listing::{Filters, ListingParams, Sort};
use crate::money::Money;
use crate::search::{self, SearchRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/search/suggest", suggest))
        .service(page("/search", show_results));
}

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    category: Option<String>,
    page: Option<String>,
    #[serde(flatten)]
    listing: ListingParams,
}

#[derive(Template)]
#[template(path = "search/results.html", blocks = ["title", "head", "content"])]
struct ResultsPage {
    /// The searched text.
    query: String,
    /// `None` when there was nothing to search for.
    results: Option<Arc<SearchResults>>,
    listing: ListingView,
    previous_href: Option<String>,
    next_href: Option<String>,
}

impl ResultsPage {
    fn with_filters(&self, filters: Filters) -> String {
        crate::listing::href(
            &self.listing.base,
            &filters,
            self.listing.sort,
            &self.kept(),
        )
    }

    fn kept(&self) -> Vec<(&str, &str)> {
        self.listing
            .keep
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    pub fn category_href(&self, slug: &str) -> String {
        let mut extra: Vec<(&str, &str)> = self
            .kept()
            .into_iter()
            .filter(|(k, _)| *k != "category")
            .collect();
        extra.push(("category", slug));
        crate::listing::href(
            &self.listing.base,
            &self.listing.filters,
            self.listing.sort,
            &extra,
        )
    }

    pub fn seller_href(&self, slug: &str) -> String {
        self.with_filters(Filters {
            seller: Some(slug.to_owned()),
            ..self.listing.filters.clone()
        })
    }

    pub fn price_href(&self, low: &Money, high: &Option<Money>) -> String {
        self.with_filters(Filters {
            min_price: Some(*low),
            max_price: *high,
            ..self.listing.filters.clone()
        })
    }

    pub fn rating_href(&self, stars: &i32) -> String {
        self.with_filters(Filters {
            min_rating: Some(*stars),
            ..self.listing.filters.clone()
        })
    }
}

async fn show_results(
    state: web::Data<AppState>,
    chrome: Chrome,
    params: web::Query<SearchParams>,
) -> WebResult<HttpResponse> {
    let params = params.into_inner();
    let listing = params.listing.parse(Sort::Relevance)?;
    let page = match params
        .page
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => 1,
        Some(text) => crate::numbers::parse_whole(text)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| {
                WebError::BadRequest("The page number should be a whole number.".into())
            })?,
    };
    // Control characters are never part of a search; they must not reach the page either.
    let text: String = params
        .q
        .chars()
        .take(search::MAX_CHARS * 4)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let category = params.category.filter(|c| !c.trim().is_empty());
    let mut keep = vec![("q".to_owned(), text.clone())];
    if let Some(slug) = &category {
        keep.push(("category".to_owned(), slug.clone()));
    }
    let view = ListingView {
        base: "/search".into(),
        filters: listing.filters.clone(),
        sort: listing.sort,
        sorts: Sort::SEARCH_CHOICES.to_vec(),
        keep,
        sellers: Arc::new([]),
    };
    let chrome = chrome.with_query(&text);
    let browsing = text.trim().is_empty() && category.is_none() && listing.filters.is_empty();
    let request = SearchRequest {
        text,
        category,
        listing,
        page,
    };
    let key = request.cache_key();
    let state = state.get_ref();
    let body = rendered::body(state, &state.pages.searches, key.clone(), || {
        results_body(state, request, key, view, browsing)
    })
    .await?;
    rendered::page(chrome, &body)
}

async fn results_body(
    state: &AppState,
    request: SearchRequest,
    key: String,
    view: ListingView,
    browsing: bool,
) -> WebResult<Body> {
    let query = request.text.clone();
    let results = if browsing {
        None
    } else {
        let index = state.search.clone();
        Some(
            state
                .cached(&state.catalog.searches, key, move |conn| {
                    search_results(conn, &index, &request)
                })
                .await?,
        )
    };
    let page_href = |n: usize| view.href_after_page(n);
    let (previous_href, next_href) = match &results {
        Some(r) => (
            (r.page > 1).then(|| page_href(r.page - 1)),
            (r.page < r.pages).then(|| page_href(r.page + 1)),
        ),
        None => (None, None),
    };
    body_of!(ResultsPage {
        query,
        results,
        listing: view,
        previous_href,
        next_href,
    })
}

#[derive(Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    q: String,
}

#[derive(serde::Serialize)]
struct Suggestions {
    suggestions: Vec<search::Suggestion>,
}

async fn suggest(
    state: web::Data<AppState>,
    params: web::Query<SuggestParams>,
) -> WebResult<HttpResponse> {
    let index = state.search.clone();
    let typed: String = params.into_inner().q.chars().take(100).collect();
    let suggestions = web::block(move || search::suggest(&index, &typed)).await??;
    Ok(HttpResponse::Ok().json(Suggestions { suggestions }))
}
