//! Demo data: a believable small shop (categories, sellers, products with variants, customers,
//! past orders, reviews, promotions), written through the shop's own rules (stock moves, tax
//! rates, prices, rating averages, slugs), and deterministic so that every demo looks the same.
//! The generator's steps run in a fixed order on one random stream, so the order of the calls
//! below is part of what makes two demos alike.

mod bulk;
mod catalog;
mod data;
mod orders;
mod parcels;
mod people;
mod promotions;
mod reviews;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::accounts::{self, NewUser, Role};
use crate::db::schema::{mail_outbox, users};
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};
use crate::util::{now, random_hex};

/// What a demo run made, and the logins to try it with.
pub struct Report {
    pub categories: usize,
    pub sellers: usize,
    pub products: usize,
    pub variants: usize,
    pub customers: usize,
    pub orders: usize,
    pub reviews: usize,
    pub payouts: usize,
    pub logins: Vec<Login>,
}

/// A demo account to try the shop with.
pub struct Login {
    /// Who the account is, in a word.
    pub who: &'static str,
    pub email: &'static str,
    pub password: String,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "demo shop created: {} categories, {} sellers, {} products ({} variants), {} customers, {} orders, {} reviews, {} payout statements",
            self.categories,
            self.sellers,
            self.products,
            self.variants,
            self.customers,
            self.orders,
            self.reviews,
            self.payouts
        )?;
        writeln!(f, "sign in with (shown once, keep them):")?;
        for Login {
            who,
            email,
            password,
        } in &self.logins
        {
            writeln!(f, "  {who:<9} {email}  password: {password}")?;
        }
        Ok(())
    }
}

/// Fills an empty database; refuses one that already has users, so a shop is never mixed with demo data.
pub fn demo(conn: &mut DbConn, scale: Option<f64>) -> Result<String> {
    if has_users(conn)? {
        return Err(Error::Conflict(
            "the database already has data; `seed` only fills an empty shop".into(),
        ));
    }
    match scale {
        None => Generator::new(500)
            .run(conn)
            .map(|report| report.to_string()),
        Some(f) if f > 0.0 && f <= 1.0 => {
            bulk::run(conn, f, &accounts::password::hash("shopwave-bulk-shopper"))
        }
        Some(f) => Err(Error::Invalid(format!(
            "--scale must be above 0 and at most 1.0 (got {f})"
        ))),
    }
}

/// On first start: fill the shop when it has no users at all.
pub fn demo_if_empty(conn: &mut DbConn) -> Result<Option<String>> {
    if has_users(conn)? {
        Ok(None)
    } else {
        demo(conn, None).map(Some)
    }
}

fn has_users(conn: &mut DbConn) -> Result<bool> {
    Ok(users::table
        .select(users::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

struct Generator {
    rng: StdRng,
    products: usize,
    started: NaiveDateTime,
}

struct SeededVariant {
    id: i64,
    product_id: i64,
    seller_id: i64,
    product_name: String,
    name: String,
    sku: String,
    price: i64,
}

impl Generator {
    fn new(products: usize) -> Generator {
        Generator {
            rng: StdRng::seed_from_u64(2026),
            products,
            started: now(),
        }
    }

    fn run(mut self, conn: &mut DbConn) -> Result<Report> {
        let demo_password = "shopwave-demo-shopper";
        let shared_hash = accounts::password::hash(demo_password);
        let admin_password = random_hex(8);
        let seller_password = random_hex(8);

        let (leaves, categories) = write_tx(conn, |c| self.categories(c))?;
        write_tx(conn, |c| {
            accounts::insert_user(
                c,
                &NewUser {
                    email: "admin@shopwave.test",
                    password: &admin_password,
                    first_name: "Ada",
                    last_name: "Admin",
                    role: Role::Admin,
                },
            )
        })?;
        let sellers = write_tx(conn, |c| self.sellers(c, &seller_password, &shared_hash))?;
        write_tx(conn, |c| self.shipping_and_tax(c))?;

        let mut variants = Vec::new();
        let mut made = 0;
        while made < self.products {
            let batch = (self.products - made).min(2_000);
            let mut more = write_tx(conn, |c| {
                self.products_batch(c, made, batch, &leaves, &sellers)
            })?;
            variants.append(&mut more);
            made += batch;
        }
        write_tx(conn, |c| self.promotions(c))?;
        let customers_wanted = (self.products / 10).clamp(40, 100_000);
        let customers = write_tx(conn, |c| self.customers(c, customers_wanted, &shared_hash))?;
        let past = write_tx(conn, |c| self.orders(c, &customers, &variants))?;
        for refund in &past.refunds {
            refund.record(conn)?;
        }
        // The past orders' status mail was queued as they moved; nobody is told about the past.
        write_tx(conn, |c| {
            diesel::update(mail_outbox::table.filter(mail_outbox::sent_at.is_null()))
                .set(mail_outbox::sent_at.eq(crate::util::now()))
                .execute(c)
        })?;
        let reviews = write_tx(conn, |c| self.reviews(c, &past.purchases))?;
        let payouts = past_payouts(conn)?;

        Ok(Report {
            categories,
            sellers: sellers.len(),
            products: self.products,
            variants: variants.len(),
            customers: customers.len(),
            orders: past.count,
            reviews,
            payouts,
            logins: vec![
                Login {
                    who: Role::Admin.as_str(),
                    email: "admin@shopwave.test",
                    password: admin_password,
                },
                Login {
                    who: Role::Seller.as_str(),
                    email: "seller1@shopwave.test",
                    password: seller_password,
                },
                Login {
                    who: "shopper",
                    email: "shopper1@shopwave.test",
                    password: demo_password.into(),
                },
            ],
        })
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn days_ago(&mut self, max_days: i64) -> NaiveDateTime {
        self.started - Duration::minutes(self.rng.random_range(60..max_days * 24 * 60))
    }
}

/// Seller statements for the past year's months, oldest first, as a shop that has been paying
/// its sellers would have: each takes the delivered lines whose return window had closed by its
/// month's end (`payouts::generate`). Returns how many statements were made.
fn past_payouts(conn: &mut DbConn) -> Result<usize> {
    let mut periods = vec![crate::payouts::Period::containing(now().date()).previous()];
    for _ in 1..13 {
        let earlier = periods[periods.len() - 1].previous();
        periods.push(earlier);
    }
    let mut made = 0;
    for period in periods.into_iter().rev() {
        made += crate::payouts::generate(conn, period, None)?
            .statements
            .len();
    }
    Ok(made)
}
