//! Applying to sell: any signed-in shopper without a seller profile asks for one with a shop
//! name (which gives the shop's unique address) and a contact e-mail. The profile starts
//! `pending`, and the account stays a shopper's until an administrator approves it
//! (`admin::sellers::approve`). An administrator cannot apply: selling needs an account of its own.

use diesel::prelude::*;
use serde::Deserialize;

use crate::accounts::{Role, normalize_email};
use crate::audit::{self, Actor, Entity};
use crate::catalog::slug::slug;
use crate::db::models::Seller;
use crate::db::schema::{sellers, users};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};

use super::SellerStatus;

/// The application form as posted.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ApplicationInput {
    #[serde(default)]
    pub shop_name: String,
    #[serde(default)]
    pub contact_email: String,
}

/// A checked application: the shop's name, the address it gives, where to reach the seller.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    pub shop_name: String,
    pub slug: String,
    pub contact_email: String,
}

impl Application {
    pub fn parse(input: &ApplicationInput) -> Result<Application, FieldErrors> {
        let mut errors = FieldErrors::default();
        let shop_name = forms::text(
            &mut errors,
            "shop_name",
            "Shop name",
            &input.shop_name,
            100,
            true,
        );
        let slug = slug(&shop_name);
        if errors.get("shop_name").is_none() && slug.is_empty() {
            errors.add(
                "shop_name",
                "The shop name needs at least one letter or digit.",
            );
        }
        let contact_email = match normalize_email(&input.contact_email) {
            Ok(email) => email,
            Err(error) => {
                errors.add("contact_email", error.to_string());
                String::new()
            }
        };
        errors.or_ok(Application {
            shop_name,
            slug,
            contact_email,
        })
    }
}

/// Where a signed-in user stands with selling, which decides what `/seller/apply` shows.
#[derive(Debug)]
pub enum Standing {
    /// No seller profile: the form.
    MayApply,
    /// Administrators keep their role; they cannot also sell from the same account.
    Administrator,
    /// Applied and waiting for an administrator.
    UnderReview(Seller),
    /// Approved: the seller panel is theirs.
    Selling,
    Suspended,
}

pub fn standing(conn: &mut DbConn, user_id: i64) -> Result<Standing> {
    let role: Role = users::table.find(user_id).select(users::role).first(conn)?;
    let seller: Option<Seller> = sellers::table
        .filter(sellers::user_id.eq(user_id))
        .select(Seller::as_select())
        .first(conn)
        .optional()?;
    Ok(match seller {
        Some(seller) => match seller.status {
            SellerStatus::Pending => Standing::UnderReview(seller),
            SellerStatus::Active => Standing::Selling,
            SellerStatus::Suspended => Standing::Suspended,
        },
        None if role == Role::Admin => Standing::Administrator,
        None => Standing::MayApply,
    })
}

/// Records the application as a `pending` seller profile. A taken shop address or contact
/// e-mail is refused on its field; a second application, or one from an administrator, is a
/// `Conflict` saying why.
pub fn apply(
    conn: &mut DbConn,
    applicant: &Actor,
    application: &Application,
) -> Result<Result<i64, FieldErrors>> {
    db::write_tx(conn, |conn| {
        match standing(conn, applicant.user_id)? {
            Standing::MayApply => {}
            Standing::Administrator => {
                return Err(Error::Conflict(
                    "Administrators cannot sell from their own account. Please apply from a \
                     separate shopper account."
                        .into(),
                ));
            }
            Standing::UnderReview(_) => {
                return Err(Error::Conflict(
                    "You have already applied to sell; your application is being reviewed.".into(),
                ));
            }
            Standing::Selling | Standing::Suspended => {
                return Err(Error::Conflict("You already have a seller account.".into()));
            }
        }
        if let Some(errors) = taken(conn, application)? {
            return Ok(Err(errors));
        }
        let inserted = diesel::insert_into(sellers::table)
            .values((
                sellers::user_id.eq(applicant.user_id),
                sellers::display_name.eq(&application.shop_name),
                sellers::slug.eq(&application.slug),
                sellers::contact_email.eq(&application.contact_email),
                sellers::status.eq(SellerStatus::Pending),
            ))
            .returning(sellers::id)
            .get_result::<i64>(conn);
        let id = match inserted {
            Ok(id) => id,
            // Another request got there first (a double submit, or the same name at once).
            Err(e) if db::unique_violation_on(&e, "sellers", &["user_id"]) => {
                return Err(Error::Conflict(
                    "You have already applied to sell; your application is being reviewed.".into(),
                ));
            }
            Err(e) if db::unique_violation_on(&e, "sellers", &["slug"]) => {
                return Ok(Err(slug_taken(&application.slug)));
            }
            Err(e) if db::unique_violation_on(&e, "sellers", &["contact_email"]) => {
                return Ok(Err(email_taken()));
            }
            Err(e) => return Err(e.into()),
        };
        let details = format!(
            "applied as '{}' ({}), contact {}",
            application.shop_name, application.slug, application.contact_email
        );
        let entity = Entity { kind: "seller", id };
        audit::record(conn, applicant, "seller.apply", entity, &details)?;
        Ok(Ok(id))
    })
}

/// The fields another seller already holds, if any.
fn taken(conn: &mut DbConn, application: &Application) -> Result<Option<FieldErrors>> {
    let slug_used: i64 = sellers::table
        .filter(sellers::slug.eq(&application.slug))
        .count()
        .get_result(conn)?;
    let email_used: i64 = sellers::table
        .filter(sellers::contact_email.eq(&application.contact_email))
        .count()
        .get_result(conn)?;
    let mut errors = FieldErrors::default();
    if slug_used > 0 {
        errors = slug_taken(&application.slug);
    }
    if email_used > 0 {
        errors.add("contact_email", EMAIL_TAKEN);
    }
    Ok((!errors.is_empty()).then_some(errors))
}

fn slug_taken(slug: &str) -> FieldErrors {
    FieldErrors::single(
        "shop_name",
        format!("Another shop already has a name that reads as \"{slug}\"; please choose another."),
    )
}

const EMAIL_TAKEN: &str = "Another shop already uses this contact e-mail.";

fn email_taken() -> FieldErrors {
    FieldErrors::single("contact_email", EMAIL_TAKEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(shop_name: &str, contact_email: &str) -> ApplicationInput {
        ApplicationInput {
            shop_name: shop_name.into(),
            contact_email: contact_email.into(),
        }
    }

    #[test]
    fn a_shop_name_gives_its_address() {
        let application =
            Application::parse(&input("  Ann's Pottery ", " Ann@Example.COM ")).unwrap();
        assert_eq!(application.shop_name, "Ann's Pottery");
        assert_eq!(application.slug, "ann-s-pottery");
        assert_eq!(application.contact_email, "ann@example.com");
    }

    #[test]
    fn bad_fields_are_named() {
        let errors = Application::parse(&input("!!!", "not an address")).unwrap_err();
        assert!(errors.get("shop_name").unwrap().contains("letter or digit"));
        assert!(errors.get("contact_email").is_some());
        let errors = Application::parse(&input("", "")).unwrap_err();
        assert_eq!(errors.get("shop_name"), Some("Please enter shop name."));
        assert!(Application::parse(&input("a\u{0}b", "a@b.example")).is_err());
        assert!(Application::parse(&input(&"x".repeat(101), "a@b.example")).is_err());
    }
}
