//! Applying one batch of planned rows, inside the batch's transaction, through the listing
//! services each change already has: `products::create` for a new product, `change_price` (its
//! price history row), `adjust_stock` (its ledger row, as an `adjustment` to the counted
//! figure) and `update_details`. Those open their own `db::write_tx`, which inside the batch's
//! transaction is a savepoint.

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;

use super::format::Row;
use super::plan::{Step, Target};
use super::variant_writes::{VariantFields, add_variant, relabel_variant};
use crate::db::DbConn;
use crate::db::schema::{self, product_variants};
use crate::edits::Version;
use crate::error::{Error, Result};
use crate::sellers::products::{
    self, DetailsInput, NewProduct, NewProductInput, StockChange, StockInput, ValidDetails,
};

/// Applies the steps in order; returns how many changes were written. Every product touched is
/// told to search once, at the end.
pub fn apply_steps(
    conn: &mut DbConn,
    user_id: i64,
    import_id: i64,
    rows: &[Row],
    steps: &[Step],
) -> Result<usize> {
    let mut made: HashMap<usize, i64> = HashMap::new();
    let mut touched = BTreeSet::new();
    let mut changes = 0;
    for step in steps {
        let row = &rows[step.index];
        let product_id = match step.target {
            Target::Existing {
                variant_id,
                product_id,
            } => {
                update_existing(conn, user_id, import_id, row, step, variant_id, product_id)?;
                product_id
            }
            Target::NewProduct => {
                let product_id = create_product(conn, user_id, row, step.category_id)?;
                made.insert(step.index, product_id);
                product_id
            }
            Target::NewVariant { product_id } => {
                add(conn, user_id, product_id, row)?;
                if step.details {
                    update_details(conn, user_id, product_id, row)?;
                }
                product_id
            }
            Target::JoinNew { first } => {
                let product_id = *made.get(&first).ok_or_else(|| {
                    Error::Internal("a new product's first row was not applied".into())
                })?;
                add(conn, user_id, product_id, row)?;
                product_id
            }
        };
        changes += step.changes();
        touched.insert(product_id);
    }
    for product_id in touched {
        crate::search::enqueue(conn, product_id)?;
    }
    Ok(changes)
}

fn update_existing(
    conn: &mut DbConn,
    user_id: i64,
    import_id: i64,
    row: &Row,
    step: &Step,
    variant_id: i64,
    product_id: i64,
) -> Result<()> {
    if step.details {
        update_details(conn, user_id, product_id, row)?;
    }
    if step.labels {
        relabel_variant(conn, variant_id, &row.variant_name, &row.options)?;
    }
    if step.price.is_some() {
        let opened_at = saved_variant_version(conn, variant_id)?;
        products::change_price(conn, user_id, product_id, variant_id, opened_at, row.price)?;
    }
    if let Some(delta) = step.stock {
        // Setting an absolute count is a stock count: an adjustment, noted with the import.
        let change = StockChange::parse(&StockInput {
            change: delta.to_string(),
            reason: "adjustment".into(),
            note: format!("CSV import {import_id}: counted {}", row.stock),
        })
        .map_err(|_| Error::Internal("a planned stock change did not parse".into()))?;
        products::adjust_stock(conn, user_id, product_id, variant_id, &change)?.map_err(|e| {
            Error::Conflict(format!(
                "Row {}: {}",
                row.number,
                e.get("change").unwrap_or("the stock could not be set")
            ))
        })?;
    }
    Ok(())
}

fn update_details(conn: &mut DbConn, user_id: i64, product_id: i64, row: &Row) -> Result<()> {
    let details = ValidDetails::parse(&DetailsInput {
        name: row.name.clone(),
        description: row.description.clone(),
        status: row.status.as_str().to_owned(),
        version: String::new(),
    })
    .map_err(|_| Error::Internal("checked details did not parse".into()))?;
    let opened_at = Version(
        schema::products::table
            .find(product_id)
            .select(schema::products::version)
            .first(conn)?,
    );
    products::update_details(conn, user_id, product_id, opened_at, &details)
}

/// An import is not a form opened earlier: it edits what is saved when it runs, and still
/// counts as an edit, so a form left open meanwhile is refused when it is saved (`edits`).
fn saved_variant_version(conn: &mut DbConn, variant_id: i64) -> Result<Version> {
    Ok(Version(
        product_variants::table
            .find(variant_id)
            .select(product_variants::version)
            .first(conn)?,
    ))
}

fn create_product(conn: &mut DbConn, user_id: i64, row: &Row, category_id: i64) -> Result<i64> {
    let new = NewProduct::parse(&NewProductInput {
        name: row.name.clone(),
        description: row.description.clone(),
        category_id: category_id.to_string(),
        sku: row.sku.clone(),
        price: row.price.plain(),
        stock: row.stock.to_string(),
        status: row.status.as_str().to_owned(),
    })
    .map_err(|_| Error::Internal("a checked row did not parse as a new product".into()))?;
    let product_id = products::create(conn, user_id, &new)?.map_err(|e| {
        Error::Conflict(format!(
            "Row {}: {}",
            row.number,
            e.get("sku")
                .or(e.get("category_id"))
                .unwrap_or("the product could not be created")
        ))
    })?;
    if !row.variant_name.is_empty() || !row.options.is_empty() {
        let variant_id: i64 = product_variants::table
            .filter(product_variants::sku.eq(&row.sku))
            .select(product_variants::id)
            .first(conn)?;
        relabel_variant(conn, variant_id, &row.variant_name, &row.options)?;
    }
    Ok(product_id)
}

fn add(conn: &mut DbConn, user_id: i64, product_id: i64, row: &Row) -> Result<i64> {
    add_variant(
        conn,
        user_id,
        product_id,
        &VariantFields {
            sku: &row.sku,
            name: &row.variant_name,
            options: &row.options,
            price: row.price,
            stock: row.stock,
        },
    )
}
