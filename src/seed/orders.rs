//! The demo shop's past orders, in every settled status, each made by the shop's own rules: lines
//! priced by the shop's quote, stock taken (and for a cancelled order given back) through the
//! inventory ledger, the order placed and moved along its path by `orders::transition`, and money
//! given back recorded by `payments::record_refund`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;

use super::data::PAST_ORDER_STATUSES;
use super::people::Customer;
use super::{Generator, SeededVariant};
use crate::db::DbConn;
use crate::db::models::{NewOrder, NewOrderItem, NewPayment, ShippingMethod};
use crate::db::schema::{
    order_items, order_status_history, orders, payments, product_variants, shipping_methods,
};
use crate::error::{Error, Result};
use crate::inventory::{self, Move, MovementReason, Why};
use crate::money::Money;
use crate::orders::months;
use crate::orders::{self as shop_orders, OrderStatus};
use crate::payments::{PaymentStatus, RefundRequest, record_refund, settle_refund};
use crate::pricing::{self, LineInput, Quote, Shipping};
use crate::util::random_hex;

/// What the past orders left behind for the steps after them.
pub(super) struct PastOrders {
    pub count: usize,
    /// (user id, product id) of every line that was not cancelled: who may review what.
    pub purchases: Vec<(i64, i64)>,
    /// Money that went back, recorded once the orders are committed.
    pub refunds: Vec<Refund>,
}

/// A past order's payment given back in full.
pub(super) struct Refund {
    payment_id: i64,
    order_id: i64,
    /// The gateway's reference of the captured charge.
    charge: String,
    amount: Money,
    reason: &'static str,
    created_by: Option<i64>,
}

impl Refund {
    /// Records the refund as the gateway's success: reserved, then settled, as the shop does.
    /// Both run their own write transactions, so this is called outside the orders' one.
    pub(super) fn record(&self, conn: &mut DbConn) -> Result<()> {
        let refund_id = record_refund(
            conn,
            &RefundRequest {
                payment_id: self.payment_id,
                order_id: self.order_id,
                reference: &self.charge,
                amount: self.amount,
                reason: self.reason,
                created_by: self.created_by,
                order_item_id: None,
                return_id: None,
            },
        )?;
        let reference = format!("re_{}", random_hex(10));
        settle_refund(conn, refund_id, self.payment_id, Some(&reference))
    }
}

impl Generator {
    /// Past orders in every settled status, each through the ledger and the transition table.
    pub(super) fn orders(
        &mut self,
        conn: &mut DbConn,
        customers: &[Customer],
        variants: &[SeededVariant],
    ) -> Result<PastOrders> {
        let standard: ShippingMethod = shipping_methods::table
            .filter(shipping_methods::code.eq("standard"))
            .select(ShippingMethod::as_select())
            .first(conn)?;
        let mut made = PastOrders {
            count: 0,
            purchases: Vec::new(),
            refunds: Vec::new(),
        };
        for (customer_index, customer) in customers.iter().enumerate() {
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
                let order = PastOrder {
                    customer,
                    status,
                    placed,
                    number: format!("SW-{}-{:05}", placed.format("%y%m"), made.count + 1),
                    items,
                };
                order.write(conn, &standard, &mut made)?;
                made.count += 1;
            }
        }
        Ok(made)
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

/// One past order before it is written.
struct PastOrder<'a> {
    customer: &'a Customer,
    /// Where the order ended.
    status: OrderStatus,
    placed: NaiveDateTime,
    number: String,
    items: Vec<(&'a SeededVariant, i32)>,
}

impl PastOrder<'_> {
    /// Places the order as checkout does, moves it along its path, and dates what the shop's
    /// rules stamped with the time they ran back to when it was placed.
    fn write(
        &self,
        conn: &mut DbConn,
        standard: &ShippingMethod,
        made: &mut PastOrders,
    ) -> Result<()> {
        let customer = self.customer;
        let tax_bps = crate::checkout::tax_rate(conn, customer.country, customer.region)?;
        let shipping = Shipping {
            price: Money::from_minor(standard.price),
            free_over: standard.free_over.map(Money::from_minor),
        };
        let quote = price(&self.items, shipping, tax_bps)?;
        let totals = &quote.totals;
        let tracking = matches!(self.status, OrderStatus::Shipped | OrderStatus::Delivered)
            .then(super::parcels::ups_tracking);
        let key = random_hex(16);
        let order_id: i64 = diesel::insert_into(orders::table)
            .values(&NewOrder {
                id: crate::orders::months::order_id_for(conn, self.placed)?,
                number: &self.number,
                user_id: customer.user_id,
                status: OrderStatus::PendingPayment,
                subtotal: totals.subtotal,
                discount_total: totals.discount,
                shipping_total: totals.shipping,
                tax_total: totals.tax,
                grand_total: totals.grand_total,
                promotion_id: None,
                promotion_code: None,
                shipping_method_id: Some(standard.id),
                shipping_method_name: &standard.name,
                shipping_address_id: Some(customer.address_id),
                ship_name: "Demo Shopper",
                ship_line1: "1 Demo Street",
                ship_line2: None,
                ship_city: "Demo City",
                ship_region: customer.region,
                ship_postal_code: "00000",
                ship_country: customer.country,
                payment_method_id: None,
                idempotency_key: &key,
                tracking_number: tracking.as_deref(),
                payment_expires_at: None,
                created_at: Some(self.placed),
                updated_at: Some(self.placed),
            })
            .returning(orders::id)
            .get_result(conn)?;
        self.take_stock(conn, order_id)?;
        for ((variant, quantity), line) in self.items.iter().zip(&quote.lines) {
            diesel::insert_into(order_items::table)
                .values(&NewOrderItem {
                    id: crate::orders::months::line_id_for(conn, order_id)?,
                    order_id,
                    variant_id: variant.id,
                    product_id: variant.product_id,
                    seller_id: variant.seller_id,
                    product_name: &variant.product_name,
                    variant_name: &variant.name,
                    sku: &variant.sku,
                    unit_price: Money::from_minor(variant.price),
                    quantity: *quantity,
                    line_subtotal: line.subtotal,
                    discount: line.discount,
                    tax_rate_bps: tax_bps,
                    tax: line.tax,
                    line_total: line.total,
                })
                .execute(conn)?;
        }
        shop_orders::placed(conn, order_id, customer.user_id)?;
        let steps = path(self.status)
            .ok_or_else(|| Error::Internal(format!("past orders do not end {}", self.status)))?;
        let mut from = OrderStatus::PendingPayment;
        for &(to, note) in steps {
            if !shop_orders::transition(conn, order_id, from, to, None, note)? {
                return Err(Error::Internal(format!(
                    "seeded order {} did not move from {from} to {to}",
                    self.number
                )));
            }
            from = to;
        }
        if self.status == OrderStatus::Cancelled {
            shop_orders::release(conn, order_id, MovementReason::Cancellation, None)?;
        } else {
            super::parcels::past_parcels(conn, order_id, self.status, self.placed)?;
            made.purchases.extend(
                self.items
                    .iter()
                    .map(|(variant, _)| (customer.user_id, variant.product_id)),
            );
        }
        // Seed-only: the rules above stamp their rows with the time they ran; a past order's
        // history and last change are dated when it was placed.
        diesel::update(
            order_status_history::table.filter(order_status_history::order_id.eq(order_id)),
        )
        .set(order_status_history::created_at.eq(self.placed))
        .execute(conn)?;
        diesel::update(orders::table.filter(months::the_order(order_id)))
            .set(orders::updated_at.eq(self.placed))
            .execute(conn)?;
        let charge = format!("ch_demo_{}", random_hex(10));
        let payment_id = self.pay(conn, order_id, &charge, totals.grand_total)?;
        if let Some((reason, created_by)) = self.given_back() {
            made.refunds.push(Refund {
                payment_id,
                order_id,
                charge,
                amount: totals.grand_total,
                reason,
                created_by,
            });
        }
        Ok(())
    }

    /// The order's units leave stock, as checkout takes them.
    fn take_stock(&self, conn: &mut DbConn, order_id: i64) -> Result<()> {
        let moves: Vec<Move> = self
            .items
            .iter()
            .map(|(variant, quantity)| Move {
                variant_id: variant.id,
                delta: -quantity,
            })
            .collect();
        let why = Why {
            order_id: Some(order_id),
            actor_id: Some(self.customer.user_id),
            ..Why::of(MovementReason::Sale)
        };
        inventory::move_stock(conn, &moves, why)?
            .map_err(|refused| Error::Internal(format!("seeded order's stock: {refused:?}")))?;
        Ok(())
    }

    /// The captured charge; voided when the money went back in full, as a full refund leaves it.
    fn pay(&self, conn: &mut DbConn, order_id: i64, charge: &str, amount: Money) -> Result<i64> {
        let status = if self.given_back().is_some() {
            PaymentStatus::Voided
        } else {
            PaymentStatus::Captured
        };
        Ok(diesel::insert_into(payments::table)
            .values(&NewPayment {
                order_id,
                payment_method_id: None,
                gateway: "test",
                idempotency_key: &format!("pay_{}", random_hex(12)),
                gateway_reference: Some(charge),
                status,
                amount,
                card_brand: Some("visa"),
                card_last4: Some("4242"),
                created_at: Some(self.placed),
                updated_at: Some(self.placed),
            })
            .returning(payments::id)
            .get_result(conn)?)
    }

    /// Why and by whom the payment went back, for an order that ended paid and then undone.
    fn given_back(&self) -> Option<(&'static str, Option<i64>)> {
        match self.status {
            OrderStatus::Cancelled => Some((CANCEL.1, Some(self.customer.user_id))),
            OrderStatus::Refunded => Some((REFUND.1, None)),
            _ => None,
        }
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

/// A move of a past order after it was placed, with its history note.
type Step = (OrderStatus, &'static str);

const CONFIRM: Step = (OrderStatus::Confirmed, "Payment captured");
const PREPARE: Step = (OrderStatus::Processing, "Being prepared");
const SHIP: Step = (OrderStatus::Shipped, "Handed to the carrier");
const DELIVER: Step = (OrderStatus::Delivered, "Delivered");
const CANCEL: Step = (OrderStatus::Cancelled, "Cancelled by the customer");
const REFUND: Step = (OrderStatus::Refunded, "Customer returned the items");

/// The moves a past order made to end in `status`: along the fulfilment line, the paid ones
/// cancelled before preparation or refunded after delivery. `orders::transition` checks each
/// against the shop's table as it is made. Past orders were all paid, so none ends unpaid.
fn path(status: OrderStatus) -> Option<&'static [Step]> {
    match status {
        OrderStatus::Confirmed => Some(&[CONFIRM]),
        OrderStatus::Processing => Some(&[CONFIRM, PREPARE]),
        OrderStatus::Shipped => Some(&[CONFIRM, PREPARE, SHIP]),
        OrderStatus::Delivered => Some(&[CONFIRM, PREPARE, SHIP, DELIVER]),
        OrderStatus::Cancelled => Some(&[CONFIRM, CANCEL]),
        OrderStatus::Refunded => Some(&[CONFIRM, PREPARE, SHIP, DELIVER, REFUND]),
        OrderStatus::PendingPayment | OrderStatus::PaymentFailed => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_past_order_path_is_allowed_by_the_shops_table() {
        for &end in PAST_ORDER_STATUSES {
            let mut at = OrderStatus::PendingPayment;
            for &(to, _) in path(end).expect("a path for every seeded status") {
                assert!(at.may_become(to), "{end}: {at} → {to}");
                at = to;
            }
            assert_eq!(at, end);
        }
    }
}
