//! Reading statements (a seller's own, every one for the admin) and marking one paid.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Period;
use crate::audit::{self, Actor, Entity};
use crate::db::models::{Payout, Seller};
use crate::db::schema::{order_items, orders, payout_lines, seller_payouts, sellers};
use crate::db::types::PayoutStatus;
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::money::Money;
use crate::ownership::{Owned, owned_by};
use crate::paging::KeysetPage;

/// Statements on one page of the admin's list.
pub const PAGE_SIZE: usize = 50;

/// A statement's owner, for the ownership rule, is its seller (by seller id).
impl Owned for Payout {
    fn owner_id(&self) -> i64 {
        self.seller_id
    }
}

/// A statement as lists show it.
#[derive(Debug, Clone)]
pub struct StatementRow {
    pub payout: Payout,
    pub seller_name: String,
}

impl StatementRow {
    pub fn period(&self) -> String {
        period_label(&self.payout)
    }

    pub fn is_pending(&self) -> bool {
        self.payout.status == PayoutStatus::Pending
    }
}

fn period_label(payout: &Payout) -> String {
    Period::containing(payout.period_start.date()).to_string()
}

/// One order line on a statement, with what it earned.
#[derive(Debug, Clone)]
pub struct StatementLine {
    /// What was sold; `None` once its order is archived (src/archive.rs): the line's amounts
    /// stay on the statement, the order's details are in the archive.
    pub ordered: Option<Ordered>,
    pub sales: Money,
    pub refunded: Money,
    pub commission: Money,
}

/// The order line a statement line pays for.
#[derive(Debug, Clone)]
pub struct Ordered {
    pub order_number: String,
    pub product_name: String,
    pub variant_name: String,
    pub quantity: i32,
}

impl StatementLine {
    /// What the line leaves the seller.
    pub fn net(&self) -> Money {
        self.sales - self.refunded - self.commission
    }
}

/// A statement with its lines.
#[derive(Debug, Clone)]
pub struct Statement {
    pub row: StatementRow,
    pub lines: Vec<StatementLine>,
}

impl Statement {
    pub fn sales(&self) -> Money {
        self.lines.iter().map(|l| l.sales).sum()
    }

    pub fn refunded(&self) -> Money {
        self.lines.iter().map(|l| l.refunded).sum()
    }

    /// The download's file name, e.g. `payout-2026-11-42.csv`.
    pub fn csv_filename(&self) -> String {
        format!("payout-{}-{}.csv", self.row.period(), self.row.payout.id)
    }
}

/// The signed-in seller's statements, newest period first.
pub fn for_seller(conn: &mut DbConn, user_id: i64) -> Result<Vec<StatementRow>> {
    let seller = crate::sellers::profile_of(conn, user_id)?;
    let payouts: Vec<Payout> = seller_payouts::table
        .filter(seller_payouts::seller_id.eq(seller.id))
        .order(seller_payouts::period_start.desc())
        .select(Payout::as_select())
        .load(conn)?;
    Ok(payouts
        .into_iter()
        .map(|payout| StatementRow {
            payout,
            seller_name: seller.display_name.clone(),
        })
        .collect())
}

/// One of the signed-in seller's statements with its lines; another seller's is not found.
pub fn seller_statement(conn: &mut DbConn, user_id: i64, payout_id: i64) -> Result<Statement> {
    let seller: Seller = crate::sellers::profile_of(conn, user_id)?;
    let payout = seller_payouts::table
        .find(payout_id)
        .select(Payout::as_select())
        .first(conn)
        .optional()?;
    let payout = owned_by(payout, seller.id)?;
    let lines = lines_of(conn, payout.id)?;
    Ok(Statement {
        row: StatementRow {
            payout,
            seller_name: seller.display_name,
        },
        lines,
    })
}

fn lines_of(conn: &mut DbConn, payout_id: i64) -> Result<Vec<StatementLine>> {
    type Row = (Option<(String, String, String, i32)>, Money, Money, Money);
    let rows: Vec<Row> = payout_lines::table
        .left_join(order_items::table.inner_join(orders::table))
        .filter(payout_lines::payout_id.eq(payout_id))
        .order(payout_lines::id)
        .select((
            (
                orders::number,
                order_items::product_name,
                order_items::variant_name,
                order_items::quantity,
            )
                .nullable(),
            payout_lines::sales,
            payout_lines::refunded,
            payout_lines::commission,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(ordered, sales, refunded, commission)| StatementLine {
            ordered: ordered.map(
                |(order_number, product_name, variant_name, quantity)| Ordered {
                    order_number,
                    product_name,
                    variant_name,
                    quantity,
                },
            ),
            sales,
            refunded,
            commission,
        })
        .collect())
}

/// Every statement, newest first, `PAGE_SIZE` at a time after statement id `after`.
pub fn all(conn: &mut DbConn, after: Option<i64>) -> Result<KeysetPage<StatementRow>> {
    let mut query = seller_payouts::table
        .inner_join(sellers::table)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(seller_payouts::id.lt(after));
    }
    let rows: Vec<(Payout, String)> = query
        .order(seller_payouts::id.desc())
        .limit(PAGE_SIZE as i64 + 1)
        .select((Payout::as_select(), sellers::display_name))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(|(payout, seller_name)| StatementRow {
            payout,
            seller_name,
        })
        .collect();
    Ok(KeysetPage::from_rows(rows, PAGE_SIZE, |r| r.payout.id))
}

/// The reference of a payment made to a seller (a bank transfer's id), as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference(String);

impl Reference {
    pub const MAX_CHARS: usize = 128;

    /// Required, one line, at most `MAX_CHARS` characters.
    pub fn parse(raw: &str) -> std::result::Result<Reference, FieldErrors> {
        let mut errors = FieldErrors::default();
        let value = forms::text(
            &mut errors,
            "reference",
            "The payment reference",
            raw,
            Self::MAX_CHARS,
            true,
        );
        errors.or_ok(Reference(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Records that a pending statement was paid with `reference`: one conditional update, so a
/// statement is marked paid once; a second attempt is a conflict and changes nothing.
pub fn mark_paid(
    conn: &mut DbConn,
    admin: &Actor,
    payout_id: i64,
    reference: &Reference,
) -> Result<()> {
    write_tx(conn, |c| {
        let paid_at: NaiveDateTime = crate::util::now();
        let updated: Option<Money> = diesel::update(
            seller_payouts::table
                .find(payout_id)
                .filter(seller_payouts::status.eq(PayoutStatus::Pending)),
        )
        .set((
            seller_payouts::status.eq(PayoutStatus::Paid),
            seller_payouts::reference.eq(reference.as_str()),
            seller_payouts::paid_at.eq(paid_at),
        ))
        .returning(seller_payouts::net)
        .get_result(c)
        .optional()?;
        let Some(net) = updated else {
            let status: PayoutStatus = seller_payouts::table
                .find(payout_id)
                .select(seller_payouts::status)
                .first(c)?;
            return Err(Error::Conflict(format!(
                "Statement {payout_id} is already {status}; nothing was changed."
            )));
        };
        let details = format!("paid {net} with reference {}", reference.as_str());
        let entity = Entity {
            kind: "payout",
            id: payout_id,
        };
        audit::record(c, admin, "payout.paid", entity, &details)
    })
}
