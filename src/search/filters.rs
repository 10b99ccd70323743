//! The listing filters as index clauses, the same for a search and for a category page.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::index::SearchIndex;
use crate::listing::Filters;

/// Clauses every listed product must match: the price range, stock, minimum rating, the seller
/// (resolved from its slug by the caller) and the category, whichever are given.
pub fn clauses(
    index: &SearchIndex,
    filters: &Filters,
    category_id: Option<i64>,
    seller_id: Option<i64>,
) -> Vec<Box<dyn Query>> {
    let f = &index.fields;
    let mut clauses: Vec<Box<dyn Query>> = Vec::new();
    if filters.min_price.is_some() || filters.max_price.is_some() {
        let low = filters.min_price.map_or(Bound::Unbounded, |m| {
            Bound::Included(u64_term(f.price, m.minor()))
        });
        let high = filters.max_price.map_or(Bound::Unbounded, |m| {
            Bound::Included(u64_term(f.price, m.minor()))
        });
        clauses.push(Box::new(RangeQuery::new(low, high)));
    }
    if filters.in_stock {
        clauses.push(exactly(f.in_stock, 1));
    }
    if let Some(rating) = filters.min_rating_hundredths() {
        clauses.push(at_least(f.rating, i64::from(rating)));
    }
    if let Some(id) = seller_id {
        clauses.push(exactly(f.seller_id, id));
    }
    if let Some(id) = category_id {
        clauses.push(exactly(f.category_ids, id));
    }
    clauses
}

/// Documents whose u64 `field` holds `value`.
pub fn exactly(field: Field, value: i64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        u64_term(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Documents whose u64 `field` is `low` or more.
pub fn at_least(field: Field, low: i64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(u64_term(field, low)),
        Bound::Unbounded,
    ))
}

/// The index stores these numbers unsigned; nothing below zero is ever indexed.
fn u64_term(field: Field, value: i64) -> Term {
    Term::from_field_u64(field, value.max(0) as u64)
}
