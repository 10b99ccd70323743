//! Every page the shop declares passes axe-core in Chromium (each visit runs it, see
//! `tests/common/browser/a11y.rs`): a visitor, a shopper, a seller and an administrator each walk
//! the links of the demo shop from their starting pages, and go through the journeys that lead to
//! the pages no link reaches (mailed links, the sign-in code). A page that is routed
//! (`tests/common/declared_pages.rs`) but never checked fails the test, so a new page cannot
//! escape the check.

use diesel::prelude::*;
use shopwave::db::schema::{categories, orders, product_variants, sellers, users};

use crate::common::back_office::{PASSWORD, sign_in_as_admin, staff_and_shopper};
use crate::common::browser::{Browser, page_of};
use crate::common::commerce::add_to_cart;
use crate::common::csv_import::{HEADER, new_row};
use crate::common::declared_pages::declared_pages;
use crate::common::fulfilment::with_password;
use crate::common::returns::{Seller, Want, delivered, paid_order};
use crate::on_both_backends;

/// Routed paths that answer with something other than a page: files, feeds, probes, and the
/// addresses the card processor sends a shopper back to (they redirect at once).
const NOT_PAGES: [&str; 15] = [
    "/healthz",
    "/ping",
    "/metrics",
    "/robots.txt",
    "/sitemap.xml",
    "/sitemap/categories.xml",
    r"/sitemap/products-{number:\d+}.xml",
    "/feeds/google.xml",
    "/images/{name}",
    "/search/suggest",
    "/seller/products.csv",
    "/seller/orders.csv",
    r"/seller/payouts/{id:\d+}.csv",
    "/checkout/card-entered",
    "/account/payment-methods/entered",
];

on_both_backends! {
    async fn every_page_of_the_shop_passes_axe_for_every_role(db: TestDb) {
        shopwave::seed::demo(&mut db.conn(), None).expect("demo seed");
        staff_and_shopper(&db);
        let conn = &mut db.conn();
        let seller_user: i64 = users::table
            .filter(users::email.eq("seller1@shopwave.test"))
            .select(users::id)
            .first(conn)
            .expect("the demo's first seller");
        let seller_email = with_password(conn, seller_user, PASSWORD);
        let seller = Seller {
            id: sellers::table
                .filter(sellers::user_id.eq(seller_user))
                .select(sellers::id)
                .first(conn)
                .expect("their shop"),
            user_id: seller_user,
        };
        // A shopper with a delivered order, a return on it, and something in the cart.
        let order = paid_order(&db, &[Want { seller, price: 2_500, quantity: 2 }]);
        delivered(conn, order.id, seller, 2);
        diesel::update(orders::table.find(order.id))
            .set(orders::status.eq("delivered"))
            .execute(conn)
            .expect("the order is delivered");
        shopwave::returns::request(
            conn,
            &shopwave::audit::Actor::at(order.buyer, "127.0.0.1"),
            &order.number,
            &shopwave::returns::ReturnRequest {
                order_item_id: order.lines[0].item_id,
                quantity: 1,
                reason: "Too small".into(),
            },
        )
        .expect("a return is asked for");
        let shopper = with_password(conn, order.buyer, PASSWORD);
        let in_stock: i64 = product_variants::table
            .filter(product_variants::stock.gt(5))
            .select(product_variants::id)
            .first(conn)
            .expect("a demo product in stock");
        add_to_cart(conn, order.buyer, in_stock, 1);
        let category: String = categories::table.select(categories::slug).first(conn).expect("a category");
        let dir = tempfile::tempdir().expect("a folder");
        let import = dir.path().join("lamps.csv");
        let rows = new_row(&category, "Brass Lamp", "LAMP-1", "Brass", "Colour=Brass", "12.50", 3);
        std::fs::write(&import, format!("{HEADER}{rows}")).expect("the file");
        let pages = declared_pages();
        let Some(browser) = Browser::open(db).await else { return };

        // A visitor, who also opens an account and forgets a password.
        browser.walk(&["/", "/search?q=lamp", "/account/login", "/no-such-page"], &pages, &NOT_PAGES).await;
        browser.sign_up("Noor", "noor@example.test", PASSWORD).await;
        browser.sign_out().await;
        browser.visit("/account/password/forgot").await;
        browser.fill("E-mail", &shopper).await;
        browser.submit("Send me a link").await;
        browser.visit(&browser.mailed_link(&shopper)).await;

        // The shopper, who also asks to change their address.
        browser.sign_in(&shopper, PASSWORD).await;
        browser.walk(&["/account", &format!("/orders/{}", order.number), "/cart"], &pages, &NOT_PAGES).await;
        browser.visit("/account/email").await;
        browser.fill("New e-mail address", "new.address@example.test").await;
        browser.fill("Current password", PASSWORD).await;
        browser.submit("Send the link").await;
        browser.visit(&browser.mailed_link("new.address@example.test")).await;
        browser.sign_out().await;

        // The seller, who also uploads a product file.
        browser.sign_in(&seller_email, PASSWORD).await;
        browser.visit("/seller/imports").await;
        browser.attach("CSV file (at most 20 MB)", &import).await;
        browser.submit("Upload and preview").await;
        browser.walk(&["/seller"], &pages, &NOT_PAGES).await;
        browser.visit("/seller").await;
        browser.sign_out().await;

        // The administrator, through the sign-in code.
        sign_in_as_admin(&browser).await;
        browser.walk(&["/admin"], &pages, &NOT_PAGES).await;

        let checked = browser.checked_paths();
        let unchecked: Vec<&str> = pages
            .iter()
            .filter(|page| !NOT_PAGES.contains(&page.0.as_str()))
            .filter(|page| !checked.iter().any(|path| page_of(path, &pages) == Some(*page)))
            .map(|page| page.0.as_str())
            .collect();
        assert!(unchecked.is_empty(), "pages no role reached, so axe never checked them: {unchecked:#?}\nchecked: {checked:#?}");
    }
}
