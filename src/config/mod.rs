//! Command line and environment: every setting has a flag and a variable, and bad values stop
//! the program with one clear line.

use std::path::PathBuf;

use clap::{Args, Parser};

use crate::db::Backend;

mod command;
mod keys;
mod operations;
pub use command::Command;
pub use operations::{Migrations, Operations};

#[derive(Debug, Parser)]
#[command(
    name = "shopwave",
    version,
    about = "A server-rendered storefront on SQLite or PostgreSQL"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Which card processor the shop pays through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PaymentsKind {
    Simulator,
    Stripe,
}

/// What stands between the shop and PostgreSQL (`--db-pooler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DbPooler {
    None,
    Transaction,
}

/// A card processor reached over the network: which, where, and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessorSettings {
    pub kind: PaymentsKind,
    pub url: String,
    pub key: String,
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to serve on.
    #[arg(
        long,
        env = "SHOPWAVE_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,
    /// Directory for the SQLite database, the search index, the secret key and outgoing mail.
    #[arg(long, env = "SHOPWAVE_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// postgres://user@host/db for PostgreSQL; a path or sqlite://path for SQLite (default: DATA_DIR/shopwave.sqlite3).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// postgres://user@host/db of a streaming replica of the PostgreSQL primary: the reports
    /// (seller dashboard, sales report) read it, and fall back to the primary while it is away.
    #[arg(
        long,
        env = "DATABASE_REPLICA_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_replica_url: Option<String>,
    /// Key that signs cookies, 64 or more characters; generated once and kept in DATA_DIR when not given.
    #[arg(
        long,
        env = "SHOPWAVE_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
    /// Mark cookies Secure and __Host- prefixed: set it whenever the shop is served over HTTPS.
    #[arg(long, env = "SHOPWAVE_SECURE_COOKIES", global = true)]
    pub secure_cookies: bool,
    /// Catalog pages (of each kind: category, product, search) kept in memory between changes; 0 turns the cache off.
    #[arg(
        long,
        env = "SHOPWAVE_CATALOG_CACHE",
        default_value_t = 10_000,
        global = true
    )]
    pub catalog_cache: usize,
    /// Database connections the server may hold open (default 8).
    #[arg(long, env = "SHOPWAVE_DB_POOL", global = true)]
    pub db_pool: Option<u32>,
    /// What stands between the shop and PostgreSQL: `none` (a direct connection, or a pooler in
    /// session mode) or `transaction` (a pooler in transaction mode, e.g. pgbouncer's
    /// `pool_mode = transaction`; the role must carry the limits of docs/app_role.sql).
    #[arg(
        long,
        env = "SHOPWAVE_DB_POOLER",
        value_enum,
        default_value_t = DbPooler::None,
        global = true
    )]
    pub db_pooler: DbPooler,
    /// Seconds a client may take to send a request's head, and again its body; a slower one gets
    /// 408 and its connection closes.
    #[arg(
        long,
        env = "SHOPWAVE_REQUEST_TIMEOUT",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=600),
        global = true
    )]
    pub request_timeout: u64,
    /// The address shoppers reach the shop at (e.g. https://shop.example.com), used for links in
    /// e-mails; default http:// and the --bind address. Links never follow a request's Host
    /// header, which a client chooses.
    #[arg(long, env = "SHOPWAVE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// The card processor: `simulator` (a `shopwave payments-sim` at --payments-url, or else one
    /// `serve` starts inside its own process) or `stripe` (Stripe's API; the key and webhook
    /// secret are read from STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET unless given below).
    #[arg(
        long,
        env = "SHOPWAVE_PAYMENTS",
        value_enum,
        default_value_t = PaymentsKind::Simulator,
        global = true
    )]
    pub payments: PaymentsKind,
    /// The card processor's API address (a `shopwave payments-sim`, e.g. http://10.0.0.5:8090;
    /// for Stripe, https://api.stripe.com unless given); when not given, `serve` starts the
    /// simulator inside its own process.
    #[arg(long, env = "SHOPWAVE_PAYMENTS_URL", global = true)]
    pub payments_url: Option<String>,
    /// The card processor's API key: needed with --payments-url, and the key `payments-sim`
    /// accepts (generated once and kept in DATA_DIR when not given).
    #[arg(
        long,
        env = "SHOPWAVE_PAYMENTS_KEY",
        global = true,
        hide_env_values = true
    )]
    pub payments_key: Option<String>,
    /// The secret the card processor signs its webhook events with (`whsec_…`); without it the
    /// shop's webhook endpoint is closed and the sweeper alone settles unanswered payments.
    #[arg(
        long,
        env = "SHOPWAVE_PAYMENTS_WEBHOOK_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub payments_webhook_secret: Option<String>,
    /// Seconds to wait for the card processor's answer before asking again (three tries in all).
    #[arg(
        long,
        env = "SHOPWAVE_PAYMENTS_TIMEOUT",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(1..=120),
        global = true
    )]
    pub payments_timeout: u64,
    /// Minutes the checkout holds a cart's units for the shopper who opened it; 0 turns holds off.
    #[arg(
        long,
        env = "SHOPWAVE_STOCK_HOLD_MINUTES",
        default_value_t = crate::inventory::holds::HoldFor::DEFAULT_MINUTES,
        value_parser = clap::value_parser!(u32).range(0..=1440),
        global = true
    )]
    pub stock_hold_minutes: u32,
    #[command(flatten)]
    pub operations: Operations,
    /// Log filter, e.g. "info" or "shopwave=debug,actix_web=info".
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid --bind address {0:?}: expected host:port, e.g. 127.0.0.1:8080")]
    Bind(String),
    #[error(
        "invalid --public-url {0:?}: expected http:// or https:// and a host, e.g. https://shop.example.com"
    )]
    PublicUrl(String),
    #[error("SHOPWAVE_SECRET_KEY must be at least 64 characters (it has {0})")]
    ShortSecret(usize),
    #[error(
        "the card processor needs its API key in --payments-key (SHOPWAVE_PAYMENTS_KEY), or for Stripe in STRIPE_SECRET_KEY"
    )]
    PaymentsKey,
    #[error("invalid --payments-url {0:?}: expected http:// or https:// and a host")]
    PaymentsUrl(String),
    #[error("--webhook-url needs the secret to sign events with in --payments-webhook-secret")]
    WebhookSecret,
    #[error(
        "DATABASE_REPLICA_URL must name a PostgreSQL standby of a PostgreSQL DATABASE_URL \
         (a replica is a PostgreSQL feature)"
    )]
    Replica,
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] crate::db::Error),
}

impl Settings {
    pub fn backend(&self) -> Result<Backend, ConfigError> {
        let backend = match &self.database_url {
            Some(url) if !url.trim().is_empty() => Backend::from_url(url.trim())?,
            _ => Backend::Sqlite(
                self.data_dir
                    .join("shopwave.sqlite3")
                    .to_string_lossy()
                    .into_owned(),
            ),
        };
        self.reached(backend)
    }

    /// `backend` as the nodes reach it: directly, or through a transaction pooler.
    fn reached(&self, backend: Backend) -> Result<Backend, ConfigError> {
        Ok(match self.db_pooler {
            DbPooler::None => backend,
            DbPooler::Transaction => backend.via_pooler()?,
        })
    }

    /// The read replica the reports read, when one is given; only beside a PostgreSQL primary.
    pub fn replica(&self) -> Result<Option<Backend>, ConfigError> {
        let Some(url) = self.database_replica_url.as_deref().map(str::trim) else {
            return Ok(None);
        };
        let replica = Backend::from_url(url)?;
        if self.backend()?.is_sqlite() || replica.is_sqlite() {
            return Err(ConfigError::Replica);
        }
        self.reached(replica).map(Some)
    }

    pub fn bind_addr(&self) -> Result<std::net::SocketAddr, ConfigError> {
        use std::net::ToSocketAddrs;
        self.bind
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .ok_or_else(|| ConfigError::Bind(self.bind.clone()))
    }

    /// The shop's public origin for links in e-mails, without a trailing slash.
    pub fn public_url(&self) -> Result<String, ConfigError> {
        let Some(url) = &self.public_url else {
            return Ok(format!("http://{}", self.bind.trim()));
        };
        let url = url.trim().trim_end_matches('/');
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or("");
        if host.is_empty()
            || host.contains(|c: char| c == '/' || c.is_whitespace() || c.is_control())
        {
            return Err(ConfigError::PublicUrl(url.to_owned()));
        }
        Ok(url.to_owned())
    }

    pub fn ensure_data_dir(&self) -> Result<(), ConfigError> {
        std::fs::create_dir_all(&self.data_dir).map_err(|source| ConfigError::DataDir {
            path: self.data_dir.display().to_string(),
            source,
        })
    }

    /// The card processor this shop pays through, if one is configured: which, its address and
    /// its key.
    pub fn payments_processor(&self) -> Result<Option<ProcessorSettings>, ConfigError> {
        let url = match (&self.payments_url, self.payments) {
            (Some(url), _) => url.trim().trim_end_matches('/'),
            (None, PaymentsKind::Stripe) => crate::payments::STRIPE_API,
            (None, PaymentsKind::Simulator) => return Ok(None),
        };
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or("");
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(ConfigError::PaymentsUrl(url.to_owned()));
        }
        let key = match self.payments {
            PaymentsKind::Simulator => self.payments_key.clone(),
            PaymentsKind::Stripe => self
                .payments_key
                .clone()
                .or_else(|| std::env::var("STRIPE_SECRET_KEY").ok()),
        };
        Ok(Some(ProcessorSettings {
            kind: self.payments,
            url: url.to_owned(),
            key: key.ok_or(ConfigError::PaymentsKey)?,
        }))
    }

    /// The secret the processor signs its webhooks with: given, or for Stripe read from
    /// STRIPE_WEBHOOK_SECRET.
    pub fn webhook_secret(&self) -> Option<String> {
        match self.payments {
            _ if self.payments_webhook_secret.is_some() => self.payments_webhook_secret.clone(),
            PaymentsKind::Stripe => std::env::var("STRIPE_WEBHOOK_SECRET").ok(),
            PaymentsKind::Simulator => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn public_url(arg: Option<&str>) -> Result<String, ConfigError> {
        let mut args = vec!["shopwave", "--bind", "127.0.0.1:8080"];
        if let Some(url) = arg {
            args.extend(["--public-url", url]);
        }
        Cli::try_parse_from(args)
            .expect("arguments")
            .settings
            .public_url()
    }

    #[test]
    fn links_point_at_the_configured_address_or_the_bound_one() {
        assert_eq!(public_url(None).unwrap(), "http://127.0.0.1:8080");
        assert_eq!(
            public_url(Some("https://shop.example.com/")).unwrap(),
            "https://shop.example.com"
        );
        for bad in [
            "shop.example.com",
            "ftp://shop",
            "https://",
            "https://a b",
            "https://x/y",
        ] {
            assert!(public_url(Some(bad)).is_err(), "{bad}");
        }
    }

    fn processor(args: &[&str]) -> Result<Option<ProcessorSettings>, ConfigError> {
        let all = [&["shopwave"], args].concat();
        Cli::try_parse_from(all)
            .expect("arguments")
            .settings
            .payments_processor()
    }

    #[test]
    fn the_processor_is_the_simulator_unless_stripe_or_an_address_is_named() {
        assert_eq!(processor(&[]).unwrap(), None);
        let stripe = processor(&["--payments", "stripe", "--payments-key", "sk_test_1"]);
        assert_eq!(
            stripe.unwrap(),
            Some(ProcessorSettings {
                kind: PaymentsKind::Stripe,
                url: "https://api.stripe.com".into(),
                key: "sk_test_1".into(),
            })
        );
        let simulator = processor(&[
            "--payments-url",
            "http://10.0.0.5:8090/",
            "--payments-key",
            "k",
        ]);
        assert_eq!(
            simulator.unwrap().map(|p| (p.kind, p.url)),
            Some((PaymentsKind::Simulator, "http://10.0.0.5:8090".into()))
        );
        assert!(
            processor(&["--payments-url", "http://10.0.0.5:8090"]).is_err(),
            "no key"
        );
        assert!(Cli::try_parse_from(["shopwave", "--payments", "paypal"]).is_err());
    }
}
