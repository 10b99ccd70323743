//! The `db::` helpers that read a refusal the same way on both backends, against real databases.

use diesel::prelude::*;

use crate::on_both_backends;
use shopwave::db::schema::{shipping_methods, tax_rates};
use shopwave::db::{sum_bigint, unique_violation_on};

on_both_backends! {
    async fn a_unique_clash_names_its_table_and_columns(db: TestDb) {
        let conn = &mut db.conn();
        let method = |code: &str, name: &str| {
            (
                shipping_methods::code.eq(code.to_owned()),
                shipping_methods::name.eq(name.to_owned()),
                shipping_methods::price.eq(499_i64),
                shipping_methods::min_days.eq(2),
                shipping_methods::max_days.eq(5),
            )
        };
        diesel::insert_into(shipping_methods::table).values(method("std", "Standard")).execute(conn).expect("first");
        let clash = diesel::insert_into(shipping_methods::table)
            .values(method("std", "Other"))
            .execute(conn)
            .expect_err("same code");
        assert!(unique_violation_on(&clash, "shipping_methods", &["code"]), "{clash:?}");
        assert!(!unique_violation_on(&clash, "shipping_methods", &["name"]));
        assert!(!unique_violation_on(&clash, "tax_rates", &["code"]));

        let rate = (tax_rates::country.eq("US"), tax_rates::region.eq("CA"), tax_rates::name.eq("Tax"), tax_rates::rate_bps.eq(825));
        diesel::insert_into(tax_rates::table).values(rate).execute(conn).expect("first");
        let clash = diesel::insert_into(tax_rates::table).values(rate).execute(conn).expect_err("same place");
        assert!(unique_violation_on(&clash, "tax_rates", &["country", "region"]), "{clash:?}");
        assert!(!unique_violation_on(&clash, "tax_rates", &["country"]));
    }
}

on_both_backends! {
    async fn a_bigint_sum_reads_as_bigint_on_both_backends(db: TestDb) {
        let conn = &mut db.conn();
        let none: Option<i64> = shipping_methods::table
            .select(sum_bigint(shipping_methods::price))
            .get_result(conn)
            .expect("empty sum");
        assert_eq!(none, None);
        for (code, price) in [("a", 5_000_000_000_i64), ("b", 7)] {
            diesel::insert_into(shipping_methods::table)
                .values((
                    shipping_methods::code.eq(code),
                    shipping_methods::name.eq(code),
                    shipping_methods::price.eq(price),
                    shipping_methods::min_days.eq(1),
                    shipping_methods::max_days.eq(1),
                ))
                .execute(conn)
                .expect("insert");
        }
        let total: Option<i64> = shipping_methods::table
            .select(sum_bigint(shipping_methods::price))
            .get_result(conn)
            .expect("sum");
        assert_eq!(total, Some(5_000_000_007));
    }
}
