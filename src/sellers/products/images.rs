//! A seller's images of their own product: add a processed upload, change its alt text, move it
//! up or down, delete it. Each change is one transaction that locks the product (which proves it
//! is the seller's) and queues it for search (`search::enqueue`), so product pages, cards and
//! the catalog cache show the new first image. Files are kept and removed by `crate::images`.

use crate::db::models::{Product, ProductImage};
use crate::db::{self, DbConn};
use crate::error::Result;
use crate::forms::{self, FieldErrors};
use crate::images::{self, ContentHash, ImageStore, Move, Processed};
use crate::sellers::active_profile_of;

use super::{listing, lock_own_product};

/// The longest alt text, as the column holds it.
const ALT_TEXT_CHARS: usize = 255;

/// What a screen reader says for an image: required, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AltText(String);

impl AltText {
    pub fn parse(raw: &str) -> std::result::Result<AltText, FieldErrors> {
        let mut errors = FieldErrors::default();
        let text = forms::text(
            &mut errors,
            "alt_text",
            "A description of the image (alt text)",
            raw,
            ALT_TEXT_CHARS,
            true,
        );
        errors.or_ok(AltText(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One of the seller's products with its images, in order; another seller's is `NotFound`.
pub struct ProductImages {
    pub product: Product,
    pub images: Vec<ProductImage>,
}

pub fn list(conn: &mut DbConn, user_id: i64, product_id: i64) -> Result<ProductImages> {
    let product = listing(conn, user_id, product_id)?.product;
    let images = images::of_product(conn, product_id)?;
    Ok(ProductImages { product, images })
}

/// Adds a processed upload as the product's last image. If the transaction fails after the
/// files were stored, files no row names are removed again.
pub fn add(
    conn: &mut DbConn,
    store: &dyn ImageStore,
    user_id: i64,
    product_id: i64,
    upload: &Processed,
    alt_text: &AltText,
) -> Result<i64> {
    let added = db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        let id = images::add(conn, store, product_id, upload, alt_text.as_str())?;
        crate::search::enqueue(conn, product_id)?;
        Ok(id)
    });
    if added.is_err() {
        images::release_if_unused(conn, store, &upload.hash)?;
    }
    added
}

pub fn set_alt_text(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    image_id: i64,
    alt_text: &AltText,
) -> Result<()> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        images::set_alt_text(conn, product_id, image_id, alt_text.as_str())?;
        crate::search::enqueue(conn, product_id)
    })
}

pub fn reorder(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    image_id: i64,
    way: Move,
) -> Result<()> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        images::reorder(conn, product_id, image_id, way)?;
        crate::search::enqueue(conn, product_id)
    })
}

/// Deletes an image; its files go too once no other image (of any product) uses them.
pub fn delete(
    conn: &mut DbConn,
    store: &dyn ImageStore,
    user_id: i64,
    product_id: i64,
    image_id: i64,
) -> Result<()> {
    let hash = db::write_tx(conn, |conn| -> Result<Option<ContentHash>> {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        let hash = images::remove(conn, product_id, image_id)?;
        crate::search::enqueue(conn, product_id)?;
        Ok(hash)
    })?;
    match hash {
        Some(hash) => images::release_if_unused(conn, store, &hash),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alt_text_is_required_and_one_line() {
        assert_eq!(
            AltText::parse("  Red mug, side view ")
                .expect("valid")
                .as_str(),
            "Red mug, side view"
        );
        for bad in ["", "   ", "two\nlines", &"x".repeat(256)] {
            let errors = AltText::parse(bad).unwrap_err();
            assert!(errors.get("alt_text").is_some(), "{bad:?}");
        }
    }
}
