//! The bulk order history: orders over three years and their lines.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;

use super::Volumes;
use super::loader::{Loader, first_id_of, first_user, skewed, timestamp};
use crate::accounts::Role;
use crate::db::DbConn;
use crate::error::Result;
use crate::money::Money;
use crate::orders::months;
use crate::seed::data::PAST_ORDER_STATUSES;

/// The one tax rate of the bulk shop's single destination, in basis points.
const TAX_BPS: i32 = 725;

/// An order line waiting to be written, by ids.
struct Line {
    id: i64,
    order: i64,
    variant: i64,
    product: usize,
    price: i64,
    quantity: i32,
}

/// Orders spread over three years with 1–4 lines each (2.5 on average), mostly delivered.
pub(super) fn orders(
    conn: &mut DbConn,
    rng: &mut StdRng,
    volumes: &Volumes,
    variant_counts: &[u8],
    today: NaiveDateTime,
) -> Result<()> {
    let first_customer = first_user(conn, Role::Customer)?;
    let first_address = first_id_of(conn, "addresses", "1 = 1")?;
    // Variant ids are dense and in product order, so a product's first variant id is a prefix sum.
    let mut first_variant = Vec::with_capacity(variant_counts.len());
    let mut next = 1i64;
    for count in variant_counts {
        first_variant.push(next);
        next += i64::from(*count);
    }
    let mut orders = Loader::new(
        conn,
        "orders",
        "id, number, user_id, status, subtotal, shipping_total, tax_total, grand_total, shipping_method_name, shipping_address_id, ship_name, ship_line1, ship_city, ship_region, ship_postal_code, ship_country, idempotency_key, created_at, updated_at",
        volumes.orders,
    );
    // Where ids carry their month (PostgreSQL, src/orders/months.rs), every month of the three
    // years gets its partitions first, a year at a time.
    let by_month = crate::orders::months::by_month(orders.conn);
    if by_month {
        for years_back in (1..=3).rev() {
            let first = today - Duration::days(365 * years_back + 1);
            months::make(orders.conn, first, first + Duration::days(366))?;
        }
    }
    let month_of = |placed: NaiveDateTime| {
        if by_month {
            months::first_id_of_month(placed)
        } else {
            0
        }
    };
    let mut lines: Vec<Line> = Vec::new();
    let mut line_number = 0;
    for n in 1..=volumes.orders as i64 {
        let customer = skewed(rng, volumes.customers, 2) as i64;
        let placed = today - Duration::minutes(rng.random_range(60..3 * 365 * 24 * 60));
        let id = month_of(placed) + n;
        let line_count = match rng.random_range(0..10) {
            0..=2 => 1,
            3..=5 => 2,
            6..=7 => 3,
            _ => 4,
        };
        let (mut subtotal, mut tax) = (0, 0);
        let mut chosen: Vec<usize> = (0..line_count)
            .map(|_| skewed(rng, volumes.products, 3))
            .collect();
        chosen.sort_unstable();
        chosen.dedup();
        for product in chosen {
            let quantity = rng.random_range(1..=2);
            let price = 499 + (product as i64 % 300) * 100;
            subtotal += price * i64::from(quantity);
            // Tax is rounded per line, as checkout does, so the order's tax is its lines' sum.
            tax += line_tax(price * i64::from(quantity));
            line_number += 1;
            lines.push(Line {
                id: month_of(placed) + line_number,
                order: id,
                variant: first_variant[product],
                product: product + 1,
                price,
                quantity,
            });
        }
        let shipping = if subtotal >= 5000 { 0 } else { 499 };
        orders.row(format_args!(
            "{id}, 'SW-B{n:09}', {}, '{}', {subtotal}, {shipping}, {tax}, {}, 'Standard', {}, 'Bulk Shopper', '1 Main Street', 'Springfield', 'CA', '90210', 'US', 'bulk-{n}', {}, {}",
            first_customer + customer,
            PAST_ORDER_STATUSES[rng.random_range(0..PAST_ORDER_STATUSES.len())].as_str(),
            subtotal + shipping + tax,
            first_address + customer,
            timestamp(placed),
            timestamp(placed),
        ))?;
        if lines.len() >= 100_000 || n as usize == volumes.orders {
            // Lines are written between orders batches so memory stays bounded.
            orders.end_statement()?;
            orders.commit()?;
            write_lines(&mut *orders.conn, &mut lines, volumes)?;
        }
    }
    orders.finish()?;
    eprintln!();
    Ok(())
}

fn line_tax(subtotal: i64) -> i64 {
    Money::from_minor(subtotal).apply_bps(TAX_BPS).minor()
}

fn write_lines(conn: &mut DbConn, lines: &mut Vec<Line>, volumes: &Volumes) -> Result<()> {
    let mut items = Loader::new(
        conn,
        "order_items",
        "id, order_id, variant_id, product_id, seller_id, product_name, sku, unit_price, quantity, line_subtotal, tax_rate_bps, tax, line_total",
        lines.len(),
    );
    for Line {
        id,
        order,
        variant,
        product,
        price,
        quantity,
    } in lines.drain(..)
    {
        let subtotal = price * i64::from(quantity);
        let tax = line_tax(subtotal);
        items.row(format_args!(
            "{id}, {order}, {variant}, {product}, {}, 'Product {product}', 'BK-{variant:08}', {price}, {quantity}, {subtotal}, {TAX_BPS}, {tax}, {}",
            1 + product % volumes.sellers,
            subtotal + tax
        ))?;
    }
    items.end_statement()?;
    items.commit()?;
    Ok(())
}
