//! Review moderation. A product's rating figures count approved reviews only; each decision
//! moves them through `reviews::move_rating` (src/reviews/rating.rs) in the same transaction as
//! the status change, so an approved review that is later rejected is subtracted again.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::audit::{self, Actor, Entity};
use crate::db::schema::{products, reviews, users};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::paging::KeysetPage;
use crate::reviews::ReviewStatus;
use crate::util::now;

pub const PAGE_SIZE: usize = 20;

/// An administrator's verdict on a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    fn outcome(self) -> ReviewStatus {
        match self {
            Decision::Approve => ReviewStatus::Approved,
            Decision::Reject => ReviewStatus::Rejected,
        }
    }
}

/// A review as the moderation queue shows it.
#[derive(Debug, Clone)]
pub struct QueuedReview {
    pub id: i64,
    pub product_name: String,
    pub product_slug: String,
    pub author: String,
    pub rating: i32,
    pub title: String,
    pub body: String,
    pub is_verified_purchase: bool,
    pub created_at: NaiveDateTime,
}

type QueueRow = (
    i64,
    i64,
    String,
    String,
    i32,
    String,
    String,
    bool,
    NaiveDateTime,
);

/// Reviews in `status`, oldest first (the order they have waited in), continuing after the
/// review `after` on the (status, created_at, id) index.
pub fn queue(
    conn: &mut DbConn,
    status: ReviewStatus,
    after: Option<i64>,
) -> Result<KeysetPage<QueuedReview>> {
    let mut query = reviews::table
        .inner_join(products::table)
        .filter(reviews::status.eq(status))
        .order((reviews::created_at, reviews::id))
        .limit(PAGE_SIZE as i64 + 1)
        .select((
            reviews::id,
            reviews::user_id,
            products::name,
            products::slug,
            reviews::rating,
            reviews::title,
            reviews::body,
            reviews::is_verified_purchase,
            reviews::created_at,
        ))
        .into_boxed();
    if let Some(after) = after {
        let since: NaiveDateTime = reviews::table
            .find(after)
            .select(reviews::created_at)
            .first(conn)
            .optional()?
            .ok_or_else(|| Error::Invalid("That page link is out of date.".into()))?;
        query = query.filter(
            reviews::created_at
                .gt(since)
                .or(reviews::created_at.eq(since).and(reviews::id.gt(after))),
        );
    }
    let rows: Vec<QueueRow> = query.load(conn)?;
    let author_ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let authors: Vec<(i64, String, String)> = users::table
        .filter(users::id.eq_any(&author_ids))
        .select((users::id, users::first_name, users::last_name))
        .load(conn)?;
    let reviews = rows
        .into_iter()
        .map(
            |(
                id,
                user_id,
                product_name,
                product_slug,
                rating,
                title,
                body,
                verified,
                created_at,
            )| {
                QueuedReview {
                    id,
                    author: authors
                        .iter()
                        .find(|(author, _, _)| *author == user_id)
                        .map(|(_, first, last)| format!("{first} {last}").trim().to_owned())
                        .unwrap_or_default(),
                    product_name,
                    product_slug,
                    rating,
                    title,
                    body,
                    is_verified_purchase: verified,
                    created_at,
                }
            },
        )
        .collect();
    Ok(KeysetPage::from_rows(reviews, PAGE_SIZE, |r| r.id))
}

/// Whether a decision changed anything: deciding what a review already is does nothing, so a
/// double-submitted button is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Changed,
    AlreadyDecided,
}

/// Applies `decision` to the review, moving the product's rating, recording who decided when,
/// and writing the audit entry and the search outbox row, all in one transaction.
pub fn moderate(
    conn: &mut DbConn,
    admin: &Actor,
    review_id: i64,
    decision: Decision,
) -> Result<Moderation> {
    db::write_tx(conn, |conn| {
        let (product_id, rating, before): (i64, i32, ReviewStatus) = reviews::table
            .find(review_id)
            .select((reviews::product_id, reviews::rating, reviews::status))
            .first(conn)?;
        let after = decision.outcome();
        if before == after {
            return Ok(Moderation::AlreadyDecided);
        }
        let at = now();
        // Conditional on the status read above: a concurrent decision makes this one stop
        // instead of counting the review's rating twice.
        let updated = diesel::update(
            reviews::table
                .find(review_id)
                .filter(reviews::status.eq(before)),
        )
        .set((
            reviews::status.eq(after),
            reviews::moderated_by.eq(admin.user_id),
            reviews::moderated_at.eq(at),
            reviews::updated_at.eq(at),
        ))
        .execute(conn)?;
        if updated == 0 {
            return Err(Error::Conflict(
                "Another administrator has just moderated this review; please reload the queue."
                    .into(),
            ));
        }
        crate::reviews::move_rating(
            conn,
            product_id,
            before.counted(rating),
            after.counted(rating),
        )?;
        audit::record(
            conn,
            admin,
            match decision {
                Decision::Approve => "review.approve",
                Decision::Reject => "review.reject",
            },
            Entity {
                kind: "review",
                id: review_id,
            },
            &format!(
                "{} -> {}; {rating} stars on product {product_id}",
                before.as_str(),
                after.as_str()
            ),
        )?;
        Ok(Moderation::Changed)
    })
}
