//! `/p/{slug}`: one published product with its variants, images, seller, ratings and reviews.

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;

use super::category::breadcrumb;
use super::{CardRow, ProductCard, cards_of, is_published, published_with_first_image};
use crate::db::models::{Category, Product, Seller, Variant};
use crate::db::schema::{categories, product_variants, products, reviews, sellers, users};
use crate::db::types::ReviewStatus;
use crate::db::{DbConn, LimitConstant};
use crate::error::{Error, Result};
use crate::images::{self, Picture, Size};
use crate::money::Money;

const REVIEWS_PER_PAGE: i64 = 10;
const RELATED: u32 = 4;

pub struct ProductPage {
    pub product: Product,
    pub breadcrumb: Vec<Category>,
    /// The gallery, first image first, each with its sizes for `srcset`.
    pub images: Vec<Picture>,
    pub variants: Vec<VariantView>,
    pub seller: Seller,
    pub ratings: RatingSummary,
    pub reviews: Vec<ReviewView>,
    /// Token for the next page of reviews, when there is one.
    pub more_reviews: Option<String>,
    pub related: Vec<ProductCard>,
}

impl ProductPage {
    pub fn price_min(&self) -> Money {
        Money::from_minor(self.product.price_min)
    }

    pub fn has_price_range(&self) -> bool {
        self.product.price_max > self.product.price_min
    }

    /// The variant a shopper most likely wants preselected: the first one in stock.
    pub fn default_variant_id(&self) -> Option<i64> {
        self.variants.iter().find(|v| v.in_stock()).map(|v| v.id)
    }

    pub fn is_default_variant(&self, id: impl std::borrow::Borrow<i64>) -> bool {
        self.default_variant_id() == Some(*id.borrow())
    }
}

pub struct VariantView {
    pub id: i64,
    pub sku: String,
    /// "Size: M · Colour: Red", or the variant's name when it has no options.
    pub label: String,
    pub price: Money,
    pub compare_at_price: Option<Money>,
    pub stock: i32,
}

impl VariantView {
    pub fn from_row(variant: Variant) -> VariantView {
        let options: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&variant.options).unwrap_or_default();
        let described: Vec<String> = options
            .iter()
            .map(|(name, value)| match value.as_str() {
                Some(text) => format!("{name}: {text}"),
                None => format!("{name}: {value}"),
            })
            .collect();
        let label = match (described.is_empty(), variant.name.is_empty()) {
            (false, _) => described.join(" · "),
            (true, false) => variant.name,
            (true, true) => "Standard".to_owned(),
        };
        VariantView {
            id: variant.id,
            sku: variant.sku,
            label,
            price: Money::from_minor(variant.price),
            compare_at_price: variant
                .compare_at_price
                .filter(|was| *was > variant.price)
                .map(Money::from_minor),
            stock: (variant.stock - variant.held).max(0),
        }
    }

    /// Whether the variant can be bought: the one availability rule of the product page, its
    /// JSON-LD and the shopping feed (`catalog::feed`).
    pub fn in_stock(&self) -> bool {
        self.stock > 0
    }

    /// "Only 3 left" below a handful, so shoppers know to hurry without seeing exact stock.
    pub fn stock_note(&self) -> String {
        if !self.in_stock() {
            "Out of stock".to_owned()
        } else if self.stock <= FEW_LEFT {
            format!("Only {} left", self.stock)
        } else {
            "In stock".to_owned()
        }
    }
}

/// Up to this many, a product page says exactly how many are left.
pub const FEW_LEFT: i32 = 5;

/// Whether a variant's stock moving from `before` to `after` changes what its product page says,
/// so the move must reach the search outbox like any other change shoppers can see.
pub fn stock_note_changes(before: i32, after: i32) -> bool {
    before.clamp(0, FEW_LEFT + 1) != after.clamp(0, FEW_LEFT + 1)
}

pub struct RatingSummary {
    pub average: String,
    pub count: i32,
    /// (stars, approved reviews with that rating, share of all in percent), 5 stars first.
    pub distribution: Vec<(i32, i64, i64)>,
}

pub struct ReviewView {
    pub author: String,
    pub rating: i32,
    pub title: String,
    pub body: String,
    pub verified: bool,
    pub date: String,
}

pub fn product_page(
    conn: &mut DbConn,
    slug: &str,
    reviews_after: Option<&str>,
) -> Result<ProductPage> {
    let (product, primary_path, seller): (Product, String, Seller) = products::table
        .inner_join(categories::table.on(categories::id.eq(products::primary_category_id)))
        .inner_join(sellers::table.on(sellers::id.eq(products::seller_id)))
        .filter(is_published())
        .filter(products::slug.eq(slug))
        .select((Product::as_select(), categories::path, Seller::as_select()))
        .limit_constant(1)
        .get_result(conn)?;
    let after = reviews_after.map(ReviewCursor::decode).transpose()?;
    let images = images::of_product(conn, product.id)?
        .iter()
        .map(|image| Picture::of(image, Size::Medium, 480))
        .collect();
    let variants = product_variants::table
        .filter(product_variants::product_id.eq(product.id))
        .filter(product_variants::is_active.eq(true))
        .order((product_variants::position, product_variants::id))
        .select(Variant::as_select())
        .load(conn)?
        .into_iter()
        .map(VariantView::from_row)
        .collect();
    let (reviews, more_reviews) = approved_reviews(conn, product.id, after)?;
    Ok(ProductPage {
        breadcrumb: breadcrumb(conn, &primary_path)?,
        images,
        variants,
        seller,
        ratings: rating_summary(&product),
        reviews,
        more_reviews,
        related: related(conn, &product)?,
        product,
    })
}

/// The rating figures as kept on the product by `reviews::move_rating`: no review is read.
fn rating_summary(product: &Product) -> RatingSummary {
    let counts = [
        product.rating_1,
        product.rating_2,
        product.rating_3,
        product.rating_4,
        product.rating_5,
    ];
    let total: i64 = counts.iter().map(|n| i64::from(*n)).sum();
    let distribution = (1..=5)
        .rev()
        .map(|stars: i32| {
            let n = i64::from(counts[stars as usize - 1]);
            let share = if total == 0 { 0 } else { n * 100 / total };
            (stars, n, share)
        })
        .collect();
    RatingSummary {
        average: super::stars(product.rating_avg),
        count: product.rating_count,
        distribution,
    }
}

/// Newest first; the cursor is (created_at, id) of the last review shown.
struct ReviewCursor {
    created_at: NaiveDateTime,
    id: i64,
}

impl ReviewCursor {
    fn encode(&self) -> String {
        format!(
            "{}.{}",
            self.created_at.and_utc().timestamp_micros(),
            self.id
        )
    }

    fn decode(token: &str) -> Result<ReviewCursor> {
        let parsed = token.split_once('.').and_then(|(micros, id)| {
            Some(ReviewCursor {
                created_at: DateTime::from_timestamp_micros(crate::numbers::parse_whole(micros)?)?
                    .naive_utc(),
                id: crate::numbers::parse_whole(id)?,
            })
        });
        parsed.ok_or_else(|| {
            Error::Invalid("That reviews link is out of date. Please reload the product.".into())
        })
    }
}

fn approved_reviews(
    conn: &mut DbConn,
    product_id: i64,
    after: Option<ReviewCursor>,
) -> Result<(Vec<ReviewView>, Option<String>)> {
    let mut query = reviews::table
        .inner_join(users::table.on(users::id.eq(reviews::user_id)))
        .filter(reviews::product_id.eq(product_id))
        .filter(reviews::status.eq(ReviewStatus::Approved))
        .order((reviews::created_at.desc(), reviews::id.desc()))
        .limit(REVIEWS_PER_PAGE + 1)
        .into_boxed();
    if let Some(c) = after {
        query = query.filter(
            reviews::created_at.lt(c.created_at).or(reviews::created_at
                .eq(c.created_at)
                .and(reviews::id.lt(c.id))),
        );
    }
    #[allow(clippy::type_complexity)]
    let mut rows: Vec<(
        i64,
        NaiveDateTime,
        i32,
        String,
        String,
        bool,
        String,
        String,
    )> = query
        .select((
            reviews::id,
            reviews::created_at,
            reviews::rating,
            reviews::title,
            reviews::body,
            reviews::is_verified_purchase,
            users::first_name,
            users::last_name,
        ))
        .load(conn)?;
    let more = if rows.len() as i64 > REVIEWS_PER_PAGE {
        rows.truncate(REVIEWS_PER_PAGE as usize);
        rows.last().map(|(id, created_at, ..)| {
            ReviewCursor {
                created_at: *created_at,
                id: *id,
            }
            .encode()
        })
    } else {
        None
    };
    let views = rows
        .into_iter()
        .map(
            |(_, created_at, rating, title, body, verified, first, last)| ReviewView {
                // First name and initial: enough to feel human, not enough to identify.
                author: match last.chars().next() {
                    Some(initial) => format!("{first} {initial}."),
                    None => first,
                },
                rating,
                title,
                body,
                verified,
                date: created_at.format("%-d %B %Y").to_string(),
            },
        )
        .collect();
    Ok((views, more))
}

/// Best-rated other products of the same primary category.
fn related(conn: &mut DbConn, product: &Product) -> Result<Vec<ProductCard>> {
    let rows = published_with_first_image()
        .filter(products::primary_category_id.eq(product.primary_category_id))
        .filter(products::id.ne(product.id))
        .order((products::rating_avg.desc(), products::id.desc()))
        .select(CardRow::as_select())
        .limit_constant(RELATED)
        .load(conn)?;
    Ok(cards_of(rows))
}
