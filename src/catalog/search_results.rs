//! `/search` results as the page shows them: the index finds, ranks and counts, the database has
//! the last word on what is shown (a product unpublished a moment ago is never listed, even
//! before the indexer has caught up).

use super::{ProductCard, published_in_order};
use crate::db::DbConn;
use crate::db::models::Category;
use crate::error::Result;
use crate::search::{self, Facets, Fragment, SearchIndex, SearchRequest};

pub struct SearchResults {
    pub hits: Vec<Hit>,
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
}

pub struct Hit {
    pub card: ProductCard,
    pub name: Vec<Fragment>,
    pub snippet: Vec<Fragment>,
}

pub fn search_results(
    conn: &mut DbConn,
    index: &SearchIndex,
    request: &SearchRequest,
) -> Result<SearchResults> {
    let found = search::find(conn, index, request)?;
    let hits = if found.ids.is_empty() {
        Vec::new()
    } else {
        published_in_order(conn, &found.ids)?
            .into_iter()
            .map(|(product, card)| Hit {
                name: found.highlighter.highlight(&product.name, usize::MAX),
                snippet: found.highlighter.highlight(&product.description, 180),
                card,
            })
            .collect()
    };
    Ok(SearchResults {
        hits,
        total: found.total,
        page: found.page,
        pages: found.pages,
        facets: found.facets,
        category: found.category,
        shortened: found.shortened,
        unreadable: found.unreadable,
        did_you_mean: found.did_you_mean,
    })
}
