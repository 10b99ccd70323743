//! Test mode: while a test card processor takes the payments, every page says that no real card
//! is charged and the card forms list the test cards; with live keys neither appears.

use std::sync::Arc;

use crate::common::TestApp;
use crate::common::builders::UserBuilder;
use crate::on_both_backends;

const BANNER: &str = "Test mode: payments go to a test card processor";
const TEST_CARDS: &str = "Test cards: 4242 4242 4242 4242";

on_both_backends! {
    async fn a_test_processor_is_announced_and_its_test_cards_listed(db: TestDb) {
        let user = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.get("/").await.assert_status(200).assert_contains(BANNER);
        app.sign_in_as(user);
        app.get("/account/payment-methods").await.assert_contains(BANNER).assert_contains(TEST_CARDS);
    }
}

on_both_backends! {
    async fn live_keys_show_neither_the_banner_nor_the_test_cards(db: TestDb) {
        let user = UserBuilder::customer().insert(&mut db.conn());
        let mut state = db.app_state(false);
        state.payments = Arc::new(shopwave::payments::Processor::new(
            "https://payments.example",
            "sk_live_shop",
            std::time::Duration::from_secs(1),
        ));
        let app = TestApp::from_state(db, state, |_| {}).await;
        app.sign_in_as(user);
        for path in ["/", "/account/payment-methods"] {
            let page = app.get(path).await;
            page.assert_status(200);
            assert!(!page.body.contains(BANNER), "{path} announces test mode");
            assert!(!page.body.contains(TEST_CARDS), "{path} lists test cards");
        }
    }
}
