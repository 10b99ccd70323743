//! Product images through the seller's upload form and the shop's pages: each accepted format
//! is re-encoded into three sizes without its metadata and served for a year; every refused
//! upload says why, with its status, and leaves no row and no file; other sellers and shoppers
//! get 404/403; reordering, alt text and deleting (shared files included) reach the pages.

use diesel::prelude::*;

use crate::common::builders::{self, ProductBuilder, UserBuilder};
use crate::common::images::{self, EXIF_SECRET, image_rows, images_of, stored_files, upload};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{product_images, products, search_outbox, sellers};
use shopwave::images::process::MAX_UPLOAD_BYTES;

/// A refused upload: file name, content type, bytes, alt text, status, message.
type Refused = (
    &'static str,
    &'static str,
    Vec<u8>,
    Option<&'static str>,
    u16,
    &'static str,
);

fn user_of(app: &TestApp, seller: i64) -> i64 {
    sellers::table
        .find(seller)
        .select(sellers::user_id)
        .first(&mut app.conn())
        .unwrap()
}

fn slug_of(app: &TestApp, product: i64) -> String {
    products::table
        .find(product)
        .select(products::slug)
        .first(&mut app.conn())
        .unwrap()
}

fn category_of(app: &TestApp, product: i64) -> i64 {
    products::table
        .find(product)
        .select(products::primary_category_id)
        .first(&mut app.conn())
        .unwrap()
}

fn outbox_rows(app: &TestApp) -> i64 {
    search_outbox::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// A shop with one seller's product, the seller signed in: (app, seller, product).
async fn seller_with_product(db: TestDb) -> (TestApp, i64, i64) {
    let mut conn = db.conn();
    let (seller, category) = (
        builders::seller(&mut conn),
        builders::category(&mut conn, "Mugs"),
    );
    let (mug, _) = ProductBuilder::new("Blue Mug").insert(&mut conn, seller, category);
    drop(conn);
    let app = TestApp::new(db).await;
    app.sign_in_as(user_of(&app, seller));
    (app, seller, mug)
}

on_both_backends! {
    async fn each_format_is_stored_in_three_sizes_without_its_metadata(db: TestDb) {
        let (app, _, mug) = seller_with_product(db).await;
        let outbox = outbox_rows(&app);
        let uploads = [
            ("mug.jpg", "image/jpeg", images::jpeg_with_exif(1200, 900)),
            ("mug.png", "image/png", images::png(2000, 1000)),
            ("mug.webp", "image/webp", images::webp(500, 500)),
        ];
        for (n, (name, kind, bytes)) in uploads.iter().enumerate() {
            upload(&app, mug, name, kind, bytes, Some("Blue mug, handle right")).await
                .assert_redirect_to(&format!("/seller/products/{mug}/images"));
            assert_eq!(stored_files(&app).len(), 3 * (n + 1), "three sizes of {name}");
        }
        assert_eq!(image_rows(&app), 3);
        assert_eq!(outbox_rows(&app), outbox + 3, "every change is queued for search");
        let rows = images_of(&app, mug);
        assert_eq!(rows.iter().map(|r| r.2).collect::<Vec<_>>(), [0, 1, 2]);

        // The JPEG: three sizes, no EXIF left, served as JPEG for a year.
        let hash = rows[0].1.clone().expect("an uploaded image has a hash");
        for (size, (w, h)) in [(1600, (1200, 900)), (800, (800, 600)), (320, (320, 240))] {
            let name = format!("{hash}-{size}.jpg");
            let stored = images::stored_file(&app, &name);
            assert!(!stored.windows(EXIF_SECRET.len()).any(|win| win == EXIF_SECRET), "{name} keeps EXIF");
            assert!(!stored.windows(4).any(|win| win == b"Exif"), "{name} keeps an EXIF segment");
            let page = app.get(&format!("/images/{name}")).await;
            page.assert_status(200);
            assert_eq!(page.header("content-type"), Some("image/jpeg"));
            assert_eq!(page.header("cache-control"), Some("public, max-age=31536000, immutable"));
            let decoded = image::load_from_memory(&stored).expect("a real JPEG");
            assert_eq!((decoded.width(), decoded.height()), (w, h));
        }
        // The PNG had no transparency, so it is stored as JPEG too; the WebP (500 px) is never enlarged.
        let png_hash = rows[1].1.clone().unwrap();
        app.get(&format!("/images/{png_hash}-320.jpg")).await.assert_status(200);
        let webp_hash = rows[2].1.clone().unwrap();
        let large = images::stored_file(&app, &format!("{webp_hash}-1600.jpg"));
        let decoded = image::load_from_memory(&large).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (500, 500));

        // The seller's page lists them; the shopper's page shows every size with its dimensions.
        app.get(&format!("/seller/products/{mug}/images")).await.assert_status(200)
            .assert_contains(&format!("/images/{hash}-320.jpg"))
            .assert_contains("Images (3)");
        let slug = slug_of(&app, mug);
        app.get(&format!("/p/{slug}")).await.assert_status(200)
            .assert_contains(&format!(r#"src="/images/{hash}-800.jpg""#))
            .assert_contains(&format!("/images/{hash}-1600.jpg 1200w"))
            .assert_contains(r#"width="800" height="600""#)
            .assert_contains(r#"alt="Blue mug, handle right""#);
    }
}

on_both_backends! {
    async fn refused_uploads_say_why_and_store_nothing(db: TestDb) {
        let (app, _, mug) = seller_with_product(db).await;
        let jpeg = images::jpeg(800, 600);
        let oversized = vec![0xFF; MAX_UPLOAD_BYTES + 1];
        let cases: [Refused; 8] = [
            ("cut.jpg", "image/jpeg", images::truncated(&jpeg), Some("Mug"), 422, "looks damaged or incomplete"),
            ("cut.png", "image/png", images::truncated(&images::png(800, 600)), Some("Mug"), 422, "looks damaged or incomplete"),
            ("bomb.png", "image/png", images::png_bomb(), Some("Mug"), 422, "30000 × 30000 pixels"),
            ("logo.svg", "image/svg+xml", images::SVG.to_vec(), Some("Mug"), 422, "not a JPEG, PNG or WebP image"),
            ("photo.jpg", "image/jpeg", images::HTML.to_vec(), Some("Mug"), 422, "not a JPEG, PNG or WebP image"),
            ("huge.jpg", "image/jpeg", oversized, Some("Mug"), 413, "larger than 8 MB"),
            ("mug.jpg", "image/jpeg", jpeg.clone(), None, 422, "Please enter a description of the image"),
            ("mug.jpg", "image/jpeg", jpeg.clone(), Some("   "), 422, "Please enter a description of the image"),
        ];
        for (name, kind, bytes, alt, status, message) in cases {
            upload(&app, mug, name, kind, &bytes, alt).await
                .assert_status(status)
                .assert_contains(message)
                .assert_contains("The image was not added");
            assert_eq!(image_rows(&app), 0, "{name}: no row");
            assert_eq!(stored_files(&app), Vec::<String>::new(), "{name}: no file");
        }
        // A body past what any upload may be is refused before it is read whole.
        let too_big = vec![0u8; MAX_UPLOAD_BYTES + 128 * 1024];
        upload(&app, mug, "big.jpg", "image/jpeg", &too_big, Some("Mug")).await.assert_status(413);
        // And a file exactly at the limit gets through every layer to the image check.
        let mut at_limit = images::jpeg(64, 64);
        at_limit.resize(MAX_UPLOAD_BYTES, 0);
        upload(&app, mug, "padded.jpg", "image/jpeg", &at_limit, Some("Mug")).await.assert_status(303);
        assert_eq!(image_rows(&app), 1);
        assert_eq!(stored_files(&app).len(), 3);
    }
}

on_both_backends! {
    async fn other_sellers_and_shoppers_cannot_touch_the_images(db: TestDb) {
        let (app, _, mug) = seller_with_product(db).await;
        let jpeg = images::jpeg(640, 480);
        upload(&app, mug, "mug.jpg", "image/jpeg", &jpeg, Some("Mug")).await.assert_status(303);
        let image = images_of(&app, mug)[0].0;
        let files = stored_files(&app);

        let other = builders::seller(&mut app.conn());
        app.sign_in_as(user_of(&app, other));
        app.get(&format!("/seller/products/{mug}/images")).await.assert_status(404);
        upload(&app, mug, "mine.png", "image/png", &images::png(300, 300), Some("Mine")).await.assert_status(404);
        upload(&app, mug, "cut.jpg", "image/jpeg", &images::truncated(&jpeg), Some("Mine")).await.assert_status(404);
        upload(&app, mug, "mug.jpg", "image/jpeg", &jpeg, None).await.assert_status(404);
        app.post(&format!("/seller/products/{mug}/images/{image}/alt"), &[("alt_text", "Mine")]).await.assert_status(404);
        app.post(&format!("/seller/products/{mug}/images/{image}/alt"), &[("alt_text", "")]).await.assert_status(404);
        app.post(&format!("/seller/products/{mug}/images/{image}/move"), &[("direction", "up")]).await.assert_status(404);
        app.post(&format!("/seller/products/{mug}/images/{image}/delete"), &[]).await.assert_status(404);
        // Their image under their own product's address is no better.
        let category = builders::category(&mut app.conn(), "Cups");
        let (cup, _) = ProductBuilder::new("Cup").insert(&mut app.conn(), other, category);
        app.post(&format!("/seller/products/{cup}/images/{image}/delete"), &[]).await.assert_status(404);
        app.post(&format!("/seller/products/{cup}/images/{image}/alt"), &[("alt_text", "Mine")]).await.assert_status(404);

        app.sign_in_as(UserBuilder::customer().insert(&mut app.conn()));
        app.get(&format!("/seller/products/{mug}/images")).await.assert_status(403);
        upload(&app, mug, "mug.png", "image/png", &images::png(300, 300), Some("Mine")).await.assert_status(403);
        app.post(&format!("/seller/products/{mug}/images/{image}/delete"), &[]).await.assert_status(403);
        app.clear_cookies();
        app.get(&format!("/seller/products/{mug}/images")).await.assert_status(303);
        app.post(&format!("/seller/products/{mug}/images/{image}/delete"), &[]).await.assert_status(303);

        assert_eq!(images_of(&app, mug).len(), 1);
        let alt: String = product_images::table.find(image).select(product_images::alt_text).first(&mut app.conn()).unwrap();
        assert_eq!(alt, "Mug");
        assert_eq!(stored_files(&app), files);
    }
}

on_both_backends! {
    async fn reorder_alt_text_and_delete_reach_the_pages(db: TestDb) {
        let (app, seller, mug) = seller_with_product(db).await;
        upload(&app, mug, "a.jpg", "image/jpeg", &images::jpeg(600, 400), Some("Mug from the front")).await.assert_status(303);
        upload(&app, mug, "b.png", "image/png", &images::png(400, 600), Some("Mug from above")).await.assert_status(303);
        let rows = images_of(&app, mug);
        let (first, second) = (rows[0].0, rows[1].0);
        let (a, b) = (rows[0].1.clone().unwrap(), rows[1].1.clone().unwrap());
        let slug = slug_of(&app, mug);
        let mugs = format!("/c/{}", builders::category_slug(&mut app.conn(), category_of(&app, mug)));
        app.drain_search();
        app.get(&mugs).await.assert_status(200).assert_contains(&format!("/images/{a}-320.jpg"));

        app.post(&format!("/seller/products/{mug}/images/{second}/move"), &[("direction", "up")]).await
            .assert_redirect_to(&format!("/seller/products/{mug}/images"));
        assert_eq!(images_of(&app, mug).iter().map(|r| r.0).collect::<Vec<_>>(), [second, first]);
        app.post(&format!("/seller/products/{mug}/images/{second}/move"), &[("direction", "up")]).await.assert_status(303);
        app.post(&format!("/seller/products/{mug}/images/{second}/move"), &[("direction", "sideways")]).await.assert_status(422);
        assert_eq!(images_of(&app, mug).iter().map(|r| r.0).collect::<Vec<_>>(), [second, first]);
        app.drain_search();
        app.get(&mugs).await.assert_contains(&format!("/images/{b}-320.jpg"));
        let page = app.get(&format!("/p/{slug}")).await;
        let (at_b, at_a) = (page.body.find(&b[..]).unwrap(), page.body.find(&a[..]).unwrap());
        assert!(at_b < at_a, "the moved image comes first");

        app.post(&format!("/seller/products/{mug}/images/{first}/alt"), &[("alt_text", "Blue mug, front")]).await.assert_status(303);
        app.post(&format!("/seller/products/{mug}/images/{first}/alt"), &[("alt_text", "  ")]).await
            .assert_status(422).assert_contains("Please enter a description of the image");
        app.get(&format!("/p/{slug}")).await.assert_contains(r#"alt="Blue mug, front""#);

        // The same picture on a second product shares its files: deleting one keeps them.
        let category = builders::category(&mut app.conn(), "Cups");
        let (cup, _) = ProductBuilder::new("Cup").insert(&mut app.conn(), seller, category);
        upload(&app, cup, "a.jpg", "image/jpeg", &images::jpeg(600, 400), Some("Cup")).await.assert_status(303);
        assert_eq!(images_of(&app, cup)[0].1.as_deref(), Some(&a[..]));
        assert_eq!(stored_files(&app).len(), 6);
        app.post(&format!("/seller/products/{mug}/images/{first}/delete"), &[]).await.assert_status(303);
        assert_eq!(stored_files(&app).len(), 6, "the cup still shows it");
        app.get(&format!("/images/{a}-800.jpg")).await.assert_status(200);
        let cup_image = images_of(&app, cup)[0].0;
        app.post(&format!("/seller/products/{cup}/images/{cup_image}/delete"), &[]).await.assert_status(303);
        assert_eq!(stored_files(&app).len(), 3, "the last use took the files with it");
        app.get(&format!("/images/{a}-800.jpg")).await.assert_status(404);
        app.post(&format!("/seller/products/{mug}/images/{second}/delete"), &[]).await.assert_status(303);
        assert_eq!(stored_files(&app), Vec::<String>::new());
        assert_eq!(image_rows(&app), 0);
        app.get(&format!("/p/{slug}")).await.assert_contains("/static/img/placeholder.svg");
    }
}

on_both_backends! {
    async fn only_stored_image_names_are_served(db: TestDb) {
        let (app, _, mug) = seller_with_product(db).await;
        upload(&app, mug, "a.jpg", "image/jpeg", &images::jpeg(600, 400), Some("Mug")).await.assert_status(303);
        let hash = images_of(&app, mug)[0].1.clone().unwrap();
        app.get(&format!("/images/{hash}-320.jpg")).await.assert_status(200);
        for bad in [
            format!("/images/{hash}-320.png"),
            format!("/images/{hash}-321.jpg"),
            format!("/images/{}-320.jpg", "0".repeat(64)),
            "/images/..%2F..%2Fshopwave.sqlite3".to_owned(),
            "/images/..%2Fimages%2Fx".to_owned(),
            "/images/%2e%2e".to_owned(),
            "/images/".to_owned(),
        ] {
            app.get(&bad).await.assert_status(404);
        }
    }
}

on_both_backends! {
    async fn the_demo_seeds_images_keep_working(db: TestDb) {
        shopwave::seed::demo(&mut db.conn(), None).expect("demo seed");
        let app = TestApp::new(db).await;
        let (id, url): (i64, String) = product_images::table
            .order(product_images::id)
            .select((product_images::product_id, product_images::url))
            .first(&mut app.conn())
            .unwrap();
        let slug = slug_of(&app, id);
        app.get(&format!("/p/{slug}")).await.assert_status(200)
            .assert_contains(&format!(r#"src="{url}""#))
            .assert_contains(r#"width="480" height="480""#);
        app.get(&url).await.assert_status(200);
        app.get("/").await.assert_status(200).assert_contains("/static/img/products/");
    }
}
