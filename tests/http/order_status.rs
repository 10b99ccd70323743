//! Order status changes go through `orders::transition`: each one leaves a history row, and one
//! a person made leaves an audit row naming them. Refunds never exceed what was captured.

use diesel::prelude::*;
use shopwave::audit::Actor;
use shopwave::orders::Canceller;

use crate::common::builders::{ProductBuilder, category, seller};
use crate::common::commerce::*;
use crate::on_both_backends;
use shopwave::checkout::Outcome;
use shopwave::db::schema::{audit_log, order_status_history, orders, payments, refunds};
use shopwave::error::Error;
use shopwave::money::Money;
use shopwave::payments::RefundRequest;

/// A paid order for one 10.00 widget; returns the buyer's id and the order number.
fn paid_order(db: &crate::common::TestDb) -> (i64, String) {
    let conn = &mut db.conn();
    let (s, c) = (seller(conn), category(conn, "Gadgets"));
    let (_, variant) = ProductBuilder::new("Widget")
        .price(1000)
        .stock(5)
        .insert(conn, s, c);
    let shipping = shipping_method(conn, 499, None);
    let b = buyer(db, APPROVED);
    add_to_cart(conn, b.id, variant, 1);
    let Ok(Outcome::Confirmed { number }) =
        saga(db).submit(&order_request(b.id, b.address, shipping, b.card))
    else {
        panic!("approved");
    };
    (b.id, number)
}

on_both_backends! {
    async fn a_customer_cancel_is_in_the_history_and_the_audit_log(db: TestDb) {
        let (buyer_id, number) = paid_order(&db);
        saga(&db).cancel_order(Canceller::Shopper(&Actor::offline(buyer_id)), &number).expect("cancelled");
        let conn = &mut db.conn();

        let order_id: i64 = orders::table
            .filter(orders::number.eq(&number))
            .select(orders::id)
            .first(conn)
            .expect("order");
        let history: Vec<(Option<String>, String, Option<i64>)> = order_status_history::table
            .filter(order_status_history::order_id.eq(order_id))
            .order(order_status_history::id)
            .select((
                order_status_history::from_status,
                order_status_history::to_status,
                order_status_history::actor_id,
            ))
            .load(conn)
            .expect("history");
        assert_eq!(
            history,
            [
                (None, "pending_payment".to_owned(), Some(buyer_id)),
                (Some("pending_payment".to_owned()), "confirmed".to_owned(), None),
                (Some("confirmed".to_owned()), "cancelled".to_owned(), Some(buyer_id)),
            ]
        );
        let audited: Vec<(Option<i64>, String, String)> = audit_log::table
            .filter(audit_log::entity_type.eq("order"))
            .filter(audit_log::entity_id.eq(order_id))
            .select((audit_log::actor_id, audit_log::action, audit_log::details))
            .load(conn)
            .expect("audit");
        assert_eq!(
            audited,
            [(
                Some(buyer_id),
                "order.status".to_owned(),
                "confirmed → cancelled: Cancelled by the customer".to_owned()
            )]
        );
    }
}

on_both_backends! {
    async fn nothing_more_than_what_was_captured_is_refunded(db: TestDb) {
        let (buyer_id, number) = paid_order(&db);
        saga(&db).cancel_order(Canceller::Shopper(&Actor::offline(buyer_id)), &number).expect("cancelled and refunded");
        let conn = &mut db.conn();
        let (order_id, payment_id, reference): (i64, i64, Option<String>) = payments::table
            .inner_join(orders::table)
            .filter(orders::number.eq(&number))
            .select((orders::id, payments::id, payments::gateway_reference))
            .first(conn)
            .expect("payment");
        assert_eq!(shopwave::payments::refundable(conn, payment_id).expect("left"), Money::ZERO);
        let again = shopwave::payments::refund(
            conn,
            &db.gateway(),
            &RefundRequest {
                payment_id,
                order_id,
                reference: reference.as_deref().expect("captured"),
                amount: Money::from_minor(1),
                reason: "once more",
                created_by: Some(buyer_id),
                order_item_id: None,
                return_id: None,
            },
        );
        assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
        let rows: i64 = refunds::table.count().get_result(conn).expect("refunds");
        assert_eq!(rows, 1);
    }
}

on_both_backends! {
    async fn refunds_of_one_payment_at_once_never_give_back_more_than_it_captured(db: TestDb) {
        let (buyer_id, number) = paid_order(&db);
        let (order_id, payment_id, reference, captured): (i64, i64, Option<String>, Money) =
            payments::table
                .inner_join(orders::table)
                .filter(orders::number.eq(&number))
                .select((orders::id, payments::id, payments::gateway_reference, payments::amount))
                .first(&mut db.conn())
                .expect("payment");
        let reference = reference.expect("captured");
        let gateway = db.gateway();
        let outcomes: Vec<shopwave::error::Result<bool>> = std::thread::scope(|scope| {
            let refunds: Vec<_> = (0..6)
                .map(|_| {
                    let (pool, gateway, reference) = (db.pool.clone(), gateway.clone(), &reference);
                    scope.spawn(move || {
                        shopwave::payments::refund(
                            &mut pool.get().expect("connection"),
                            &gateway,
                            &RefundRequest {
                                payment_id,
                                order_id,
                                reference,
                                amount: captured,
                                reason: "all of it, six times at once",
                                created_by: Some(buyer_id),
                                order_item_id: None,
                                return_id: None,
                            },
                        )
                        .map(|outcome| outcome.succeeded())
                    })
                })
                .collect();
            refunds.into_iter().map(|r| r.join().expect("refund thread")).collect()
        });
        let refunded = outcomes.iter().filter(|o| matches!(o, Ok(true))).count();
        let refused = outcomes.iter().filter(|o| matches!(o, Err(Error::Conflict(_)))).count();
        assert_eq!((refunded, refused), (1, 5), "{outcomes:?}");
        let conn = &mut db.conn();
        assert_eq!(shopwave::payments::refundable(conn, payment_id).expect("left"), Money::ZERO);
        let rows: Vec<(Money, String)> = refunds::table
            .select((refunds::amount, refunds::status))
            .load(conn)
            .expect("refunds");
        assert_eq!(rows, [(captured, "succeeded".to_owned())]);
    }
}

on_both_backends! {
    async fn refunds_of_one_line_at_once_never_give_back_more_than_the_line(db: TestDb) {
        let (buyer_id, number) = paid_order(&db);
        let (order_id, payment_id, reference): (i64, i64, Option<String>) = payments::table
            .inner_join(orders::table)
            .filter(orders::number.eq(&number))
            .select((orders::id, payments::id, payments::gateway_reference))
            .first(&mut db.conn())
            .expect("payment");
        let (line, line_total): (i64, Money) = shopwave::db::schema::order_items::table
            .filter(shopwave::db::schema::order_items::order_id.eq(order_id))
            .select((shopwave::db::schema::order_items::id, shopwave::db::schema::order_items::line_total))
            .first(&mut db.conn())
            .expect("line");
        let reference = reference.expect("captured");
        let gateway = db.gateway();
        let outcomes: Vec<shopwave::error::Result<bool>> = std::thread::scope(|scope| {
            let refunds: Vec<_> = (0..4)
                .map(|_| {
                    let (pool, gateway, reference) = (db.pool.clone(), gateway.clone(), &reference);
                    scope.spawn(move || {
                        shopwave::payments::refund(
                            &mut pool.get().expect("connection"),
                            &gateway,
                            &RefundRequest {
                                payment_id,
                                order_id,
                                reference,
                                amount: line_total,
                                reason: "the whole line, four times at once",
                                created_by: Some(buyer_id),
                                order_item_id: Some(line),
                                return_id: None,
                            },
                        )
                        .map(|outcome| outcome.succeeded())
                    })
                })
                .collect();
            refunds.into_iter().map(|r| r.join().expect("refund thread")).collect()
        });
        let refunded = outcomes.iter().filter(|o| matches!(o, Ok(true))).count();
        let refused = outcomes.iter().filter(|o| matches!(o, Err(Error::Conflict(_)))).count();
        assert_eq!((refunded, refused), (1, 3), "{outcomes:?}");
        let conn = &mut db.conn();
        let given: Money = shopwave::db::schema::order_items::table
            .find(line)
            .select(shopwave::db::schema::order_items::refunded_amount)
            .first(conn)
            .expect("line");
        assert_eq!(given, line_total);
        let all = shopwave::checks::run_all(conn).expect("checks");
        assert!(all.iter().all(|c| c.findings.is_empty()), "{all:?}");
    }
}
