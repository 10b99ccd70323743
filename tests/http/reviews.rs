//! Reviews: once per shopper and product, verified when bought, pending until moderated, and
//! back to moderation when edited.

use std::sync::Arc;

use diesel::prelude::*;

use crate::common::builders::{ProductBuilder, UserBuilder, category, seller};
use crate::common::commerce::*;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{products, reviews};

fn review_rows(app: &TestApp) -> Vec<(i32, String, bool)> {
    reviews::table
        .select((
            reviews::rating,
            reviews::status,
            reviews::is_verified_purchase,
        ))
        .load(&mut app.conn())
        .expect("reviews")
}

on_both_backends! {
    async fn a_shopper_reviews_once_and_edits_back_into_moderation(db: TestDb) {
        let conn = &mut db.conn();
        let (s, c) = (seller(conn), category(conn, "Books"));
        let (product, variant) = ProductBuilder::new("Rust Book").stock(5).insert(conn, s, c);
        let (_, _) = ProductBuilder::new("Draft Book").status("draft").insert(conn, s, c);
        let slug: String = products::table.find(product).select(products::slug).first(conn).expect("slug");
        let shipping = shipping_method(conn, 0, None);
        let buyer = buyer(&db, APPROVED);
        add_to_cart(conn, buyer.id, variant, 1);
        let outcome = Arc::new(saga(&db)).submit(&order_request(buyer.id, buyer.address, shipping, buyer.card)).expect("bought");
        assert!(matches!(outcome, shopwave::checkout::Outcome::Confirmed { .. }));
        let app = TestApp::new(db).await;
        app.sign_in_as(buyer.id);
        let path = format!("/p/{slug}/review");

        for bad in ["0", "6", "-1", "abc", ""] {
            app.post(&path, &[("rating", bad), ("title", "x"), ("body", "y")]).await
                .assert_status(422).assert_contains("rating from 1 to 5");
        }
        app.post(&path, &[("rating", "4"), ("title", "Good <b>book</b>"), ("body", "Clear.")]).await.assert_redirect_to(&path);
        app.get(&path).await.assert_contains("Pending moderation").assert_contains("Verified purchase")
            .assert_contains("Good &#60;b&#62;book&#60;/b&#62;");
        assert_eq!(review_rows(&app), vec![(4, "pending".to_owned(), true)]);

        // An approved review that is edited leaves the product's figures and waits again.
        diesel::update(reviews::table).set(reviews::status.eq("approved")).execute(&mut app.conn()).expect("approve");
        diesel::update(products::table.find(product))
            .set((products::rating_count.eq(1), products::rating_sum.eq(4), products::rating_avg.eq(400), products::rating_4.eq(1)))
            .execute(&mut app.conn())
            .expect("figures");
        app.post(&path, &[("rating", "2"), ("title", "Changed my mind"), ("body", "")]).await.assert_redirect_to(&path);
        assert_eq!(review_rows(&app), vec![(2, "pending".to_owned(), true)]);
        let figures: (i32, i64, i32) = products::table
            .find(product)
            .select((products::rating_count, products::rating_sum, products::rating_avg))
            .first(&mut app.conn())
            .expect("product");
        assert_eq!(figures, (0, 0, 0));

        let stranger = UserBuilder::customer().insert(&mut app.conn());
        app.sign_in_as(stranger);
        app.post(&path, &[("rating", "5"), ("title", ""), ("body", "")]).await.assert_redirect_to(&path);
        let rows = review_rows(&app);
        assert_eq!(rows.len(), 2);
        assert!(rows.contains(&(5, "pending".to_owned(), false)), "not bought: not verified");
        app.get("/p/draft-book-0000/review").await.assert_status(404);
    }
}
