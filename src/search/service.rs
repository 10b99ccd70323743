//! `/search`: the index finds, ranks and counts one page of products. It answers with product
//! ids; the catalog then has the last word on what is shown (`catalog::search_results`).

use diesel::prelude::*;
use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::{DocAddress, Order, Searcher};

use super::did_you_mean;
use super::facets::{self, Counts, Facets};
use super::highlight::Highlighter;
use super::index::{SearchIndex, internal};
use super::query::{self, Spelling};
use super::text;
use crate::db::DbConn;
use crate::db::models::Category;
use crate::db::schema::{categories, sellers};
use crate::error::{Error, Result};
use crate::listing::{Listing, Sort};

/// Results on one page of a search.
pub const PAGE_SIZE: usize = 24;
const MAX_PAGE: usize = 50;

/// A search as the page asks for it.
pub struct SearchRequest {
    pub text: String,
    /// A category slug chosen from the category facet.
    pub category: Option<String>,
    pub listing: Listing,
    /// 1-based.
    pub page: usize,
}

impl SearchRequest {
    /// Everything that decides the results, as one string for the catalog cache.
    pub fn cache_key(&self) -> String {
        let category = self.category.as_deref().unwrap_or_default();
        let listing = self.listing.address("/search");
        format!(
            "{}\u{0}{category}\u{0}{listing}\u{0}{}",
            self.text, self.page
        )
    }
}

/// One page of a search as the index answers it.
pub struct Found {
    /// The page's products, best first; some may have been unpublished since they were indexed.
    pub ids: Vec<i64>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub facets: Facets,
    /// The category facet chosen, if any.
    pub category: Option<Category>,
    /// Some of the text was ignored (too long).
    pub shortened: bool,
    /// The text held no word to search for (only operators or punctuation).
    pub unreadable: bool,
    /// When nothing was found: the same search spelt as the shop's product names are.
    pub did_you_mean: Option<String>,
    /// Marks the searched words in what the page shows of each product.
    pub highlighter: Highlighter,
}

pub fn find(conn: &mut DbConn, index: &SearchIndex, request: &SearchRequest) -> Result<Found> {
    if request.page == 0 || request.page > MAX_PAGE {
        return Err(Error::Invalid(format!(
            "Results go up to page {MAX_PAGE}. Please narrow the search with a filter instead."
        )));
    }
    let parsed = text::parse(&request.text);
    let category = match &request.category {
        Some(slug) => Some(
            categories::table
                .filter(categories::slug.eq(slug))
                .select(Category::as_select())
                .first(conn)
                .optional()?
                .ok_or(Error::NotFound)?,
        ),
        None => None,
    };
    let seller_id = match &request.listing.filters.seller {
        Some(slug) => Some(
            sellers::table
                .filter(sellers::slug.eq(slug))
                .select(sellers::id)
                .first::<i64>(conn)
                .optional()?
                .ok_or(Error::NotFound)?,
        ),
        None => None,
    };
    let unreadable = parsed.is_empty() && !request.text.trim().is_empty();
    if unreadable && category.is_none() && request.listing.filters.is_empty() {
        return Ok(Found {
            ids: Vec::new(),
            total: 0,
            page: 1,
            pages: 1,
            facets: Facets::default(),
            category,
            shortened: parsed.shortened,
            unreadable,
            did_you_mean: None,
            highlighter: Highlighter::new(index, &parsed),
        });
    }
    let searcher = index.searcher();
    let offset = (request.page - 1) * PAGE_SIZE;
    let search = |spelling| {
        let query = query::build(
            index,
            &parsed,
            &request.listing.filters,
            category.as_ref(),
            seller_id,
            spelling,
        );
        run(&searcher, query.as_ref(), request.listing.sort, offset)
    };
    // Typos are forgiven only when the words as typed fill less than a page. Forgiving them in
    // every search walked each field's whole vocabulary for near words and scored every near
    // match of a common word: it was most of a search's time at 500,000 products
    // (BENCHMARKS.md, "Cold pages"). The total decides, not the page, so every page of one
    // search is cut from the same matches.
    let (mut addresses, mut total, mut counts) = search(Spelling::AsTyped)?;
    if total < PAGE_SIZE && query::typos_forgivable(index, &parsed) {
        (addresses, total, counts) = search(Spelling::ForgivingTypos)?;
    }
    let did_you_mean = match total {
        0 => did_you_mean::suggestion(index, &searcher, &parsed),
        _ => None,
    };
    Ok(Found {
        did_you_mean,
        ids: product_ids(&searcher, &addresses)?,
        total,
        page: request.page,
        pages: total.div_ceil(PAGE_SIZE).clamp(1, MAX_PAGE),
        facets: facets::facets(conn, counts, total, category.as_ref())?,
        category,
        shortened: parsed.shortened,
        unreadable,
        highlighter: Highlighter::new(index, &parsed),
    })
}

/// One page of matches in `sort` order, how many there are, and the facet counts. The query's
/// weight is built once: one pass over every match ranks and counts them, and a second one
/// counts the facets of at most `facets::SAMPLE` of them.
fn run(
    searcher: &Searcher,
    query: &dyn Query,
    sort: Sort,
    offset: usize,
) -> Result<(Vec<DocAddress>, usize, Counts)> {
    let scoring = match sort {
        Sort::Relevance => EnableScoring::enabled_from_searcher(searcher),
        _ => EnableScoring::disabled_from_searcher(searcher),
    };
    let weight = query.weight(scoring).map_err(internal)?;
    let weight = weight.as_ref();
    let top = || TopDocs::with_limit(PAGE_SIZE).and_offset(offset);
    let by = |field: &str, order: Order| {
        (
            top().order_by_fast_field::<u64>(field.to_owned(), order),
            Count,
        )
    };
    let (addresses, total) = match sort {
        Sort::Relevance => page(collect(searcher, weight, &(top().order_by_score(), Count))?),
        Sort::Newest => {
            let newest = top().order_by_fast_field::<i64>("created", Order::Desc);
            page(collect(searcher, weight, &(newest, Count))?)
        }
        Sort::PriceAsc => page(collect(searcher, weight, &by("price", Order::Asc))?),
        Sort::PriceDesc => page(collect(searcher, weight, &by("price", Order::Desc))?),
        Sort::Rating => page(collect(searcher, weight, &by("rating", Order::Desc))?),
        Sort::Featured => page(collect(searcher, weight, &by("featured", Order::Desc))?),
    };
    let counts = facets::count(searcher, weight).map_err(internal)?;
    Ok((addresses, total, counts))
}

/// What `Searcher::search` does, over a weight already built.
fn collect<C: Collector>(
    searcher: &Searcher,
    weight: &dyn Weight,
    collector: &C,
) -> Result<C::Fruit> {
    let fruits = searcher
        .segment_readers()
        .iter()
        .enumerate()
        .map(|(ord, reader)| collector.collect_segment(weight, ord as u32, reader))
        .collect::<tantivy::Result<Vec<_>>>()
        .map_err(internal)?;
    collector.merge_fruits(fruits).map_err(internal)
}

/// The addresses of a page of matches, and how many there are.
fn page<K>((docs, total): (Vec<(K, DocAddress)>, usize)) -> (Vec<DocAddress>, usize) {
    (
        docs.into_iter().map(|(_, address)| address).collect(),
        total,
    )
}

fn product_ids(searcher: &Searcher, addresses: &[DocAddress]) -> Result<Vec<i64>> {
    addresses
        .iter()
        .map(|address| {
            let column = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64("product_id")
                .map_err(internal)?;
            column
                .first(address.doc_id)
                .map(|id| id as i64)
                .ok_or_else(|| internal("a document without a product id"))
        })
        .collect()
}
