//! Changing an account's role (customer, seller, admin), with an audit row naming the old and
//! new role. The role is kept in the signed-in session (`web::chrome::SignedIn`), so a change
//! ends the account's sessions in the same transaction: it holds from the next request on
//! every node, where the person signs in again under the new role.
//!
//! A seller role needs an approved seller profile (applications are approved on the sellers
//! page, `admin::sellers::approve`), and a seller whose shop is open keeps the role until the
//! shop is suspended, so no products stay for sale with nobody able to manage them.

use diesel::prelude::*;
use serde::Deserialize;

use crate::accounts::sessions::end_all_sessions;
use crate::accounts::{Role, lock_user};
use crate::admin::users::UserSummary;
use crate::audit::{self, Actor, Entity};
use crate::db::schema::{sellers, users};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::forms::FieldErrors;
use crate::sellers::SellerStatus;
use crate::util::now;

/// The role form as posted.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RoleInput {
    #[serde(default)]
    pub role: String,
}

pub fn parse_role(input: &RoleInput) -> Result<Role, FieldErrors> {
    Role::parse(input.role.trim())
        .ok_or_else(|| FieldErrors::single("role", "Choose a role from the list."))
}

/// An account's page: the account and its seller profile, if it has one.
pub struct Account {
    pub user: UserSummary,
    /// (seller id, shop name, status)
    pub seller: Option<(i64, String, SellerStatus)>,
}

pub fn account(conn: &mut DbConn, user_id: i64) -> Result<Account> {
    let user = users::table
        .find(user_id)
        .select((
            users::id,
            users::email,
            users::first_name,
            users::last_name,
            users::role,
            users::status,
            users::created_at,
            users::last_login_at,
        ))
        .first::<UserSummary>(conn)?;
    let seller = sellers::table
        .filter(sellers::user_id.eq(user_id))
        .select((sellers::id, sellers::display_name, sellers::status))
        .first(conn)
        .optional()?;
    Ok(Account { user, seller })
}

/// Gives `user_id` the role `to`. Refused: an administrator changing their own role (another
/// administrator must), a seller role without an approved seller profile (on the field), and
/// taking the seller role from an open shop.
pub fn change_role(
    conn: &mut DbConn,
    admin: &Actor,
    user_id: i64,
    to: Role,
) -> Result<Result<(), FieldErrors>> {
    if admin.user_id == user_id {
        return Err(Error::Conflict(
            "You cannot change your own role; another administrator must.".into(),
        ));
    }
    db::write_tx(conn, |conn| {
        lock_user(conn, user_id)?;
        let Account { user, seller } = account(conn, user_id)?;
        let from = user.role;
        if from == to {
            return Ok(Ok(()));
        }
        let shop = seller
            .as_ref()
            .map(|(_, name, status)| (name.as_str(), *status));
        match shop {
            Some((name, SellerStatus::Active)) => {
                return Err(Error::Conflict(format!(
                    "This account runs the open shop {name}. Suspend the shop on its page under \
                     Sellers first, so its products leave the shop; then change the role."
                )));
            }
            Some((_, SellerStatus::Suspended)) => {}
            Some((_, SellerStatus::Pending)) | None if to == Role::Seller => {
                return Ok(Err(FieldErrors::single(
                    "role",
                    "This account has no approved seller profile. Sellers are made by approving \
                     their application on the Sellers page (/admin/sellers).",
                )));
            }
            Some((_, SellerStatus::Pending)) | None => {}
        }
        diesel::update(users::table.find(user_id))
            .set((users::role.eq(to), users::updated_at.eq(now())))
            .execute(conn)?;
        let ended = end_all_sessions(conn, user_id)?;
        let details = format!("role {from} → {to}; {ended} session(s) ended");
        let entity = Entity {
            kind: "user",
            id: user_id,
        };
        audit::record(conn, admin, "user.role", entity, &details)?;
        Ok(Ok(()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_three_roles_are_accepted() {
        let role = |raw: &str| parse_role(&RoleInput { role: raw.into() });
        assert_eq!(role("seller").unwrap(), Role::Seller);
        assert_eq!(role(" admin ").unwrap(), Role::Admin);
        for bad in ["", "Admin", "root", "customer\0"] {
            assert!(role(bad).unwrap_err().get("role").is_some(), "{bad}");
        }
    }
}
