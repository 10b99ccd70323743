//! The demo vouchers: a welcome discount, a fixed amount off, a category sale and a flash sale.

use chrono::Duration;
use diesel::prelude::*;

use super::Generator;
use crate::db::DbConn;
use crate::db::schema::{categories, promotions};
use crate::error::Result;

/// code, description, kind, percent off (bps), amount off, minimum subtotal, total uses,
/// uses per customer, scope, scope category.
type Voucher = (
    &'static str,
    &'static str,
    &'static str,
    Option<i32>,
    Option<i64>,
    i64,
    Option<i32>,
    i32,
    &'static str,
    Option<i64>,
);

impl Generator {
    pub(super) fn promotions(&mut self, conn: &mut DbConn) -> Result<()> {
        let from = self.started - Duration::days(30);
        let until = self.started + Duration::days(365);
        let electronics: i64 = categories::table
            .filter(categories::slug.eq("electronics"))
            .select(categories::id)
            .first(conn)?;
        let promos: [Voucher; 4] = [
            (
                "WELCOME10",
                "10% off your first order",
                "percentage",
                Some(1000),
                None,
                0,
                None,
                1,
                "site",
                None,
            ),
            (
                "SAVE5",
                "$5 off orders over $50",
                "fixed_amount",
                None,
                Some(500),
                5000,
                None,
                3,
                "site",
                None,
            ),
            (
                "GADGETS15",
                "15% off electronics",
                "percentage",
                Some(1500),
                None,
                2000,
                Some(1000),
                2,
                "category",
                Some(electronics),
            ),
            (
                "FLASH50",
                "Flash sale: 50% off, first 100 orders",
                "percentage",
                Some(5000),
                None,
                0,
                Some(100),
                1,
                "site",
                None,
            ),
        ];
        for (
            code,
            description,
            kind,
            bps,
            amount,
            min_subtotal,
            max_uses,
            per_customer,
            scope,
            category,
        ) in promos
        {
            diesel::insert_into(promotions::table)
                .values((
                    promotions::code.eq(code),
                    promotions::description.eq(description),
                    promotions::discount_kind.eq(kind),
                    promotions::percent_bps.eq(bps),
                    promotions::amount_off.eq(amount),
                    promotions::min_subtotal.eq(min_subtotal),
                    promotions::max_uses.eq(max_uses),
                    promotions::per_customer_limit.eq(per_customer),
                    promotions::scope.eq(scope),
                    promotions::scope_category_id.eq(category),
                    promotions::valid_from.eq(from),
                    promotions::valid_until.eq(until),
                ))
                .execute(conn)?;
        }
        Ok(())
    }
}
