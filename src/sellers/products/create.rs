//! Listing a new product with its first variant.

use diesel::prelude::*;

use super::forms::NewProduct;
use super::variants::{Opening, insert_variant, sku_in_use, sku_taken};
use crate::catalog::addresses::new_product_slug;
use crate::db::models;
use crate::db::schema::{categories, product_categories, products};
use crate::db::{self, DbConn};
use crate::error::Result;
use crate::forms::FieldErrors;
use crate::sellers::{Checked, active_profile_of};

/// Creates the product with its first variant, its opening stock in the ledger and its first
/// price in the history; returns the new product's id, or a message on the field to fix (a SKU
/// already in use, a category that does not exist).
pub fn create(conn: &mut DbConn, user_id: i64, new: &NewProduct) -> Result<Checked<i64>> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        let category_exists: i64 = categories::table
            .find(new.category_id)
            .count()
            .get_result(conn)?;
        if category_exists == 0 {
            return Ok(Err(FieldErrors::single(
                "category_id",
                "Please choose a category.",
            )));
        }
        if sku_taken(conn, &new.sku)? {
            return Ok(Err(sku_in_use(&new.sku)));
        }
        let slug = new_product_slug(conn, &new.name)?;
        let product_id: i64 = diesel::insert_into(products::table)
            .values(&models::NewProduct {
                seller_id: seller.id,
                primary_category_id: new.category_id,
                name: &new.name,
                slug: &slug,
                description: &new.description,
                status: new.status,
                is_featured: None,
                price_min: Some(new.price.minor()),
                price_max: Some(new.price.minor()),
                created_at: None,
                updated_at: None,
            })
            .returning(products::id)
            .get_result(conn)?;
        diesel::insert_into(product_categories::table)
            .values((
                product_categories::product_id.eq(product_id),
                product_categories::category_id.eq(new.category_id),
            ))
            .execute(conn)?;
        insert_variant(
            conn,
            user_id,
            product_id,
            &Opening {
                sku: &new.sku,
                name: None,
                options: None,
                price: new.price,
                stock: new.stock,
            },
        )?;
        if new.stock == 0 {
            // No opening stock movement to tell search about the new product.
            crate::search::enqueue(conn, product_id)?;
        }
        Ok(Ok(product_id))
    })
}
