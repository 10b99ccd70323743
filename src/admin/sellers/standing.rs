//! Suspending and reactivating a seller. A suspension takes the seller's products off the shop
//! in its own transaction: every product for sale becomes a draft marked `held_at`, with a search
//! outbox row each, so product pages answer 404 at once and listings, search and the catalog
//! cache (keyed by the outbox position, `catalog::cache`) drop them. Reactivation puts back on
//! sale exactly the held products; a draft the seller kept hidden stays a draft. The listing
//! queries read `status` only, so they and their indexes need not know about holds.
//!
//! A suspended seller keeps their account and can still shop; the seller panel refuses them
//! (`sellers::is_suspended`). Payout statements are generated for them as for anyone: the money
//! for what they sold before is still theirs (`payouts::generate` does not look at the status).

use diesel::prelude::*;

use super::{entity, lock, not_now};
use crate::accounts::{Role, lock_user};
use crate::audit::{self, Actor};
use crate::catalog::ProductStatus;
use crate::db::schema::{products, sellers, users};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::mail::Email;
use crate::sellers::SellerStatus;
use crate::util::now;

/// Suspends an active seller and holds their products; returns how many left the shop.
pub fn suspend(conn: &mut DbConn, admin: &Actor, id: i64) -> Result<usize> {
    db::write_tx(conn, |conn| {
        let seller = lock(conn, id)?;
        if seller.status != SellerStatus::Active {
            return Err(not_now(&seller, "suspended"));
        }
        set_status(conn, id, SellerStatus::Suspended)?;
        let at = now();
        diesel::update(
            products::table
                .filter(products::seller_id.eq(id))
                .filter(products::status.eq(ProductStatus::Active)),
        )
        .set((
            products::status.eq(ProductStatus::Draft),
            products::held_at.eq(Some(at)),
            products::updated_at.eq(at),
        ))
        .execute(conn)?;
        let held = reindex_held(conn, id)?;
        tell(
            conn,
            &seller.contact_email,
            &format!("Your ShopWave shop {} is suspended", seller.display_name),
            "Your shop is suspended: your products are no longer shown in the shop and the \
             seller panel is closed to you. Please contact us to resolve this. Your account \
             stays open for shopping, and money due for past sales is still paid out.",
        )?;
        let details = format!(
            "suspended '{}'; {held} product(s) taken off the shop",
            seller.display_name
        );
        audit::record(conn, admin, "seller.suspend", entity(id), &details)?;
        Ok(held)
    })
}

/// Reactivates a suspended seller and puts their held products back on sale; returns how many.
pub fn reactivate(conn: &mut DbConn, admin: &Actor, id: i64) -> Result<usize> {
    db::write_tx(conn, |conn| {
        let seller = lock(conn, id)?;
        if seller.status != SellerStatus::Suspended {
            return Err(not_now(&seller, "reactivated"));
        }
        lock_user(conn, seller.user_id)?;
        let role: Role = users::table
            .find(seller.user_id)
            .select(users::role)
            .first(conn)?;
        if role != Role::Seller {
            return Err(Error::Conflict(format!(
                "The account of {} is now a {role}'s, so its shop cannot open. Give it the \
                 seller role on its user page first.",
                seller.display_name
            )));
        }
        set_status(conn, id, SellerStatus::Active)?;
        // Queued while the holds still name the products; the indexer reads after the commit.
        let back = reindex_held(conn, id)?;
        diesel::update(
            products::table
                .filter(products::seller_id.eq(id))
                .filter(products::held_at.is_not_null()),
        )
        .set((
            products::status.eq(ProductStatus::Active),
            products::held_at.eq(None::<chrono::NaiveDateTime>),
            products::updated_at.eq(now()),
        ))
        .execute(conn)?;
        tell(
            conn,
            &seller.contact_email,
            &format!("Your ShopWave shop {} is open again", seller.display_name),
            "Your shop is open again: the products you had for sale are back in the shop and \
             your seller panel is open at /seller.",
        )?;
        let details = format!(
            "reactivated '{}'; {back} product(s) back on sale",
            seller.display_name
        );
        audit::record(conn, admin, "seller.reactivate", entity(id), &details)?;
        Ok(back)
    })
}

fn set_status(conn: &mut DbConn, id: i64, status: SellerStatus) -> Result<()> {
    diesel::update(sellers::table.find(id))
        .set((sellers::status.eq(status), sellers::updated_at.eq(now())))
        .execute(conn)?;
    Ok(())
}

/// Queues a search outbox row for each held product of the seller; returns how many.
fn reindex_held(conn: &mut DbConn, seller_id: i64) -> Result<usize> {
    let held: Vec<i64> = products::table
        .filter(products::seller_id.eq(seller_id))
        .filter(products::held_at.is_not_null())
        .select(products::id)
        .load(conn)?;
    for product_id in &held {
        crate::search::enqueue(conn, *product_id)?;
    }
    Ok(held.len())
}

fn tell(conn: &mut DbConn, to: &str, subject: &str, news: &str) -> Result<()> {
    crate::notices::queue(
        conn,
        &Email {
            to: to.to_owned(),
            subject: subject.to_owned(),
            body: format!("Hello,\n\n{news}\n\nShopWave\n"),
        },
    )
}
