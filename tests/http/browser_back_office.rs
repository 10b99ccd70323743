//! The back office in a real headless Chromium: an admin sets up part of the shop through the
//! admin forms and a shopper then finds and buys it; each admin page fits a desktop and a phone.

use crate::common::back_office::{
    PASSWORD, SHOPPER, list_product, sign_in_as_admin, staff_and_shopper,
};
use crate::common::browser::{Browser, DESKTOP, PHONE};
use crate::on_both_backends;

on_both_backends! {
    async fn an_admin_sets_up_a_category_and_a_code_that_a_shopper_finds_and_uses(db: TestDb) {
        let seller = staff_and_shopper(&db);
        let pool = db.pool.clone();
        let Some(browser) = Browser::open(db).await else { return };

        // The admin opens a new category.
        sign_in_as_admin(&browser).await;
        browser.click_link("Admin").await;
        browser.click_link("Categories").await;
        browser.fill("Name", "Night Lights").await;
        browser.submit("Create category").await;
        browser.expect_text("Category created.").await;
        assert_eq!(browser.heading().await, "Night Lights");

        // A seller lists a lamp in it.
        list_product(&pool, seller, "Night Lights", "Quokka Night Lamp", 2500);

        // The admin makes a code for the category: 20 % off.
        browser.visit("/admin").await;
        browser.click_link("Promotions").await;
        browser.click_link("New promotion").await;
        browser.fill("Code", "glow20").await;
        browser.fill("Percent off (e.g. 12.5)", "20").await;
        browser.choose("Applies to", "One category and its subcategories").await;
        browser.choose("Category (for a category code)", "Night Lights").await;
        browser.submit("Create promotion").await;
        browser.expect_text("Promotion created.").await;
        assert_eq!(browser.heading().await, "Promotion GLOW20");
        browser.sign_out().await;

        // A shopper searches, finds the lamp and uses the code in the cart.
        browser.sign_in(SHOPPER, PASSWORD).await;
        browser.fill("Search products", "quokka").await;
        browser.submit("Search").await;
        browser.expect_text("Quokka Night Lamp").await;
        browser.click_link("Quokka Night Lamp").await;
        browser.submit("Add to cart").await;
        browser.visit("/cart").await;
        browser.fill("Promotion code", "Glow20").await;
        browser.submit("Apply").await;
        browser.expect_text("Code GLOW20 applied.").await;
        // 20 % of $25.00.
        browser.expect_text("−$5.00").await;
        browser.expect_text("$20.00").await;
    }
}

on_both_backends! {
    async fn the_promotion_pages_fit_a_desktop_and_a_phone(db: TestDb) {
        staff_and_shopper(&db);
        let Some(browser) = Browser::open(db).await else { return };
        sign_in_as_admin(&browser).await;
        browser.visit("/admin/promotions/new").await;
        browser.fill("Code", "WINTER-WONDERLAND_2026-LONGCODE").await;
        browser.fill("Description shoppers see with the code (optional)", "Everything for the long nights").await;
        browser.choose("Discount type", "Fixed amount off").await;
        browser.fill("Amount off (e.g. 5.00)", "12.50").await;
        browser.fill("Minimum cart subtotal", "1,000.00").await;
        browser.fill("Total uses allowed (empty for unlimited)", "250").await;
        browser.submit("Create promotion").await;
        browser.expect_text("Promotion created.").await;
        let edit = browser.path().await;

        // A refused form shows its messages beside the fields.
        browser.fill("Uses per customer", "0").await;
        browser.submit("Save promotion").await;
        browser.expect_text("Please enter a whole number from 1 to 1000.").await;

        for screen in [DESKTOP, PHONE] {
            browser.use_screen(screen).await;
            for page in ["/admin", "/admin/promotions", "/admin/promotions/new", edit.as_str()] {
                browser.visit(page).await;
                browser.expect_no_sideways_scroll().await;
            }
            browser.submit("Save promotion").await;
            browser.expect_no_sideways_scroll().await;
        }
        browser.visit("/admin/promotions").await;
        let listed = browser.text_of("main").await;
        for shown in ["WINTER-WONDERLAND_2026-LONGCODE", "$12.50 off on $1,000.00 or more", "Whole shop", "0 of 250", "Live"] {
            assert!(listed.contains(shown), "{shown:?} missing from:\n{listed}");
        }
    }
}
