//! The product feed for shopping engines (Google Merchant Center reads it as RSS 2.0 with its
//! `g:` namespace): one item per live variant of every product for sale, its price and
//! availability read through the product page's own `VariantView`, so the two never disagree.
//!
//! Built incrementally. The feed is cut into chunks of fixed product-id ranges (chunk `n` holds
//! ids `n·1,000 + 1 ..= (n+1)·1,000`), each kept rendered. Every change to what a product page
//! shows writes a search outbox row in its transaction (`search::enqueue`), so a request rebuilds
//! only the chunks of products named by outbox rows past the position the chunks were built at.
//! That position only moves to what this node's search indexer has applied, which waits for a
//! gap in the outbox ids (a transaction still open) to close or expire; rows past it are read
//! again next time. So a change that commits is in the feed of the next request on every node,
//! and the feed never rebuilds more than the products that changed. Whatever reaches the feed
//! without an outbox row (a seller's new shop name) is caught by a full rebuild after
//! `FULL_REBUILD_AFTER`.
//!
//! Memory: a rendered item is about 700 bytes, so a node keeps about 35 MB for 50,000 products.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::dsl::max;
use diesel::prelude::*;

use super::product::VariantView;
use super::published;
use crate::db::DbConn;
use crate::db::models::{ProductImage, Variant};
use crate::db::schema::{product_images, product_variants, products, search_outbox, sellers};
use crate::error::Result;
use crate::images::{Picture, Size};

/// Product ids per chunk: a chunk is one primary-key range read, and rebuilt whole when any of
/// its products changes.
pub const IDS_PER_CHUNK: i64 = 1_000;

/// The backstop for what no outbox row announces.
pub const FULL_REBUILD_AFTER: Duration = Duration::from_secs(3600);

/// One offer of the feed: a live variant of a product for sale.
pub struct FeedItem {
    pub product_id: i64,
    /// The product's name, with the variant's label when it has several.
    pub title: String,
    pub description: String,
    /// The product page's path.
    pub link: String,
    /// The first image's path (or address), large.
    pub image: Option<String>,
    /// The brand is the seller's shop name.
    pub brand: String,
    /// The product's id when it has several variants, so the engine groups them.
    pub item_group_id: Option<i64>,
    pub variant: VariantView,
}

/// The rendered chunks of one node, with the outbox position they follow.
pub struct FeedStore<T> {
    built: Mutex<Option<Built<T>>>,
}

struct Built<T> {
    position: i64,
    at: Instant,
    chunks: BTreeMap<i64, Arc<T>>,
}

impl<T> Default for FeedStore<T> {
    fn default() -> FeedStore<T> {
        FeedStore {
            built: Mutex::new(None),
        }
    }
}

impl<T> FeedStore<T> {
    /// The feed's chunks in id order, rebuilding (through `render`) those whose products changed
    /// since they were built. `applied` is the outbox position this node's index has applied.
    pub fn current(
        &self,
        conn: &mut DbConn,
        applied: i64,
        render: impl Fn(&[FeedItem]) -> Result<T>,
    ) -> Result<Vec<Arc<T>>> {
        // One request rebuilds at a time; the others wait and then find the work done.
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        let followed = built
            .as_ref()
            .filter(|b| b.at.elapsed() < FULL_REBUILD_AFTER)
            .map(|b| b.position);
        let stale: Vec<i64> = match followed {
            Some(position) => touched_chunks(conn, position)?,
            None => {
                *built = None;
                let highest: Option<i64> = products::table.select(max(products::id)).first(conn)?;
                (0..=highest.unwrap_or(0) / IDS_PER_CHUNK).collect()
            }
        };
        let state = built.get_or_insert_with(|| Built {
            position: applied,
            at: Instant::now(),
            chunks: BTreeMap::new(),
        });
        for number in stale {
            let items = chunk(conn, number)?;
            if items.is_empty() {
                state.chunks.remove(&number);
            } else {
                state.chunks.insert(number, Arc::new(render(&items)?));
            }
        }
        state.position = state.position.max(applied);
        Ok(state.chunks.values().cloned().collect())
    }
}

/// The chunks holding a product named by an outbox row past `position`.
fn touched_chunks(conn: &mut DbConn, position: i64) -> Result<Vec<i64>> {
    let ids: Vec<i64> = search_outbox::table
        .filter(search_outbox::id.gt(position))
        .select(search_outbox::product_id)
        .distinct()
        .load(conn)?;
    let mut numbers: Vec<i64> = ids.into_iter().map(chunk_of).collect();
    numbers.sort_unstable();
    numbers.dedup();
    Ok(numbers)
}

/// The chunk a product's items are in.
fn chunk_of(product_id: i64) -> i64 {
    (product_id - 1).max(0) / IDS_PER_CHUNK
}

/// The product ids chunk `number` covers.
fn id_range(number: i64) -> (i64, i64) {
    let first = number.saturating_mul(IDS_PER_CHUNK).saturating_add(1);
    (first, first.saturating_add(IDS_PER_CHUNK - 1))
}

/// The items of chunk `number`: every live variant of the products for sale in its id range,
/// in product id and then page order.
pub fn chunk(conn: &mut DbConn, number: i64) -> Result<Vec<FeedItem>> {
    let (first, last) = id_range(number);
    let rows: Vec<(i64, String, String, String, i64)> = published()
        .filter(products::id.between(first, last))
        .order(products::id)
        .select((
            products::id,
            products::name,
            products::slug,
            products::description,
            products::seller_id,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|(id, ..)| *id).collect();
    let mut variants: HashMap<i64, Vec<Variant>> = HashMap::new();
    for variant in product_variants::table
        .filter(product_variants::product_id.eq_any(&ids))
        .filter(product_variants::is_active.eq(true))
        .order((product_variants::position, product_variants::id))
        .select(Variant::as_select())
        .load::<Variant>(conn)?
    {
        variants
            .entry(variant.product_id)
            .or_default()
            .push(variant);
    }
    let images: HashMap<i64, String> = product_images::table
        .filter(product_images::product_id.eq_any(&ids))
        .filter(product_images::position.eq(0))
        .select(ProductImage::as_select())
        .load::<ProductImage>(conn)?
        .iter()
        .map(|image| (image.product_id, Picture::of(image, Size::Large, 1600).src))
        .collect();
    let mut seller_ids: Vec<i64> = rows.iter().map(|(.., seller_id)| *seller_id).collect();
    seller_ids.sort_unstable();
    seller_ids.dedup();
    let brands: HashMap<i64, String> = sellers::table
        .filter(sellers::id.eq_any(&seller_ids))
        .select((sellers::id, sellers::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    for (product_id, name, slug, description, seller_id) in rows {
        let of_product = variants.remove(&product_id).unwrap_or_default();
        let several = of_product.len() > 1;
        let image = images.get(&product_id).cloned();
        let brand = brands.get(&seller_id).cloned().unwrap_or_default();
        for variant in of_product {
            let variant = VariantView::from_row(variant);
            items.push(FeedItem {
                product_id,
                title: if several {
                    format!("{name} ({})", variant.label)
                } else {
                    name.clone()
                },
                description: description.clone(),
                link: format!("/p/{slug}"),
                image: image.clone(),
                brand: brand.clone(),
                item_group_id: several.then_some(product_id),
                variant,
            });
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_is_in_the_chunk_whose_range_holds_its_id() {
        for id in [1, 999, 1_000, 1_001, 2_000, 2_001, 499_999, 500_000] {
            let (first, last) = id_range(chunk_of(id));
            assert!((first..=last).contains(&id), "{id} in {first}..={last}");
        }
        assert_eq!(id_range(0), (1, 1_000));
        assert_eq!(chunk_of(1_001), 1);
    }
}
