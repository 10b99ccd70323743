//! Rows of the catalog tables: sellers, categories, products, variants, reviews, outbox.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::*;
use crate::db::types::{ImageEncoding, ProductStatus, ReviewStatus, SellerStatus};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sellers)]
pub struct Seller {
    pub id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub slug: String,
    pub contact_email: String,
    pub commission_bps: i32,
    pub payout_account: Option<String>,
    pub status: SellerStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = categories)]
pub struct Category {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub path: String,
    pub depth: i32,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = products)]
pub struct Product {
    pub id: i64,
    pub seller_id: i64,
    pub primary_category_id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub status: ProductStatus,
    pub is_featured: bool,
    pub price_min: i64,
    pub price_max: i64,
    pub in_stock: bool,
    pub rating_avg: i32,
    pub rating_count: i32,
    pub rating_sum: i64,
    /// Approved reviews giving 1, 2, 3, 4 and 5 stars (`reviews::move_rating`).
    pub rating_1: i32,
    pub rating_2: i32,
    pub rating_3: i32,
    pub rating_4: i32,
    pub rating_5: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_variants)]
pub struct Variant {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub options: String,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub stock: i32,
    pub reorder_point: i32,
    pub weight_grams: Option<i32>,
    pub position: i32,
    pub is_active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    /// Units set aside by open checkouts (`inventory::holds`); shoppers can buy `stock - held`.
    pub held: i32,
}

/// A new product as a seller lists it or the seed makes it. `None` leaves a column to its
/// default: not featured, prices of 0 until its variants are known, made now.
#[derive(Debug, Insertable)]
#[diesel(table_name = products)]
pub struct NewProduct<'a> {
    pub seller_id: i64,
    pub primary_category_id: i64,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
    pub status: ProductStatus,
    pub is_featured: Option<bool>,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

/// A new variant of a product. Its stock starts at zero: stock arrives only as a movement in
/// the inventory ledger (src/inventory), so it is not set here. `None` leaves a column to its
/// default: no name, no options (`{}`), no reorder point, first position.
#[derive(Debug, Insertable)]
#[diesel(table_name = product_variants)]
pub struct NewVariant<'a> {
    pub product_id: i64,
    pub sku: &'a str,
    pub name: Option<&'a str>,
    pub options: Option<&'a str>,
    pub price: i64,
    pub reorder_point: Option<i32>,
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_categories, primary_key(product_id, category_id))]
pub struct ProductCategory {
    pub product_id: i64,
    pub category_id: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_images)]
pub struct ProductImage {
    pub id: i64,
    pub product_id: i64,
    pub url: String,
    pub alt_text: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    /// Uploaded images only (`src/images/`): the name of their stored files.
    pub content_hash: Option<String>,
    pub encoding: Option<ImageEncoding>,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = price_history)]
pub struct PriceChange {
    pub id: i64,
    pub variant_id: i64,
    pub old_price: Option<i64>,
    pub new_price: i64,
    pub changed_by: Option<i64>,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = reviews)]
pub struct Review {
    pub id: i64,
    pub user_id: i64,
    pub product_id: i64,
    pub rating: i32,
    pub title: String,
    pub body: String,
    pub status: ReviewStatus,
    pub is_verified_purchase: bool,
    pub moderated_by: Option<i64>,
    pub moderated_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = wishlist_items)]
pub struct WishlistItem {
    pub id: i64,
    pub user_id: i64,
    pub product_id: i64,
    pub added_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = search_outbox)]
pub struct OutboxEntry {
    pub id: i64,
    pub product_id: i64,
    pub created_at: NaiveDateTime,
}
