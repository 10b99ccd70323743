//! ShopWave: a server-rendered multi-seller storefront on SQLite or PostgreSQL.
//!
//! Requests flow one way: `web` (handlers) → domain services (`catalog`, `accounts`, ...) → `db`.

pub mod accounts;
pub mod admin;
pub mod archive;
pub mod audit;
pub mod backup;
pub mod cart;
pub mod catalog;
pub mod charts;
pub mod checkout;
pub mod checks;
pub mod cli;
pub mod config;
pub mod db;
pub mod edits;
pub mod error;
pub mod forms;
pub mod fulfilment;
pub mod images;
pub mod inventory;
pub mod listing;
pub mod mail;
pub mod money;
pub mod notices;
pub mod numbers;
pub mod orders;
pub mod ownership;
pub mod paging;
pub mod payments;
pub mod payments_sim;
pub mod payouts;
pub mod pricing;
pub mod promotions;
pub mod retention;
pub mod returns;
pub mod reviews;
pub mod sales_totals;
pub mod search;
pub mod seed;
pub mod sellers;
pub mod util;
pub mod web;
