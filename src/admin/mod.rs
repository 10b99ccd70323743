//! The admin panel's services: the category tree, review moderation, the sales report, user
//! management, orders (search, detail, refunds), shop settings (shipping, tax) and the audit log.
//! Callers have already checked that the caller is an administrator.

pub mod audit;
pub mod categories;
mod days;
pub mod orders;
pub mod products;
pub mod promotions;
pub mod reports;
pub mod reviews;
pub mod roles;
pub mod sellers;
pub mod settings;
pub mod users;

use diesel::prelude::*;

use crate::accounts::UserStatus;
use crate::db::DbConn;
use crate::db::schema::{reviews as review_rows, users as user_rows};
use crate::error::Result;
use crate::reviews::ReviewStatus;

/// What the `/admin` front page counts: work waiting for an administrator.
pub struct Overview {
    pub pending_reviews: i64,
    pub suspended_users: i64,
}

pub fn overview(conn: &mut DbConn) -> Result<Overview> {
    let pending_reviews = review_rows::table
        .filter(review_rows::status.eq(ReviewStatus::Pending))
        .count()
        .get_result(conn)?;
    let suspended_users = user_rows::table
        .filter(user_rows::status.eq(UserStatus::Suspended))
        .count()
        .get_result(conn)?;
    Ok(Overview {
        pending_reviews,
        suspended_users,
    })
}
