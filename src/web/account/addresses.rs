//! `/account/addresses`: the address book. Every route goes through the accounts service's
//! ownership check, so another shopper's address id answers 404.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::accounts::addresses::{self, AddressInput, ValidAddress};
use crate::accounts::countries::{self, COUNTRIES};
use crate::db::models::Address;
use crate::forms::FieldErrors;
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Template)]
#[template(path = "account/addresses.html")]
struct AddressesPage {
    chrome: Chrome,
    addresses: Vec<Address>,
}

impl AddressesPage {
    fn country_name<'a>(&self, code: &'a str) -> &'a str {
        countries::name_of(code).unwrap_or(code)
    }
}

#[derive(Template)]
#[template(path = "account/address_form.html")]
struct AddressFormPage {
    chrome: Chrome,
    /// Where the form posts: `/account/addresses` or `/account/addresses/{id}`.
    action: String,
    title: &'static str,
    form: AddressInput,
    errors: FieldErrors,
    countries: &'static [(&'static str, &'static str)],
}

/// One text input of the address form, as the template draws it.
struct TextField<'a> {
    name: &'static str,
    label: &'static str,
    value: &'a str,
    max: usize,
    autocomplete: &'static str,
    required: bool,
}

impl AddressFormPage {
    fn is_selected(&self, code: &str) -> bool {
        self.form.country.eq_ignore_ascii_case(code)
    }

    /// The text inputs that come before the country, in form order.
    fn text_fields(&self) -> Vec<TextField<'_>> {
        fn field<'a>(
            name: &'static str,
            label: &'static str,
            value: &'a str,
            max: usize,
            autocomplete: &'static str,
            required: bool,
        ) -> TextField<'a> {
            TextField {
                name,
                label,
                value,
                max,
                autocomplete,
                required,
            }
        }
        let f = &self.form;
        vec![
            field(
                "label",
                "Label (e.g. Home, Work)",
                &f.label,
                50,
                "off",
                false,
            ),
            field("full_name", "Full name", &f.full_name, 200, "name", true),
            field(
                "line1",
                "Address line 1",
                &f.line1,
                255,
                "address-line1",
                true,
            ),
            field(
                "line2",
                "Address line 2",
                &f.line2,
                255,
                "address-line2",
                false,
            ),
            field("city", "City", &f.city, 100, "address-level2", true),
            field(
                "region",
                "State or region",
                &f.region,
                100,
                "address-level1",
                false,
            ),
            field(
                "postal_code",
                "Postal code",
                &f.postal_code,
                20,
                "postal-code",
                true,
            ),
        ]
    }
}

fn new_form(chrome: Chrome, form: AddressInput, errors: FieldErrors) -> AddressFormPage {
    AddressFormPage {
        chrome,
        action: "/account/addresses".into(),
        title: "New address",
        form,
        errors,
        countries: COUNTRIES,
    }
}

fn edit_form(chrome: Chrome, id: i64, form: AddressInput, errors: FieldErrors) -> AddressFormPage {
    AddressFormPage {
        chrome,
        action: format!("/account/addresses/{id}"),
        title: "Edit address",
        form,
        errors,
        countries: COUNTRIES,
    }
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
) -> WebResult<HttpResponse> {
    let addresses = state.db(move |conn| addresses::list(conn, me.id)).await?;
    respond::page(&AddressesPage { chrome, addresses })
}

pub(super) async fn show_new(chrome: Chrome, _me: CurrentUser) -> WebResult<HttpResponse> {
    let page = new_form(chrome, AddressInput::default(), FieldErrors::default());
    respond::page(&page)
}

pub(super) async fn create(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    form: web::Form<AddressInput>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    let address = match ValidAddress::parse(&form) {
        Ok(address) => address,
        Err(errors) => {
            return respond::page_with(&new_form(chrome, form, errors), respond::INVALID);
        }
    };
    state
        .db(move |conn| addresses::create(conn, me.id, &address))
        .await?;
    Ok(respond::done(
        &frame,
        "Address saved.",
        "/account/addresses",
    ))
}

pub(super) async fn show_edit(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    let address = state
        .db(move |conn| addresses::get(conn, me.id, id))
        .await?;
    let page = edit_form(
        chrome,
        id,
        AddressInput::from_address(&address),
        FieldErrors::default(),
    );
    respond::page(&page)
}

pub(super) async fn update(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(me): CurrentUser,
    path: web::Path<i64>,
    form: web::Form<AddressInput>,
) -> WebResult<HttpResponse> {
    let (id, form) = (path.into_inner(), form.into_inner());
    let address = match ValidAddress::parse(&form) {
        Ok(address) => address,
        Err(errors) => {
            // Someone else's id must not learn more than a missing one would.
            state
                .db(move |conn| addresses::get(conn, me.id, id))
                .await?;
            return respond::page_with(&edit_form(chrome, id, form, errors), respond::INVALID);
        }
    };
    state
        .db(move |conn| addresses::update(conn, me.id, id, &address))
        .await?;
    Ok(respond::done(
        &frame,
        "Address updated.",
        "/account/addresses",
    ))
}

pub(super) async fn delete(
    frame: FrameCookie,
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    state
        .db(move |conn| addresses::delete(conn, me.id, id))
        .await?;
    Ok(respond::done(
        &frame,
        "Address deleted.",
        "/account/addresses",
    ))
}

pub(super) async fn make_default(
    frame: FrameCookie,
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    state
        .db(move |conn| addresses::set_default(conn, me.id, id))
        .await?;
    Ok(respond::done(
        &frame,
        "Default address changed.",
        "/account/addresses",
    ))
}
