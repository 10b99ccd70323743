//! The demo reviews: buyers review some of what they bought, mostly kindly, most approved.

use diesel::prelude::*;
use rand::Rng;

use super::Generator;
use super::data::REVIEW_TITLES;
use crate::db::DbConn;
use crate::db::schema::reviews;
use crate::error::Result;
use crate::reviews::ReviewStatus;

impl Generator {
    pub(super) fn reviews(&mut self, conn: &mut DbConn, purchases: &[(i64, i64)]) -> Result<usize> {
        let mut seen = std::collections::HashSet::new();
        let mut count = 0;
        for &(user_id, product_id) in purchases {
            if !seen.insert((user_id, product_id)) || self.rng.random_bool(0.35) {
                continue;
            }
            // Mostly positive, as real reviews are.
            let index =
                (self.rng.random_range(0.0f64..1.0).powi(2) * REVIEW_TITLES.len() as f64) as usize;
            let (rating, title, body) = REVIEW_TITLES[index.min(REVIEW_TITLES.len() - 1)];
            let status = if self.rng.random_bool(0.85) {
                ReviewStatus::Approved
            } else {
                ReviewStatus::Pending
            };
            diesel::insert_into(reviews::table)
                .values((
                    reviews::user_id.eq(user_id),
                    reviews::product_id.eq(product_id),
                    reviews::rating.eq(rating),
                    reviews::title.eq(title),
                    reviews::body.eq(body),
                    reviews::status.eq(status),
                    reviews::is_verified_purchase.eq(true),
                ))
                .execute(conn)?;
            crate::reviews::move_rating(conn, product_id, None, status.counted(rating))?;
            count += 1;
        }
        Ok(count)
    }
}
