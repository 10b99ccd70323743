//! What search engines are told to crawl: every product for sale and every category, split into
//! sitemap files of at most 50,000 addresses, as the sitemaps protocol allows.
//!
//! Product files are fixed ranges of product ids (file `n` holds ids `n·50,000 + 1 ..= (n+1)·50,000`),
//! so each file is one primary-key range read and a file's address never changes as products come
//! and go; a range with nothing for sale is left out of the index. `lastmod` is the product's
//! `updated_at`, which every seller and admin change to a product touches. The pages are cached
//! per catalog version (`catalog::cache`), so they follow the search outbox like every other
//! catalog page.

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;

use super::ProductStatus;
use crate::db::DbConn;
use crate::db::schema::{categories, products};
use crate::error::Result;

/// The protocol's limit of addresses per sitemap file.
pub const ADDRESSES_PER_FILE: i64 = 50_000;

/// One address with the time its page last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub path: String,
    pub lastmod: NaiveDateTime,
}

/// The sitemap index: the categories file and one file per id range with products for sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapIndex {
    pub categories_lastmod: Option<NaiveDateTime>,
    pub product_files: Vec<ProductFile>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFile {
    pub number: i64,
    pub lastmod: NaiveDateTime,
}

pub fn index(conn: &mut DbConn) -> Result<SitemapIndex> {
    let highest_id: Option<i64> = products::table.select(max(products::id)).first(conn)?;
    let mut product_files = Vec::new();
    for number in 0..=highest_id.unwrap_or(0) / ADDRESSES_PER_FILE {
        let (first, last) = id_range(number);
        let lastmod: Option<NaiveDateTime> = products::table
            .filter(products::id.between(first, last))
            .filter(products::status.eq(ProductStatus::Active))
            .select(max(products::updated_at))
            .first(conn)?;
        if let Some(lastmod) = lastmod {
            product_files.push(ProductFile { number, lastmod });
        }
    }
    let categories_lastmod = categories::table
        .select(max(categories::created_at))
        .first(conn)?;
    Ok(SitemapIndex {
        categories_lastmod,
        product_files,
    })
}

/// The products for sale in file `number`, in id order.
pub fn products_file(conn: &mut DbConn, number: i64) -> Result<Vec<Address>> {
    let (first, last) = id_range(number);
    let rows: Vec<(String, NaiveDateTime)> = products::table
        .filter(products::id.between(first, last))
        .filter(products::status.eq(ProductStatus::Active))
        .order(products::id)
        .select((products::slug, products::updated_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(slug, lastmod)| Address {
            path: format!("/p/{slug}"),
            lastmod,
        })
        .collect())
}

/// Every category, tree order. A category's page changes with the products filed in it, but
/// reading that would aggregate the whole catalog; the category's own creation time is what the
/// index can say cheaply, and crawlers revisit category pages often anyway.
pub fn categories_file(conn: &mut DbConn) -> Result<Vec<Address>> {
    let rows: Vec<(String, NaiveDateTime)> = categories::table
        .order(categories::path)
        .select((categories::slug, categories::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(slug, lastmod)| Address {
            path: format!("/c/{slug}"),
            lastmod,
        })
        .collect())
}

/// The ids file `number` covers; a negative or absurd number reads an empty range.
fn id_range(number: i64) -> (i64, i64) {
    let first = number.saturating_mul(ADDRESSES_PER_FILE).saturating_add(1);
    (first, first.saturating_add(ADDRESSES_PER_FILE - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_cover_consecutive_id_ranges_of_fifty_thousand() {
        assert_eq!(id_range(0), (1, 50_000));
        assert_eq!(id_range(1), (50_001, 100_000));
        assert_eq!(id_range(9), (450_001, 500_000));
    }

    #[test]
    fn an_absurd_file_number_reads_nothing_instead_of_overflowing() {
        let (first, last) = id_range(i64::MAX);
        assert!(first <= last);
        assert_eq!(last, i64::MAX);
    }
}
