//! Sellers as an administrator manages them: the list (applications first), approving an
//! application with its commission rate, rejecting one, changing the rate, and suspending and
//! reactivating a seller (`standing`). Each action is one transaction ending with its audit row.
//!
//! A role lives in the signed-in session (`web::chrome::SignedIn`), so approving ends the
//! applicant's sessions: they sign in again as a seller, on every node at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::accounts::sessions::end_all_sessions;
use crate::accounts::{Role, lock_user};
use crate::admin::settings::taxes::percent;
use crate::audit::{self, Actor, Entity};
use crate::db::models::Seller;
use crate::db::schema::{products, sellers, users};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::mail::{Email, shop_link};
use crate::sellers::SellerStatus;
use crate::util::now;

mod input;
mod standing;
pub use input::{Commission, CommissionInput, Cursor, ListFilter, ListQuery};
pub use standing::{reactivate, suspend};

pub const PAGE_SIZE: usize = 50;

/// The order the list walks the statuses in: applications waiting for an answer first.
const LIST_ORDER: [SellerStatus; 3] = [
    SellerStatus::Pending,
    SellerStatus::Active,
    SellerStatus::Suspended,
];

/// A seller as the list shows it.
#[derive(Debug, Clone, Queryable)]
pub struct SellerRow {
    pub id: i64,
    pub display_name: String,
    pub contact_email: String,
    pub commission_bps: i32,
    pub status: SellerStatus,
    pub created_at: NaiveDateTime,
    pub account_email: String,
}

impl SellerRow {
    pub fn commission(&self) -> String {
        percent(self.commission_bps)
    }
}

/// One page of the list and where the next one starts.
pub struct SellerPage {
    pub items: Vec<SellerRow>,
    pub next: Option<Cursor>,
}

/// Sellers of one status, or of all (pending, then active, then suspended), each status in id
/// order, continuing after `filter.after`.
pub fn list(conn: &mut DbConn, filter: &ListFilter) -> Result<SellerPage> {
    let statuses: Vec<SellerStatus> = match filter.status {
        Some(status) => vec![status],
        None => LIST_ORDER.to_vec(),
    };
    let rank = |status: SellerStatus| LIST_ORDER.iter().position(|s| *s == status);
    let mut rows: Vec<SellerRow> = Vec::new();
    for status in statuses {
        let after_id = match filter.after {
            Some(cursor) if cursor.status == status => cursor.id,
            Some(cursor) if rank(status) < rank(cursor.status) => continue,
            _ => 0,
        };
        let wanted = PAGE_SIZE + 1 - rows.len();
        if wanted == 0 {
            break;
        }
        rows.extend(
            sellers::table
                .inner_join(users::table)
                .filter(sellers::status.eq(status))
                .filter(sellers::id.gt(after_id))
                .order(sellers::id)
                .limit(wanted as i64)
                .select((
                    sellers::id,
                    sellers::display_name,
                    sellers::contact_email,
                    sellers::commission_bps,
                    sellers::status,
                    sellers::created_at,
                    users::email,
                ))
                .load::<SellerRow>(conn)?,
        );
    }
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let next = more.then(|| rows.last()).flatten().map(|row| Cursor {
        status: row.status,
        id: row.id,
    });
    Ok(SellerPage { items: rows, next })
}

/// A seller's page: the profile, its account, and its products by what shoppers can see.
pub struct SellerDetail {
    pub seller: Seller,
    pub account_email: String,
    pub account_role: Role,
    pub for_sale: i64,
    pub held: i64,
}

impl SellerDetail {
    pub fn commission(&self) -> String {
        percent(self.seller.commission_bps)
    }
}

pub fn detail(conn: &mut DbConn, id: i64) -> Result<SellerDetail> {
    let (seller, account_email, account_role) = sellers::table
        .inner_join(users::table)
        .filter(sellers::id.eq(id))
        .select((Seller::as_select(), users::email, users::role))
        .first::<(Seller, String, Role)>(conn)?;
    let count = |conn: &mut DbConn, held: bool| -> Result<i64> {
        let mine = products::table.filter(products::seller_id.eq(id));
        Ok(match held {
            true => mine
                .filter(products::held_at.is_not_null())
                .count()
                .get_result(conn)?,
            false => mine
                .filter(products::status.eq(crate::catalog::ProductStatus::Active))
                .count()
                .get_result(conn)?,
        })
    };
    Ok(SellerDetail {
        for_sale: count(conn, false)?,
        held: count(conn, true)?,
        seller,
        account_email,
        account_role,
    })
}

fn entity(id: i64) -> Entity<'static> {
    Entity { kind: "seller", id }
}

/// The seller, locked for this transaction (other admins' actions on it wait their turn).
fn lock(conn: &mut DbConn, id: i64) -> Result<Seller> {
    db::take_turn(conn, &format!("seller:{id}"))?;
    Ok(sellers::table
        .find(id)
        .select(Seller::as_select())
        .first(conn)?)
}

/// "That seller is active, so …": the refusal for an action that needs another status.
fn not_now(seller: &Seller, wanted: &str) -> Error {
    Error::Conflict(format!(
        "{} is {}, so it cannot be {wanted}. Nothing was changed.",
        seller.display_name, seller.status
    ))
}

/// Approves a pending application at `rate`: the seller becomes active, the account a seller's
/// (its sessions end, so the new role holds from its next sign-in), and the applicant is mailed.
pub fn approve(conn: &mut DbConn, admin: &Actor, id: i64, rate: Commission) -> Result<()> {
    db::write_tx(conn, |conn| {
        let seller = lock(conn, id)?;
        if seller.user_id == admin.user_id {
            return Err(Error::Conflict(
                "You cannot approve your own application; another administrator must.".into(),
            ));
        }
        if seller.status != SellerStatus::Pending {
            return Err(not_now(&seller, "approved"));
        }
        // A role change of the same account (`admin::roles`) waits for this one, and so on.
        lock_user(conn, seller.user_id)?;
        let role: Role = users::table
            .find(seller.user_id)
            .select(users::role)
            .first(conn)?;
        if role == Role::Admin {
            return Err(Error::Conflict(
                "That account is an administrator's; an administrator cannot also sell. \
                 Change its role on the user's page first."
                    .into(),
            ));
        }
        diesel::update(sellers::table.find(id))
            .set((
                sellers::status.eq(SellerStatus::Active),
                sellers::commission_bps.eq(rate.0),
                sellers::updated_at.eq(now()),
            ))
            .execute(conn)?;
        diesel::update(users::table.find(seller.user_id))
            .set((users::role.eq(Role::Seller), users::updated_at.eq(now())))
            .execute(conn)?;
        let ended = end_all_sessions(conn, seller.user_id)?;
        crate::notices::queue(
            conn,
            &Email {
                to: seller.contact_email.clone(),
                subject: format!("Your ShopWave shop {} is approved", seller.display_name),
                body: format!(
                    "Hello,\n\nYour application to sell on ShopWave as {} is approved. Our \
                     commission is {} % of each sale before tax.\n\nSign in again and open your \
                     seller panel to list your first products:\n{}\n\nShopWave\n",
                    seller.display_name,
                    percent(rate.0),
                    shop_link("/seller")
                ),
            },
        )?;
        let details = format!(
            "approved '{}' at {} % commission; account role {role} → seller; {ended} session(s) ended",
            seller.display_name,
            percent(rate.0)
        );
        audit::record(conn, admin, "seller.approve", entity(id), &details)
    })
}

/// Rejects a pending application. Its row is deleted (a pending seller has no products, orders
/// or payouts), so the shopper may apply again; the audit row keeps what was asked for, and the
/// applicant is mailed.
pub fn reject(conn: &mut DbConn, admin: &Actor, id: i64) -> Result<()> {
    db::write_tx(conn, |conn| {
        let seller = lock(conn, id)?;
        if seller.status != SellerStatus::Pending {
            return Err(not_now(&seller, "rejected"));
        }
        diesel::delete(
            sellers::table
                .find(id)
                .filter(sellers::status.eq(SellerStatus::Pending)),
        )
        .execute(conn)?;
        crate::notices::queue(
            conn,
            &Email {
                to: seller.contact_email.clone(),
                subject: format!("Your ShopWave application for {}", seller.display_name),
                body: format!(
                    "Hello,\n\nThank you for applying to sell on ShopWave as {}. We cannot \
                     accept the application as it stands. You are welcome to apply again:\n\
                     {}\n\nShopWave\n",
                    seller.display_name,
                    shop_link("/seller/apply")
                ),
            },
        )?;
        let details = format!(
            "rejected the application of '{}' ({}), contact {}, account {}; the application was removed",
            seller.display_name, seller.slug, seller.contact_email, seller.user_id
        );
        audit::record(conn, admin, "seller.reject", entity(id), &details)
    })
}

/// Changes an approved seller's commission rate; payouts generated from now on use it.
pub fn set_commission(conn: &mut DbConn, admin: &Actor, id: i64, rate: Commission) -> Result<()> {
    db::write_tx(conn, |conn| {
        let seller = lock(conn, id)?;
        if seller.status == SellerStatus::Pending {
            return Err(Error::Conflict(
                "This application is still waiting; its rate is set when it is approved.".into(),
            ));
        }
        if seller.commission_bps == rate.0 {
            return Ok(());
        }
        diesel::update(sellers::table.find(id))
            .set((
                sellers::commission_bps.eq(rate.0),
                sellers::updated_at.eq(now()),
            ))
            .execute(conn)?;
        let details = format!(
            "commission {} % → {} %",
            percent(seller.commission_bps),
            percent(rate.0)
        );
        audit::record(conn, admin, "seller.commission", entity(id), &details)
    })
}
