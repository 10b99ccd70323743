//! The running sales totals (`shopwave::sales_totals`) follow every sale, cancellation (of an
//! order and of a line), refund and return made through the real routes, and equal a full
//! recomputation from the orders after each step; a corrupted total is found by the check.

use diesel::prelude::*;

use crate::common::builders::UserBuilder;
use crate::common::lifecycle::{Lifecycle, UNITS};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb, execute};
use crate::on_both_backends;
use shopwave::db::DbConn;
use shopwave::db::schema::*;

/// A valid UPS tracking number: the ship form's check digit agrees with it.
const UPS: &str = "1Z999AA10123456784";

/// Posts a form as `user` and expects the redirect of a change that went through.
async fn post_as(app: &TestApp, user: i64, path: &str, fields: &[(&str, &str)]) {
    app.sign_in_as(user);
    let page = app.post(path, fields).await;
    assert_eq!(page.status.as_u16(), 303, "POST {path}\n{}", page.body);
    assert_matches_recomputation(&mut app.conn(), path);
}

#[track_caller]
fn assert_matches_recomputation(conn: &mut DbConn, after: &str) {
    let drift = shopwave::sales_totals::drift(conn, None).expect("recomputation");
    assert!(drift.is_empty(), "after {after}: {drift:?}");
}

/// (orders, units, gross, revenue) of a seller, all days.
fn seller_totals(conn: &mut DbConn, seller_id: i64) -> (i64, i64, i64, i64) {
    let rows: Vec<(i64, i64, i64, i64)> = seller_sales_days::table
        .filter(seller_sales_days::seller_id.eq(seller_id))
        .select((
            seller_sales_days::orders,
            seller_sales_days::units,
            seller_sales_days::gross,
            seller_sales_days::revenue,
        ))
        .load(conn)
        .expect("seller totals");
    rows.into_iter().fold((0, 0, 0, 0), |a, r| {
        (a.0 + r.0, a.1 + r.1, a.2 + r.2, a.3 + r.3)
    })
}

/// (orders, units, revenue) of the whole shop, all days.
fn shop_totals(conn: &mut DbConn) -> (i64, i64, i64) {
    let rows: Vec<(i64, i64, i64)> = shop_sales_days::table
        .select((
            shop_sales_days::orders,
            shop_sales_days::units,
            shop_sales_days::revenue,
        ))
        .load(conn)
        .expect("shop totals");
    rows.into_iter()
        .fold((0, 0, 0), |a, r| (a.0 + r.0, a.1 + r.1, a.2 + r.2))
}

on_both_backends! {
    async fn totals_follow_sales_cancellations_refunds_and_returns(db: TestDb) {
        let admin = UserBuilder::customer().role("admin").insert(&mut db.conn());
        let app = TestApp::with(db, true, |_| {}).await;
        // Four paid orders, each with a line of two units from each of two new sellers.
        let [kept, line_cut, cancelled, refunded] = [0, 1, 2, 3].map(|_| Lifecycle::new(&app.db, admin));
        assert_matches_recomputation(&mut app.conn(), "four sales");
        let sale = |lc: &Lifecycle, side: usize| lc.line_totals[side];
        let conn = &mut app.conn();
        let seller_a = kept.line(0).seller;
        assert_eq!(seller_totals(conn, seller_a.id).0, 1);
        assert_eq!(seller_totals(conn, seller_a.id).1, i64::from(UNITS));
        assert_eq!(seller_totals(conn, seller_a.id).3, sale(&kept, 0));

        // `kept`: a partial refund, then seller B's parcel goes out, arrives and a unit comes
        // back, refunded on receipt. The order stays paid: its sales stay as they were.
        let number = kept.order.number.clone();
        post_as(&app, admin, &format!("/admin/orders/{number}/refund"),
            &[("amount", "1.00"), ("reason", "Goodwill")]).await;
        let b = kept.line(1).seller.user_id;
        post_as(&app, b, &format!("/seller/orders/{number}/ship"),
            &[("carrier", "UPS"), ("tracking_number", UPS)]).await;
        post_as(&app, b, &format!("/seller/orders/{number}/deliver"), &[]).await;
        let item = kept.line(1).item_id.to_string();
        post_as(&app, kept.order.buyer, &format!("/orders/{number}/returns"),
            &[("order_item_id", &item), ("quantity", "1"), ("reason", "It does not fit")]).await;
        let returned = kept.returns_of(&mut app.conn(), 1)[0];
        post_as(&app, b, &format!("/seller/returns/{returned}/decide"),
            &[("decision", "accept"), ("message", "")]).await;
        post_as(&app, b, &format!("/seller/returns/{returned}/receive"), &[("restock", "1")]).await;
        let conn = &mut app.conn();
        assert_eq!(seller_totals(conn, kept.line(1).seller.id).3, sale(&kept, 1));

        // `line_cut`: seller A cancels their line; B's line still counts, A's no longer.
        let number = line_cut.order.number.clone();
        let a = line_cut.line(0);
        post_as(&app, a.seller.user_id,
            &format!("/seller/orders/{number}/lines/{}/cancel", a.item_id), &[]).await;
        let conn = &mut app.conn();
        assert_eq!(seller_totals(conn, a.seller.id), (0, 0, 0, 0));
        assert_eq!(seller_totals(conn, line_cut.line(1).seller.id).3, sale(&line_cut, 1));
        // Then B cancels theirs too, which cancels the order.
        let b = line_cut.line(1);
        post_as(&app, b.seller.user_id,
            &format!("/seller/orders/{number}/lines/{}/cancel", b.item_id), &[]).await;
        assert_eq!(seller_totals(&mut app.conn(), b.seller.id), (0, 0, 0, 0));

        // `cancelled`: the shopper cancels the whole order.
        let number = cancelled.order.number.clone();
        post_as(&app, cancelled.order.buyer, &format!("/orders/{number}/cancel"), &[]).await;
        // `refunded`: the admin refunds all of it, which ends the order refunded.
        let number = refunded.order.number.clone();
        let all = refunded.refundable(&mut app.conn());
        let all = format!("{}.{:02}", all / 100, all % 100);
        post_as(&app, admin, &format!("/admin/orders/{number}/refund"),
            &[("amount", &all), ("reason", "The rest")]).await;

        let conn = &mut app.conn();
        for gone in [&cancelled, &refunded] {
            for side in 0..2 {
                assert_eq!(seller_totals(conn, gone.line(side).seller.id), (0, 0, 0, 0));
            }
        }
        // Only `kept` is left in the shop's figures.
        let units = 2 * i64::from(UNITS);
        assert_eq!(shop_totals(conn), (1, units, sale(&kept, 0) + sale(&kept, 1)));

        // Seller A of `kept` moves the product they sold to another category: its sales move
        // with it, as the report counts a sale under the product's current category.
        let (product, old_category): (i64, i64) = order_items::table
            .inner_join(products::table)
            .filter(order_items::id.eq(kept.line(0).item_id))
            .select((products::id, products::primary_category_id))
            .first(conn)
            .unwrap();
        let moved_to = crate::common::builders::category(conn, "Moved");
        post_as(&app, seller_a.user_id, &format!("/seller/products/{product}/category"),
            &[("category_id", &moved_to.to_string())]).await;
        let conn = &mut app.conn();
        let category_revenue = |conn: &mut DbConn, id: i64| -> i64 {
            category_sales_days::table
                .filter(category_sales_days::category_id.eq(id))
                .select(category_sales_days::revenue)
                .load::<i64>(conn)
                .unwrap()
                .into_iter()
                .sum()
        };
        assert_eq!(category_revenue(conn, moved_to), sale(&kept, 0));
        assert_eq!(category_revenue(conn, old_category), sale(&kept, 1), "B's line stays");

        // A total changed behind the shop's back is found, by the check too.
        execute(conn, &format!(
            "UPDATE seller_sales_days SET units = units + 1 WHERE seller_id = {}", seller_a.id
        )).unwrap();
        let drift = shopwave::sales_totals::drift(conn, None).unwrap();
        assert_eq!(drift.len(), 2, "{drift:?}");
        assert!(drift.iter().all(|d| d.table == "seller_sales_days" && d.key == seller_a.id));
        let check = shopwave::checks::sales_totals(conn).unwrap();
        assert_eq!(check.len(), 2);
        // And a rebuild from the orders puts it right.
        shopwave::sales_totals::rebuild(conn).unwrap();
        assert_matches_recomputation(conn, "the rebuild");
        assert_eq!(shop_totals(conn), (1, units, sale(&kept, 0) + sale(&kept, 1)));
    }
}
