//! The address book, and that one shopper can never see or touch another's addresses.

use diesel::prelude::*;

use crate::common::builders::UserBuilder;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::models::Address;
use shopwave::db::schema::addresses;

pub(crate) fn address_fields<'a>(name: &'a str, country: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("label", "Home"),
        ("full_name", name),
        ("line1", "1 Main Street"),
        ("city", "Springfield"),
        ("region", "IL"),
        ("postal_code", "62701"),
        ("country", country),
        ("phone", "+1 555 0100"),
    ]
}

pub(crate) fn live_addresses(app: &TestApp, user: i64) -> Vec<Address> {
    addresses::table
        .filter(addresses::user_id.eq(user))
        .filter(addresses::deleted_at.is_null())
        .order(addresses::id)
        .select(Address::as_select())
        .load(&mut app.conn())
        .unwrap()
}

on_both_backends! {
    async fn addresses_are_added_edited_defaulted_and_deleted(db: TestDb) {
        let ann = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        app.get("/account/addresses").await.assert_status(200).assert_contains("no saved addresses");
        app.get("/account/addresses/new").await.assert_status(200).assert_contains("<option value=\"DE\">Germany</option>");

        app.post("/account/addresses", &address_fields("Ann Home", "US")).await.assert_redirect_to("/account/addresses");
        app.post("/account/addresses", &address_fields("Ann Work", "de")).await.assert_redirect_to("/account/addresses");
        let saved = live_addresses(&app, ann);
        assert_eq!(saved.len(), 2);
        assert!(saved[0].is_default, "the first address becomes the default");
        assert!(!saved[1].is_default);
        assert_eq!(saved[1].country, "DE");
        app.get("/account/addresses").await.assert_contains("Ann Work").assert_contains("Germany").assert_contains("Address saved.");

        let (home, work) = (saved[0].id, saved[1].id);
        app.get(&format!("/account/addresses/{work}/edit")).await.assert_status(200).assert_contains("value=\"Ann Work\"");
        app.post(&format!("/account/addresses/{work}"), &address_fields("Ann at Work", "FR")).await.assert_redirect_to("/account/addresses");
        app.post(&format!("/account/addresses/{work}/default"), &[]).await.assert_redirect_to("/account/addresses");
        let saved = live_addresses(&app, ann);
        assert_eq!((saved[1].full_name.as_str(), saved[1].country.as_str(), saved[1].is_default), ("Ann at Work", "FR", true));
        assert!(!saved[0].is_default);

        app.post(&format!("/account/addresses/{work}/delete"), &[]).await.assert_redirect_to("/account/addresses");
        let saved = live_addresses(&app, ann);
        assert_eq!(saved.len(), 1);
        assert!(saved[0].id == home && saved[0].is_default, "the remaining address takes over as default");
    }
}

on_both_backends! {
    async fn a_bad_address_is_shown_again_with_a_message_per_field(db: TestDb) {
        let ann = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        let mut fields = address_fields("Ann", "XX");
        fields.retain(|(k, _)| *k != "city");
        fields.push(("city", ""));
        fields.push(("line2", "<b>bold</b>"));
        let page = app.post("/account/addresses", &fields).await;
        page.assert_status(422)
            .assert_contains("Please choose a country from the list.")
            .assert_contains("Please enter city.")
            .assert_contains("value=\"1 Main Street\"")
            .assert_contains("&#60;b&#62;bold&#60;/b&#62;");
        assert!(live_addresses(&app, ann).is_empty());
    }
}

on_both_backends! {
    async fn another_shoppers_address_answers_404_and_stays_untouched(db: TestDb) {
        let mut conn = db.conn();
        let (ann, bob) = (UserBuilder::customer().insert(&mut conn), UserBuilder::customer().insert(&mut conn));
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(bob);
        app.post("/account/addresses", &address_fields("Bob", "GB")).await.assert_redirect_to("/account/addresses");
        let bobs = live_addresses(&app, bob)[0].clone();

        app.clear_cookies();
        app.sign_in_as(ann);
        let id = bobs.id;
        app.get(&format!("/account/addresses/{id}/edit")).await.assert_status(404);
        app.post(&format!("/account/addresses/{id}"), &address_fields("Mallory", "US")).await.assert_status(404);
        app.post(&format!("/account/addresses/{id}"), &address_fields("Mallory", "XX")).await.assert_status(404);
        app.post(&format!("/account/addresses/{id}/delete"), &[]).await.assert_status(404);
        app.post(&format!("/account/addresses/{id}/default"), &[]).await.assert_status(404);
        app.get("/account/addresses").await.assert_status(200);
        assert!(!app.get("/account/addresses").await.body.contains("Bob"));
        app.get("/account/addresses/999999/edit").await.assert_status(404);

        let after = live_addresses(&app, bob);
        assert_eq!(after.len(), 1);
        assert_eq!((after[0].full_name.as_str(), after[0].country.as_str(), after[0].is_default), ("Bob", "GB", true));
    }
}

on_both_backends! {
    async fn the_address_book_needs_a_sign_in(db: TestDb) {
        let app = TestApp::new(db).await;
        app.get("/account/addresses/new").await.assert_redirect_to("/account/login?next=%2Faccount%2Faddresses%2Fnew");
        app.post("/account/addresses", &address_fields("Anon", "US")).await.assert_redirect_to("/account/login");
        let count: i64 = addresses::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(count, 0);
    }
}

on_both_backends! {
    async fn an_edit_that_empties_optional_fields_empties_them(db: TestDb) {
        let ann = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        let mut fields = address_fields("Ann", "US");
        fields.push(("line2", "Flat 2"));
        app.post("/account/addresses", &fields).await.assert_redirect_to("/account/addresses");
        let saved = live_addresses(&app, ann).remove(0);
        assert_eq!((saved.line2.as_deref(), saved.phone.as_deref()), (Some("Flat 2"), Some("+1 555 0100")));

        let emptied: Vec<(&str, &str)> = address_fields("Ann", "US")
            .into_iter()
            .map(|(k, v)| (k, if k == "phone" { "" } else { v }))
            .chain([("line2", "")])
            .collect();
        app.post(&format!("/account/addresses/{}", saved.id), &emptied).await.assert_redirect_to("/account/addresses");
        let edited = live_addresses(&app, ann).remove(0);
        assert_eq!((edited.line2, edited.phone, edited.is_default), (None, None, true));
    }
}
