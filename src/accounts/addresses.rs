//! The address book: several addresses per user, at most one default, soft-deleted so orders
//! that shipped to an address keep pointing at it.

use diesel::prelude::*;
use serde::Deserialize;

use super::countries;
use crate::db::models::Address;
use crate::db::schema::addresses;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::ownership::owned_by;
use crate::util::now;

/// More than this many live addresses is abuse, not an address book.
pub const MAX_ADDRESSES: i64 = 50;

/// The address form as typed; every field arrives as text.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct AddressInput {
    pub label: String,
    pub full_name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub phone: String,
    /// A checkbox: present ("on") when ticked.
    pub make_default: Option<String>,
}

impl AddressInput {
    /// The form filled in from a saved address, for editing.
    pub fn from_address(a: &Address) -> AddressInput {
        AddressInput {
            label: a.label.clone(),
            full_name: a.full_name.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone().unwrap_or_default(),
            city: a.city.clone(),
            region: a.region.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
            phone: a.phone.clone().unwrap_or_default(),
            make_default: a.is_default.then(|| "on".to_owned()),
        }
    }

    pub fn wants_default(&self) -> bool {
        self.make_default.is_some()
    }
}

/// An address whose every field has been checked.
#[derive(Debug, Clone)]
pub struct ValidAddress {
    label: String,
    full_name: String,
    line1: String,
    line2: Option<String>,
    city: String,
    region: String,
    postal_code: String,
    country: String,
    phone: Option<String>,
    make_default: bool,
}

impl ValidAddress {
    pub fn parse(input: &AddressInput) -> Result<ValidAddress, FieldErrors> {
        let mut e = FieldErrors::default();
        let label = forms::text(&mut e, "label", "Label", &input.label, 50, false);
        let full_name = forms::text(
            &mut e,
            "full_name",
            "Full name",
            &input.full_name,
            200,
            true,
        );
        let line1 = forms::text(&mut e, "line1", "Address line 1", &input.line1, 255, true);
        let line2 = forms::optional_text(&mut e, "line2", "Address line 2", &input.line2, 255);
        let city = forms::text(&mut e, "city", "City", &input.city, 100, true);
        let region = forms::text(
            &mut e,
            "region",
            "State or region",
            &input.region,
            100,
            false,
        );
        let postal_code = forms::text(
            &mut e,
            "postal_code",
            "Postal code",
            &input.postal_code,
            20,
            true,
        );
        let country = input.country.trim().to_ascii_uppercase();
        if countries::name_of(&country).is_none() {
            e.add("country", "Please choose a country from the list.");
        }
        let phone = forms::phone(&mut e, "phone", &input.phone);
        e.or_ok(ValidAddress {
            label: if label.is_empty() {
                "Home".to_owned()
            } else {
                label
            },
            full_name,
            line1,
            line2,
            city,
            region,
            postal_code,
            country,
            phone,
            make_default: input.wants_default(),
        })
    }
}

/// The columns the address form writes, for a new address and for a changed one alike.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = addresses, treat_none_as_null = true)]
struct AddressFields<'a> {
    label: &'a str,
    full_name: &'a str,
    line1: &'a str,
    line2: Option<&'a str>,
    city: &'a str,
    region: &'a str,
    postal_code: &'a str,
    country: &'a str,
    phone: Option<&'a str>,
    is_default: bool,
}

impl ValidAddress {
    fn fields(&self, is_default: bool) -> AddressFields<'_> {
        AddressFields {
            label: &self.label,
            full_name: &self.full_name,
            line1: &self.line1,
            line2: self.line2.as_deref(),
            city: &self.city,
            region: &self.region,
            postal_code: &self.postal_code,
            country: &self.country,
            phone: self.phone.as_deref(),
            is_default,
        }
    }
}

/// The user's live addresses, the default first.
pub fn list(conn: &mut DbConn, user_id: i64) -> Result<Vec<Address>> {
    Ok(addresses::table
        .filter(addresses::user_id.eq(user_id))
        .filter(addresses::deleted_at.is_null())
        .order((addresses::is_default.desc(), addresses::id))
        .select(Address::as_select())
        .load(conn)?)
}

/// One live address of the user's; another user's address is `NotFound`.
pub fn get(conn: &mut DbConn, user_id: i64, address_id: i64) -> Result<Address> {
    let row = addresses::table
        .find(address_id)
        .filter(addresses::deleted_at.is_null())
        .select(Address::as_select())
        .first(conn)
        .optional()?;
    owned_by(row, user_id)
}

/// Saves a new address; the first one becomes the default.
pub fn create(conn: &mut DbConn, user_id: i64, address: &ValidAddress) -> Result<i64> {
    db::write_tx(conn, |conn| {
        super::lock_user(conn, user_id)?;
        let live: i64 = addresses::table
            .filter(addresses::user_id.eq(user_id))
            .filter(addresses::deleted_at.is_null())
            .count()
            .get_result(conn)?;
        if live >= MAX_ADDRESSES {
            return Err(Error::Invalid(format!(
                "An address book holds at most {MAX_ADDRESSES} addresses; please delete one first."
            )));
        }
        let make_default = address.make_default || live == 0;
        if make_default {
            clear_default(conn, user_id)?;
        }
        Ok(diesel::insert_into(addresses::table)
            .values((addresses::user_id.eq(user_id), address.fields(make_default)))
            .returning(addresses::id)
            .get_result(conn)?)
    })
}

pub fn update(
    conn: &mut DbConn,
    user_id: i64,
    address_id: i64,
    address: &ValidAddress,
) -> Result<()> {
    db::write_tx(conn, |conn| {
        super::lock_user(conn, user_id)?;
        let existing = get(conn, user_id, address_id)?;
        let make_default = address.make_default || existing.is_default;
        if make_default && !existing.is_default {
            clear_default(conn, user_id)?;
        }
        diesel::update(addresses::table.find(address_id))
            .set(address.fields(make_default))
            .execute(conn)?;
        Ok(())
    })
}

/// Soft-deletes the address; when it was the default, the oldest remaining one takes over.
pub fn delete(conn: &mut DbConn, user_id: i64, address_id: i64) -> Result<()> {
    db::write_tx(conn, |conn| {
        super::lock_user(conn, user_id)?;
        let existing = get(conn, user_id, address_id)?;
        diesel::update(addresses::table.find(address_id))
            .set((
                addresses::deleted_at.eq(now()),
                addresses::is_default.eq(false),
            ))
            .execute(conn)?;
        if existing.is_default {
            let successor: Option<i64> = addresses::table
                .filter(addresses::user_id.eq(user_id))
                .filter(addresses::deleted_at.is_null())
                .order(addresses::id)
                .select(addresses::id)
                .first(conn)
                .optional()?;
            if let Some(id) = successor {
                diesel::update(addresses::table.find(id))
                    .set(addresses::is_default.eq(true))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

pub fn set_default(conn: &mut DbConn, user_id: i64, address_id: i64) -> Result<()> {
    db::write_tx(conn, |conn| {
        super::lock_user(conn, user_id)?;
        get(conn, user_id, address_id)?;
        clear_default(conn, user_id)?;
        diesel::update(addresses::table.find(address_id))
            .set(addresses::is_default.eq(true))
            .execute(conn)?;
        Ok(())
    })
}

fn clear_default(conn: &mut DbConn, user_id: i64) -> Result<()> {
    diesel::update(
        addresses::table
            .filter(addresses::user_id.eq(user_id))
            .filter(addresses::is_default.eq(true)),
    )
    .set(addresses::is_default.eq(false))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_input() -> AddressInput {
        AddressInput {
            full_name: "Ann Smith".into(),
            line1: "1 Main St".into(),
            city: "Springfield".into(),
            postal_code: "12345".into(),
            country: "us".into(),
            ..AddressInput::default()
        }
    }

    #[test]
    fn a_complete_address_parses_with_defaults() {
        let address = ValidAddress::parse(&valid_input()).unwrap();
        assert_eq!(address.country, "US");
        assert_eq!(address.label, "Home");
        assert_eq!(address.line2, None);
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let input = AddressInput {
            country: "XX".into(),
            city: String::new(),
            postal_code: "1".repeat(21),
            ..valid_input()
        };
        let errors = ValidAddress::parse(&input).unwrap_err();
        assert_eq!(
            errors.get("country"),
            Some("Please choose a country from the list.")
        );
        assert_eq!(errors.get("city"), Some("Please enter city."));
        assert!(errors.get("postal_code").is_some());
        assert!(errors.get("full_name").is_none());
    }
}
