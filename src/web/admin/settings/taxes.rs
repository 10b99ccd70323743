//! `/admin/taxes`, `/admin/taxes/new`, `/admin/taxes/{id}`.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Refused, save};
use crate::accounts::countries::COUNTRIES;
use crate::admin::settings::taxes::{self, TaxFields, TaxInput, percent};
use crate::db::models::TaxRate;
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
#[template(path = "admin/taxes.html")]
pub(in crate::web::admin) struct ListPage {
    chrome: Chrome,
    rates: Vec<TaxRate>,
}

impl ListPage {
    fn percent(&self, bps: &i32) -> String {
        percent(*bps)
    }
}

#[derive(Template)]
#[template(path = "admin/tax_form.html")]
pub(in crate::web::admin) struct FormPage {
    chrome: Chrome,
    id: Option<i64>,
    fields: TaxFields,
    errors: FieldErrors,
    refusal: Option<String>,
    /// Refused because another admin saved first: what differs (`edits`).
    stale: Option<Vec<Difference>>,
    /// (cart, tax on it) at the stored rate; `None` on the "new" form.
    example: Option<(Money, Money)>,
    countries: &'static [(&'static str, &'static str)],
}

impl FormPage {
    fn action(&self) -> String {
        self.id.map_or("/admin/taxes/new".to_owned(), |id| {
            format!("/admin/taxes/{id}")
        })
    }
}

fn form_page(
    chrome: Chrome,
    stored: Option<&TaxRate>,
    mut fields: TaxFields,
    refused: Refused,
) -> FormPage {
    let stale = refused.reconciled(stored.map(TaxFields::of), &mut fields);
    FormPage {
        chrome,
        stale,
        id: stored.map(|r| r.id),
        fields,
        errors: refused.errors,
        refusal: refused.message,
        example: stored.map(|r| taxes::example(r.rate_bps)),
        countries: COUNTRIES,
    }
}

pub(in crate::web::admin) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
) -> WebResult<HttpResponse> {
    let rates = state.db(taxes::list).await?;
    respond::page(&ListPage { chrome, rates })
}

pub(in crate::web::admin) async fn new(
    chrome: Chrome,
    _admin: AdminUser,
) -> WebResult<HttpResponse> {
    respond::page(&form_page(
        chrome,
        None,
        TaxFields::default(),
        Refused::none(),
    ))
}

pub(in crate::web::admin) async fn create(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    form: web::Form<TaxFields>,
) -> WebResult<HttpResponse> {
    let fields = form.into_inner();
    let by = actor(&req, &me);
    let saved = save(&state, TaxInput::parse(&fields), move |conn, input| {
        taxes::create(conn, &by, &input)
    });
    match saved.await? {
        Ok(id) => Ok(respond::done(
            &frame,
            "Tax rate created.",
            &format!("/admin/taxes/{id}"),
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
    let rate = state.db(move |conn| taxes::get(conn, id)).await?;
    let fields = TaxFields::of(&rate);
    respond::page(&form_page(chrome, Some(&rate), fields, Refused::none()))
}

pub(in crate::web::admin) async fn update(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<TaxFields>,
) -> WebResult<HttpResponse> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let (by, opened_at) = (actor(&req, &me), Version::parse(&fields.version)?);
    let saved = save(&state, TaxInput::parse(&fields), move |conn, input| {
        taxes::update(conn, &by, id, opened_at, &input)
    });
    match saved.await? {
        Ok(()) => Ok(respond::done(
            &frame,
            "Tax rate saved.",
            &format!("/admin/taxes/{id}"),
        )),
        Err(refused) => {
            let stored = state.db(move |conn| taxes::get(conn, id)).await?;
            let status = refused.status;
            respond::page_with(&form_page(chrome, Some(&stored), fields, refused), status)
        }
    }
}
