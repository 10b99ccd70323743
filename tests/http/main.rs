//! The one integration-test binary: every flow through the real router, templates and database,
//! on SQLite and (with TEST_DATABASE_URL) on PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod addresses;
mod browser;
mod cli;
mod database;
mod foundation;
mod hostile_input;
mod schema;
mod seed;
mod two_factor;
mod wishlist;
