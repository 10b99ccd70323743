//! The demo shop's past orders, in every settled status: stock leaves (and for a cancelled
//! order comes back) through the inventory ledger, and lines are priced by the shop's quote.

use diesel::prelude::*;
use rand::Rng;

use super::data::PAST_ORDER_STATUSES;
use super::{Generator, SeededVariant};
use crate::db::DbConn;
use crate::db::schema::{
    order_items, order_status_history, orders, payments, product_variants, refunds,
    shipping_methods,
};
use crate::error::{Error, Result};
use crate::inventory::{self, Move, MovementReason, Why};
use crate::money::Money;
use crate::pricing::{self, LineInput, Quote, Shipping};
use crate::util::random_hex;

impl Generator {
    /// Past orders in every settled status, each through the ledger; returns how many were made
    /// and who bought which product.
    pub(super) fn orders(
        &mut self,
        conn: &mut DbConn,
        customers: &[(i64, i64, &str, &str)],
        variants: &[SeededVariant],
    ) -> Result<(usize, Vec<(i64, i64)>)> {
        let standard: (i64, String, i64, Option<i64>) = shipping_methods::table
            .filter(shipping_methods::code.eq("standard"))
            .select((
                shipping_methods::id,
                shipping_methods::name,
                shipping_methods::price,
                shipping_methods::free_over,
            ))
            .first(conn)?;
        let shipping_rule = Shipping {
            price: Money::from_minor(standard.2),
            free_over: standard.3.map(Money::from_minor),
        };
        let mut purchases = Vec::new();
        let mut count = 0;
        for (customer_index, &(user_id, address_id, country, region)) in
            customers.iter().enumerate()
        {
            // Repeat customers: a few buy often, most buy once or twice.
            let orders_for = if customer_index % 10 == 0 {
                6
            } else {
                self.rng.random_range(0..3)
            };
            for _ in 0..orders_for {
                let status = *self.pick(PAST_ORDER_STATUSES);
                let placed = self.days_ago(365);
                let items = self.pick_lines(conn, variants)?;
                if items.is_empty() {
                    continue;
                }
                let tax_bps = crate::checkout::tax_rate(conn, country, region)?;
                let quote = price(&items, shipping_rule, tax_bps)?;
                let subtotal = quote.totals.subtotal.minor();
                let shipping = quote.totals.shipping.minor();
                let taxes: Vec<i64> = quote.lines.iter().map(|l| l.tax.minor()).collect();
                let tax_total = quote.totals.tax.minor();
                let number = format!("SW-{}-{:05}", placed.format("%y%m"), count + 1);
                let order_id: i64 = diesel::insert_into(orders::table)
                    .values((
                        orders::number.eq(&number),
                        orders::user_id.eq(user_id),
                        orders::status.eq(status),
                        orders::subtotal.eq(subtotal),
                        orders::shipping_total.eq(shipping),
                        orders::tax_total.eq(tax_total),
                        orders::grand_total.eq(subtotal + shipping + tax_total),
                        orders::shipping_method_id.eq(standard.0),
                        orders::shipping_method_name.eq(&standard.1),
                        orders::shipping_address_id.eq(address_id),
                        orders::ship_name.eq("Demo Shopper"),
                        orders::ship_line1.eq("1 Demo Street"),
                        orders::ship_city.eq("Demo City"),
                        orders::ship_region.eq(region),
                        orders::ship_postal_code.eq("00000"),
                        orders::ship_country.eq(country),
                        orders::idempotency_key.eq(random_hex(16)),
                        orders::tracking_number.eq(matches!(status, "shipped" | "delivered")
                            .then(|| format!("1Z{}", random_hex(8).to_uppercase()))),
                        orders::created_at.eq(placed),
                        orders::updated_at.eq(placed),
                    ))
                    .returning(orders::id)
                    .get_result(conn)?;
                for ((variant, quantity), tax) in items.iter().zip(&taxes) {
                    let line_subtotal = variant.price * i64::from(*quantity);
                    diesel::insert_into(order_items::table)
                        .values((
                            order_items::order_id.eq(order_id),
                            order_items::variant_id.eq(variant.id),
                            order_items::product_id.eq(variant.product_id),
                            order_items::seller_id.eq(variant.seller_id),
                            order_items::product_name.eq(&variant.product_name),
                            order_items::variant_name.eq(&variant.name),
                            order_items::sku.eq(&variant.sku),
                            order_items::unit_price.eq(variant.price),
                            order_items::quantity.eq(quantity),
                            order_items::line_subtotal.eq(line_subtotal),
                            order_items::tax_rate_bps.eq(tax_bps),
                            order_items::tax.eq(tax),
                            order_items::line_total.eq(line_subtotal + tax),
                        ))
                        .execute(conn)?;
                    move_stock(conn, variant.id, -quantity, MovementReason::Sale, order_id)?;
                    if status == "cancelled" {
                        move_stock(
                            conn,
                            variant.id,
                            *quantity,
                            MovementReason::Cancellation,
                            order_id,
                        )?;
                    } else {
                        purchases.push((user_id, variant.product_id));
                    }
                }
                let mut previous: Option<&str> = None;
                for step in status_path(status) {
                    diesel::insert_into(order_status_history::table)
                        .values((
                            order_status_history::order_id.eq(order_id),
                            order_status_history::from_status.eq(previous),
                            order_status_history::to_status.eq(step),
                            order_status_history::created_at.eq(placed),
                        ))
                        .execute(conn)?;
                    previous = Some(step);
                }
                let grand_total = subtotal + shipping + tax_total;
                let payment_id: i64 = diesel::insert_into(payments::table)
                    .values((
                        payments::order_id.eq(order_id),
                        payments::gateway.eq("test"),
                        payments::idempotency_key.eq(format!("pay_{}", random_hex(12))),
                        payments::gateway_reference.eq(format!("ch_{}", random_hex(10))),
                        payments::status.eq(if status == "cancelled" {
                            "voided"
                        } else {
                            "captured"
                        }),
                        payments::amount.eq(grand_total),
                        payments::card_brand.eq("visa"),
                        payments::card_last4.eq("4242"),
                        payments::created_at.eq(placed),
                        payments::updated_at.eq(placed),
                    ))
                    .returning(payments::id)
                    .get_result(conn)?;
                if status == "refunded" {
                    diesel::insert_into(refunds::table)
                        .values((
                            refunds::payment_id.eq(payment_id),
                            refunds::order_id.eq(order_id),
                            refunds::amount.eq(grand_total),
                            refunds::reason.eq("Customer returned the items"),
                            refunds::status.eq("succeeded"),
                        ))
                        .execute(conn)?;
                }
                count += 1;
            }
        }
        Ok((count, purchases))
    }

    /// One to three popular variants, in ascending id order as checkout takes them, one or two
    /// units of each that still has at least two.
    fn pick_lines<'v>(
        &mut self,
        conn: &mut DbConn,
        variants: &'v [SeededVariant],
    ) -> Result<Vec<(&'v SeededVariant, i32)>> {
        let mut lines: Vec<&SeededVariant> = (0..self.rng.random_range(1..=3))
            .map(|_| {
                &variants
                    [(self.rng.random_range(0.0f64..1.0).powi(2) * variants.len() as f64) as usize]
            })
            .collect();
        lines.sort_by_key(|v| v.id);
        lines.dedup_by_key(|v| v.id);
        let mut items = Vec::new();
        for variant in lines {
            let stock: i32 = product_variants::table
                .find(variant.id)
                .select(product_variants::stock)
                .first(conn)?;
            if stock < 2 {
                continue;
            }
            let quantity = self.rng.random_range(1..=2);
            items.push((variant, quantity));
        }
        Ok(items)
    }
}

/// A past order's lines priced as checkout prices them, without a voucher.
fn price(items: &[(&SeededVariant, i32)], shipping: Shipping, tax_bps: i32) -> Result<Quote> {
    let lines: Vec<LineInput> = items
        .iter()
        .map(|(variant, quantity)| LineInput {
            unit_price: Money::from_minor(variant.price),
            quantity: *quantity,
            discountable: false,
        })
        .collect();
    pricing::quote(&lines, pricing::Discount::None, shipping, tax_bps)
        .ok_or_else(|| Error::Internal("a seeded order does not fit in 64 bits".into()))
}

/// One past order's line moving stock, through the shop's own rule.
fn move_stock(
    conn: &mut DbConn,
    variant_id: i64,
    delta: i32,
    reason: MovementReason,
    order_id: i64,
) -> Result<()> {
    let why = Why {
        order_id: Some(order_id),
        ..Why::of(reason)
    };
    inventory::move_stock(conn, &[Move { variant_id, delta }], why)?
        .map_err(|refused| Error::Internal(format!("seeded order's stock: {refused:?}")))?;
    Ok(())
}

fn status_path(status: &str) -> &'static [&'static str] {
    match status {
        "delivered" => &[
            "pending_payment",
            "confirmed",
            "processing",
            "shipped",
            "delivered",
        ],
        "shipped" => &["pending_payment", "confirmed", "processing", "shipped"],
        "processing" => &["pending_payment", "confirmed", "processing"],
        "cancelled" => &["pending_payment", "confirmed", "cancelled"],
        "refunded" => &[
            "pending_payment",
            "confirmed",
            "processing",
            "shipped",
            "delivered",
            "refunded",
        ],
        _ => &["pending_payment", "confirmed"],
    }
}
