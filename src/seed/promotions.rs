//! The demo vouchers: a welcome discount, a fixed amount off, a category sale and a flash sale.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::Generator;
use crate::db::DbConn;
use crate::db::schema::{categories, promotions};
use crate::error::Result;
use crate::promotions::{DiscountKind, PromotionScope};

/// One demo voucher as inserted; what it leaves out (uses so far, active) takes the defaults.
#[derive(Insertable)]
#[diesel(table_name = promotions)]
struct Voucher {
    code: &'static str,
    description: &'static str,
    discount_kind: DiscountKind,
    percent_bps: Option<i32>,
    amount_off: Option<i64>,
    min_subtotal: i64,
    max_uses: Option<i32>,
    per_customer_limit: i32,
    scope: PromotionScope,
    scope_category_id: Option<i64>,
    valid_from: NaiveDateTime,
    valid_until: NaiveDateTime,
}

impl Generator {
    pub(super) fn promotions(&mut self, conn: &mut DbConn) -> Result<()> {
        let valid_from = self.started - Duration::days(30);
        let valid_until = self.started + Duration::days(365);
        let electronics: i64 = categories::table
            .filter(categories::slug.eq("electronics"))
            .select(categories::id)
            .first(conn)?;
        // A site-wide percentage voucher, once per customer, which each voucher below adjusts.
        let site = |code: &'static str, description: &'static str| Voucher {
            code,
            description,
            discount_kind: DiscountKind::Percentage,
            percent_bps: None,
            amount_off: None,
            min_subtotal: 0,
            max_uses: None,
            per_customer_limit: 1,
            scope: PromotionScope::Site,
            scope_category_id: None,
            valid_from,
            valid_until,
        };
        let vouchers = [
            Voucher {
                percent_bps: Some(1000),
                ..site("WELCOME10", "10% off your first order")
            },
            Voucher {
                discount_kind: DiscountKind::FixedAmount,
                amount_off: Some(500),
                min_subtotal: 5000,
                per_customer_limit: 3,
                ..site("SAVE5", "$5 off orders over $50")
            },
            Voucher {
                percent_bps: Some(1500),
                min_subtotal: 2000,
                max_uses: Some(1000),
                per_customer_limit: 2,
                scope: PromotionScope::Category,
                scope_category_id: Some(electronics),
                ..site("GADGETS15", "15% off electronics")
            },
            Voucher {
                percent_bps: Some(5000),
                max_uses: Some(100),
                ..site("FLASH50", "Flash sale: 50% off, first 100 orders")
            },
        ];
        for voucher in &vouchers {
            diesel::insert_into(promotions::table)
                .values(voucher)
                .execute(conn)?;
        }
        Ok(())
    }
}
