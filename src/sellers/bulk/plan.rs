//! What a file would change, row by row, against what the shop holds now: the preview counts it,
//! and each batch of the apply step plans its own rows again inside its transaction, so a batch
//! run twice finds nothing left to do (a row is matched by its SKU, and only differences are
//! written).

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::format::{Row, RowError, options_from_json};
use crate::catalog::ProductStatus;
use crate::db::DbConn;
use crate::db::schema::{categories, product_variants, products};
use crate::error::Result;

/// How many keys one `IN (...)` query carries.
const CHUNK: usize = 500;

/// A variant as the shop holds it, found by its SKU.
#[derive(Debug, Clone)]
pub struct Current {
    pub variant_id: i64,
    pub product_id: i64,
    pub seller_id: i64,
    pub deleted: bool,
    pub name: String,
    pub options: String,
    pub price: i64,
    pub stock: i32,
}

/// One of the seller's live products.
#[derive(Debug, Clone)]
pub struct OwnProduct {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub status: ProductStatus,
    pub category_id: i64,
}

/// What the rows being planned refer to.
#[derive(Default)]
pub struct Snapshot {
    pub categories: HashMap<String, i64>,
    pub variants: HashMap<String, Current>,
    pub products_by_id: HashMap<i64, OwnProduct>,
    pub products_by_slug: HashMap<String, i64>,
}

impl Snapshot {
    /// Reads the categories, the variants with these SKUs, and the seller's products that those
    /// variants belong to or that the slugs name.
    pub fn load(
        conn: &mut DbConn,
        seller_id: i64,
        skus: &[&str],
        slugs: &[&str],
    ) -> Result<Snapshot> {
        let mut snap = Snapshot {
            categories: categories::table
                .select((categories::slug, categories::id))
                .load::<(String, i64)>(conn)?
                .into_iter()
                .collect(),
            ..Snapshot::default()
        };
        for chunk in skus.chunks(CHUNK) {
            let rows: Vec<VariantRow> = product_variants::table
                .inner_join(products::table)
                .filter(product_variants::sku.eq_any(chunk.to_vec()))
                .select((
                    product_variants::sku,
                    product_variants::id,
                    product_variants::product_id,
                    products::seller_id,
                    products::deleted_at.is_not_null(),
                    product_variants::name,
                    product_variants::options,
                    product_variants::price,
                    product_variants::stock,
                ))
                .load(conn)?;
            for (sku, variant_id, product_id, owner, deleted, name, options, price, stock) in rows {
                let current = Current {
                    variant_id,
                    product_id,
                    seller_id: owner,
                    deleted,
                    name,
                    options,
                    price,
                    stock,
                };
                snap.variants.insert(sku, current);
            }
        }
        let ids: Vec<i64> = snap
            .variants
            .values()
            .filter(|v| v.seller_id == seller_id && !v.deleted)
            .map(|v| v.product_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let base = || {
            products::table
                .filter(products::seller_id.eq(seller_id))
                .filter(products::deleted_at.is_null())
                .select((
                    products::id,
                    products::slug,
                    products::name,
                    products::description,
                    products::status,
                    products::primary_category_id,
                ))
        };
        let mut found: Vec<(i64, String, String, String, ProductStatus, i64)> = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            found.extend(base().filter(products::id.eq_any(chunk.to_vec())).load::<(
                i64,
                String,
                String,
                String,
                ProductStatus,
                i64,
            )>(conn)?);
        }
        for chunk in slugs.chunks(CHUNK) {
            found.extend(
                base()
                    .filter(products::slug.eq_any(chunk.to_vec()))
                    .load::<(i64, String, String, String, ProductStatus, i64)>(conn)?,
            );
        }
        for (id, slug, name, description, status, category_id) in found {
            snap.products_by_slug.insert(slug.clone(), id);
            snap.products_by_id.insert(
                id,
                OwnProduct {
                    id,
                    slug,
                    name,
                    description,
                    status,
                    category_id,
                },
            );
        }
        Ok(snap)
    }
}

/// Where a row's variant goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The SKU exists: this variant of this product.
    Existing { variant_id: i64, product_id: i64 },
    /// A new variant of an existing product.
    NewVariant { product_id: i64 },
    /// A new product, created with this row as its first variant.
    NewProduct,
    /// A new variant of the product that the row with this index creates.
    JoinNew { first: usize },
}

/// One row's plan: where it goes and what differs.
#[derive(Debug, Clone)]
pub struct Step {
    pub index: usize,
    pub target: Target,
    pub category_id: i64,
    pub details: bool,
    pub labels: bool,
    /// (old, new) in minor units.
    pub price: Option<(i64, i64)>,
    /// Units to add (negative: remove) to reach the row's count.
    pub stock: Option<i32>,
}

impl Step {
    /// How many separate changes applying this step writes.
    pub fn changes(&self) -> usize {
        match self.target {
            Target::Existing { .. } => {
                usize::from(self.details)
                    + usize::from(self.labels)
                    + usize::from(self.price.is_some())
                    + usize::from(self.stock.is_some())
            }
            Target::NewVariant { .. } | Target::JoinNew { .. } => 1 + usize::from(self.details),
            Target::NewProduct => 1,
        }
    }
}

/// Plans `indices` of `rows` in order. `groups` maps a new product's name (rows without a
/// product_slug) to the SKUs of all its rows in the file, so a product made by an earlier batch
/// is found again through any of them.
pub fn plan(
    rows: &[Row],
    indices: std::ops::Range<usize>,
    snap: &Snapshot,
    seller_id: i64,
    groups: &HashMap<String, Vec<String>>,
) -> Vec<std::result::Result<Step, RowError>> {
    let mut first_new: HashMap<&str, usize> = HashMap::new();
    indices
        .map(|index| {
            let row = &rows[index];
            plan_row(row, index, snap, seller_id, groups, &mut first_new).map_err(|message| {
                RowError {
                    row: row.number,
                    message,
                }
            })
        })
        .collect()
}

fn plan_row<'r>(
    row: &'r Row,
    index: usize,
    snap: &Snapshot,
    seller_id: i64,
    groups: &HashMap<String, Vec<String>>,
    first_new: &mut HashMap<&'r str, usize>,
) -> std::result::Result<Step, String> {
    let Some(&category_id) = snap.categories.get(&row.category) else {
        return Err(format!(
            "There is no category with the slug {:?}.",
            row.category
        ));
    };
    let mut step = Step {
        index,
        target: Target::NewProduct,
        category_id,
        details: false,
        labels: false,
        price: None,
        stock: None,
    };
    if let Some(current) = snap.variants.get(&row.sku) {
        if current.seller_id != seller_id {
            return Err(format!("The SKU {} belongs to another seller.", row.sku));
        }
        let product = snap
            .products_by_id
            .get(&current.product_id)
            .filter(|_| !current.deleted)
            .ok_or_else(|| format!("The SKU {} belongs to a deleted product.", row.sku))?;
        if !row.slug.is_empty() && row.slug != product.slug {
            return Err(format!(
                "The SKU {} belongs to the product {}, not {}.",
                row.sku, product.slug, row.slug
            ));
        }
        step.target = Target::Existing {
            variant_id: current.variant_id,
            product_id: product.id,
        };
        step.details = compare_product(row, product, category_id)?;
        step.labels =
            row.variant_name != current.name || row.options != options_from_json(&current.options);
        step.price =
            (row.price.minor() != current.price).then_some((current.price, row.price.minor()));
        step.stock = (row.stock != current.stock).then_some(row.stock - current.stock);
        return Ok(step);
    }
    if !row.slug.is_empty() {
        let product = snap
            .products_by_slug
            .get(&row.slug)
            .and_then(|id| snap.products_by_id.get(id))
            .ok_or_else(|| {
                format!(
                    "None of your products has the address {:?}; leave product_slug empty to create a new product.",
                    row.slug
                )
            })?;
        step.details = compare_product(row, product, category_id)?;
        step.target = Target::NewVariant {
            product_id: product.id,
        };
        return Ok(step);
    }
    let made_earlier = groups
        .get(&row.name)
        .into_iter()
        .flatten()
        .filter_map(|sku| snap.variants.get(sku))
        .find(|v| v.seller_id == seller_id && !v.deleted)
        .and_then(|v| snap.products_by_id.get(&v.product_id));
    if let Some(product) = made_earlier {
        step.details = compare_product(row, product, category_id)?;
        step.target = Target::NewVariant {
            product_id: product.id,
        };
    } else if let Some(&first) = first_new.get(row.name.as_str()) {
        step.target = Target::JoinNew { first };
    } else {
        first_new.insert(&row.name, index);
    }
    Ok(step)
}

/// Whether the row changes the product's name, description or status. Moving a product to
/// another category is not something an import does (no other page does it either).
fn compare_product(
    row: &Row,
    product: &OwnProduct,
    category_id: i64,
) -> std::result::Result<bool, String> {
    if product.category_id != category_id {
        return Err(format!(
            "The product {} is filed under another category; an import cannot move it.",
            product.slug
        ));
    }
    Ok(row.name != product.name
        || row.description != product.description
        || row.status != product.status)
}

/// Rows that repeat a SKU, and rows of one product whose product columns disagree with the
/// product's first row: every row of a product carries the same name, category, description
/// and status, so the order of rows never decides what a product becomes.
pub fn file_errors(rows: &[Row]) -> Vec<RowError> {
    let mut errors = Vec::new();
    let mut skus: HashMap<&str, usize> = HashMap::new();
    let mut products: HashMap<String, &Row> = HashMap::new();
    for row in rows {
        if let Some(first) = skus.insert(&row.sku, row.number) {
            errors.push(RowError {
                row: row.number,
                message: format!(
                    "The SKU {} is also on row {first}; each SKU once per file.",
                    row.sku
                ),
            });
            skus.insert(&row.sku, first);
        }
        let first = products.entry(row.product_key()).or_insert(row);
        let same = (
            &first.name,
            &first.category,
            &first.description,
            first.status,
        ) == (&row.name, &row.category, &row.description, row.status);
        if !same {
            errors.push(RowError {
                row: row.number,
                message: format!(
                    "The product's name, category, description or status differ from row {}; every row of a product carries the same.",
                    first.number
                ),
            });
        }
    }
    errors
}

/// The SKUs of each new product's rows (rows without a product_slug), by product name.
pub fn groups(rows: &[Row]) -> HashMap<String, Vec<String>> {
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    for row in rows.iter().filter(|r| r.slug.is_empty()) {
        groups
            .entry(row.name.clone())
            .or_default()
            .push(row.sku.clone());
    }
    groups
}

/// (sku, variant, product, seller, product deleted, name, options, price, stock) as read.
type VariantRow = (String, i64, i64, i64, bool, String, String, i64, i32);
