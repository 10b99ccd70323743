//! `/c/{slug}`: a category with everything beneath it, filtered, sorted and paged by keyset.

use chrono::DateTime;
use diesel::prelude::*;

use super::listing::{Cursor, Filters, Listing, Sort};
use super::{ProductCard, cards};
use crate::db::DbConn;
use crate::db::models::{Category, Product};
use crate::db::schema::{categories, product_categories, products, sellers};
use crate::error::Result;

pub const PAGE_SIZE: i64 = 24;
const TOP_RATED: i64 = 4;

pub struct CategoryPage {
    pub category: Category,
    /// Root first, ending with the category itself.
    pub breadcrumb: Vec<Category>,
    pub subcategories: Vec<Category>,
    pub top_rated: Vec<ProductCard>,
    pub products: Vec<ProductCard>,
    /// The cursor of the page after this one, when there is one.
    pub next: Option<Cursor>,
    pub sellers: Vec<(String, String)>,
}

pub fn category_page(conn: &mut DbConn, slug: &str, listing: &Listing) -> Result<CategoryPage> {
    let category: Category = categories::table
        .filter(categories::slug.eq(slug))
        .select(Category::as_select())
        .first(conn)?;
    let subtree = subtree_ids(conn, &category.path)?;
    let (rows, next) = page_of_products(conn, &subtree, listing)?;
    // The first page alone shows the category's best-rated products, above the listing.
    let top_rated = if listing.after.is_none() && listing.filters.is_empty() {
        let rows = in_subtree(&subtree)
            .filter(products::rating_count.gt(0))
            .order((products::rating_avg.desc(), products::id.desc()))
            .limit(TOP_RATED)
            .select(Product::as_select())
            .load(conn)?;
        cards(conn, rows)?
    } else {
        Vec::new()
    };
    Ok(CategoryPage {
        breadcrumb: breadcrumb(conn, &category.path)?,
        subcategories: children(conn, category.id)?,
        top_rated,
        products: cards(conn, rows)?,
        next,
        sellers: seller_choices(conn)?,
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

/// The category and all its descendants: one prefix match on the materialised path.
pub fn subtree_ids(conn: &mut DbConn, path: &str) -> Result<Vec<i64>> {
    Ok(categories::table
        .filter(categories::path.like(format!("{path}%")))
        .select(categories::id)
        .load(conn)?)
}

/// Active sellers for the filter's drop-down, by name: (slug, display name).
fn seller_choices(conn: &mut DbConn) -> Result<Vec<(String, String)>> {
    Ok(sellers::table
        .filter(sellers::status.eq("active"))
        .order(sellers::display_name)
        .limit(100)
        .select((sellers::slug, sellers::display_name))
        .load(conn)?)
}

type Boxed<'a> = products::BoxedQuery<'a, crate::db::MultiBackend>;

/// Published products filed under any of `subtree`.
fn in_subtree(subtree: &[i64]) -> Boxed<'_> {
    published().filter(
        products::id.eq_any(
            product_categories::table
                .filter(product_categories::category_id.eq_any(subtree))
                .select(product_categories::product_id),
        ),
    )
}

/// What shoppers may see: active and not deleted.
pub fn published() -> Boxed<'static> {
    products::table
        .filter(products::status.eq("active"))
        .filter(products::deleted_at.is_null())
        .into_boxed()
}

fn page_of_products(
    conn: &mut DbConn,
    subtree: &[i64],
    listing: &Listing,
) -> Result<(Vec<Product>, Option<Cursor>)> {
    let query = ordered(filtered(in_subtree(subtree), &listing.filters), listing);
    let mut rows = query
        .limit(PAGE_SIZE + 1)
        .select(Product::as_select())
        .load(conn)?;
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|last| Cursor {
            key: sort_key(last, listing.sort),
            id: last.id,
        })
    } else {
        None
    };
    Ok((rows, next))
}

fn filtered<'a>(mut query: Boxed<'a>, filters: &Filters) -> Boxed<'a> {
    if let Some(low) = filters.min_price {
        query = query.filter(products::price_min.ge(low.minor()));
    }
    if let Some(high) = filters.max_price {
        query = query.filter(products::price_min.le(high.minor()));
    }
    if filters.in_stock {
        query = query.filter(products::in_stock.eq(true));
    }
    if let Some(rating) = filters.min_rating_hundredths() {
        query = query.filter(products::rating_avg.ge(rating));
    }
    if let Some(slug) = &filters.seller {
        query = query.filter(
            products::seller_id.eq_any(
                sellers::table
                    .filter(sellers::slug.eq(slug.clone()))
                    .select(sellers::id),
            ),
        );
    }
    query
}

/// The sort key of a row as the cursor stores it (timestamps as microseconds).
fn sort_key(product: &Product, sort: Sort) -> i64 {
    match sort {
        Sort::Featured | Sort::Relevance => i64::from(product.is_featured),
        Sort::PriceAsc | Sort::PriceDesc => product.price_min,
        Sort::Rating => i64::from(product.rating_avg),
        Sort::Newest => product.created_at.and_utc().timestamp_micros(),
    }
}

/// Orders by (key, id) and, past the first page, keeps only rows after the cursor: the same
/// two columns as the partial indexes, so each page is an index range scan, never an OFFSET.
fn ordered<'a>(query: Boxed<'a>, listing: &Listing) -> Boxed<'a> {
    use products::{created_at, id, is_featured, price_min, rating_avg};
    let after = listing.after;
    match listing.sort {
        Sort::Featured | Sort::Relevance => {
            let query = query.order((is_featured.desc(), id.desc()));
            match after {
                None => query,
                Some(c) => {
                    let key = c.key != 0;
                    query.filter(is_featured.lt(key).or(is_featured.eq(key).and(id.lt(c.id))))
                }
            }
        }
        Sort::PriceAsc => {
            let query = query.order((price_min.asc(), id.asc()));
            match after {
                None => query,
                Some(c) => {
                    query.filter(price_min.gt(c.key).or(price_min.eq(c.key).and(id.gt(c.id))))
                }
            }
        }
        Sort::PriceDesc => {
            let query = query.order((price_min.desc(), id.desc()));
            match after {
                None => query,
                Some(c) => {
                    query.filter(price_min.lt(c.key).or(price_min.eq(c.key).and(id.lt(c.id))))
                }
            }
        }
        Sort::Rating => {
            let query = query.order((rating_avg.desc(), id.desc()));
            match after {
                None => query,
                Some(c) => {
                    let key = i32::try_from(c.key).unwrap_or(i32::MAX);
                    query.filter(rating_avg.lt(key).or(rating_avg.eq(key).and(id.lt(c.id))))
                }
            }
        }
        Sort::Newest => {
            let query = query.order((created_at.desc(), id.desc()));
            match after {
                None => query,
                Some(c) => {
                    let key = DateTime::from_timestamp_micros(c.key)
                        .unwrap_or_default()
                        .naive_utc();
                    query.filter(created_at.lt(key).or(created_at.eq(key).and(id.lt(c.id))))
                }
            }
        }
    }
}
