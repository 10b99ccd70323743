//! `inventory::move_stock`, the one way stock changes: conditional, in the ledger, and telling
//! the catalog and search only when what shoppers see changes.

use diesel::prelude::*;

use crate::common::builders::{self, ProductBuilder};
use crate::on_both_backends;
use shopwave::db::DbConn;
use shopwave::db::schema::{inventory_movements, product_variants, products, search_outbox};
use shopwave::inventory::{MAX_STOCK, Move, MovementReason, Refused, Why, drift, move_stock};

fn state(conn: &mut DbConn, product: i64, variant: i64) -> (i32, bool, i64, i64) {
    let stock = product_variants::table
        .find(variant)
        .select(product_variants::stock)
        .first(conn)
        .unwrap();
    let in_stock = products::table
        .find(product)
        .select(products::in_stock)
        .first(conn)
        .unwrap();
    let ledger = inventory_movements::table.count().get_result(conn).unwrap();
    let outbox = search_outbox::table
        .filter(search_outbox::product_id.eq(product))
        .count()
        .get_result(conn)
        .unwrap();
    (stock, in_stock, ledger, outbox)
}

on_both_backends! {
    async fn every_move_is_in_the_ledger_and_the_flag_follows_the_stock_note(db: TestDb) {
        let conn = &mut db.conn();
        let (seller, category) = (builders::seller(conn), builders::category(conn, "Mugs"));
        let (mug, variant) = ProductBuilder::new("Mug").stock(7).insert(conn, seller, category);
        let (_, _, ledger, outbox) = state(conn, mug, variant);
        let one = |delta| [Move { variant_id: variant, delta }];

        // 7 → 10: "In stock" both times, so search is not told.
        let restock = Why::of(MovementReason::Restock);
        assert_eq!(move_stock(conn, &one(3), restock).unwrap(), Ok(vec![10]));
        assert_eq!(state(conn, mug, variant), (10, true, ledger + 1, outbox));
        // 10 → 0: sold out, the flag drops and search hears of it.
        assert_eq!(move_stock(conn, &one(-10), Why::of(MovementReason::Sale)).unwrap(), Ok(vec![0]));
        assert_eq!(state(conn, mug, variant), (0, false, ledger + 2, outbox + 1));
        // 0 → 2: back, "Only 2 left".
        assert_eq!(move_stock(conn, &one(2), Why::of(MovementReason::Cancellation)).unwrap(), Ok(vec![2]));
        assert_eq!(state(conn, mug, variant), (2, true, ledger + 3, outbox + 2));
        assert!(drift(conn).unwrap().is_empty(), "stock equals the ledger");

        let reasons: Vec<MovementReason> = inventory_movements::table
            .filter(inventory_movements::variant_id.eq(variant))
            .order(inventory_movements::id)
            .select(inventory_movements::reason)
            .load(conn)
            .unwrap();
        use MovementReason::*;
        assert_eq!(reasons, [Initial, Restock, Sale, Cancellation]);
    }
}

on_both_backends! {
    async fn a_move_the_stock_cannot_take_is_refused_and_writes_nothing(db: TestDb) {
        let conn = &mut db.conn();
        let (seller, category) = (builders::seller(conn), builders::category(conn, "Lamps"));
        let (lamp, variant) = ProductBuilder::new("Lamp").stock(3).insert(conn, seller, category);
        let (other_product, other) = ProductBuilder::new("Shade").stock(5).insert(conn, seller, category);
        let before = (state(conn, lamp, variant), state(conn, other_product, other));

        // Two lines of one order: the second cannot be covered, so the caller rolls back.
        let sale = [Move { variant_id: other, delta: -1 }, Move { variant_id: variant, delta: -4 }];
        let rolled_back = conn.transaction::<(), _, _>(|c| {
            let outcome = move_stock(c, &sale, Why::of(MovementReason::Sale)).expect("no database error");
            assert_eq!(outcome, Err(Refused { variant_id: variant, on_hand: 3 }));
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(rolled_back.is_err());
        assert_eq!((state(conn, lamp, variant), state(conn, other_product, other)), before);

        let restock = [Move { variant_id: variant, delta: MAX_STOCK }];
        assert_eq!(
            move_stock(conn, &restock, Why::of(MovementReason::Restock)).unwrap(),
            Err(Refused { variant_id: variant, on_hand: 3 }),
            "no variant holds more than MAX_STOCK"
        );
        // Stock coming back from an order is never refused for the ceiling.
        let back = Why::of(MovementReason::Cancellation);
        assert_eq!(move_stock(conn, &restock, back).unwrap(), Ok(vec![MAX_STOCK + 3]));
        let back = [Move { variant_id: variant, delta: -MAX_STOCK }];
        assert_eq!(move_stock(conn, &back, Why::of(MovementReason::Adjustment)).unwrap(), Ok(vec![3]));
        assert_eq!(state(conn, lamp, variant).0, 3);
        assert!(drift(conn).unwrap().is_empty(), "stock equals the ledger");
    }
}
