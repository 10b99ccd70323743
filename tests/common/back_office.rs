//! Fixtures for the back-office journeys in a browser: an admin who signs in with a password and
//! an authenticator code (the admin panel asks for both), a shopper, and a seller whose products
//! are filed where a journey needs them.

use diesel::prelude::*;

use shopwave::db::schema::{categories, users};

use super::TestDb;
use super::browser::Browser;
use super::builders::{ProductBuilder, UserBuilder, seller};

pub const PASSWORD: &str = "plum kettle harbour";
pub const ADMIN: &str = "admin@example.test";
pub const SHOPPER: &str = "shopper@example.test";
/// The admin's authenticator secret (base32, 160 bits), as enrolment would have stored it.
const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// The people of a back-office journey; returns the seller's id.
pub fn staff_and_shopper(db: &TestDb) -> i64 {
    let conn = &mut db.conn();
    let admin = UserBuilder::customer()
        .role("admin")
        .email(ADMIN)
        .password(PASSWORD)
        .insert(conn);
    diesel::update(users::table.find(admin))
        .set((users::totp_secret.eq(SECRET), users::totp_enabled.eq(true)))
        .execute(conn)
        .expect("enrol the admin's authenticator");
    UserBuilder::customer()
        .email(SHOPPER)
        .password(PASSWORD)
        .insert(conn);
    seller(conn)
}

/// Signs the admin in through both steps: password, then the code their authenticator shows.
pub async fn sign_in_as_admin(browser: &Browser) {
    browser.sign_in(ADMIN, PASSWORD).await;
    assert_eq!(browser.heading().await, "Enter your sign-in code");
    let secret = totp_rs::Secret::try_from_base32(SECRET).expect("base32");
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("TOTP");
    let now = u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970");
    browser.fill("Code", &totp.generate(now).to_string()).await;
    browser.submit("Sign in").await;
}

/// Files a new product of `seller` (in stock, at `cents`) under the category called `category`;
/// the search outbox row it writes is what the live server's indexer picks up.
pub fn list_product(
    db_pool: &shopwave::db::Pool,
    seller: i64,
    category: &str,
    name: &str,
    cents: i64,
) {
    let conn = &mut db_pool.get().expect("a connection");
    let category_id = categories::table
        .filter(categories::name.eq(category))
        .select(categories::id)
        .first(conn)
        .expect("the category exists");
    ProductBuilder::new(name)
        .price(cents)
        .stock(5)
        .insert(conn, seller, category_id);
}
