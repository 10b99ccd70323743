//! The one integration-test binary: every flow through the real router, templates and database,
//! on SQLite and (with TEST_DATABASE_URL) on PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod checkout;
mod flash_sale;
mod foundation;
mod money_props;
mod reviews;
mod schema;
mod shopping;
