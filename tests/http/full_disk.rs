//! The disk under a SQLite shop fills up while it serves: a change is refused with a 503 page
//! that says so and changes nothing, pages are still served, and once space is freed the shop
//! takes changes again by itself. The database lives on a small tmpfs the test mounts (CI runs
//! as root; elsewhere the test is skipped when it may not mount).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use shopwave::db::schema::{cart_items, carts, product_variants, products, users};
use shopwave::db::{self, Backend, DbConn};

use crate::common::nodes::{Response, Visitor, request, serve};
use crate::common::{TEST_SECRET, plant_session};

/// A 64 MB tmpfs mounted on a folder of its own, unmounted with it.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("a folder");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|output| output.status.success());
        if !mounted {
            assert!(
                std::env::var("CI").is_err(),
                "CI runs as root and may mount a tmpfs"
            );
            eprintln!("cannot mount a tmpfs here: skipping the full-disk test");
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk has no byte left.
    fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).expect("the filler");
        let block = vec![0u8; 1 << 20];
        while file.write_all(&block).is_ok() {}
        while file.write_all(&block[..4096]).is_ok() {}
        while file.write_all(&[0]).is_ok() {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Adds one unit of `variant` to the shopper's cart, through the product page's form.
fn add_one(shopper: &mut Visitor, variant: i64) -> Response {
    shopper.post(
        "/cart/add",
        &[("variant_id", &variant.to_string()), ("quantity", "1")],
    )
}

/// The units in the user's cart, line by line.
fn cart(conn: &mut DbConn, user: i64) -> Vec<(i64, i32)> {
    cart_items::table
        .inner_join(carts::table)
        .filter(carts::user_id.eq(user))
        .select((cart_items::variant_id, cart_items::quantity))
        .order(cart_items::id)
        .load(conn)
        .expect("the cart")
}

#[test]
fn a_full_disk_refuses_changes_clearly_serves_pages_and_heals_when_space_is_freed() {
    let Some(disk) = SmallDisk::mount() else {
        return;
    };
    let file = disk.path().join("shopwave.sqlite3").display().to_string();
    let secret = String::from_utf8(TEST_SECRET.to_vec()).expect("text");
    let (mut server, at, _data) = serve(
        &file,
        &[
            ("SHOPWAVE_SECRET_KEY", secret),
            // A new database, which the node migrates and fills with the demo shop.
            ("SHOPWAVE_MIGRATIONS", "apply".to_owned()),
        ],
    );
    let conn = &mut db::establish(&Backend::Sqlite(file.clone())).expect("the shop's database");
    let user: i64 = users::table
        .filter(users::role.eq("customer"))
        .select(users::id)
        .first(conn)
        .expect("a demo shopper");
    let (slug, variants): (String, Vec<i64>) = {
        let (product, slug): (i64, String) = products::table
            .filter(products::status.eq(shopwave::catalog::ProductStatus::Active))
            .select((products::id, products::slug))
            .first(conn)
            .expect("a product");
        let variants = product_variants::table
            .filter(product_variants::product_id.eq(product))
            .filter(product_variants::stock.ge(2))
            .select(product_variants::id)
            .load(conn)
            .expect("its variants");
        (slug, variants)
    };
    let mut shopper = Visitor::signed_in(at, plant_session(conn, user));
    let product_page = format!("/p/{slug}");
    assert_eq!(shopper.get(&product_page).status, 200);
    assert_eq!(add_one(&mut shopper, variants[0]).status, 303);
    let before = cart(conn, user);

    // The write-ahead log is emptied, so the next change must grow a file on the full disk.
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("checkpoint");
    let filler = disk.fill();
    let refused = add_one(&mut shopper, variants[0]);
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("its storage is full. Nothing was changed"),
        "{}",
        refused.body
    );
    assert_eq!(cart(conn, user), before, "nothing was changed");
    assert_eq!(
        shopper.get(&product_page).status,
        200,
        "pages are still served"
    );
    assert_eq!(shopper.get("/cart").status, 200);
    assert_eq!(
        request(at, "GET /", "", None)
            .expect("the home page")
            .status,
        200
    );

    std::fs::remove_file(filler).expect("space freed");
    let mut status = 0;
    for _ in 0..50 {
        status = add_one(&mut shopper, variants[0]).status;
        if status == 303 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        status, 303,
        "the shop takes changes again once space is freed"
    );
    let added_once_more: Vec<(i64, i32)> = before
        .iter()
        .map(|&(variant, units)| (variant, units + i32::from(variant == variants[0])))
        .collect();
    assert_eq!(cart(conn, user), added_once_more);
    server.kill();
}
