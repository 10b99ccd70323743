//! Product images uploaded by sellers. An upload is checked from its content and re-encoded from
//! its decoded pixels into three sizes (`process`), and the files are kept by content hash behind
//! a storage trait (`store`), so a node never serves what was uploaded and several nodes can
//! share one store. This module names and sizes the files, keeps `product_images` rows in order
//! for a product its caller has locked (`sellers::products::images` is the seller's side), and
//! removes a file set once no row uses it.
//!
//! Two products may hold the same picture: they share its files, each row naming the hash.
//! Deleting one row leaves the files while any other row names them; the last one removes them.
//! Every step that stores or removes a hash's files first takes that hash's turn
//! (`db::take_turn`), so a delete and an upload of the same picture never cross.

pub mod process;
pub mod store;

use std::fmt;

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::models::ProductImage;
use crate::db::schema::product_images;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};

pub use crate::db::types::ImageEncoding;
pub use process::{Processed, Refusal};
pub use store::{FsStore, ImageStore};

/// The renditions kept of every upload, by the longest side each may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Large,
    Medium,
    Small,
}

impl Size {
    pub const ALL: [Size; 3] = [Size::Large, Size::Medium, Size::Small];

    /// The longest side in pixels, which is also the size's name in file names.
    pub fn bound(self) -> u32 {
        match self {
            Size::Large => 1600,
            Size::Medium => 800,
            Size::Small => 320,
        }
    }

    fn named(px: &str) -> Option<Size> {
        Size::ALL.into_iter().find(|s| s.bound().to_string() == px)
    }
}

impl ImageEncoding {
    pub fn extension(self) -> &'static str {
        match self {
            ImageEncoding::Jpeg => "jpg",
            ImageEncoding::Png => "png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageEncoding::Jpeg => "image/jpeg",
            ImageEncoding::Png => "image/png",
        }
    }

    fn of_extension(ext: &str) -> Option<ImageEncoding> {
        ImageEncoding::ALL
            .into_iter()
            .find(|e| e.extension() == ext)
    }
}

/// A rendition's size: the picture scaled so its longest side is at most `bound`, never enlarged.
/// Processing and pages both size renditions with this, so a page's width and height attributes
/// are the file's own.
pub fn fit(width: u32, height: u32, bound: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= bound {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(bound) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(bound).max(1)
    };
    (scale(width), scale(height))
}

/// The SHA-256 of an upload's largest re-encoded rendition, in lower-case hex: the name of its
/// files, so the same picture uploaded twice is stored once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContentHash(String);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> ContentHash {
        ContentHash(hex::encode(Sha256::digest(bytes)))
    }

    pub fn parse(text: &str) -> Option<ContentHash> {
        let valid = text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| ContentHash(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One stored file, `<hash>-<size>.<ext>`. Parsing is the only way from a request's path to a
/// file, and it accepts exactly this shape, so no other name (`..`, slashes) reaches a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileName {
    pub hash: ContentHash,
    pub size: Size,
    pub encoding: ImageEncoding,
}

impl FileName {
    pub fn parse(name: &str) -> Option<FileName> {
        let (stem, ext) = name.split_once('.')?;
        let (hash, size) = stem.split_once('-')?;
        Some(FileName {
            hash: ContentHash::parse(hash)?,
            size: Size::named(size)?,
            encoding: ImageEncoding::of_extension(ext)?,
        })
    }

    /// The address the file is served at.
    pub fn url(&self) -> String {
        format!("/images/{self}")
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}.{}",
            self.hash.as_str(),
            self.size.bound(),
            self.encoding.extension()
        )
    }
}

/// What a page needs to show an image without the layout moving as it loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    pub src: String,
    /// Every rendition with its width (`url 800w, ...`); empty for the demo seed's static
    /// images, which have one file.
    pub srcset: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

impl Picture {
    /// The row's picture with `size` as its plain `src`. A row without stored files (the demo
    /// seed's) keeps its url and shows as a `square` px square, as it always has.
    pub fn of(row: &ProductImage, size: Size, square: u32) -> Picture {
        let stored = row.content_hash.as_deref().and_then(ContentHash::parse);
        let (Some(hash), Some(encoding), Some(width), Some(height)) = (
            stored,
            row.encoding,
            row.width.and_then(|w| u32::try_from(w).ok()),
            row.height.and_then(|h| u32::try_from(h).ok()),
        ) else {
            return Picture {
                src: row.url.clone(),
                srcset: String::new(),
                width: square,
                height: square,
                alt: row.alt_text.clone(),
            };
        };
        let file = |size| FileName {
            hash: hash.clone(),
            size,
            encoding,
        };
        // Smallest first; a picture smaller than a bound has equal renditions, listed once.
        let mut srcset: Vec<String> = Vec::new();
        let mut widths = Vec::new();
        for each in Size::ALL.into_iter().rev() {
            let (w, _) = fit(width, height, each.bound());
            if !widths.contains(&w) {
                widths.push(w);
                srcset.push(format!("{} {w}w", file(each).url()));
            }
        }
        let (w, h) = fit(width, height, size.bound());
        Picture {
            src: file(size).url(),
            srcset: srcset.join(", "),
            width: w,
            height: h,
            alt: row.alt_text.clone(),
        }
    }

    /// The placeholder shown for a product without images.
    pub fn placeholder(square: u32) -> Picture {
        Picture {
            src: "/static/img/placeholder.svg".to_owned(),
            srcset: String::new(),
            width: square,
            height: square,
            alt: String::new(),
        }
    }
}

/// A product's images in the order shoppers see them.
pub fn of_product(conn: &mut DbConn, product_id: i64) -> Result<Vec<ProductImage>> {
    Ok(product_images::table
        .filter(product_images::product_id.eq(product_id))
        .order((product_images::position, product_images::id))
        .select(ProductImage::as_select())
        .load(conn)?)
}

/// One image of the product; an image of any other product is `NotFound`.
pub fn image_of(conn: &mut DbConn, product_id: i64, image_id: i64) -> Result<ProductImage> {
    Ok(product_images::table
        .find(image_id)
        .filter(product_images::product_id.eq(product_id))
        .select(ProductImage::as_select())
        .first(conn)?)
}

/// Stores a processed upload's files (each is written only if missing) and adds it last among
/// the product's images. The caller holds the product's lock, in a transaction; if that
/// transaction does not commit, it calls `release_if_unused` so no file outlives it unnamed.
pub fn add(
    conn: &mut DbConn,
    store: &dyn ImageStore,
    product_id: i64,
    image: &Processed,
    alt_text: &str,
) -> Result<i64> {
    db::take_turn(conn, &turn(&image.hash))?;
    for (size, bytes) in &image.renditions {
        store.put(&image.file(*size), bytes).map_err(stored)?;
    }
    let position = of_product(conn, product_id)?.len();
    let (width, height) = (
        i32::try_from(image.width).map_err(|e| Error::Internal(e.to_string()))?,
        i32::try_from(image.height).map_err(|e| Error::Internal(e.to_string()))?,
    );
    Ok(diesel::insert_into(product_images::table)
        .values((
            product_images::product_id.eq(product_id),
            product_images::url.eq(image.file(Size::Medium).url()),
            product_images::alt_text.eq(alt_text),
            product_images::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
            product_images::content_hash.eq(image.hash.as_str()),
            product_images::encoding.eq(image.encoding),
            product_images::width.eq(width),
            product_images::height.eq(height),
        ))
        .returning(product_images::id)
        .get_result(conn)?)
}

/// Which way an image moves among its product's images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
}

/// Moves an image one place up or down (nothing at either end) and numbers the product's images
/// 0, 1, 2... again: position 0 is the product's first image, on its cards.
pub fn reorder(conn: &mut DbConn, product_id: i64, image_id: i64, way: Move) -> Result<()> {
    let mut ids: Vec<i64> = of_product(conn, product_id)?.iter().map(|i| i.id).collect();
    let at = ids
        .iter()
        .position(|id| *id == image_id)
        .ok_or(Error::NotFound)?;
    match way {
        Move::Up if at > 0 => ids.swap(at, at - 1),
        Move::Down if at + 1 < ids.len() => ids.swap(at, at + 1),
        _ => {}
    }
    renumber(conn, &ids)
}

pub fn set_alt_text(
    conn: &mut DbConn,
    product_id: i64,
    image_id: i64,
    alt_text: &str,
) -> Result<()> {
    image_of(conn, product_id, image_id)?;
    diesel::update(product_images::table.find(image_id))
        .set(product_images::alt_text.eq(alt_text))
        .execute(conn)?;
    Ok(())
}

/// Deletes an image's row and closes the gap in the positions; the hash of its files, which the
/// caller releases after commit (`release_if_unused`).
pub fn remove(conn: &mut DbConn, product_id: i64, image_id: i64) -> Result<Option<ContentHash>> {
    let image = image_of(conn, product_id, image_id)?;
    diesel::delete(product_images::table.find(image_id)).execute(conn)?;
    let ids: Vec<i64> = of_product(conn, product_id)?.iter().map(|i| i.id).collect();
    renumber(conn, &ids)?;
    Ok(image.content_hash.as_deref().and_then(ContentHash::parse))
}

/// Removes a hash's files when no row names it any more, in its own transaction holding the
/// hash's turn: an upload of the same picture either committed before (its row keeps the files)
/// or waits and stores them again.
pub fn release_if_unused(
    conn: &mut DbConn,
    store: &dyn ImageStore,
    hash: &ContentHash,
) -> Result<()> {
    db::write_tx(conn, |conn| {
        db::take_turn(conn, &turn(hash))?;
        let users: i64 = product_images::table
            .filter(product_images::content_hash.eq(hash.as_str()))
            .count()
            .get_result(conn)?;
        if users == 0 {
            for size in Size::ALL {
                for encoding in ImageEncoding::ALL {
                    let file = FileName {
                        hash: hash.clone(),
                        size,
                        encoding,
                    };
                    store.delete(&file).map_err(stored)?;
                }
            }
        }
        Ok(())
    })
}

fn renumber(conn: &mut DbConn, ids: &[i64]) -> Result<()> {
    for (position, id) in ids.iter().enumerate() {
        diesel::update(product_images::table.find(id))
            .set(product_images::position.eq(i32::try_from(position).unwrap_or(i32::MAX)))
            .execute(conn)?;
    }
    Ok(())
}

fn turn(hash: &ContentHash) -> String {
    format!("image:{}", hash.as_str())
}

fn stored(error: std::io::Error) -> Error {
    Error::Internal(format!("image store: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renditions_shrink_to_their_bound_and_never_grow() {
        assert_eq!(fit(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit(3000, 4000, 320), (240, 320));
        assert_eq!(fit(1000, 10, 320), (320, 3));
        assert_eq!(fit(10_000, 1, 320), (320, 1));
        assert_eq!(fit(640, 480, 800), (640, 480));
    }

    #[test]
    fn only_well_formed_file_names_parse() {
        let hash = "a".repeat(64);
        let name = format!("{hash}-800.jpg");
        let parsed = FileName::parse(&name).expect("a valid name");
        assert_eq!(parsed.size, Size::Medium);
        assert_eq!(parsed.encoding, ImageEncoding::Jpeg);
        assert_eq!(parsed.to_string(), name);
        for bad in [
            format!("{hash}-801.jpg"),
            format!("{hash}-800.gif"),
            format!("{hash}-800.jpg.png"),
            format!("{}-800.jpg", "A".repeat(64)),
            format!("{}-800.jpg", "a".repeat(63)),
            format!("../{}-800.jpg", "a".repeat(61)),
            "..%2F..%2Fetc%2Fpasswd".to_owned(),
            String::new(),
        ] {
            assert_eq!(FileName::parse(&bad), None, "{bad}");
        }
    }
}
