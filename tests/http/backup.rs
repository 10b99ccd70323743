//! `shopwave backup` while checkouts run, then `shopwave restore` into a new data directory (and,
//! on PostgreSQL, a new database): the copy passes `shopwave check`, holds the orders placed
//! before the backup began, carries the pictures and keys, and a second restore into it is
//! refused.

use std::path::Path;
use std::process::{Command, Output};

use diesel::prelude::*;
use shopwave::db::schema::orders;
use shopwave::db::{self, Backend};

use crate::common::TestDb;
use crate::common::commerce::{APPROVED, add_to_cart, buyer, order_request, saga};
use crate::common::payouts::{seller_selling, shop};
use crate::on_both_backends;

const BEFORE: usize = 3;
const DURING: usize = 9;

pub(crate) fn shopwave(database_url: &str, data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shopwave"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("SHOPWAVE_DATA_DIR", data_dir)
        .env("RUST_LOG", "error")
        .output()
        .expect("run shopwave")
}

pub(crate) fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A database for the restored shop: a new SQLite file in `dir`, or a new PostgreSQL database
/// searched in the source's schema (the dump recreates it). Returns its URL.
fn new_database(db: &TestDb, dir: &Path) -> String {
    match &db.backend {
        Backend::Sqlite(_) => dir.join("shopwave.sqlite3").display().to_string(),
        Backend::Postgres(_) | Backend::PostgresViaPooler(_) => {
            let server = std::env::var("TEST_DATABASE_URL").expect("the PostgreSQL server");
            let name = format!("restore_{}", shopwave::util::random_hex(6));
            let mut admin = db::establish(&Backend::Postgres(server.clone())).expect("the server");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .expect("a new database");
            let schema: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
                "current_schema()",
            ))
            .get_result(&mut db.conn())
            .expect("the source's schema");
            let (base, query) = server
                .split_once('?')
                .map_or((server.as_str(), None), |(b, q)| (b, Some(q)));
            let (root, _) = base.rsplit_once('/').expect("a database name in the URL");
            let extra = query.map(|q| format!("{q}&")).unwrap_or_default();
            format!("{root}/{name}?{extra}options=-c%20search_path%3D{schema}")
        }
    }
}

fn drop_database(url: &str) {
    if let Some(name) = url
        .strip_prefix("postgres")
        .and_then(|u| u.rsplit('/').next())
        .and_then(|n| n.split('?').next())
    {
        let server = std::env::var("TEST_DATABASE_URL").expect("the PostgreSQL server");
        let mut admin = db::establish(&Backend::Postgres(server)).expect("the server");
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin);
    }
}

on_both_backends! {
    async fn a_backup_taken_while_checkouts_run_restores_into_a_shop_that_passes_its_checks(db: TestDb) {
        let (shipping, variant) = {
            let conn = &mut db.conn();
            let shipping = shop(conn).shipping;
            (shipping, seller_selling(conn, 1_000, "Backed-up Lamp", 2_500).1)
        };
        let buyers: Vec<_> = (0..BEFORE + DURING).map(|_| buyer(&db, APPROVED)).collect();
        let check_out = |b: &crate::common::commerce::Buyer| {
            add_to_cart(&mut db.conn(), b.id, variant, 1);
            saga(&db).submit(&order_request(b.id, b.address, shipping, b.card)).expect("an order");
        };
        buyers[..BEFORE].iter().for_each(check_out);
        let picture = db.data_dir().join("images").join("0123abcd-small.webp");
        std::fs::create_dir_all(picture.parent().unwrap()).unwrap();
        std::fs::write(&picture, b"a picture").unwrap();
        std::fs::write(db.data_dir().join("secret_key"), "k".repeat(64)).unwrap();
        let source_url = db.backend.url().to_owned();
        let work = tempfile::tempdir().unwrap();
        let backup = work.path().join("backup");

        let taken = std::thread::scope(|s| {
            let during = s.spawn(|| buyers[BEFORE..].iter().for_each(check_out));
            let taken = shopwave(&source_url, &db.data_dir(), &["backup", backup.to_str().unwrap()]);
            during.join().expect("the checkouts during the backup");
            taken
        });
        assert!(taken.status.success(), "backup failed: {}", said(&taken));
        assert!(said(&taken).contains("backup written to"), "{}", said(&taken));

        let copy_dir = work.path().join("restored");
        let copy_url = new_database(&db, &copy_dir);
        let restored = shopwave(&copy_url, &copy_dir, &["restore", backup.to_str().unwrap()]);
        assert!(restored.status.success(), "restore failed: {}", said(&restored));
        let checked = shopwave(&copy_url, &copy_dir, &["check"]);
        assert!(checked.status.success(), "the restored shop fails its checks: {}", said(&checked));
        assert!(said(&checked).contains("checks passed"), "{}", said(&checked));

        let copy = Backend::from_url(&copy_url).expect("a URL");
        let kept: i64 = orders::table.count().get_result(&mut db::establish(&copy).expect("the copy")).expect("orders");
        assert!((BEFORE as i64..=(BEFORE + DURING) as i64).contains(&kept), "{kept} orders in the copy");
        assert_eq!(std::fs::read(copy_dir.join("images/0123abcd-small.webp")).unwrap(), b"a picture");
        assert_eq!(
            std::fs::read_to_string(copy_dir.join("secret_key")).unwrap(),
            "k".repeat(64),
            "the key that signs cookies comes along, so visitors stay signed in"
        );

        let again = shopwave(&copy_url, &copy_dir, &["restore", backup.to_str().unwrap()]);
        assert!(!again.status.success(), "a second restore over a shop must be refused");
        let into_existing = shopwave(&source_url, &db.data_dir(), &["backup", backup.to_str().unwrap()]);
        assert!(!into_existing.status.success(), "a backup never writes into an existing folder");
        drop_database(&copy_url);
    }
}
