//! The `shopwave` command: bad configuration is one clear line and exit status 1; commands work
//! on a fresh data directory.

use std::process::Command;

fn shopwave(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shopwave"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run shopwave");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[track_caller]
fn assert_one_clear_line(stderr: &str, mentions: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got:\n{stderr}");
    assert!(
        lines[0].starts_with("shopwave: ") && lines[0].contains(mentions),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unsupported_database_url_is_one_clear_line() {
    let (code, _, stderr) = shopwave(
        &["migrate"],
        &[("DATABASE_URL", "mysql://root@localhost/shop")],
    );
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "unsupported DATABASE_URL");
}

#[test]
fn an_unreachable_postgres_is_one_clear_line() {
    let (code, _, stderr) = shopwave(
        &["migrate"],
        &[("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")],
    );
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "cannot open postgres://nobody@127.0.0.1:1/none");
}

#[test]
fn a_bad_bind_address_or_short_secret_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (code, _, stderr) = shopwave(&["--data-dir", data, "--bind", "not-an-address"], &[]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "invalid --bind address");
    let (code, _, stderr) = shopwave(
        &["--data-dir", data, "--bind", "127.0.0.1:0"],
        &[("SHOPWAVE_SECRET_KEY", "short")],
    );
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "at least 64 characters");
}

#[test]
fn a_read_replica_beside_sqlite_or_through_a_pooler_on_sqlite_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (code, _, stderr) = shopwave(
        &["--data-dir", data, "--bind", "127.0.0.1:0"],
        &[("DATABASE_REPLICA_URL", "postgres://shop@10.0.0.6/shop")],
    );
    assert_eq!(code, 1);
    assert_one_clear_line(
        &stderr,
        "DATABASE_REPLICA_URL must name a PostgreSQL standby",
    );
    let (code, _, stderr) = shopwave(
        &[
            "--data-dir",
            data,
            "--bind",
            "127.0.0.1:0",
            "--db-pooler",
            "transaction",
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert_one_clear_line(
        &stderr,
        "a connection pooler stands in front of PostgreSQL only",
    );
}

#[test]
fn migrate_and_seed_work_on_a_fresh_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = shopwave(&["--data-dir", data, "migrate"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("migration(s) applied"));
    let (code, stdout, stderr) = shopwave(&["--data-dir", data, "seed"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("500 products") && stdout.contains("admin@shopwave.test"),
        "{stdout}"
    );
    let all_passed = format!("all {} checks passed", shopwave::checks::COUNT);
    let (code, stdout, _) = shopwave(&["--data-dir", data, "check"], &[]);
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), all_passed);
    let (code, stdout, _) = shopwave(&["--data-dir", data, "check-stock"], &[]);
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), all_passed);
    let (code, _, stderr) = shopwave(&["--data-dir", data, "seed"], &[]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "already has data");
}

#[test]
fn check_prints_what_is_wrong_and_fails() {
    use diesel::{Connection, connection::SimpleConnection};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (code, _, stderr) = shopwave(&["--data-dir", data, "seed"], &[]);
    assert_eq!(code, 0, "{stderr}");
    let file = dir.path().join("shopwave.sqlite3");
    diesel::SqliteConnection::establish(file.to_str().unwrap())
        .unwrap()
        .batch_execute(
            "UPDATE product_variants SET stock = stock + 1 WHERE sku = (SELECT MIN(sku) FROM product_variants WHERE stock > 0)",
        )
        .unwrap();
    let (code, stdout, stderr) = shopwave(&["--data-dir", data, "check"], &[]);
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("stock equals the inventory ledger (1 finding(s)):\n  variant "),
        "{stdout}"
    );
    assert_one_clear_line(
        &stderr,
        &format!("1 of {} checks failed", shopwave::checks::COUNT),
    );
}

#[test]
fn payouts_makes_last_months_statements_or_says_there_is_nothing_to_pay() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (code, _, stderr) = shopwave(&["--data-dir", data, "payouts", "--period", "2026-13"], &[]);
    assert_eq!(code, 1);
    assert_one_clear_line(
        &stderr,
        "invalid --period \"2026-13\": The month must be from 01 to 12.",
    );
    let (code, _, stderr) = shopwave(
        &["--data-dir", data, "payouts", "--period", "Nov 2026"],
        &[],
    );
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "YYYY-MM");
    let (code, _, stderr) = shopwave(&["--data-dir", data, "payouts", "--period", "2999-01"], &[]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "The year must be from 2000 to 2100.");
    let (code, stdout, stderr) =
        shopwave(&["--data-dir", data, "payouts", "--period", "2026-01"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "payouts for 2026-01: nothing to pay");
    let last = shopwave::payouts::Period::containing(shopwave::util::now().date()).previous();
    let (code, stdout, stderr) = shopwave(&["--data-dir", data, "payouts"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), format!("payouts for {last}: nothing to pay"));
}

/// A statement made from the command line: one line per seller with its figures.
#[test]
fn payouts_prints_each_sellers_gross_commission_and_net() {
    use crate::common::payouts::*;
    let db = crate::common::TestDb::sqlite();
    let conn = &mut db.conn();
    let shop = shop(conn);
    let (seller, mug) = seller_selling(conn, 1500, "Mug", 3333);
    let (order, _) = paid_order(&db, &shop, &[(mug, 1)]);
    let (_, period) = closed_months();
    delivered(
        conn,
        order,
        seller,
        period.end() - chrono::Duration::days(40),
    );
    let data = db.data_dir();
    let data = data.to_str().unwrap();
    let file = format!("{data}/test.sqlite3");
    let env = [("DATABASE_URL", file.as_str())];
    let (code, stdout, stderr) = shopwave(
        &[
            "--data-dir",
            data,
            "payouts",
            "--period",
            &period.to_string(),
        ],
        &env,
    );
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[0], format!("payouts for {period}: 1 statement(s)"));
    // 15 % of $33.33 is 499.95 cents → $5.00; the $2.75 tax is not charged commission.
    assert!(
        lines[1].contains(": gross $33.33, commission $5.00, net $28.33 (1 line(s), statement "),
        "{stdout}"
    );
    let (_, stdout, _) = shopwave(
        &[
            "--data-dir",
            data,
            "payouts",
            "--period",
            &period.to_string(),
        ],
        &env,
    );
    assert_eq!(
        stdout.trim(),
        format!("payouts for {period}: nothing to pay")
    );
}
