//! A product's rating figures: the sum and count of its approved ratings, how many approved
//! reviews gave each number of stars, and the average in hundredths of a star. Only approved
//! reviews count; every change of a review's standing moves the figures through `move_rating`
//! in the transaction of that change, so the product page shows its distribution without
//! reading a single review.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::products;
use crate::error::Result;
use crate::util::now;

use super::ReviewStatus;

impl ReviewStatus {
    /// The rating a review in this status adds to its product's figures: only approved reviews
    /// count.
    pub fn counted(self, rating: i32) -> Option<i32> {
        match self {
            ReviewStatus::Approved => Some(rating),
            ReviewStatus::Pending | ReviewStatus::Rejected => None,
        }
    }
}

/// Moves a product's figures for one review whose counted rating goes from `before` to `after`
/// (`ReviewStatus::counted` of its old and new status and rating), and tells search. One
/// atomic update of every column, which also holds the row lock until commit on PostgreSQL, so
/// concurrent moderations of one product's reviews never lose a count.
pub fn move_rating(
    conn: &mut DbConn,
    product_id: i64,
    before: Option<i32>,
    after: Option<i32>,
) -> Result<()> {
    if before == after {
        return Ok(());
    }
    let star = |stars: i32| i32::from(after == Some(stars)) - i32::from(before == Some(stars));
    let sum_delta = i64::from(after.unwrap_or(0)) - i64::from(before.unwrap_or(0));
    let count_delta = i32::from(after.is_some()) - i32::from(before.is_some());
    let (sum, count): (i64, i32) = diesel::update(products::table.find(product_id))
        .set((
            products::rating_sum.eq(products::rating_sum + sum_delta),
            products::rating_count.eq(products::rating_count + count_delta),
            products::rating_1.eq(products::rating_1 + star(1)),
            products::rating_2.eq(products::rating_2 + star(2)),
            products::rating_3.eq(products::rating_3 + star(3)),
            products::rating_4.eq(products::rating_4 + star(4)),
            products::rating_5.eq(products::rating_5 + star(5)),
            products::updated_at.eq(now()),
        ))
        .returning((products::rating_sum, products::rating_count))
        .get_result(conn)?;
    diesel::update(products::table.find(product_id))
        .set(products::rating_avg.eq(average_hundredths(sum, count)))
        .execute(conn)?;
    crate::search::enqueue(conn, product_id)
}

/// The mean rating in hundredths of a star (4.25 stars → 425), rounded half up; 0 with no
/// ratings.
pub fn average_hundredths(sum: i64, count: i32) -> i32 {
    if count <= 0 {
        return 0;
    }
    let count = i64::from(count);
    let rounded = (sum * 200 + count) / (2 * count);
    i32::try_from(rounded.clamp(0, 500)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_are_hundredths_rounded_half_up() {
        assert_eq!(average_hundredths(0, 0), 0);
        assert_eq!(average_hundredths(9, 2), 450);
        assert_eq!(average_hundredths(13, 3), 433);
        assert_eq!(average_hundredths(14, 3), 467);
        // 33 / 8 = 4.125 stars = 412.5 hundredths, which rounds up.
        assert_eq!(average_hundredths(33, 8), 413);
    }

    #[test]
    fn only_approved_reviews_count() {
        assert_eq!(ReviewStatus::Approved.counted(4), Some(4));
        assert_eq!(ReviewStatus::Pending.counted(4), None);
        assert_eq!(ReviewStatus::Rejected.counted(4), None);
    }
}
