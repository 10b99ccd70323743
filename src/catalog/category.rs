//! `/c/{slug}`: a category with everything beneath it, filtered, sorted and paged by keyset.
//!
//! The search index finds the page: it holds each product's categories with all their
//! ancestors and its sort keys, so a page costs the same however many products the category
//! holds, where sorting the subtree in SQL grew with it. The database then has the last word on
//! what is shown (published products only, current names, prices and images). The index
//! follows the database through the search outbox, so a product created, moved or re-priced
//! appears in its new place once the indexer has applied it (it polls every 100 ms), while one
//! unpublished disappears at once.

use std::collections::HashMap;

use diesel::prelude::*;

use super::{ProductCard, published_in_order};
use crate::db::DbConn;
use crate::db::models::Category;
use crate::db::schema::{categories, sellers};
use crate::error::Result;
use crate::listing::{Cursor, Listing};
use crate::search::{self, SearchIndex};

pub const PAGE_SIZE: usize = 24;
const TOP_RATED: usize = 4;

pub struct CategoryPage {
    pub category: Category,
    /// Root first, ending with the category itself.
    pub breadcrumb: Vec<Category>,
    pub subcategories: Vec<Category>,
    pub top_rated: Vec<ProductCard>,
    pub products: Vec<ProductCard>,
    /// The cursor of the page after this one, when there is one.
    pub next: Option<Cursor>,
    pub sellers: std::sync::Arc<[(String, String)]>,
}

pub fn category_page(
    conn: &mut DbConn,
    index: &SearchIndex,
    slug: &str,
    listing: &Listing,
) -> Result<CategoryPage> {
    let category: Category = categories::table
        .filter(categories::slug.eq(slug))
        .select(Category::as_select())
        .first(conn)?;
    let (page, next) = page_of_products(conn, index, category.id, listing)?;
    // The first page alone shows the category's best-rated products, above the listing.
    let top_rated = if listing.after.is_none() && listing.filters.is_empty() {
        search::category::top_rated(index, category.id, TOP_RATED)?
    } else {
        Vec::new()
    };
    let [top_rated, products] = published_cards(conn, [&top_rated, &page])?;
    Ok(CategoryPage {
        breadcrumb: breadcrumb(conn, &category.path)?,
        subcategories: children(conn, category.id)?,
        top_rated,
        products,
        next,
        sellers: seller_choices(conn)?.into(),
        category,
    })
}

/// The categories named by a materialised path such as '/1/5/23/', root first.
pub fn breadcrumb(conn: &mut DbConn, path: &str) -> Result<Vec<Category>> {
    let ids: Vec<i64> = path.split('/').filter_map(|id| id.parse().ok()).collect();
    let mut found: Vec<Category> = categories::table
        .filter(categories::id.eq_any(&ids))
        .select(Category::as_select())
        .load(conn)?;
    found.sort_by_key(|c| c.depth);
    Ok(found)
}

pub fn children(conn: &mut DbConn, parent_id: i64) -> Result<Vec<Category>> {
    Ok(categories::table
        .filter(categories::parent_id.eq(parent_id))
        .order((categories::position, categories::id))
        .select(Category::as_select())
        .load(conn)?)
}

/// Active sellers for the filter's drop-down, by name: (slug, display name).
fn seller_choices(conn: &mut DbConn) -> Result<Vec<(String, String)>> {
    Ok(sellers::table
        .filter(sellers::status.eq(crate::db::types::SellerStatus::Active))
        .order(sellers::display_name)
        .limit(100)
        .select((sellers::slug, sellers::display_name))
        .load(conn)?)
}

/// The ids of one page of the listing and the cursor of the next. The index orders and pages;
/// the next cursor is the index's place (its sort key, not the database's, which may be newer)
/// of the last product the page covers. That is the last product shown unless the database held it
/// back as no longer published; taking it even then means a page whose products were all held
/// back still leads onward instead of linking to itself.
fn page_of_products(
    conn: &mut DbConn,
    index: &SearchIndex,
    category_id: i64,
    listing: &Listing,
) -> Result<(Vec<i64>, Option<Cursor>)> {
    let seller_id = match &listing.filters.seller {
        None => None,
        Some(slug) => match seller_id(conn, slug)? {
            Some(id) => Some(id),
            // No such seller has anything in any category.
            None => return Ok((Vec::new(), None)),
        },
    };
    let mut places =
        search::category::places(index, category_id, listing, seller_id, PAGE_SIZE + 1)?;
    let next = if places.len() > PAGE_SIZE {
        places.truncate(PAGE_SIZE);
        places.last().copied()
    } else {
        None
    };
    Ok((places.iter().map(|place| place.id).collect(), next))
}

fn seller_id(conn: &mut DbConn, slug: &str) -> Result<Option<i64>> {
    Ok(sellers::table
        .filter(sellers::slug.eq(slug))
        .select(sellers::id)
        .first(conn)
        .optional()?)
}

/// The published products of each list, as cards in the list's order, read together: one
/// statement for the whole page, where one per list was a sixth of a first page's statements.
fn published_cards<const N: usize>(
    conn: &mut DbConn,
    lists: [&[i64]; N],
) -> Result<[Vec<ProductCard>; N]> {
    let ids: Vec<i64> = lists.iter().flat_map(|list| list.iter().copied()).collect();
    let cards: HashMap<i64, ProductCard> = published_in_order(conn, &ids)?
        .into_iter()
        .map(|(_, card)| (card.id, card))
        .collect();
    Ok(lists.map(|list| {
        list.iter()
            .filter_map(|id| cards.get(id).cloned())
            .collect()
    }))
}
