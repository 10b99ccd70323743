//! The seller's downloads: their products (the import's own columns, so the file can be edited
//! and imported back) and their order lines. Both are read in keyset pages of `PAGE` rows, so a
//! large shop never holds one long read open, and every cell goes through `format::defuse`
//! against spreadsheet formulas.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::format::{COLUMNS, defuse, options_from_json, options_text};
use crate::db::DbConn;
use crate::db::schema::{categories, order_items, orders, product_variants, products, shipments};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::sellers::profile_of;

const PAGE: i64 = 1000;

/// The order lines file's header row.
pub const ORDER_COLUMNS: [&str; 10] = [
    "order_number",
    "date",
    "order_status",
    "sku",
    "name",
    "quantity",
    "unit_price",
    "line_total",
    "parcel_status",
    "cancelled",
];

type ProductLine = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    i32,
);

/// Every variant of the seller's live products, one row each, in the import's format.
pub fn products_csv(conn: &mut DbConn, user_id: i64) -> Result<Vec<u8>> {
    let seller = profile_of(conn, user_id)?;
    let category_slugs: HashMap<i64, String> = categories::table
        .select((categories::id, categories::slug))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut out = writer(&COLUMNS)?;
    let mut after = 0;
    loop {
        let page: Vec<ProductLine> = product_variants::table
            .inner_join(products::table)
            .filter(products::seller_id.eq(seller.id))
            .filter(products::deleted_at.is_null())
            .filter(product_variants::id.gt(after))
            .order(product_variants::id)
            .limit(PAGE)
            .select((
                product_variants::id,
                products::slug,
                products::name,
                products::primary_category_id,
                products::description,
                products::status,
                product_variants::sku,
                product_variants::name,
                product_variants::options,
                product_variants::price,
                product_variants::stock,
            ))
            .load(conn)?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (_, slug, name, category, description, status, sku, variant, options, price, stock) in
            &page
        {
            let category = category_slugs.get(category).cloned().unwrap_or_default();
            let options = options_text(&options_from_json(options));
            let price = Money::from_minor(*price).plain();
            let stock = stock.to_string();
            write(
                &mut out,
                &[
                    slug,
                    name,
                    &category,
                    description,
                    status,
                    sku,
                    variant,
                    &options,
                    &price,
                    &stock,
                ],
            )?;
        }
    }
    finish(out)
}

type OrderLine = (
    i64,
    String,
    NaiveDateTime,
    String,
    String,
    String,
    String,
    i32,
    i64,
    i64,
    Option<String>,
    Option<NaiveDateTime>,
);

/// The seller's order lines, oldest first, with their parcel's status.
pub fn orders_csv(conn: &mut DbConn, user_id: i64) -> Result<Vec<u8>> {
    let seller = profile_of(conn, user_id)?;
    let mut out = writer(&ORDER_COLUMNS)?;
    let mut after = 0;
    loop {
        let page: Vec<OrderLine> = order_items::table
            .inner_join(orders::table)
            .left_join(
                shipments::table.on(shipments::order_id
                    .eq(order_items::order_id)
                    .and(shipments::seller_id.eq(order_items::seller_id))),
            )
            .filter(order_items::seller_id.eq(seller.id))
            .filter(order_items::id.gt(after))
            .order(order_items::id)
            .limit(PAGE)
            .select((
                order_items::id,
                orders::number,
                orders::created_at,
                orders::status,
                order_items::sku,
                order_items::product_name,
                order_items::variant_name,
                order_items::quantity,
                order_items::unit_price,
                order_items::line_total,
                shipments::status.nullable(),
                order_items::cancelled_at,
            ))
            .load(conn)?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (
            _,
            number,
            date,
            status,
            sku,
            product,
            variant,
            quantity,
            unit,
            total,
            parcel,
            cancelled,
        ) in &page
        {
            let name = if variant.is_empty() {
                product.clone()
            } else {
                format!("{product} ({variant})")
            };
            write(
                &mut out,
                &[
                    number,
                    &date.format("%Y-%m-%d %H:%M").to_string(),
                    status,
                    sku,
                    &name,
                    &quantity.to_string(),
                    &Money::from_minor(*unit).plain(),
                    &Money::from_minor(*total).plain(),
                    parcel.as_deref().unwrap_or(""),
                    if cancelled.is_some() { "yes" } else { "no" },
                ],
            )?;
        }
    }
    finish(out)
}

fn writer(header: &[&str]) -> Result<csv::Writer<Vec<u8>>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header).map_err(csv_error)?;
    Ok(out)
}

fn write(out: &mut csv::Writer<Vec<u8>>, cells: &[&str]) -> Result<()> {
    out.write_record(cells.iter().map(|c| defuse(c)))
        .map_err(csv_error)
}

fn finish(out: csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    out.into_inner()
        .map_err(|e| Error::Internal(format!("CSV not written: {e}")))
}

fn csv_error(error: csv::Error) -> Error {
    Error::Internal(format!("CSV not written: {error}"))
}
