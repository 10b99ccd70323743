//! `/admin/shipping`, `/admin/shipping/new`, `/admin/shipping/{id}`.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Refused, save};
use crate::admin::settings::shipping::{self, ShippingFields, ShippingInput};
use crate::db::models::ShippingMethod;
use crate::edits::{Difference, Version};
use crate::forms::FieldErrors;
use crate::money::Money;
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Template)]
#[template(path = "admin/shipping.html")]
pub(in crate::web::admin) struct ListPage {
    chrome: Chrome,
    methods: Vec<ShippingMethod>,
}

impl ListPage {
    fn money(&self, cents: &i64) -> Money {
        Money::from_minor(*cents)
    }
}

#[derive(Template)]
#[template(path = "admin/shipping_form.html")]
pub(in crate::web::admin) struct FormPage {
    chrome: Chrome,
    /// `None` on the "new" form.
    id: Option<i64>,
    fields: ShippingFields,
    errors: FieldErrors,
    refusal: Option<String>,
    /// Refused because another admin saved first: what differs (`edits`).
    stale: Option<Vec<Difference>>,
    /// (cart, shipping it pays) at the stored settings; empty on the "new" form.
    example: Vec<(Money, Money)>,
}

impl FormPage {
    fn action(&self) -> String {
        self.id.map_or("/admin/shipping/new".to_owned(), |id| {
            format!("/admin/shipping/{id}")
        })
    }
}

fn form_page(
    chrome: Chrome,
    stored: Option<&ShippingMethod>,
    mut fields: ShippingFields,
    refused: Refused,
) -> FormPage {
    let stale = refused.reconciled(stored.map(ShippingFields::of), &mut fields);
    FormPage {
        chrome,
        stale,
        id: stored.map(|m| m.id),
        fields,
        errors: refused.errors,
        refusal: refused.message,
        example: stored.map_or_else(Vec::new, |m| {
            shipping::example(
                Money::from_minor(m.price),
                m.free_over.map(Money::from_minor),
            )
        }),
    }
}

pub(in crate::web::admin) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
) -> WebResult<HttpResponse> {
    let methods = state.db(shipping::list).await?;
    respond::page(&ListPage { chrome, methods })
}

pub(in crate::web::admin) async fn new(
    chrome: Chrome,
    _admin: AdminUser,
) -> WebResult<HttpResponse> {
    respond::page(&form_page(
        chrome,
        None,
        ShippingFields::blank(),
        Refused::none(),
    ))
}

pub(in crate::web::admin) async fn create(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    form: web::Form<ShippingFields>,
) -> WebResult<HttpResponse> {
    let fields = form.into_inner();
    let by = actor(&req, &me);
    let saved = save(&state, ShippingInput::parse(&fields), move |conn, input| {
        shipping::create(conn, &by, &input)
    });
    match saved.await? {
        Ok(id) => Ok(respond::done(
            &frame,
            "Shipping method created.",
            &format!("/admin/shipping/{id}"),
        )),
        Err(refused) => {
            let status = refused.status;
            respond::page_with(&form_page(chrome, None, fields, refused), status)
        }
    }
}

pub(in crate::web::admin) async fn edit(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    let method = state.db(move |conn| shipping::get(conn, id)).await?;
    let fields = ShippingFields::of(&method);
    respond::page(&form_page(chrome, Some(&method), fields, Refused::none()))
}

pub(in crate::web::admin) async fn update(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<ShippingFields>,
) -> WebResult<HttpResponse> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let (by, opened_at) = (actor(&req, &me), Version::parse(&fields.version)?);
    let saved = save(&state, ShippingInput::parse(&fields), move |conn, input| {
        shipping::update(conn, &by, id, opened_at, &input)
    });
    match saved.await? {
        Ok(()) => Ok(respond::done(
            &frame,
            "Shipping method saved.",
            &format!("/admin/shipping/{id}"),
        )),
        Err(refused) => {
            let stored = state.db(move |conn| shipping::get(conn, id)).await?;
            let status = refused.status;
            respond::page_with(&form_page(chrome, Some(&stored), fields, refused), status)
        }
    }
}
