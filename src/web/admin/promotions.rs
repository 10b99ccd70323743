//! `/admin/promotions`: every code with its uses and what it sold, a "new" form, each code's edit
//! form, and disable / enable. A form with problems is shown again with its messages, 422; a code
//! another admin took at the same moment, 409.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;

use super::settings::{Refused, save};
use crate::admin::categories::{self, TreeRow};
use crate::admin::promotions::{self, Listed, PromotionFields, PromotionInput, Sales};
use crate::admin::settings::taxes::percent;
use crate::db::models::Promotion;
use crate::edits::{Difference, Version};
use crate::forms::FieldErrors;
use crate::money::Money;
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

/// "12.50 % off" or "$5.00 off".
fn discount(promotion: &Promotion) -> String {
    match (promotion.percent_bps, promotion.amount_off) {
        (Some(bps), _) => format!("{} % off", percent(bps)),
        (None, Some(cents)) => format!("{} off", Money::from_minor(cents)),
        (None, None) => String::new(),
    }
}

fn moment(at: &NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

#[derive(Template)]
#[template(path = "admin/promotions.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Listed>,
    now: NaiveDateTime,
}

impl ListPage {
    fn discount(&self, promotion: &Promotion) -> String {
        discount(promotion)
    }

    fn minimum(&self, promotion: &Promotion) -> Money {
        Money::from_minor(promotion.min_subtotal)
    }

    fn moment(&self, at: &NaiveDateTime) -> String {
        moment(at)
    }

    fn standing(&self, promotion: &Promotion) -> &'static str {
        promotions::standing(promotion, self.now)
    }
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
) -> WebResult<HttpResponse> {
    let rows = state.db(promotions::list).await?;
    let now = crate::util::now();
    respond::page(&ListPage { chrome, rows, now })
}

#[derive(Template)]
#[template(path = "admin/promotion_form.html")]
struct FormPage {
    chrome: Chrome,
    /// The stored code with its sales; `None` on the "new" form.
    stored: Option<(Promotion, Sales)>,
    fields: PromotionFields,
    errors: FieldErrors,
    refusal: Option<String>,
    /// Refused because another admin saved first: what differs (`edits`).
    stale: Option<Vec<Difference>>,
    categories: Vec<TreeRow>,
    now: NaiveDateTime,
}

impl FormPage {
    fn action(&self) -> String {
        self.stored
            .as_ref()
            .map_or("/admin/promotions/new".to_owned(), |(p, _)| {
                format!("/admin/promotions/{}", p.id)
            })
    }

    fn indent(&self, category: &crate::db::models::Category) -> String {
        "\u{a0}\u{a0}".repeat(usize::try_from(category.depth).unwrap_or(0))
    }

    fn discount(&self, promotion: &Promotion) -> String {
        discount(promotion)
    }

    fn standing(&self, promotion: &Promotion) -> &'static str {
        promotions::standing(promotion, self.now)
    }

    fn is(&self, typed: &str, value: &str) -> bool {
        typed.trim() == value
    }

    fn code_attrs(&self) -> String {
        format!(
            "required maxlength=\"{}\" autocapitalize=\"characters\"",
            promotions::CODE_MAX
        )
    }
}

async fn form_page(
    state: &AppState,
    chrome: Chrome,
    id: Option<i64>,
    fields: Option<PromotionFields>,
    refused: Option<Refused>,
) -> WebResult<HttpResponse> {
    let (stored, categories) = state
        .db(move |conn| {
            let stored = id.map(|id| promotions::find(conn, id)).transpose()?;
            Ok((stored, categories::tree(conn)?))
        })
        .await?;
    let now = crate::util::now();
    let saved = stored
        .as_ref()
        .map(|(promotion, _, slug)| PromotionFields::of(promotion, slug.clone()));
    let refused = refused.unwrap_or_else(Refused::none);
    let (fields, stale) = match fields {
        Some(mut typed) => {
            let stale = refused.reconciled(saved, &mut typed);
            (typed, stale)
        }
        None => (saved.unwrap_or_else(|| PromotionFields::blank(now)), None),
    };
    let (errors, refusal, status) = (refused.errors, refused.message, refused.status);
    let page = FormPage {
        chrome,
        stored: stored.map(|(promotion, sales, _)| (promotion, sales)),
        fields,
        errors,
        refusal,
        stale,
        categories,
        now,
    };
    respond::page_with(&page, status)
}

pub(super) async fn new(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
) -> WebResult<HttpResponse> {
    form_page(&state, chrome, None, None, None).await
}

pub(super) async fn create(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    form: web::Form<PromotionFields>,
) -> WebResult<HttpResponse> {
    let fields = form.into_inner();
    let by = actor(&req, &me);
    let saved = save(
        &state,
        PromotionInput::parse(&fields),
        move |conn, input| promotions::create(conn, &by, &input),
    );
    match saved.await? {
        Ok(id) => Ok(respond::done(
            &frame,
            "Promotion created.",
            &format!("/admin/promotions/{id}"),
        )),
        Err(refused) => form_page(&state, chrome, None, Some(fields), Some(refused)).await,
    }
}

pub(super) async fn edit(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    form_page(&state, chrome, Some(path.into_inner()), None, None).await
}

pub(super) async fn update(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<PromotionFields>,
) -> WebResult<HttpResponse> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let (by, opened_at) = (actor(&req, &me), Version::parse(&fields.version)?);
    let saved = save(
        &state,
        PromotionInput::parse(&fields),
        move |conn, input| promotions::update(conn, &by, id, opened_at, &input),
    );
    match saved.await? {
        Ok(()) => Ok(respond::done(
            &frame,
            "Promotion saved.",
            &format!("/admin/promotions/{id}"),
        )),
        Err(refused) => form_page(&state, chrome, Some(id), Some(fields), Some(refused)).await,
    }
}

async fn set_active(
    frame: &FrameCookie,
    state: &AppState,
    req: &HttpRequest,
    me: &crate::web::chrome::SignedIn,
    id: i64,
    active: bool,
) -> WebResult<HttpResponse> {
    let by = actor(req, me);
    state
        .db(move |conn| promotions::set_active(conn, &by, id, active))
        .await?;
    let message = if active {
        "Promotion enabled: shoppers can use it again."
    } else {
        "Promotion disabled: shoppers can no longer use it."
    };
    Ok(respond::done(frame, message, "/admin/promotions"))
}

pub(super) async fn disable(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    set_active(&frame, &state, &req, &me, path.into_inner(), false).await
}

pub(super) async fn enable(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    set_active(&frame, &state, &req, &me, path.into_inner(), true).await
}
