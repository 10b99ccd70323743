//! The one integration-test binary: every flow through the real router, templates and database,
//! on SQLite and (with TEST_DATABASE_URL) on PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod addresses;
mod admin_reports;
mod admin_reviews;
mod admin_users;
mod cli;
mod database;
mod foundation;
mod hostile_input;
mod schema;
mod seed;
mod seller_panel;
mod two_factor;
mod wishlist;
