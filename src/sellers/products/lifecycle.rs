//! A listing's place in the shop: its primary category, archiving it for good, and what the
//! seller is told when the shop unpublished it (`admin::products::unpublish`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{checked_tx, lock_own_product};
use crate::catalog::ProductStatus;
use crate::db::models::Product;
use crate::db::schema::{audit_log, categories, product_categories, products};
use crate::db::{self, DbConn};
use crate::edits::{self, Version};
use crate::error::Result;
use crate::forms::FieldErrors;
use crate::search;
use crate::sellers::{Checked, active_profile_of};
use crate::util::now;

/// The audit action an administrator's unpublish is recorded under.
pub const UNPUBLISH_ACTION: &str = "product.unpublish";

/// Files the product under another primary category. `product_categories` holds the primary
/// category too (category pages list through it), so the old primary's row is replaced by the
/// new one's. Search entries carry the categories, so the product is re-indexed. Refused as
/// stale when the product was edited since the form was opened at `opened_at` (`edits`).
pub fn change_category(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    opened_at: Version,
    category_id: i64,
) -> Result<Checked<()>> {
    checked_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        let product = lock_own_product(conn, seller.id, product_id)?;
        let exists: bool = diesel::select(diesel::dsl::exists(categories::table.find(category_id)))
            .get_result(conn)?;
        if !exists {
            return Ok(Err(FieldErrors::single(
                "category_id",
                "Please choose a category from the list.",
            )));
        }
        let rows = diesel::update(products::table.find(product_id))
            .filter(products::version.eq(opened_at.0))
            .set((
                products::primary_category_id.eq(category_id),
                products::version.eq(products::version + 1),
            ))
            .execute(conn)?;
        edits::saved(rows)?;
        if product.primary_category_id == category_id {
            return Ok(Ok(()));
        }
        crate::sales_totals::product_moved(
            conn,
            product_id,
            product.primary_category_id,
            category_id,
        )?;
        diesel::delete(product_categories::table.find((product_id, product.primary_category_id)))
            .execute(conn)?;
        let filed: bool = diesel::select(diesel::dsl::exists(
            product_categories::table.find((product_id, category_id)),
        ))
        .get_result(conn)?;
        if !filed {
            diesel::insert_into(product_categories::table)
                .values((
                    product_categories::product_id.eq(product_id),
                    product_categories::category_id.eq(category_id),
                ))
                .execute(conn)?;
        }
        search::enqueue(conn, product_id)?;
        Ok(Ok(()))
    })
}

/// Archives the product for good (a soft delete): it leaves the shop's pages, listings, search
/// and carts' buyable lines, and stays in orders, reports and payouts, which read their own
/// snapshots. An archived product cannot be changed or published again (`lock_own_product`).
pub fn archive(conn: &mut DbConn, user_id: i64, product_id: i64) -> Result<()> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        diesel::update(products::table.find(product_id))
            .set((
                products::status.eq(ProductStatus::Archived),
                products::deleted_at.eq(now()),
                products::is_featured.eq(false),
            ))
            .execute(conn)?;
        search::enqueue(conn, product_id)
    })
}

/// When the shop unpublished this draft and the seller has changed nothing since: when, and
/// the administrator's reason. The seller may publish it again once it is fixed.
pub(super) fn unpublished_note(
    conn: &mut DbConn,
    product: &Product,
) -> Result<Option<(NaiveDateTime, String)>> {
    if product.status != ProductStatus::Draft {
        return Ok(None);
    }
    let last: Option<(String, NaiveDateTime)> = audit_log::table
        .filter(audit_log::entity_type.eq("product"))
        .filter(audit_log::entity_id.eq(product.id))
        .filter(audit_log::action.eq(UNPUBLISH_ACTION))
        .order(audit_log::id.desc())
        .select((audit_log::details, audit_log::created_at))
        .first(conn)
        .optional()?;
    // Any change by the seller moves `updated_at` past the unpublish (which leaves it alone).
    Ok(last
        .filter(|(_, at)| *at >= product.updated_at)
        .map(|(reason, at)| (at, reason)))
}
