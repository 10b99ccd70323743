//! Addresses that outlive renames. A product's or category's slug follows its name; the slug it
//! leaves goes into its slug history in the rename's transaction, so a bookmark or a search
//! engine's link to `/p/{old}` or `/c/{old}` answers 301 to the current address. The history
//! maps an old slug to the row, never to another slug, so a chain of renames still redirects in
//! one hop. A slug live on a row wins over the history: taking a slug (a new row, a rename)
//! removes it from the history. Everything here reads the database, so every node answers alike.

use diesel::prelude::*;

use super::ProductStatus;
use super::category::breadcrumb;
use super::slug::slug;
use crate::db::DbConn;
use crate::db::models::Category;
use crate::db::schema::{categories, category_slug_history, product_slug_history, products};
use crate::error::{Error, Result};
use crate::util::random_hex;

/// What an address that shows no page now answers, besides "not found".
#[derive(Debug)]
pub enum Elsewhere {
    /// 301 to this path.
    Moved(String),
    /// 410: the product was archived; its category (root first) is where to look instead.
    Gone(GoneProduct),
}

#[derive(Debug)]
pub struct GoneProduct {
    pub name: String,
    pub breadcrumb: Vec<Category>,
}

/// A new product's slug: its name's slug plus a short random suffix, so two products of the same
/// name never clash, taken out of the history if an old address happened to hold it.
pub fn new_product_slug(conn: &mut DbConn, name: &str) -> Result<String> {
    let base = slug(name);
    let base = if base.is_empty() { "product" } else { &base };
    let fresh = format!("{base}-{}", random_hex(3));
    diesel::delete(product_slug_history::table.find(&fresh)).execute(conn)?;
    Ok(fresh)
}

/// Gives a renamed product the slug of its new name, keeping the old one in its history. A new
/// name with the same slug words ("Lamp" → "Lamp!") keeps the address. In the caller's
/// transaction, which holds the product's row.
pub fn rename_product(conn: &mut DbConn, product_id: i64, new_name: &str) -> Result<()> {
    let (old_name, old_slug): (String, String) = products::table
        .find(product_id)
        .select((products::name, products::slug))
        .first(conn)?;
    if slug(&old_name) == slug(new_name) {
        return Ok(());
    }
    let fresh = new_product_slug(conn, new_name)?;
    diesel::update(products::table.find(product_id))
        .set(products::slug.eq(&fresh))
        .execute(conn)?;
    diesel::insert_into(product_slug_history::table)
        .values((
            product_slug_history::slug.eq(&old_slug),
            product_slug_history::product_id.eq(product_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// A category's slug is taken (a new category or a rename): no history row may hold it.
pub fn take_category_slug(conn: &mut DbConn, slug: &str) -> Result<()> {
    diesel::delete(category_slug_history::table.find(slug)).execute(conn)?;
    Ok(())
}

/// A renamed category left `old_slug` for `new_slug`, in the rename's transaction.
pub fn retire_category_slug(
    conn: &mut DbConn,
    category_id: i64,
    old_slug: &str,
    new_slug: &str,
) -> Result<()> {
    if old_slug == new_slug {
        return Ok(());
    }
    take_category_slug(conn, new_slug)?;
    diesel::insert_into(category_slug_history::table)
        .values((
            category_slug_history::slug.eq(old_slug),
            category_slug_history::category_id.eq(category_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Where `/p/{slug}` leads when no product for sale has that slug: the product's current page
/// if the slug is an old one of a product for sale; 410 for an archived product, by its live or
/// an old slug; otherwise (a draft, a product held by a suspension, no such slug) not found.
pub fn product_elsewhere(conn: &mut DbConn, slug: &str) -> Result<Elsewhere> {
    let live: Option<i64> = products::table
        .filter(products::slug.eq(slug))
        .select(products::id)
        .first(conn)
        .optional()?;
    let id = match live {
        Some(id) => id,
        None => product_slug_history::table
            .find(slug)
            .select(product_slug_history::product_id)
            .first(conn)?,
    };
    let (name, current, status, deleted, category_id): (
        String,
        String,
        ProductStatus,
        Option<chrono::NaiveDateTime>,
        i64,
    ) = products::table
        .find(id)
        .select((
            products::name,
            products::slug,
            products::status,
            products::deleted_at,
            products::primary_category_id,
        ))
        .first(conn)?;
    match (status, deleted) {
        (ProductStatus::Archived, _) | (_, Some(_)) => {
            let path: String = categories::table
                .find(category_id)
                .select(categories::path)
                .first(conn)?;
            Ok(Elsewhere::Gone(GoneProduct {
                name,
                breadcrumb: breadcrumb(conn, &path)?,
            }))
        }
        (ProductStatus::Active, None) if current != slug => {
            Ok(Elsewhere::Moved(format!("/p/{current}")))
        }
        _ => Err(Error::NotFound),
    }
}

/// Where `/c/{slug}` leads when no category has that slug: the current address of the category
/// that had it, or not found.
pub fn category_moved(conn: &mut DbConn, slug: &str) -> Result<String> {
    let current: String = category_slug_history::table
        .inner_join(categories::table)
        .filter(category_slug_history::slug.eq(slug))
        .select(categories::slug)
        .first(conn)?;
    Ok(format!("/c/{current}"))
}
