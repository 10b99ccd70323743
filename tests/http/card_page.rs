//! Card data never touches the shop: a new card is typed on the processor's own page, which
//! sends the shopper back with a token, and the shop keeps only that token, the brand, the last
//! four digits and the expiry. A whole checkout is searched for the card number afterwards: in
//! every request the shopper sent to the shop, in the log, in the database, in the mail and in
//! every file of the shop's data directory.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use diesel::prelude::*;

use crate::common::builders::{ProductBuilder, UserBuilder, category, seller};
use crate::common::card_page::{type_card, typed};
use crate::common::commerce::*;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb, place_order_fields};
use crate::on_both_backends;
use shopwave::db::DbConn;

/// A card used by no other test, so nothing else can put its number in the log.
const NUMBER: &str = "4000056655665556";
const AS_TYPED: &str = "4000 0566 5566 5556";

fn holds_the_number(text: &[u8]) -> bool {
    [
        NUMBER,
        AS_TYPED,
        "4000%200566%205566%205556",
        "4000+0566+5566+5556",
    ]
    .iter()
    .any(|form| text.windows(form.len()).any(|w| w == form.as_bytes()))
}

/// The whole process's log from the moment it is first asked for, at debug level, every thread
/// included: only counted, and searched for the card number as it is written.
#[derive(Clone, Default)]
struct Log {
    lines: Arc<AtomicUsize>,
    saw_the_number: Arc<AtomicBool>,
}

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.lines.fetch_add(1, Ordering::Relaxed);
        if holds_the_number(bytes) {
            self.saw_the_number.store(true, Ordering::Relaxed);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn process_log() -> &'static Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Log::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the first global log");
        log
    })
}

/// Every file under `dir` that holds the card number: the SQLite database and its WAL, the
/// mail, the search index, the simulator's books.
fn files_with_the_number(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_with_the_number(&path));
        } else if std::fs::read(&path).is_ok_and(|bytes| holds_the_number(&bytes)) {
            found.push(path);
        }
    }
    found
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// On PostgreSQL, every row of every table of the test's schema, as text.
fn postgres_rows(conn: &mut DbConn) -> Vec<String> {
    let tables: Vec<Text> = diesel::sql_query(
        "SELECT CAST(table_name AS TEXT) AS value FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .load(conn)
    .expect("tables");
    assert!(tables.len() > 20, "the shop's tables are found");
    tables
        .iter()
        .flat_map(|table| {
            diesel::sql_query(format!(
                "SELECT CAST(row_to_json(t) AS TEXT) AS value FROM \"{}\" t",
                table.value
            ))
            .load::<Text>(conn)
            .expect("rows")
        })
        .map(|row| row.value)
        .collect()
}

on_both_backends! {
    async fn a_new_card_is_typed_at_the_processor_and_its_number_never_reaches_the_shop(db: TestDb) {
        let log = process_log();
        let lines_before = log.lines.load(Ordering::Relaxed);
        let (variant, shipping, shopper) = {
            let conn = &mut db.conn();
            let (s, c) = (seller(conn), category(conn, "Kitchen"));
            let (_, variant) = ProductBuilder::new("Copper Kettle").price(1999).stock(5).insert(conn, s, c);
            let shopper = UserBuilder::customer().insert(conn);
            address(conn, shopper, "US", "CA");
            (variant, shipping_method(conn, 499, None), shopper)
        };
        let simulator_url = db.simulator().url.clone();
        let app = TestApp::new(db).await;
        app.sign_in_as(shopper);
        app.post("/cart/add", &[("variant_id", &variant.to_string()), ("quantity", "1")]).await.assert_redirect_to("/cart");

        let form = app.get("/checkout").await;
        form.assert_status(200).assert_contains("card processor's secure page");
        assert!(!form.body.contains("cc-number"), "the shop's own form has no card number field");
        let address = crate::common::form_field(&form.body, "address_id");
        let choices = [
            ("address_id", address.as_str()),
            ("shipping_method_id", &shipping.to_string()),
            ("payment", "new"),
            ("save_card", "1"),
        ];
        let to_card_page = app.post("/checkout/review", &choices).await;
        to_card_page.assert_status(303);
        let card_page = to_card_page.location().expect("the card page").to_owned();
        assert!(card_page.starts_with(&format!("{simulator_url}/pay/cs_test_")), "{card_page}");
        let page = ureq::get(&card_page).call().expect("the card page").body_mut().read_to_string().expect("html");
        assert!(page.contains("<label for=\"number\">Card number</label>"), "{page}");

        // Coming back with another page's id finds no card, and changes nothing.
        app.get("/checkout/card-entered?session_id=cs_test_someone_else").await
            .assert_status(422).assert_contains("please enter your card again");

        let review = app.enter_good_card(&to_card_page, AS_TYPED).await;
        review.assert_status(200).assert_contains("visa ending 5556");
        let placed = app.post("/checkout/place", &place_order_fields(&review.body).iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
        placed.assert_status(303);
        let number = placed.location().and_then(|l| l.strip_prefix("/orders/")).expect("the order").to_owned();
        assert_eq!(order_status(&mut app.conn(), &number), "confirmed");
        app.get("/account/payment-methods").await.assert_contains("visa ending 5556");
        app.get(&format!("/orders/{number}")).await.assert_status(200);

        // The card number is nowhere the shop could have kept it.
        let sent = app.sent();
        assert!(sent.iter().any(|r| r.contains("/checkout/card-entered?session_id=cs_test_")), "{sent:?}");
        assert!(!sent.iter().any(|r| holds_the_number(r.as_bytes())), "a request to the shop carried the number: {sent:?}");
        assert!(log.lines.load(Ordering::Relaxed) > lines_before, "the log was captured");
        assert!(!log.saw_the_number.load(Ordering::Relaxed), "the log holds the number");
        let dir = app.db.data_dir();
        assert!(std::fs::read_dir(dir.join("mail")).expect("mail").count() > 0, "the confirmation was mailed");
        assert_eq!(files_with_the_number(&dir), Vec::<std::path::PathBuf>::new());
        if !app.db.is_sqlite() {
            let rows = postgres_rows(&mut app.conn());
            assert!(rows.iter().any(|row| row.contains("5556")), "the last four are kept");
            assert!(!rows.iter().any(|row| holds_the_number(row.as_bytes())), "a row holds the number");
        }
    }
}

on_both_backends! {
    async fn a_shopper_who_leaves_the_card_page_comes_back_to_checkout_with_nothing_changed(db: TestDb) {
        let shopper = UserBuilder::customer().insert(&mut db.conn());
        let address = address(&mut db.conn(), shopper, "US", "CA").to_string();
        let shipping = shipping_method(&mut db.conn(), 499, None);
        let app = TestApp::new(db).await;
        app.sign_in_as(shopper);
        let choices = [("address_id", address.as_str()), ("shipping_method_id", &shipping.to_string()), ("payment", "new")];
        // No address chosen: the shopper is told before being sent anywhere.
        app.post("/checkout/review", &choices[1..]).await.assert_status(422).assert_contains("Please choose a delivery address.");
        let to_card_page = app.post("/checkout/review", &choices).await;
        to_card_page.assert_status(303);
        let page = ureq::get(to_card_page.location().expect("card page")).call().expect("page").body_mut().read_to_string().expect("html");
        assert!(page.contains("href=\"http://shop.test/checkout\""), "the way back goes to the shop's checkout: {page}");
        // Back at the shop without typing a card: nothing was entered, nothing is saved.
        let entry = to_card_page.location().and_then(|l| l.rsplit('/').next()).expect("id").to_owned();
        app.get(&format!("/checkout/card-entered?session_id={entry}")).await
            .assert_status(422).assert_contains("No card was entered");
        assert!(app.sent().iter().all(|r| !r.contains("number=")));
        // A refused card keeps the shopper on the processor's page, and the shop hears nothing.
        let refused = type_card(to_card_page.location().expect("card page"), &typed("4000 0000 0000 0000"));
        assert_eq!(refused.status, 422);
    }
}
