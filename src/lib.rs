//! ShopWave: a server-rendered multi-seller storefront on SQLite or PostgreSQL.
//!
//! Requests flow one way: `web` (handlers) → domain services (`catalog`, `accounts`, ...) → `db`.

pub mod accounts;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod inventory;
pub mod money;
pub mod search;
pub mod seed;
pub mod util;
pub mod web;
