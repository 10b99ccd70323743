//! Category listings as the index answers them: which products, in which order, from where.
//!
//! The index holds every category a product is filed under with all its ancestors, so a whole
//! subtree is one term, and the sort keys are fast fields: a page costs the same whether the
//! category holds fifty products or fifty thousand, with no sort in the database.

use tantivy::query::{BooleanQuery, Occur, Query};

use super::filters;
use super::index::{SearchIndex, internal};
use super::keyset::{Direction, KeysetCollector};
use crate::error::Result;
use crate::listing::{Cursor, Listing, Sort};

/// The places (sort key as the cursor stores it, product id) of the first `limit` products of
/// the category's listing after `listing.after`, in listing order. `seller_id` is the seller
/// filter's slug already resolved.
pub fn places(
    index: &SearchIndex,
    category_id: i64,
    listing: &Listing,
    seller_id: Option<i64>,
    limit: usize,
) -> Result<Vec<Cursor>> {
    let query = all_of(filters::clauses(
        index,
        &listing.filters,
        Some(category_id),
        seller_id,
    ));
    let (key_field, direction) = order(listing.sort);
    collect(
        index,
        query.as_ref(),
        KeysetCollector {
            key_field,
            direction,
            after: listing.after,
            limit,
        },
    )
}

/// The ids of the category's `limit` best-rated products, best first, among those with at
/// least one approved review. Reviews are 1 to 5 stars and every writer of the rating columns
/// (review moderation, withdrawal, seeding) sets the average to 0 when the count is 0, so an
/// average above 0 is exactly "has reviews".
pub fn top_rated(index: &SearchIndex, category_id: i64, limit: usize) -> Result<Vec<i64>> {
    let f = &index.fields;
    let query = all_of(vec![
        filters::exactly(f.category_ids, category_id),
        filters::at_least(f.rating, 1),
    ]);
    let (key_field, direction) = order(Sort::Rating);
    let places = collect(
        index,
        query.as_ref(),
        KeysetCollector {
            key_field,
            direction,
            after: None,
            limit,
        },
    )?;
    Ok(places.into_iter().map(|place| place.id).collect())
}

/// The fast field each order sorts by and which way; ties go by product id the same way.
/// These keys are the ones `Cursor` carries: cents, hundredths of a star, 0/1, microseconds.
fn order(sort: Sort) -> (&'static str, Direction) {
    match sort {
        // A category has no query to be relevant to; it lists featured products first.
        Sort::Featured | Sort::Relevance => ("featured", Direction::Descending),
        Sort::PriceAsc => ("price", Direction::Ascending),
        Sort::PriceDesc => ("price", Direction::Descending),
        Sort::Rating => ("rating", Direction::Descending),
        Sort::Newest => ("created", Direction::Descending),
    }
}

fn all_of(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        clauses.into_iter().map(|q| (Occur::Must, q)).collect(),
    ))
}

fn collect(index: &SearchIndex, query: &dyn Query, page: KeysetCollector) -> Result<Vec<Cursor>> {
    index.searcher().search(query, &page).map_err(internal)
}
