//! Fixtures for the seller's CSV import: a seller with a category, files written in the import's
//! format, the multipart upload a browser sends, and waiting for a running import to finish.

use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::builders::{self};
use super::{Page, TestApp};
use shopwave::db::DbConn;
use shopwave::db::schema::{inventory_movements, price_history, product_imports, sellers};

pub const HEADER: &str =
    "product_slug,product_name,category,description,status,sku,variant_name,options,price,stock\n";

/// A signed-in seller and a category to file products under.
pub struct Shop {
    pub seller_id: i64,
    pub user_id: i64,
    pub category_id: i64,
    pub category: String,
}

pub fn shop(app: &TestApp) -> Shop {
    let mut conn = app.conn();
    let seller_id = builders::seller(&mut conn);
    let user_id = user_of(&mut conn, seller_id);
    let category_id = builders::category(&mut conn, "Lighting");
    let category = builders::category_slug(&mut conn, category_id);
    app.sign_in_as(user_id);
    Shop {
        seller_id,
        user_id,
        category_id,
        category,
    }
}

pub fn user_of(conn: &mut DbConn, seller_id: i64) -> i64 {
    sellers::table
        .find(seller_id)
        .select(sellers::user_id)
        .first(conn)
        .unwrap()
}

/// One row of a new product (no slug): name, SKU, variant name, options, price, stock.
pub fn new_row(
    category: &str,
    name: &str,
    sku: &str,
    variant: &str,
    options: &str,
    price: &str,
    stock: i32,
) -> String {
    format!(",{name},{category},About {name},active,{sku},{variant},{options},{price},{stock}\n")
}

/// A file of `products` new products with `variants` variants each.
pub fn big_file(category: &str, products: usize, variants: usize) -> String {
    let mut file = String::from(HEADER);
    for p in 0..products {
        for v in 0..variants {
            file.push_str(&new_row(
                category,
                &format!("Bulk product {p}"),
                &format!("BULK-{p}-{v}"),
                &format!("Size {v}"),
                &format!("Size={v}"),
                "9.99",
                (v as i32) + 1,
            ));
        }
    }
    file
}

/// Posts `file` as the browser's multipart upload (the CSRF token in the query string).
pub async fn upload(app: &TestApp, file: &str) -> Page {
    let token = app.csrf_token().await;
    let boundary = "----shopwave-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"products.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file.as_bytes());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.send(
        actix_web::test::TestRequest::post()
            .uri(&format!("/seller/imports?csrf_token={token}"))
            .insert_header((
                actix_web::http::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .set_payload(body),
    )
    .await
}

/// Uploads the file and returns the new import's id.
pub async fn preview(app: &TestApp, file: &str) -> i64 {
    let page = upload(app, file).await;
    page.assert_status(303);
    page.location()
        .and_then(|l| l.strip_prefix("/seller/imports/"))
        .and_then(|id| id.parse().ok())
        .expect("the upload redirects to its preview")
}

/// (status, rows applied, total rows, changes applied) as stored.
pub fn job(conn: &mut DbConn, id: i64) -> (String, i32, i32, i32) {
    product_imports::table
        .find(id)
        .select((
            product_imports::status,
            product_imports::rows_applied,
            product_imports::total_rows,
            product_imports::changes_applied,
        ))
        .first(conn)
        .unwrap()
}

/// Applies the import through its page and waits for the background run to end; returns the
/// checkpoints seen on the progress page on the way and the final page.
pub async fn apply_and_wait(app: &TestApp, id: i64, limit: Duration) -> (Vec<i32>, Page) {
    app.post(&format!("/seller/imports/{id}/apply"), &[])
        .await
        .assert_redirect_to(&format!("/seller/imports/{id}"));
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        let (status, applied, _, _) = job(&mut app.conn(), id);
        if seen.last() != Some(&applied) {
            seen.push(applied);
        }
        if status != "running" {
            break;
        }
        assert!(
            started.elapsed() < limit,
            "import {id} still running after {limit:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    (seen, app.get(&format!("/seller/imports/{id}")).await)
}

/// Rows in the price history and the ledger, to prove what changed.
pub fn history_rows(conn: &mut DbConn) -> (i64, i64) {
    let prices = price_history::table.count().get_result(conn).unwrap();
    let moves = inventory_movements::table.count().get_result(conn).unwrap();
    (prices, moves)
}
