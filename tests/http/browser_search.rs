//! Search-as-you-type in Chromium: the suggestions under the search box are a combobox a screen
//! reader announces and axe-core accepts, the arrow keys move through them and Enter opens one;
//! with scripts off the same box is a plain search form.

use std::time::{Duration, Instant};

use crate::common::browser::{Browser, JavaScript};
use crate::on_both_backends;

/// Waits (bounded) until the search box lists at least one suggestion; returns their texts.
async fn suggestions(browser: &Browser) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = browser
            .measure("return Array.from(document.querySelectorAll('#suggestions [role=option]'), o => o.textContent);")
            .await;
        let names: Vec<String> = shown
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect();
        if !names.is_empty() {
            return names;
        }
        assert!(
            Instant::now() < deadline,
            "no suggestions appeared under the search box"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

on_both_backends! {
    async fn typing_in_the_search_box_offers_products_to_pick_by_keyboard(db: TestDb) {
        shopwave::seed::demo(&mut db.conn(), None).expect("demo seed");
        let Some(browser) = Browser::open(db).await else { return };
        browser.visit("/").await;
        browser.fill("Search products", "headph").await;
        let names = suggestions(&browser).await;
        assert!(names.iter().all(|n| n.to_lowercase().contains("headphones")), "{names:?}");
        let combobox = "const q = document.getElementById('q');
            return [q.getAttribute('role'), q.getAttribute('aria-expanded'), q.getAttribute('aria-activedescendant')];";
        assert_eq!(browser.measure(combobox).await, serde_json::json!(["combobox", "true", null]));
        browser.expect_accessible().await;
        browser.press_down().await;
        assert_eq!(browser.measure(combobox).await, serde_json::json!(["combobox", "true", "suggestion-0"]));
        browser.press_enter().await;
        assert!(browser.path().await.starts_with("/p/"), "Enter opens the product");
        assert_eq!(browser.heading().await, names[0]);
    }
}

on_both_backends! {
    async fn without_scripts_the_search_box_is_a_plain_form(db: TestDb) {
        shopwave::seed::demo(&mut db.conn(), None).expect("demo seed");
        let Some(browser) = Browser::open_with(db, JavaScript::Off).await else { return };
        browser.visit("/").await;
        browser.fill("Search products", "headphones").await;
        browser.submit("Search").await;
        assert_eq!(browser.path().await, "/search?q=headphones");
        browser.expect_text("Headphones").await;
    }
}
