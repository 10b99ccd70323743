//! The review moderation queue: oldest pending first with keyset pages, and decisions that
//! keep each product's rating equal to the average of its approved reviews.

use diesel::prelude::*;

use crate::common::builders::{self, ProductBuilder, UserBuilder};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{audit_log, products, reviews, search_outbox};

/// An administrator signed in to the app as `serve --demo` runs it (no two-factor step).
pub async fn admin_app(db: TestDb) -> (TestApp, i64) {
    let admin = UserBuilder::customer().role("admin").insert(&mut db.conn());
    let app = TestApp::with(db, true, |_| {}).await;
    app.sign_in_as(admin);
    (app, admin)
}

/// (rating_sum, rating_count, rating_avg) as stored on the product.
fn stored_rating(app: &TestApp, product: i64) -> (i64, i32, i32) {
    products::table
        .find(product)
        .select((
            products::rating_sum,
            products::rating_count,
            products::rating_avg,
        ))
        .first(&mut app.conn())
        .unwrap()
}

/// The same three numbers computed from scratch from the approved reviews.
fn expected_rating(app: &TestApp, product: i64) -> (i64, i32, i32) {
    let ratings: Vec<i32> = reviews::table
        .filter(reviews::product_id.eq(product))
        .filter(reviews::status.eq("approved"))
        .select(reviews::rating)
        .load(&mut app.conn())
        .unwrap();
    let sum: i64 = ratings.iter().map(|r| i64::from(*r)).sum();
    let count = i32::try_from(ratings.len()).unwrap();
    let avg = if count == 0 {
        0
    } else {
        ((sum as f64 * 100.0) / f64::from(count)).round() as i32
    };
    (sum, count, avg)
}

fn audit_entries(app: &TestApp) -> i64 {
    audit_log::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn outbox_rows(app: &TestApp, product: i64) -> i64 {
    search_outbox::table
        .filter(search_outbox::product_id.eq(product))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

on_both_backends! {
    async fn decisions_keep_the_rating_the_average_of_approved_reviews(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Lamps"));
        let (lamp, _) = ProductBuilder::new("Desk Lamp").insert(&mut conn, seller, category);
        let authors: Vec<i64> = (0..3).map(|_| UserBuilder::customer().insert(&mut conn)).collect();
        let five = builders::review(&mut conn, authors[0], lamp, 5, "pending");
        let four = builders::review(&mut conn, authors[1], lamp, 4, "pending");
        let two = builders::review(&mut conn, authors[2], lamp, 2, "pending");
        drop(conn);
        let (app, admin) = admin_app(db).await;
        let outbox_before = outbox_rows(&app, lamp);

        app.get("/admin").await.assert_status(200).assert_contains("3 reviews waiting");
        let queue = app.get("/admin/reviews").await;
        queue.assert_status(200).assert_contains("Desk Lamp");

        let steps = [(five, "approve", (5, 1, 500)), (four, "approve", (9, 2, 450)),
                     (two, "reject", (9, 2, 450)), (five, "reject", (4, 1, 400)),
                     (two, "approve", (6, 2, 300))];
        for (review, verb, expected) in steps {
            app.post(&format!("/admin/reviews/{review}/{verb}"), &[("next", "/admin/reviews?status=pending")]).await
                .assert_redirect_to("/admin/reviews?status=pending");
            assert_eq!(stored_rating(&app, lamp), expected, "after {verb} of review {review}");
            assert_eq!(stored_rating(&app, lamp), expected_rating(&app, lamp));
        }
        let (by, at): (Option<i64>, Option<chrono::NaiveDateTime>) = reviews::table.find(five)
            .select((reviews::moderated_by, reviews::moderated_at)).first(&mut app.conn()).unwrap();
        assert_eq!(by, Some(admin));
        assert!(at.is_some());
        assert_eq!(audit_entries(&app), 5);
        // Every decision but rejecting a pending review (which shoppers never saw) moves the rating.
        assert_eq!(outbox_rows(&app, lamp) - outbox_before, 4, "search hears of every visible change");

        // Deciding again what a review already is changes nothing and logs nothing.
        app.post(&format!("/admin/reviews/{four}/approve"), &[]).await.assert_redirect_to("/admin/reviews");
        assert_eq!(stored_rating(&app, lamp), (6, 2, 300));
        assert_eq!(audit_entries(&app), 5);
        app.get("/admin/reviews").await.assert_contains("already had this decision");

        app.post("/admin/reviews/999999/approve", &[]).await.assert_status(404);
        app.post("/admin/reviews/abc/approve", &[]).await.assert_status(404);
        app.get("/admin/reviews?status=spam").await.assert_status(400);
        app.get("/admin/reviews?status=approved").await.assert_status(200).assert_contains("Reject");
    }
}

on_both_backends! {
    async fn the_queue_is_oldest_first_in_keyset_pages(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Mugs"));
        let (mug, _) = ProductBuilder::new("Mug").insert(&mut conn, seller, category);
        let base = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(12, 0, 0).unwrap();
        let total = shopwave::admin::reviews::PAGE_SIZE + 2;
        let mut titles = Vec::new();
        for i in 0..total {
            let author = UserBuilder::customer().insert(&mut conn);
            let id = builders::review(&mut conn, author, mug, 3, "pending");
            // Later ids are older, so the order proves it follows created_at, not the id.
            let title = format!("Title number {i:02}");
            diesel::update(reviews::table.find(id))
                .set((reviews::created_at.eq(base - chrono::Duration::minutes(i as i64)), reviews::title.eq(&title)))
                .execute(&mut conn).unwrap();
            titles.push(title);
        }
        drop(conn);
        let (app, _) = admin_app(db).await;
        let first = app.get("/admin/reviews").await;
        first.assert_status(200);
        let oldest = &titles[total - 1];
        let newest_on_page_one = &titles[2];
        assert!(first.body.find(oldest.as_str()).unwrap() < first.body.find(newest_on_page_one.as_str()).unwrap());
        assert!(!first.body.contains(&titles[1]) && !first.body.contains(&titles[0]));
        let next = first.body.split("&amp;after=").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let second = app.get(&format!("/admin/reviews?status=pending&after={next}")).await;
        second.assert_status(200).assert_contains(&titles[1]).assert_contains(&titles[0]);
        assert!(!second.body.contains(oldest.as_str()));
        assert!(!second.body.contains("Next page"));
        app.get("/admin/reviews?after=notanumber").await.assert_status(400);
    }
}

on_both_backends! {
    async fn only_administrators_open_the_admin_panel(db: TestDb) {
        let mut conn = db.conn();
        let customer = UserBuilder::customer().insert(&mut conn);
        let seller = builders::seller(&mut conn);
        let seller_user: i64 = shopwave::db::schema::sellers::table.find(seller)
            .select(shopwave::db::schema::sellers::user_id).first(&mut conn).unwrap();
        let category = builders::category(&mut conn, "Desks");
        let (desk, _) = ProductBuilder::new("Desk").insert(&mut conn, seller, category);
        let review = builders::review(&mut conn, customer, desk, 1, "pending");
        drop(conn);
        let app = TestApp::with(db, true, |_| {}).await;
        let pages = ["/admin", "/admin/reviews", "/admin/reports", "/admin/users"];
        for page in pages {
            let wanted = page.replace('/', "%2F");
            app.get(page).await.assert_redirect_to(&format!("/account/login?next={wanted}"));
        }
        for user in [customer, seller_user] {
            app.clear_cookies();
            app.sign_in_as(user);
            for page in pages {
                app.get(page).await.assert_status(403);
            }
            app.post(&format!("/admin/reviews/{review}/approve"), &[]).await.assert_status(403);
            app.post(&format!("/admin/users/{customer}/suspend"), &[]).await.assert_status(403);
        }
        let status: String = reviews::table.find(review).select(reviews::status).first(&mut app.conn()).unwrap();
        assert_eq!(status, "pending");
    }
}

/// (stars, count) of the product page's rating table, 5 stars first; empty when it has none.
fn shown_distribution(page: &str) -> Vec<(i32, i64)> {
    page.split("<th scope=\"row\">")
        .skip(1)
        .map(|row| {
            let stars = row.split(' ').next().unwrap().parse().unwrap();
            let count = row
                .split("<td class=\"num\">")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap();
            (stars, count.parse().unwrap())
        })
        .collect()
}

/// The same table counted from the approved reviews themselves.
fn approved_distribution(app: &TestApp, product: i64) -> Vec<(i32, i64)> {
    let ratings: Vec<i32> = reviews::table
        .filter(reviews::product_id.eq(product))
        .filter(reviews::status.eq("approved"))
        .select(reviews::rating)
        .load(&mut app.conn())
        .unwrap();
    if ratings.is_empty() {
        return Vec::new();
    }
    (1..=5)
        .rev()
        .map(|stars| {
            (
                stars,
                ratings.iter().filter(|r| **r == stars).count() as i64,
            )
        })
        .collect()
}

on_both_backends! {
    async fn the_product_page_shows_the_stars_of_approved_reviews_only(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Kettles"));
        let (kettle, _) = ProductBuilder::new("Kettle").insert(&mut conn, seller, category);
        let slug: String = products::table.find(kettle).select(products::slug).first(&mut conn).unwrap();
        let ids: Vec<i64> = [5, 5, 3, 1]
            .into_iter()
            .map(|stars| {
                let author = UserBuilder::customer().insert(&mut conn);
                builders::review(&mut conn, author, kettle, stars, "pending")
            })
            .collect();
        let shopper = UserBuilder::customer().insert(&mut conn);
        drop(conn);
        let (app, admin) = admin_app(db).await;
        let product_page = format!("/p/{slug}");
        let check = |step: String| {
            let app = &app;
            let product_page = &product_page;
            async move {
                let page = app.get(product_page).await;
                page.assert_status(200);
                assert_eq!(shown_distribution(&page.body), approved_distribution(app, kettle), "after {step}");
            }
        };
        check("nothing approved".into()).await;
        for (review, verb) in [(ids[0], "approve"), (ids[1], "approve"), (ids[2], "approve"),
                               (ids[0], "reject"), (ids[3], "approve"), (ids[2], "reject")] {
            app.post(&format!("/admin/reviews/{review}/{verb}"), &[]).await.assert_status(303);
            check(format!("{verb} of review {review}")).await;
        }
        assert_eq!(shown_distribution(&app.get(&product_page).await.body), vec![(5, 1), (4, 0), (3, 0), (2, 0), (1, 1)]);

        // A shopper's review counts once approved, and leaves the figures when its author edits it.
        app.clear_cookies();
        app.sign_in_as(shopper);
        let review_form = format!("/p/{slug}/review");
        app.post(&review_form, &[("rating", "4"), ("title", "Boils"), ("body", "")]).await.assert_redirect_to(&review_form);
        check("a submitted review".into()).await;
        let theirs: i64 = reviews::table.filter(reviews::user_id.eq(shopper)).select(reviews::id).first(&mut app.conn()).unwrap();
        app.clear_cookies();
        app.sign_in_as(admin);
        app.post(&format!("/admin/reviews/{theirs}/approve"), &[]).await.assert_status(303);
        check("the shopper's review approved".into()).await;
        assert_eq!(shown_distribution(&app.get(&product_page).await.body), vec![(5, 1), (4, 1), (3, 0), (2, 0), (1, 1)]);
        app.clear_cookies();
        app.sign_in_as(shopper);
        app.post(&review_form, &[("rating", "2"), ("title", "Rusts"), ("body", "")]).await.assert_redirect_to(&review_form);
        check("the shopper's edit".into()).await;
        assert_eq!(stored_rating(&app, kettle), expected_rating(&app, kettle));
    }
}
