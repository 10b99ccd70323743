//! The import's two variant writes: adding a variant (through the one variant insert,
//! `sellers::products::variants::insert_variant`) and changing a variant's name and options.
//! Both run inside the caller's batch transaction, on a product the caller has checked is the
//! seller's; the form-level checks of `variants::add_in` are the import plan's here.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::format::options_json;
use crate::db::DbConn;
use crate::db::schema::{product_variants, products};
use crate::error::Result;
use crate::money::Money;
use crate::sellers::products::variants::{Opening, insert_variant};
use crate::util::now;

/// What a new variant is made of.
pub struct VariantFields<'a> {
    pub sku: &'a str,
    pub name: &'a str,
    pub options: &'a BTreeMap<String, String>,
    pub price: Money,
    pub stock: i32,
}

/// Adds a variant at the end of the product's list, with its first price in the history and its
/// opening stock in the ledger, and widens the product's price range to take it in.
pub fn add_variant(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    fields: &VariantFields,
) -> Result<i64> {
    let options = options_json(fields.options);
    let variant_id = insert_variant(
        conn,
        user_id,
        product_id,
        &Opening {
            sku: fields.sku,
            name: Some(fields.name),
            options: Some(&options),
            price: fields.price,
            stock: fields.stock,
        },
    )?;
    let (low, high): (i64, i64) = products::table
        .find(product_id)
        .select((products::price_min, products::price_max))
        .first(conn)?;
    let price = fields.price.minor();
    diesel::update(products::table.find(product_id))
        .set((
            products::price_min.eq(low.min(price)),
            products::price_max.eq(high.max(price)),
            products::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(variant_id)
}

/// Sets a variant's name and options.
pub fn relabel_variant(
    conn: &mut DbConn,
    variant_id: i64,
    name: &str,
    options: &BTreeMap<String, String>,
) -> Result<()> {
    diesel::update(product_variants::table.find(variant_id))
        .set((
            product_variants::name.eq(name),
            product_variants::options.eq(options_json(options)),
            product_variants::updated_at.eq(now()),
            product_variants::version.eq(product_variants::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}
