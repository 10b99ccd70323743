//! The bulk shoppers: customers with an address each, and their reviews.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;

use super::Volumes;
use super::loader::{Loader, first_user, quote, skewed, timestamp};
use crate::accounts::Role;
use crate::db::DbConn;
use crate::error::Result;
use crate::reviews::ReviewStatus;

pub(super) fn customers(
    conn: &mut DbConn,
    rng: &mut StdRng,
    count: usize,
    shared_hash: &str,
) -> Result<()> {
    let hash = quote(shared_hash);
    let mut users = Loader::new(
        conn,
        "users",
        "email, password_hash, first_name, last_name, role",
        count,
    );
    for n in 1..=count {
        users.row(format_args!(
            "'shopper{n}@bulk.test', {hash}, 'Shopper', '{n}', '{}'",
            Role::Customer.as_str()
        ))?;
    }
    users.finish()?;
    let first_customer: i64 = first_user(conn, Role::Customer)?;
    let mut addresses = Loader::new(
        conn,
        "addresses",
        "user_id, full_name, line1, city, region, postal_code, country, is_default",
        count,
    );
    for n in 0..count {
        addresses.row(format_args!(
            "{}, 'Shopper {n}', '{} Main Street', 'Springfield', 'CA', '{:05}', 'US', TRUE",
            first_customer + n as i64,
            rng.random_range(1..999),
            n % 100_000
        ))?;
    }
    addresses.finish()?;
    Ok(())
}

/// Reviews on popular products by distinct customers, mostly positive, most approved.
pub(super) fn reviews(
    conn: &mut DbConn,
    rng: &mut StdRng,
    volumes: &Volumes,
    today: NaiveDateTime,
) -> Result<()> {
    let first_customer = first_user(conn, Role::Customer)?;
    let mut loader = Loader::new(
        conn,
        "reviews",
        "user_id, product_id, rating, title, body, status, is_verified_purchase, created_at, updated_at",
        volumes.reviews,
    );
    // Each customer reviews a run of consecutive products from a skewed start, so a (user,
    // product) pair never repeats.
    let per_customer = volumes
        .reviews
        .div_ceil(volumes.customers)
        .max(1)
        .min(volumes.products);
    let mut made = 0;
    'customers: for customer in 0..volumes.customers {
        let start = skewed(rng, volumes.products, 2);
        for j in 0..per_customer {
            if made == volumes.reviews {
                break 'customers;
            }
            let product = (start + j) % volumes.products;
            let (rating, _, body) = crate::seed::data::REVIEW_TITLES
                [skewed(rng, crate::seed::data::REVIEW_TITLES.len(), 2)];
            let at = timestamp(today - Duration::minutes(rng.random_range(60..3 * 365 * 24 * 60)));
            loader.row(format_args!(
                "{}, {}, {rating}, 'Review', {}, '{}', TRUE, {at}, {at}",
                first_customer + customer as i64,
                product + 1,
                quote(body),
                if made % 10 == 9 {
                    ReviewStatus::Pending
                } else {
                    ReviewStatus::Approved
                }
                .as_str(),
            ))?;
            made += 1;
        }
    }
    loader.finish()?;
    Ok(())
}
