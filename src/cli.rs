//! The `shopwave` command: parse settings, open the database, run the chosen sub-command.
//! Failures end with one clear line on stderr and exit status 1.

use std::process::ExitCode;

use clap::Parser;

use crate::config::{Cli, Command, ConfigError, Migrations, PaymentsKind, Settings};
use std::sync::Arc;

use crate::db::{self, Backend, DbConn};
use crate::payments::{Gateway, Processor};
use crate::web::{AppState, WebConfig};

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.settings.log);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!(
                "shopwave: {}",
                message.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

fn run(cli: Cli) -> Result<(), String> {
    let settings = cli.settings;
    let backend = settings.backend().map_err(|e| e.to_string())?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(&settings, &backend, demo),
        Command::Migrate => {
            let ran = db::migrate(&mut connect(&settings, &backend)?).map_err(|e| e.to_string())?;
            println!("{ran} migration(s) applied to {}", backend.display());
            Ok(())
        }
        Command::Seed { scale } => {
            let mut conn = migrated(&settings, &backend)?;
            let report = crate::seed::demo(&mut conn, scale).map_err(|e| e.to_string())?;
            println!("{report}");
            // Bulk data skips the outbox, so this node's index is built from the tables at once.
            if scale.is_some() {
                reindex(&settings, &mut conn)?;
            }
            Ok(())
        }
        Command::CreateAdmin { email, password } => {
            let mut conn = migrated(&settings, &backend)?;
            let id = crate::accounts::create_admin(&mut conn, &email, &password)
                .map_err(|e| e.to_string())?;
            println!("administrator {email} created (user id {id})");
            Ok(())
        }
        Command::SuspendUser { email } => {
            let id = crate::accounts::sessions::suspend_user(
                &mut migrated(&settings, &backend)?,
                &email,
            )
            .map_err(|e| match e {
                crate::error::Error::NotFound => format!("no account for {email}"),
                other => other.to_string(),
            })?;
            println!("user {id} ({email}) suspended; their sessions have ended");
            Ok(())
        }
        Command::Reindex => reindex(&settings, &mut migrated(&settings, &backend)?),
        Command::Check => check(&mut migrated(&settings, &backend)?),
        Command::Backup { dest } => {
            let mut conn = connect(&settings, &backend)?;
            let report = crate::backup::backup(&mut conn, &backend, &settings.data_dir, &dest)?;
            println!("{report}");
            Ok(())
        }
        Command::Restore { src } => {
            println!(
                "{}",
                crate::backup::restore(&backend, &settings.data_dir, &src)?
            );
            Ok(())
        }
        Command::Payouts { period } => payouts(&mut migrated(&settings, &backend)?, period),
        Command::Archive { before, dest } => {
            let before = crate::payouts::Period::parse(&before)
                .map_err(|e| format!("invalid --before {before:?}: {e}"))?;
            let archived =
                crate::archive::archive(&mut schema_current(&settings, &backend)?, before, &dest)
                    .map_err(|e| e.to_string())?;
            println!("{archived}; the rows are in {}", dest.display());
            Ok(())
        }
        Command::PaymentsSim { webhook_url } => {
            let key = settings.payments_sim_key().map_err(|e| e.to_string())?;
            let endpoint = match webhook_url {
                Some(url) => Some(crate::payments_sim::Endpoint {
                    url,
                    secret: settings
                        .payments_webhook_secret
                        .clone()
                        .ok_or_else(|| ConfigError::WebhookSecret.to_string())?,
                }),
                None => None,
            };
            crate::payments_sim::run(&settings.bind, &settings.data_dir, key, endpoint)
                .map_err(|e| format!("payment simulator stopped: {e}"))
        }
    }
}

/// The card processor this node pays through and the secret of its webhooks: the one
/// configured, or else a simulator started inside this process, posting its webhook events to
/// this node (kept running as long as the returned handle lives).
fn processor(
    settings: &Settings,
    bind: std::net::SocketAddr,
) -> Result<
    (
        Gateway,
        Option<String>,
        Option<crate::payments_sim::Running>,
    ),
    String,
> {
    let timeout = std::time::Duration::from_secs(settings.payments_timeout);
    let secret = settings.webhook_secret();
    if let Some(processor) = settings.payments_processor().map_err(|e| e.to_string())? {
        let (url, key) = (&processor.url, &processor.key);
        let gateway = match processor.kind {
            PaymentsKind::Simulator => Processor::new(url, key, timeout),
            PaymentsKind::Stripe => Processor::stripe(url, key, timeout),
        };
        if secret.is_none() {
            tracing::warn!(
                "no webhook secret: the processor's webhooks are refused, and the sweeper alone settles unanswered payments"
            );
        }
        return Ok((Arc::new(gateway), secret, None));
    }
    let simulator = crate::payments_sim::start(
        &settings.data_dir.join("payments-sim"),
        format!("sk_test_{}", crate::util::random_hex(24)),
    )
    .map_err(|e| format!("cannot start the payment simulator: {e}"))?;
    let secret = secret.unwrap_or_else(|| format!("whsec_{}", crate::util::random_hex(24)));
    let mut own_address = bind;
    if own_address.ip().is_unspecified() {
        own_address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    simulator
        .deliver_to(crate::payments_sim::Endpoint {
            url: format!("http://{own_address}/payments/webhook"),
            secret: secret.clone(),
        })
        .map_err(|e| format!("cannot start the payment simulator: {e}"))?;
    tracing::info!(url = %simulator.url, "payment simulator started inside this process");
    let gateway = Arc::new(Processor::new(&simulator.url, &simulator.api_key, timeout));
    Ok((gateway, Some(secret), Some(simulator)))
}

/// Makes the statements of `period` (default: last month) and prints one line per seller.
fn payouts(conn: &mut DbConn, period: Option<String>) -> Result<(), String> {
    use crate::payouts::{self, Period};
    let period = match period {
        Some(text) => {
            Period::parse(&text).map_err(|e| format!("invalid --period {text:?}: {e}"))?
        }
        None => Period::containing(crate::util::now().date()).previous(),
    };
    let summary = payouts::generate(conn, period, None).map_err(|e| e.to_string())?;
    if summary.statements.is_empty() {
        println!("payouts for {period}: nothing to pay");
        return Ok(());
    }
    println!(
        "payouts for {period}: {} statement(s)",
        summary.statements.len()
    );
    for made in &summary.statements {
        println!(
            "  {}: gross {}, commission {}, net {} ({} line(s), statement {})",
            made.seller_name, made.gross, made.commission, made.net, made.lines, made.payout_id
        );
    }
    Ok(())
}

/// Prints each broken invariant (the first 20 of each check) and fails when there is any.
fn check(conn: &mut DbConn) -> Result<(), String> {
    let checks = crate::checks::run_all(conn).map_err(|e| e.to_string())?;
    let failed: Vec<_> = checks.iter().filter(|c| !c.findings.is_empty()).collect();
    if failed.is_empty() {
        println!("all {} checks passed", checks.len());
        return Ok(());
    }
    for check in &failed {
        println!("{} ({} finding(s)):", check.name, check.findings.len());
        for finding in check.findings.iter().take(20) {
            println!("  {finding}");
        }
    }
    Err(format!(
        "{} of {} checks failed",
        failed.len(),
        checks.len()
    ))
}

/// One connection, for commands and start-up; a database that cannot be reached fails here, fast.
fn connect(settings: &Settings, backend: &Backend) -> Result<DbConn, String> {
    if backend.is_sqlite() {
        settings.ensure_data_dir().map_err(|e| e.to_string())?;
    }
    db::establish(backend).map_err(|e| {
        format!("cannot open {}: {e}", backend.display())
            .trim_end()
            .to_owned()
    })
}

fn migrated(settings: &Settings, backend: &Backend) -> Result<DbConn, String> {
    let mut conn = connect(settings, backend)?;
    db::migrate(&mut conn).map_err(|e| e.to_string())?;
    Ok(conn)
}

/// A connection to a database that has every migration of this binary applied, checked
/// without changing anything (`--migrations check`).
fn schema_current(settings: &Settings, backend: &Backend) -> Result<DbConn, String> {
    let mut conn = connect(settings, backend)?;
    let missing = db::unapplied_migrations(&mut conn).map_err(|e| e.to_string())?;
    if missing.is_empty() {
        Ok(conn)
    } else {
        Err(format!(
            "the database lacks {} migration(s) of this binary (from {}): run `shopwave migrate` as the schema's owner first",
            missing.len(),
            missing[0]
        ))
    }
}

/// How often the payment sweeper looks for orders whose payment window has passed.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(30);
/// How often the retention job removes rows past their age.
const RETENTION_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
/// How often the server checks that the coming months' order partitions exist (PostgreSQL).
const ORDER_MONTHS_EVERY: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

fn serve(settings: &Settings, backend: &Backend, demo: bool) -> Result<(), String> {
    let bind = settings.bind_addr().map_err(|e| e.to_string())?;
    let public_url = settings.public_url().map_err(|e| e.to_string())?;
    let replica = settings.replica().map_err(|e| e.to_string())?;
    settings.ensure_data_dir().map_err(|e| e.to_string())?;
    let secret = settings.secret_key().map_err(|e| e.to_string())?;
    let sealer = std::sync::Arc::new(settings.operations.sealer(&secret));
    let (payments, webhook_secret, _simulator) = processor(settings, bind)?;
    {
        let mut conn = match settings.operations.migrations {
            Migrations::Apply => migrated(settings, backend)?,
            Migrations::Check => schema_current(settings, backend)?,
        };
        db::check_durability(&mut conn).map_err(|e| e.to_string())?;
        crate::orders::months::make_ahead(&mut conn)
            .map_err(|e| format!("making the coming months' order partitions: {e}"))?;
        if let Some(report) = crate::seed::demo_if_empty(&mut conn).map_err(|e| e.to_string())? {
            println!("{report}");
        }
        let resealed = crate::accounts::sealed::reseal_all(&mut conn, &sealer)
            .map_err(|e| format!("sealing account secrets: {e}"))?;
        if resealed > 0 {
            tracing::info!(resealed, "account secrets sealed under the current key");
        }
    }
    let pool = db::connect(backend, settings.db_pool)
        .map_err(|e| format!("cannot open {}: {e}", backend.display()))?;
    tracing::info!(database = %backend.display(), "database ready");
    if let Some(replica) = &replica {
        tracing::info!(replica = %replica.display(), "reports read the replica");
    }
    let replica = replica.map(|replica| db::connect_replica(&replica, settings.db_pool));
    crate::web::metrics::count_panics();
    let search = open_search(settings)?;
    let indexer = crate::search::Indexer::new(search.clone()).map_err(|e| e.to_string())?;
    // Stops (and is joined) when `serve` returns, after the server has drained.
    let _indexer = crate::search::spawn(
        std::sync::Arc::new(indexer),
        pool.clone(),
        std::time::Duration::from_millis(100),
    );
    let catalog = std::sync::Arc::new(crate::catalog::cache::CatalogCache::new(
        search.clone(),
        settings.catalog_cache,
    ));
    let state = AppState {
        pool,
        replica,
        data_dir: settings.data_dir.clone(),
        demo_mode: demo,
        public_url,
        search,
        catalog,
        pages: std::sync::Arc::new(crate::web::rendered::RenderedPages::new(
            settings.catalog_cache,
        )),
        images: std::sync::Arc::new(crate::images::FsStore::in_data_dir(&settings.data_dir)),
        payments,
        webhook_secret,
        ops_token: settings.operations.ops_token.clone(),
        sealer,
        stock_hold: crate::inventory::holds::HoldFor::minutes(settings.stock_hold_minutes),
    };
    // Settles orders a crash left waiting for payment, then keeps sweeping.
    std::sync::Arc::new(crate::web::payment_saga(&state)).spawn_sweeper(SWEEP_EVERY);
    crate::retention::spawn(
        state.pool.clone(),
        settings.operations.retention_ages(),
        RETENTION_EVERY,
    );
    crate::orders::months::spawn_keeper(state.pool.clone(), ORDER_MONTHS_EVERY);
    // Carries on the CSV imports a stopped node left running, from their checkpoints.
    let catalog = state.catalog.clone();
    crate::sellers::bulk::resume_running(state.pool.clone(), move || catalog.changed());
    let config = WebConfig {
        secret,
        secure_cookies: settings.secure_cookies,
        static_dir: static_dir(),
        timeouts: crate::web::Timeouts {
            head: std::time::Duration::from_secs(settings.request_timeout),
            body: std::time::Duration::from_secs(settings.request_timeout),
        },
    };
    actix_web::rt::System::new()
        .block_on(crate::web::serve(state, config, bind))
        .map_err(|e| format!("server stopped: {e}"))
}

fn reindex(settings: &Settings, conn: &mut DbConn) -> Result<(), String> {
    let started = std::time::Instant::now();
    let indexer = crate::search::Indexer::new(open_search(settings)?).map_err(|e| e.to_string())?;
    let count = indexer.rebuild(conn).map_err(|e| e.to_string())?;
    println!(
        "search index rebuilt: {count} published product(s) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn open_search(settings: &Settings) -> Result<std::sync::Arc<crate::search::SearchIndex>, String> {
    crate::search::SearchIndex::open(&settings.data_dir)
        .map(std::sync::Arc::new)
        .map_err(|e| e.to_string())
}

/// `static/` beside the working directory, else the one this binary was built from.
fn static_dir() -> std::path::PathBuf {
    let local = std::path::PathBuf::from("static");
    if local.is_dir() {
        local
    } else {
        std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static"))
    }
}
