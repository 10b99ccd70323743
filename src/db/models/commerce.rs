//! Rows of the commerce tables: carts, promotions, orders, ledger, payments, payouts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::*;
use crate::db::types::{
    DiscountKind, OrderStatus, PaymentStatus, PayoutStatus, PromotionScope, RefundStatus,
};
use crate::money::Money;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = shipping_methods)]
pub struct ShippingMethod {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub price: i64,
    pub free_over: Option<i64>,
    pub min_days: i32,
    pub max_days: i32,
    pub is_active: bool,
    pub position: i32,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = tax_rates)]
pub struct TaxRate {
    pub id: i64,
    pub country: String,
    pub region: String,
    pub name: String,
    pub rate_bps: i32,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = promotions)]
pub struct Promotion {
    pub id: i64,
    pub code: String,
    pub description: String,
    pub discount_kind: DiscountKind,
    pub percent_bps: Option<i32>,
    pub amount_off: Option<i64>,
    pub min_subtotal: i64,
    pub max_uses: Option<i32>,
    pub uses_count: i32,
    pub per_customer_limit: i32,
    pub scope: PromotionScope,
    pub scope_category_id: Option<i64>,
    pub scope_product_id: Option<i64>,
    pub valid_from: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    pub is_active: bool,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = carts)]
pub struct Cart {
    pub id: i64,
    pub user_id: Option<i64>,
    pub session_token: Option<String>,
    pub promotion_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = cart_items)]
pub struct CartItem {
    pub id: i64,
    pub cart_id: i64,
    pub variant_id: i64,
    pub quantity: i32,
    pub unit_price: i64,
    pub added_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = orders)]
pub struct Order {
    pub id: i64,
    pub number: String,
    pub user_id: i64,
    pub status: OrderStatus,
    pub currency: String,
    pub subtotal: Money,
    pub discount_total: Money,
    pub shipping_total: Money,
    pub tax_total: Money,
    pub grand_total: Money,
    pub promotion_id: Option<i64>,
    pub promotion_code: Option<String>,
    pub shipping_method_id: Option<i64>,
    pub shipping_method_name: String,
    pub shipping_address_id: Option<i64>,
    pub ship_name: String,
    pub ship_line1: String,
    pub ship_line2: Option<String>,
    pub ship_city: String,
    pub ship_region: String,
    pub ship_postal_code: String,
    pub ship_country: String,
    pub payment_method_id: Option<i64>,
    pub idempotency_key: String,
    pub tracking_number: Option<String>,
    pub payment_expires_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The shop's own note, for admins only (`admin::orders::note`).
    pub staff_note: String,
    /// The version of `staff_note`, matched by each save of it (`edits`).
    pub note_version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = order_items)]
pub struct OrderItem {
    pub id: i64,
    pub order_id: i64,
    pub variant_id: i64,
    pub product_id: i64,
    pub seller_id: i64,
    pub product_name: String,
    pub variant_name: String,
    pub sku: String,
    pub unit_price: Money,
    pub quantity: i32,
    pub line_subtotal: Money,
    pub discount: Money,
    pub tax_rate_bps: i32,
    pub tax: Money,
    pub line_total: Money,
    pub cancelled_at: Option<NaiveDateTime>,
    pub returned_quantity: i32,
    pub refunded_amount: Money,
}

/// A new order as inserted: the totals and the shipping address are snapshots. `None` in
/// `created_at`/`updated_at` means now, and `None` in `id` the next id of this month: an order
/// dated otherwise takes `orders::months::order_id_for` (src/orders/months.rs).
#[derive(Debug, Insertable)]
#[diesel(table_name = orders)]
pub struct NewOrder<'a> {
    pub id: Option<i64>,
    pub number: &'a str,
    pub user_id: i64,
    pub status: OrderStatus,
    pub subtotal: Money,
    pub discount_total: Money,
    pub shipping_total: Money,
    pub tax_total: Money,
    pub grand_total: Money,
    pub promotion_id: Option<i64>,
    pub promotion_code: Option<&'a str>,
    pub shipping_method_id: Option<i64>,
    pub shipping_method_name: &'a str,
    pub shipping_address_id: Option<i64>,
    pub ship_name: &'a str,
    pub ship_line1: &'a str,
    pub ship_line2: Option<&'a str>,
    pub ship_city: &'a str,
    pub ship_region: &'a str,
    pub ship_postal_code: &'a str,
    pub ship_country: &'a str,
    pub payment_method_id: Option<i64>,
    pub idempotency_key: &'a str,
    pub tracking_number: Option<&'a str>,
    pub payment_expires_at: Option<NaiveDateTime>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

/// A line of a new order: what was bought, snapshotted, with its priced amounts. `None` in `id`
/// is the next id of this month; a line of an order dated otherwise takes
/// `orders::months::line_id_for`.
#[derive(Debug, Insertable)]
#[diesel(table_name = order_items)]
pub struct NewOrderItem<'a> {
    pub id: Option<i64>,
    pub order_id: i64,
    pub variant_id: i64,
    pub product_id: i64,
    pub seller_id: i64,
    pub product_name: &'a str,
    pub variant_name: &'a str,
    pub sku: &'a str,
    pub unit_price: Money,
    pub quantity: i32,
    pub line_subtotal: Money,
    pub discount: Money,
    pub tax_rate_bps: i32,
    pub tax: Money,
    pub line_total: Money,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = order_status_history)]
pub struct StatusChange {
    pub id: i64,
    pub order_id: i64,
    pub from_status: Option<OrderStatus>,
    pub to_status: OrderStatus,
    pub actor_id: Option<i64>,
    pub note: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = promotion_redemptions)]
pub struct Redemption {
    pub id: i64,
    pub promotion_id: i64,
    pub user_id: i64,
    /// `None` once the order is archived (src/archive.rs): the use still counts.
    pub order_id: Option<i64>,
    pub reversed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = inventory_movements)]
pub struct InventoryMovement {
    pub id: i64,
    pub variant_id: i64,
    pub delta: i32,
    pub reason: crate::db::types::MovementReason,
    pub order_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub note: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = payments)]
pub struct Payment {
    pub id: i64,
    pub order_id: i64,
    pub payment_method_id: Option<i64>,
    pub gateway: String,
    pub idempotency_key: String,
    pub gateway_reference: Option<String>,
    pub status: PaymentStatus,
    pub amount: Money,
    pub currency: String,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub refunded_amount: Money,
}

/// A new payment record: the pending charge checkout records with its order, or a seeded past
/// one. `None` in `created_at`/`updated_at` means now.
#[derive(Debug, Insertable)]
#[diesel(table_name = payments)]
pub struct NewPayment<'a> {
    pub order_id: i64,
    pub payment_method_id: Option<i64>,
    pub gateway: &'a str,
    pub idempotency_key: &'a str,
    pub gateway_reference: Option<&'a str>,
    pub status: PaymentStatus,
    pub amount: Money,
    pub card_brand: Option<&'a str>,
    pub card_last4: Option<&'a str>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = refunds)]
pub struct Refund {
    pub id: i64,
    pub payment_id: i64,
    pub order_id: i64,
    pub amount: Money,
    pub reason: String,
    pub status: RefundStatus,
    pub gateway_reference: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub order_item_id: Option<i64>,
    pub return_id: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = seller_payouts)]
pub struct Payout {
    pub id: i64,
    pub seller_id: i64,
    pub period_start: NaiveDateTime,
    pub period_end: NaiveDateTime,
    pub gross: Money,
    pub commission: Money,
    pub net: Money,
    pub status: PayoutStatus,
    pub reference: Option<String>,
    pub created_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
}
