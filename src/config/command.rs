//! The sub-commands of `shopwave`.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the shop (the default).
    Serve {
        /// Skip the two-factor requirement for admins: for demos only, and says so on every admin page.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill the database with a demo shop.
    Seed {
        /// Volume relative to the full benchmark shop (1.0 = 500,000 products); omit for the small demo shop.
        #[arg(long)]
        scale: Option<f64>,
    },
    /// Create an administrator account.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// Read from SHOPWAVE_ADMIN_PASSWORD when not given, so it stays out of shell history.
        #[arg(long, env = "SHOPWAVE_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Suspend an account: it can no longer sign in, and its sessions end at once on every node.
    SuspendUser {
        #[arg(long)]
        email: String,
    },
    /// Rebuild this node's search index from the database (stop the server first).
    Reindex,
    /// Make each seller's payout statement for a closed month (once per seller and month).
    Payouts {
        /// The month, YYYY-MM; the previous month when not given.
        #[arg(long)]
        period: Option<String>,
    },
    /// Run the card processor simulator on --bind, keeping its books in --data-dir; shops reach it
    /// with --payments-url and --payments-key.
    PaymentsSim {
        /// The shop's webhook endpoint (e.g. https://shop.example.com/payments/webhook), where
        /// events are posted signed with --payments-webhook-secret.
        #[arg(long)]
        webhook_url: Option<String>,
    },
    /// Copy the shop (database, pictures, keys) into DEST, a new folder, while it keeps serving.
    Backup { dest: PathBuf },
    /// Make the shop at --data-dir and DATABASE_URL (which must hold no shop yet) from the
    /// backup in SRC.
    Restore { src: PathBuf },
    /// Move every order placed before a month, settled, out of the database (PostgreSQL) into
    /// DEST, a new folder of JSON Lines files; run with the DATABASE_URL that migrates.
    Archive {
        /// The first month kept, YYYY-MM: every order placed before it is archived.
        #[arg(long)]
        before: String,
        dest: PathBuf,
    },
    /// Verify the shop's money and stock invariants; print what is wrong and exit 1 if anything is.
    #[command(alias = "check-stock")]
    Check,
}
