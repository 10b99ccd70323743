//! The one integration-test binary: every flow through the real router, templates and database,
//! on SQLite and (with TEST_DATABASE_URL) on PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod account_sessions;
mod accounts;
mod addresses;
mod admin_categories;
mod admin_orders;
mod admin_products;
mod admin_reports;
mod admin_reviews;
mod admin_settings;
mod admin_users;
mod browser;
mod browser_seller_catalog;
mod catalog;
mod catalog_cache;
mod catalog_paging;
mod checkout;
mod checkout_latency;
mod checks;
mod cli;
mod database;
mod db_refusals;
mod flash_sale;
mod foundation;
mod fulfilment;
mod hostile_input;
mod inventory;
mod lifecycle_props;
mod money_props;
mod order_status;
mod password_reset;
mod payouts;
mod races;
mod registration;
mod request_edge;
mod returns;
mod reviews;
mod schema;
mod search;
mod seed;
mod seller_catalog;
mod seller_panel;
mod shopping;
mod two_factor;
mod typed_numbers;
mod wishlist;
