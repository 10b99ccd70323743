//! `shopwave check`'s invariants: the demo shop keeps every one, and each kind of corruption is
//! reported as exactly one finding of its own kind.

use diesel::prelude::*;

use crate::common::execute;
use crate::on_both_backends;
use shopwave::checks::{
    self, Finding, OrderProblem, PayoutLineProblem, PayoutProblem, ProductProblem,
};
use shopwave::db::DbConn;
use shopwave::db::schema::*;
use shopwave::money::Money;

fn findings(conn: &mut DbConn) -> Vec<Finding> {
    checks::run_all(conn)
        .expect("checks run")
        .into_iter()
        .flat_map(|c| c.findings)
        .collect()
}

/// Runs `corrupt`, expects exactly `expected`, then runs `repair` and expects a clean shop again.
#[track_caller]
fn corrupted(conn: &mut DbConn, corrupt: &str, expected: Finding, repair: &str) {
    corrupted_twice(conn, corrupt, vec![expected], repair);
}

/// As `corrupted`, for a corruption that more than one check finds.
#[track_caller]
fn corrupted_twice(conn: &mut DbConn, corrupt: &str, expected: Vec<Finding>, repair: &str) {
    execute(conn, corrupt).unwrap();
    assert_eq!(findings(conn), expected);
    execute(conn, repair).unwrap();
    assert_eq!(findings(conn), vec![]);
}

on_both_backends! {
    async fn the_demo_shop_passes_every_check_and_each_corruption_is_found(db: TestDb) {
        let mut conn = db.conn();
        shopwave::seed::demo(&mut conn, None).expect("demo seed");
        let all = checks::run_all(&mut conn).unwrap();
        assert_eq!(all.len(), checks::COUNT);
        for check in &all {
            assert_eq!(check.findings, vec![], "{}", check.name);
        }

        let (variant, sku, stock): (i64, String, i32) = product_variants::table
            .filter(product_variants::stock.gt(1))
            .select((product_variants::id, product_variants::sku, product_variants::stock))
            .first(&mut conn)
            .unwrap();
        corrupted(
            &mut conn,
            &format!("UPDATE product_variants SET stock = stock - 1 WHERE id = {variant}"),
            Finding::StockDrift { sku, stock: stock - 1, ledger: i64::from(stock) },
            &format!("UPDATE product_variants SET stock = stock + 1 WHERE id = {variant}"),
        );

        let (order, number, subtotal, discount, tax): (i64, String, Money, Money, Money) = orders::table
            .select((orders::id, orders::number, orders::subtotal, orders::discount_total, orders::tax_total))
            .first(&mut conn)
            .unwrap();
        // The grand total moves too: the database itself refuses a row whose sums disagree.
        corrupted(
            &mut conn,
            &format!("UPDATE orders SET subtotal = subtotal + 1, grand_total = grand_total + 1 WHERE id = {order}"),
            Finding::OrderTotals {
                number: number.clone(),
                problem: OrderProblem::Subtotal { recorded: subtotal + Money::from_minor(1), lines: subtotal },
            },
            &format!("UPDATE orders SET subtotal = subtotal - 1, grand_total = grand_total - 1 WHERE id = {order}"),
        );
        corrupted(
            &mut conn,
            &format!("UPDATE orders SET tax_total = tax_total + 1, grand_total = grand_total + 1 WHERE id = {order}"),
            Finding::OrderTotals {
                number: number.clone(),
                problem: OrderProblem::Tax { recorded: tax + Money::from_minor(1), lines: tax },
            },
            &format!("UPDATE orders SET tax_total = tax_total - 1, grand_total = grand_total - 1 WHERE id = {order}"),
        );
        corrupted(
            &mut conn,
            &format!("UPDATE orders SET discount_total = discount_total + 1, grand_total = grand_total - 1 WHERE id = {order}"),
            Finding::OrderTotals {
                number,
                problem: OrderProblem::Discount { recorded: discount + Money::from_minor(1), lines: discount },
            },
            &format!("UPDATE orders SET discount_total = discount_total - 1, grand_total = grand_total + 1 WHERE id = {order}"),
        );

        let (payment, paid_order, amount): (i64, i64, Money) = payments::table
            .left_join(refunds::table)
            .filter(refunds::id.is_null())
            .select((payments::id, payments::order_id, payments::amount))
            .first(&mut conn)
            .unwrap();
        let paid_number: String = orders::table.find(paid_order).select(orders::number).first(&mut conn).unwrap();
        let over = amount.minor() + 1;
        // The payment's own reservation cannot pass the amount (a CHECK), so a refund row
        // forged past it disagrees with the reservation too.
        corrupted_twice(
            &mut conn,
            &format!(
                "INSERT INTO refunds (payment_id, order_id, amount, reason, status, created_at) \
                 VALUES ({payment}, {paid_order}, {over}, 'forged', 'pending', '2026-01-01 00:00:00')"
            ),
            vec![
                Finding::OverRefunded {
                    order_number: paid_number,
                    payment_id: payment,
                    captured: amount,
                    refunded: Money::from_minor(over),
                },
                Finding::RefundReservation {
                    payment_id: payment,
                    recorded: Money::ZERO,
                    refunds: Money::from_minor(over),
                },
            ],
            &format!("DELETE FROM refunds WHERE payment_id = {payment}"),
        );
        corrupted(
            &mut conn,
            &format!("UPDATE payments SET refunded_amount = 1 WHERE id = {payment}"),
            Finding::RefundReservation {
                payment_id: payment,
                recorded: Money::from_minor(1),
                refunds: Money::ZERO,
            },
            &format!("UPDATE payments SET refunded_amount = 0 WHERE id = {payment}"),
        );
        let line: i64 = order_items::table
            .filter(order_items::order_id.eq(paid_order))
            .select(order_items::id)
            .first(&mut conn)
            .unwrap();
        corrupted(
            &mut conn,
            &format!("UPDATE order_items SET refunded_amount = 1 WHERE id = {line}"),
            Finding::LineRefundReservation {
                order_item_id: line,
                recorded: Money::from_minor(1),
                refunds: Money::ZERO,
            },
            &format!("UPDATE order_items SET refunded_amount = 0 WHERE id = {line}"),
        );

        let (promotion, code, uses): (i64, String, i32) = promotions::table
            .filter(promotions::max_uses.is_null())
            .select((promotions::id, promotions::code, promotions::uses_count))
            .first(&mut conn)
            .unwrap();
        corrupted(
            &mut conn,
            &format!("UPDATE promotions SET uses_count = uses_count + 1 WHERE id = {promotion}"),
            Finding::VoucherUses { code, uses_count: i64::from(uses) + 1, redemptions: i64::from(uses) },
            &format!("UPDATE promotions SET uses_count = uses_count - 1 WHERE id = {promotion}"),
        );

        let (product, slug, low, high): (i64, String, Money, Money) = products::table
            .select((products::id, products::slug, products::price_min, products::price_max))
            .first(&mut conn)
            .unwrap();
        corrupted(
            &mut conn,
            &format!("UPDATE products SET price_max = price_max + 1 WHERE id = {product}"),
            Finding::ProductSummary {
                slug: slug.clone(),
                problem: ProductProblem::PriceRange {
                    recorded: (low, high + Money::from_minor(1)),
                    expected: (low, high),
                },
            },
            &format!("UPDATE products SET price_max = price_max - 1 WHERE id = {product}"),
        );
        let in_stock: bool = products::table.find(product).select(products::in_stock).first(&mut conn).unwrap();
        corrupted(
            &mut conn,
            &format!("UPDATE products SET in_stock = {} WHERE id = {product}", !in_stock),
            Finding::ProductSummary {
                slug,
                problem: ProductProblem::InStock { recorded: !in_stock, expected: in_stock },
            },
            &format!("UPDATE products SET in_stock = {in_stock} WHERE id = {product}"),
        );
    }
}

on_both_backends! {
    async fn a_changed_removed_or_unhashed_audit_row_breaks_the_chain(db: TestDb) {
        use shopwave::audit::{self, Actor, Entity};
        let mut conn = db.conn();
        let admin = crate::common::builders::UserBuilder::customer().role("admin").insert(&mut conn);
        for n in 1..=3 {
            shopwave::db::write_tx(&mut conn, |c| {
                audit::record(
                    c,
                    &Actor::at(admin, "192.0.2.7"),
                    "order.note",
                    Entity { kind: "order", id: n },
                    &format!("note {n}"),
                )
            })
            .expect("audit row");
        }
        assert_eq!(findings(&mut conn), vec![]);
        let ids: Vec<i64> = audit_log::table.order(audit_log::id).select(audit_log::id).load(&mut conn).unwrap();
        let (first, second) = (ids[0], ids[1]);

        execute(&mut conn, &format!("UPDATE audit_log SET details = 'note 9' WHERE id = {first}")).unwrap();
        let found = findings(&mut conn);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].to_string().contains(&format!("audit row {first}")), "{}", found[0]);
        execute(&mut conn, &format!("UPDATE audit_log SET details = 'note 1' WHERE id = {first}")).unwrap();
        assert_eq!(findings(&mut conn), vec![]);

        execute(&mut conn, &format!("UPDATE audit_log SET client_ip = '10.0.0.1' WHERE id = {second}")).unwrap();
        assert_eq!(findings(&mut conn).len(), 1);
        execute(&mut conn, &format!("UPDATE audit_log SET client_ip = '192.0.2.7' WHERE id = {second}")).unwrap();

        execute(&mut conn, &format!("DELETE FROM audit_log WHERE id = {second}")).unwrap();
        let found = findings(&mut conn);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].to_string().contains("removed or inserted"), "{}", found[0]);
    }
}

on_both_backends! {
    async fn a_statement_that_disagrees_with_its_lines_or_pays_a_line_not_due_is_found(db: TestDb) {
        use crate::common::payouts::*;
        let mut conn = db.conn();
        let shop = shop(&mut conn);
        let (seller, mug) = seller_selling(&mut conn, 1500, "Mug", 1000);
        let (order, _) = paid_order(&db, &shop, &[(mug, 1)]);
        let (_, period) = closed_months();
        let at = period.end() - chrono::Duration::days(40);
        delivered(&mut conn, order, seller, at);
        shopwave::payouts::generate(&mut conn, period, None).unwrap();
        assert_eq!(findings(&mut conn), vec![]);
        let payout = statement_id(&mut conn, seller, period);
        let order_item_id = line_of(&mut conn, order, seller).0;
        let m = Money::from_minor;
        // net = gross − commission is a CHECK on the row, so each corruption keeps it.
        corrupted(
            &mut conn,
            &format!("UPDATE seller_payouts SET gross = gross + 1, net = net + 1 WHERE id = {payout}"),
            Finding::PayoutTotals { payout_id: payout, problem: PayoutProblem::Gross { recorded: m(1001), lines: m(1000) } },
            &format!("UPDATE seller_payouts SET gross = gross - 1, net = net - 1 WHERE id = {payout}"),
        );
        corrupted(
            &mut conn,
            &format!("UPDATE seller_payouts SET commission = commission + 1, net = net - 1 WHERE id = {payout}"),
            Finding::PayoutTotals { payout_id: payout, problem: PayoutProblem::Commission { recorded: m(151), lines: m(150) } },
            &format!("UPDATE seller_payouts SET commission = commission - 1, net = net + 1 WHERE id = {payout}"),
        );
        let stamp = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
        let (delivered_at, too_late) = (stamp(at), stamp(period.end() - chrono::Duration::days(10)));
        corrupted(
            &mut conn,
            &format!("UPDATE shipments SET delivered_at = '{too_late}' WHERE order_id = {order}"),
            Finding::PayoutLine { payout_id: payout, order_item_id, problem: PayoutLineProblem::InsideReturnWindow },
            &format!("UPDATE shipments SET delivered_at = '{delivered_at}' WHERE order_id = {order}"),
        );
        corrupted(
            &mut conn,
            &format!("UPDATE shipments SET status = 'shipped', delivered_at = NULL WHERE order_id = {order}"),
            Finding::PayoutLine { payout_id: payout, order_item_id, problem: PayoutLineProblem::NotDelivered },
            &format!("UPDATE shipments SET status = 'delivered', delivered_at = '{delivered_at}' WHERE order_id = {order}"),
        );
    }
}
