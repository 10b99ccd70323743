//! What the index holds for a product, read from the database in batches.

use std::collections::HashMap;

use diesel::prelude::*;
use tantivy::TantivyDocument;

use super::index::Fields;
use crate::db::DbConn;
use crate::db::models::Product;
use crate::db::schema::{categories, product_categories, product_variants, products, sellers};
use crate::error::Result;

/// The search documents of those of `ids` that shoppers may see; the others are simply absent.
pub fn load(
    conn: &mut DbConn,
    fields: &Fields,
    ids: &[i64],
) -> Result<Vec<(i64, TantivyDocument)>> {
    let rows: Vec<Product> = products::table
        .filter(products::id.eq_any(ids))
        .filter(products::status.eq(crate::db::types::ProductStatus::Active))
        .filter(products::deleted_at.is_null())
        .select(Product::as_select())
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let seller_ids: Vec<i64> = rows.iter().map(|p| p.seller_id).collect();
    let seller_names: HashMap<i64, String> = sellers::table
        .filter(sellers::id.eq_any(&seller_ids))
        .select((sellers::id, sellers::display_name))
        .load(conn)?
        .into_iter()
        .collect();
    let product_ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let filed: Vec<(i64, i64)> = product_categories::table
        .filter(product_categories::product_id.eq_any(&product_ids))
        .select((
            product_categories::product_id,
            product_categories::category_id,
        ))
        .load(conn)?;
    let mut skus: HashMap<i64, Vec<String>> = HashMap::new();
    for (product_id, sku) in product_variants::table
        .filter(product_variants::product_id.eq_any(&product_ids))
        .filter(product_variants::is_active.eq(true))
        .select((product_variants::product_id, product_variants::sku))
        .load::<(i64, String)>(conn)?
    {
        skus.entry(product_id).or_default().push(sku);
    }
    let tree = CategoryTree::load(conn)?;
    Ok(rows
        .into_iter()
        .map(|product| {
            let mut category_ids: Vec<i64> = filed
                .iter()
                .filter(|(pid, _)| *pid == product.id)
                .flat_map(|(_, cid)| tree.with_ancestors(*cid))
                .collect();
            category_ids.push(product.primary_category_id);
            category_ids.extend(tree.with_ancestors(product.primary_category_id));
            category_ids.sort_unstable();
            category_ids.dedup();
            let seller = seller_names
                .get(&product.seller_id)
                .cloned()
                .unwrap_or_default();
            let skus = skus.get(&product.id).map_or(&[][..], Vec::as_slice);
            let about = About {
                seller: &seller,
                skus,
                category_ids: &category_ids,
            };
            (product.id, document(fields, &product, &about, &tree))
        })
        .collect())
}

/// What the index holds of a product beyond its own row.
struct About<'a> {
    seller: &'a str,
    skus: &'a [String],
    category_ids: &'a [i64],
}

fn document(
    fields: &Fields,
    product: &Product,
    about: &About,
    tree: &CategoryTree,
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.product_id, product.id as u64);
    doc.add_text(fields.name, &product.name);
    doc.add_text(fields.slug, &product.slug);
    doc.add_text(fields.name_words, &product.name);
    doc.add_text(fields.description, &product.description);
    doc.add_text(fields.seller, about.seller);
    for sku in about.skus {
        doc.add_text(fields.skus, sku);
    }
    for id in about.category_ids {
        doc.add_u64(fields.category_ids, *id as u64);
        if let Some(name) = tree.names.get(id) {
            doc.add_text(fields.categories, name);
        }
    }
    doc.add_u64(fields.seller_id, product.seller_id as u64);
    doc.add_u64(fields.price, product.price_min.max(0) as u64);
    doc.add_u64(fields.rating, product.rating_avg.max(0) as u64);
    doc.add_u64(fields.in_stock, u64::from(product.in_stock));
    doc.add_u64(fields.featured, u64::from(product.is_featured));
    doc.add_i64(
        fields.created,
        product.created_at.and_utc().timestamp_micros(),
    );
    doc
}

/// The whole category tree in memory: a few hundred rows at most, read once per batch.
struct CategoryTree {
    names: HashMap<i64, String>,
    paths: HashMap<i64, String>,
}

impl CategoryTree {
    fn load(conn: &mut DbConn) -> Result<CategoryTree> {
        let rows: Vec<(i64, String, String)> = categories::table
            .select((categories::id, categories::name, categories::path))
            .load(conn)?;
        let mut tree = CategoryTree {
            names: HashMap::new(),
            paths: HashMap::new(),
        };
        for (id, name, path) in rows {
            tree.names.insert(id, name);
            tree.paths.insert(id, path);
        }
        Ok(tree)
    }

    /// The category and its ancestors, from its materialised path.
    fn with_ancestors(&self, id: i64) -> Vec<i64> {
        match self.paths.get(&id) {
            Some(path) => path.split('/').filter_map(|s| s.parse().ok()).collect(),
            None => vec![id],
        }
    }
}
