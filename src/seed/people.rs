//! The demo customers, each with an address and a saved test card.

use diesel::prelude::*;
use rand::Rng;

use super::Generator;
use super::data::{CITIES, FIRST_NAMES, LAST_NAMES};
use crate::accounts::{self, NewUser, Role};
use crate::db::DbConn;
use crate::db::schema::{addresses, payment_methods};
use crate::error::Result;
use crate::util::random_hex;

/// A demo customer and where their orders go.
pub(super) struct Customer {
    pub user_id: i64,
    pub address_id: i64,
    pub country: &'static str,
    pub region: &'static str,
}

impl Generator {
    /// Customers with an address and a saved test card each.
    pub(super) fn customers(
        &mut self,
        conn: &mut DbConn,
        count: usize,
        shared_hash: &str,
    ) -> Result<Vec<Customer>> {
        let mut made = Vec::new();
        for n in 0..count {
            let first = *self.pick(FIRST_NAMES);
            let last = *self.pick(LAST_NAMES);
            let email = format!("shopper{}@shopwave.test", n + 1);
            let user_id = accounts::insert_user_with_hash(
                conn,
                &NewUser {
                    email: &email,
                    password: "",
                    first_name: first,
                    last_name: last,
                    role: Role::Customer,
                },
                shared_hash,
            )?;
            let (city, region, postal, country) = *self.pick(CITIES);
            let address_id: i64 = diesel::insert_into(addresses::table)
                .values((
                    addresses::user_id.eq(user_id),
                    addresses::label.eq("Home"),
                    addresses::full_name.eq(format!("{first} {last}")),
                    addresses::line1.eq(format!(
                        "{} {} Street",
                        self.rng.random_range(1..400),
                        self.pick(LAST_NAMES)
                    )),
                    addresses::city.eq(city),
                    addresses::region.eq(region),
                    addresses::postal_code.eq(postal),
                    addresses::country.eq(country),
                    addresses::is_default.eq(true),
                ))
                .returning(addresses::id)
                .get_result(conn)?;
            let last4 = format!("{:04}", 4242 + n % 5000);
            diesel::insert_into(payment_methods::table)
                .values((
                    payment_methods::user_id.eq(user_id),
                    payment_methods::gateway_token.eq(format!("tok_demo_{}", random_hex(12))),
                    payment_methods::brand.eq("visa"),
                    payment_methods::last4.eq(last4),
                    payment_methods::exp_month.eq(1 + (n % 12) as i32),
                    payment_methods::exp_year.eq(2029),
                    payment_methods::is_default.eq(true),
                ))
                .execute(conn)?;
            made.push(Customer {
                user_id,
                address_id,
                country,
                region,
            });
        }
        Ok(made)
    }
}
