//! Product reviews from shoppers: one per customer per product, rating 1..5, flagged as a
//! verified purchase when they bought it, and pending until an admin approves it. Editing one's
//! own review sends it back to moderation; if it was approved, its rating leaves the product's
//! figures in the same transaction, so they keep counting approved reviews only.

use diesel::prelude::*;

use crate::db::models::Review;
use crate::db::schema::{order_items, orders, products, reviews};
use crate::db::{DbConn, is_unique_violation, write_tx};
use crate::error::{Error, Result};
use crate::orders::OrderStatus;

mod rating;

pub use crate::db::types::ReviewStatus;
pub use rating::{average_hundredths, move_rating};

impl ReviewStatus {
    /// What the author is told about their review.
    pub fn label_for_author(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "Pending moderation",
            ReviewStatus::Approved => "Published",
            ReviewStatus::Rejected => "Not published",
        }
    }
}

pub const MAX_TITLE: usize = 120;
pub const MAX_BODY: usize = 5000;

/// A review as typed, checked once.
#[derive(Debug, Clone)]
pub struct ReviewInput {
    pub rating: i32,
    pub title: String,
    pub body: String,
}

impl ReviewInput {
    pub fn parse(rating: &str, title: &str, body: &str) -> Result<ReviewInput> {
        let rating = crate::numbers::parse_whole(rating)
            .filter(|r| (1..=5).contains(r))
            .and_then(|r| i32::try_from(r).ok())
            .ok_or_else(|| Error::Invalid("Please choose a rating from 1 to 5 stars.".into()))?;
        let (title, body) = (title.trim(), body.trim());
        if title.chars().count() > MAX_TITLE {
            return Err(Error::Invalid(format!(
                "Please keep the title under {MAX_TITLE} characters."
            )));
        }
        if body.chars().count() > MAX_BODY {
            return Err(Error::Invalid(format!(
                "Please keep the review under {MAX_BODY} characters."
            )));
        }
        Ok(ReviewInput {
            rating,
            title: title.to_owned(),
            body: body.to_owned(),
        })
    }
}

/// The product a review is for: published products only.
#[derive(Debug, Clone)]
pub struct Reviewable {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

pub fn reviewable(conn: &mut DbConn, slug: &str) -> Result<Reviewable> {
    let (id, name, slug) = products::table
        .filter(products::slug.eq(slug))
        .filter(products::status.eq(crate::catalog::ProductStatus::Active))
        .filter(products::deleted_at.is_null())
        .select((products::id, products::name, products::slug))
        .first(conn)?;
    Ok(Reviewable { id, name, slug })
}

/// The user's own review of a product, whatever its status (authors see theirs while pending).
pub fn own(conn: &mut DbConn, user_id: i64, product_id: i64) -> Result<Option<Review>> {
    Ok(reviews::table
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::product_id.eq(product_id))
        .select(Review::as_select())
        .first(conn)
        .optional()?)
}

/// Whether the user bought the product in an order that was paid.
fn bought(conn: &mut DbConn, user_id: i64, product_id: i64) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        order_items::table
            .inner_join(orders::table)
            .filter(orders::user_id.eq(user_id))
            .filter(order_items::product_id.eq(product_id))
            .filter(orders::status.eq_any(OrderStatus::PAID)),
    ))
    .get_result(conn)?)
}

/// Writes the user's review of a product, new or edited; either way it waits for moderation.
pub fn submit(conn: &mut DbConn, user_id: i64, product_id: i64, input: &ReviewInput) -> Result<()> {
    write_tx(conn, |c| {
        let verified = bought(c, user_id, product_id)?;
        // A savepoint, so that on PostgreSQL a duplicate leaves the transaction usable.
        let inserted = c.transaction(|c| {
            diesel::insert_into(reviews::table)
                .values((
                    reviews::user_id.eq(user_id),
                    reviews::product_id.eq(product_id),
                    reviews::rating.eq(input.rating),
                    reviews::title.eq(&input.title),
                    reviews::body.eq(&input.body),
                    reviews::is_verified_purchase.eq(verified),
                ))
                .execute(c)
        });
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => edit(c, user_id, product_id, input, verified),
            Err(e) => Err(e.into()),
        }
    })
}

fn edit(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    input: &ReviewInput,
    verified: bool,
) -> Result<()> {
    let previous = own(conn, user_id, product_id)?.ok_or(Error::NotFound)?;
    diesel::update(reviews::table.find(previous.id))
        .set((
            reviews::rating.eq(input.rating),
            reviews::title.eq(&input.title),
            reviews::body.eq(&input.body),
            reviews::is_verified_purchase.eq(verified),
            reviews::status.eq(ReviewStatus::Pending),
            reviews::moderated_by.eq(None::<i64>),
            reviews::moderated_at.eq(None::<chrono::NaiveDateTime>),
            reviews::updated_at.eq(crate::util::now()),
        ))
        .execute(conn)?;
    move_rating(
        conn,
        product_id,
        previous.status.counted(previous.rating),
        None,
    )
}
