//! The admin's orders: search by number, shopper e-mail, status and placed day (keyset pages,
//! newest first), an order's whole story (`detail`), and the actions an admin takes on it
//! (`actions`: refunds, retrying a failed refund, resending the confirmation; cancelling is
//! `orders::cancel` itself).

mod actions;
mod detail;
mod note;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::days::Days;
use crate::db::DbConn;
use crate::db::schema::{orders, users};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::money::Money;
use crate::orders::{OrderStatus, months, numbered};
use crate::paging::KeysetPage;

pub use actions::{RefundInput, refund, resend_confirmation, retry};
pub use detail::{AdminOrderDetail, LineState, OrderMoney, ParcelRow, RefundRow, detail};
pub use note::{NOTE_MAX, NoteForm, save_note};

pub const PAGE_SIZE: usize = 25;

/// The search form's fields as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderSearchFields<'a> {
    pub number: &'a str,
    pub email: &'a str,
    pub status: &'a str,
    pub from: &'a str,
    pub to: &'a str,
}

/// A checked search; every part is optional and they all must hold.
#[derive(Debug, Clone, Default)]
pub struct AdminOrderFilter {
    pub number: Option<String>,
    /// Lowercased, as accounts store addresses.
    pub email: Option<String>,
    pub status: Option<OrderStatus>,
    pub placed: Days,
}

impl AdminOrderFilter {
    /// Checks the form once: an unknown status, a day not written YYYY-MM-DD or a start after
    /// the end is a message on its field.
    pub fn parse(fields: &OrderSearchFields) -> std::result::Result<AdminOrderFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let number = forms::text(
            &mut errors,
            "number",
            "Order number",
            fields.number,
            64,
            false,
        );
        let email = forms::text(&mut errors, "email", "E-mail", fields.email, 320, false);
        let status = match fields.status.trim() {
            "" => None,
            raw => {
                let status = OrderStatus::parse(raw);
                if status.is_none() {
                    errors.add("status", "Please choose a status from the list.");
                }
                status
            }
        };
        let placed = Days::parse(&mut errors, fields.from, fields.to);
        errors.or_ok(AdminOrderFilter {
            number: Some(number).filter(|n| !n.is_empty()),
            email: Some(email.to_lowercase()).filter(|e| !e.is_empty()),
            status,
            placed,
        })
    }
}

/// A row of the search results.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: i64,
    pub number: String,
    pub status: OrderStatus,
    pub email: String,
    pub grand_total: Money,
    pub placed_at: NaiveDateTime,
}

/// Orders matching `filter`, newest first, `PAGE_SIZE` at a time. The page continues after the
/// order whose id is `after`, by the keyset `(created_at, id)` (indexes `idx_orders_created`,
/// `idx_orders_status_created`, `idx_orders_user_created`), so a deep page costs what the
/// first does. An `after` that names no order is "not found".
pub fn search(
    conn: &mut DbConn,
    filter: &AdminOrderFilter,
    after: Option<i64>,
) -> Result<KeysetPage<OrderRow>> {
    let mut query = orders::table.inner_join(users::table).into_boxed();
    if let Some(number) = &filter.number {
        query = query.filter(numbered(conn, number)?);
    }
    if let Some(email) = &filter.email {
        query = query.filter(users::email.eq(email.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(orders::status.eq(status));
    }
    // Each date bound is said in ids too, so PostgreSQL reads only those months
    // (src/orders/months.rs).
    if let Some(start) = filter.placed.start() {
        query = query
            .filter(orders::created_at.ge(start))
            .filter(months::placed_from(orders::id, start));
    }
    if let Some(end) = filter.placed.end_exclusive() {
        query = query
            .filter(orders::created_at.lt(end))
            .filter(months::placed_before(orders::id, end));
    }
    if let Some(after) = after {
        let at: NaiveDateTime = orders::table
            .filter(months::the_order(after))
            .select(orders::created_at)
            .first(conn)
            .optional()?
            .ok_or(Error::NotFound)?;
        query = query.filter(
            orders::created_at
                .lt(at)
                .or(orders::created_at.eq(at).and(orders::id.lt(after))),
        );
    }
    let rows: Vec<(i64, String, OrderStatus, String, Money, NaiveDateTime)> = query
        .order((orders::created_at.desc(), orders::id.desc()))
        .limit(PAGE_SIZE as i64 + 1)
        .select((
            orders::id,
            orders::number,
            orders::status,
            users::email,
            orders::grand_total,
            orders::created_at,
        ))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(
            |(id, number, status, email, grand_total, placed_at)| OrderRow {
                id,
                number,
                status,
                email,
                grand_total,
                placed_at,
            },
        )
        .collect();
    Ok(KeysetPage::from_rows(rows, PAGE_SIZE, |row| row.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(fields: OrderSearchFields) -> FieldErrors {
        AdminOrderFilter::parse(&fields).expect_err("refused")
    }

    #[test]
    fn an_empty_form_finds_every_order() {
        let all = AdminOrderFilter::parse(&OrderSearchFields::default()).unwrap();
        assert!(all.number.is_none() && all.email.is_none() && all.status.is_none());
        assert_eq!(all.placed, Days::default());
    }

    #[test]
    fn fields_are_trimmed_and_the_email_lowercased() {
        let filter = AdminOrderFilter::parse(&OrderSearchFields {
            number: " SW-1 ",
            email: " Ada@Example.COM",
            status: "shipped",
            from: "2026-11-01",
            to: "2026-11-30",
        })
        .unwrap();
        assert_eq!(filter.number.as_deref(), Some("SW-1"));
        assert_eq!(filter.email.as_deref(), Some("ada@example.com"));
        assert_eq!(filter.status, Some(OrderStatus::Shipped));
        assert_eq!(filter.placed.to.unwrap().to_string(), "2026-11-30");
    }

    #[test]
    fn a_bad_status_is_refused_on_its_field() {
        for bad in ["partially_refunded", "Shipped", "x"] {
            let errors = refused(OrderSearchFields {
                status: bad,
                ..Default::default()
            });
            assert_eq!(
                errors.get("status"),
                Some("Please choose a status from the list."),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_bad_date_is_refused_on_its_field() {
        let errors = refused(OrderSearchFields {
            from: "2026-02-30",
            to: "yesterday",
            ..Default::default()
        });
        assert_eq!(
            errors.get("from"),
            Some("Please enter the start date as YYYY-MM-DD.")
        );
        assert_eq!(
            errors.get("to"),
            Some("Please enter the end date as YYYY-MM-DD.")
        );
    }

    #[test]
    fn a_start_after_the_end_is_refused() {
        let errors = refused(OrderSearchFields {
            from: "2026-11-30",
            to: "2026-11-01",
            ..Default::default()
        });
        assert_eq!(
            errors.get("to"),
            Some("The end date must not be before the start date.")
        );
    }

    #[test]
    fn control_characters_and_overlong_fields_are_refused() {
        let long = "x".repeat(65);
        let errors = refused(OrderSearchFields {
            number: &long,
            email: "a\0b",
            ..Default::default()
        });
        assert!(errors.get("number").is_some());
        assert!(errors.get("email").is_some());
    }
}
