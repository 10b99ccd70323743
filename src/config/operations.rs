//! Settings for running the shop rather than for what it sells: how long passing rows are kept
//! (`retention`), and who may read the operators' pages (`/metrics`, `/healthz`'s details).

use chrono::Duration;
use clap::Args;

use crate::retention::Ages;

/// Whether `serve` may change the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Migrations {
    /// Apply the migrations the database lacks (the database user owns the schema).
    Apply,
    /// Refuse to start while the database lacks one (the user may only read and write rows;
    /// `shopwave migrate` runs as the owner).
    Check,
}

#[derive(Debug, Clone, Args)]
pub struct Operations {
    /// Whether `serve` applies pending migrations or only checks that none is pending.
    #[arg(
        long,
        env = "SHOPWAVE_MIGRATIONS",
        value_enum,
        default_value_t = Migrations::Apply,
        global = true
    )]
    pub migrations: Migrations,
    /// Days a sign-in attempt is kept; rate limits look back minutes, so older ones only fill
    /// the table.
    #[arg(
        long,
        env = "SHOPWAVE_KEEP_LOGIN_ATTEMPTS_DAYS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..=3650),
        global = true
    )]
    pub keep_login_attempts_days: u32,
    /// Days a guest's cart is kept after its last change (a signed-in shopper's is always kept).
    #[arg(
        long,
        env = "SHOPWAVE_KEEP_GUEST_CARTS_DAYS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..=3650),
        global = true
    )]
    pub keep_guest_carts_days: u32,
    /// Days a search outbox row is kept after it was written; a node down for longer rebuilds its
    /// search index when it starts.
    #[arg(
        long,
        env = "SHOPWAVE_KEEP_SEARCH_OUTBOX_DAYS",
        default_value_t = 7,
        value_parser = clap::value_parser!(u32).range(1..=3650),
        global = true
    )]
    pub keep_search_outbox_days: u32,
    /// A token that opens `/metrics` and `/healthz`'s details to a caller that sends it as
    /// `Authorization: Bearer TOKEN`; without it they answer only on this machine (loopback).
    #[arg(
        long,
        env = "SHOPWAVE_OPS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub ops_token: Option<String>,
    /// Secret keys used before the current one, comma-separated: what they sealed still opens
    /// until `serve` has sealed it again under the current key (docs/operations.md, "Rotate
    /// keys").
    #[arg(
        long,
        env = "SHOPWAVE_PREVIOUS_SECRET_KEYS",
        value_delimiter = ',',
        global = true,
        hide_env_values = true
    )]
    pub previous_secret_keys: Vec<String>,
}

impl Operations {
    /// The sealer of secrets at rest, from the current secret key and the previous ones.
    pub fn sealer(&self, secret: &[u8]) -> crate::accounts::sealed::Sealer {
        let previous: Vec<Vec<u8>> = self
            .previous_secret_keys
            .iter()
            .map(|key| key.trim().as_bytes().to_vec())
            .filter(|key| !key.is_empty())
            .collect();
        crate::accounts::sealed::Sealer::new(secret, &previous)
    }

    pub fn retention_ages(&self) -> Ages {
        Ages {
            login_attempts: Duration::days(self.keep_login_attempts_days.into()),
            guest_carts: Duration::days(self.keep_guest_carts_days.into()),
            search_outbox: Duration::days(self.keep_search_outbox_days.into()),
        }
    }
}
