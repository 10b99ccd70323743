//! The two variant writes the import needs that the listing pages did not have when it was
//! written: adding a variant to a product, and changing a variant's name and options. They are
//! kept here, small, so they can give way to the shared variant functions of the seller panel.
//! Both run inside the caller's transaction, on a product the caller has checked is the
//! seller's.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::format::options_json;
use crate::db::models::NewVariant;
use crate::db::schema::{price_history, product_variants, products};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::inventory::{self, Move, MovementReason, Why};
use crate::money::Money;
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
    let last: Option<i32> = product_variants::table
        .filter(product_variants::product_id.eq(product_id))
        .select(diesel::dsl::max(product_variants::position))
        .first(conn)?;
    let options = options_json(fields.options);
    let inserted = diesel::insert_into(product_variants::table)
        .values(&NewVariant {
            product_id,
            sku: fields.sku,
            name: Some(fields.name),
            options: Some(&options),
            price: fields.price.minor(),
            reorder_point: None,
            position: Some(last.map_or(0, |p| p + 1)),
        })
        .returning(product_variants::id)
        .get_result::<i64>(conn);
    let variant_id = match inserted {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(Error::Conflict(format!(
                "The SKU {} was just taken by another listing.",
                fields.sku
            )));
        }
        Err(e) => return Err(e.into()),
    };
    diesel::insert_into(price_history::table)
        .values((
            price_history::variant_id.eq(variant_id),
            price_history::new_price.eq(fields.price.minor()),
            price_history::changed_by.eq(user_id),
        ))
        .execute(conn)?;
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
    if fields.stock > 0 {
        let why = Why {
            actor_id: Some(user_id),
            ..Why::of(MovementReason::Initial)
        };
        let moves = [Move {
            variant_id,
            delta: fields.stock,
        }];
        inventory::move_stock(conn, &moves, why)?
            .map_err(|refused| Error::Internal(format!("opening stock refused: {refused:?}")))?;
    }
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
        ))
        .execute(conn)?;
    Ok(())
}
