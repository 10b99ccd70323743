//! `/admin/products`: find any product by name, address or seller; each product's page with
//! the unpublish form (a reason is required; the seller may publish it again, see
//! `admin::products`) and the home-page feature switch. A refused form shows the page again.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::admin::products::{self, ProductFilter, ProductRow, ProductSearchFields, Reason};
use crate::catalog::ProductStatus;
use crate::forms::FieldErrors;
use crate::paging::KeysetPage;
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Deserialize, Default)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    seller: String,
    #[serde(default)]
    status: String,
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/products.html")]
struct SearchPage {
    chrome: Chrome,
    query: SearchQuery,
    errors: FieldErrors,
    results: Option<KeysetPage<ProductRow>>,
    next: Option<String>,
}

impl SearchPage {
    fn statuses(&self) -> [ProductStatus; 3] {
        ProductStatus::ALL
    }
}

pub(super) async fn search(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    query: web::Query<SearchQuery>,
) -> WebResult<HttpResponse> {
    let query = query.into_inner();
    let fields = ProductSearchFields {
        q: &query.q,
        seller: &query.seller,
        status: &query.status,
    };
    let (filter, errors) = match ProductFilter::parse(&fields) {
        Ok(filter) => (filter, FieldErrors::default()),
        Err(errors) => {
            let page = SearchPage {
                chrome,
                query,
                errors,
                results: None,
                next: None,
            };
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let after = query.after;
    let results = state
        .db(move |conn| products::search(conn, &filter, after))
        .await?;
    let next = results.next_after.map(|after| {
        respond::next_page(
            "/admin/products",
            &[
                ("q", &query.q),
                ("seller", &query.seller),
                ("status", &query.status),
            ],
            after,
        )
    });
    respond::page(&SearchPage {
        chrome,
        query,
        errors,
        results: Some(results),
        next,
    })
}

#[derive(Template)]
#[template(path = "admin/product.html")]
struct ProductPage {
    chrome: Chrome,
    product: ProductRow,
    reason: String,
    errors: FieldErrors,
}

async fn product_page(
    state: &AppState,
    chrome: Chrome,
    product_id: i64,
    reason: String,
    errors: FieldErrors,
) -> WebResult<HttpResponse> {
    let product = state
        .db(move |conn| products::find(conn, product_id))
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        respond::INVALID
    };
    let page = ProductPage {
        chrome,
        product,
        reason,
        errors,
    };
    respond::page_with(&page, status)
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    product_page(&state, chrome, id, String::new(), FieldErrors::default()).await
}

#[derive(Deserialize)]
pub(super) struct UnpublishForm {
    #[serde(default)]
    reason: String,
}

pub(super) async fn unpublish(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<UnpublishForm>,
) -> WebResult<HttpResponse> {
    let (id, typed) = (path.into_inner(), form.into_inner().reason);
    let reason = match Reason::parse(&typed) {
        Ok(reason) => reason,
        Err(errors) => return product_page(&state, chrome, id, typed, errors).await,
    };
    let actor = actor(&req, &me);
    state
        .db_changing_catalog(move |conn| products::unpublish(conn, &actor, id, &reason))
        .await?;
    Ok(respond::done(
        &frame,
        "Product unpublished: it is a draft again, and its seller sees your reason.",
        &format!("/admin/products/{id}"),
    ))
}

async fn feature(
    frame: FrameCookie,
    state: &AppState,
    req: HttpRequest,
    me: crate::web::chrome::SignedIn,
    id: i64,
    featured: bool,
) -> WebResult<HttpResponse> {
    let actor = actor(&req, &me);
    state
        .db_changing_catalog(move |conn| products::set_featured(conn, &actor, id, featured))
        .await?;
    let message = if featured {
        "Featured on the home page (while it is on sale)."
    } else {
        "No longer featured on the home page."
    };
    Ok(respond::done(
        &frame,
        message,
        &format!("/admin/products/{id}"),
    ))
}

pub(super) async fn set_featured(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    feature(frame, &state, req, me, path.into_inner(), true).await
}

pub(super) async fn unset_featured(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    feature(frame, &state, req, me, path.into_inner(), false).await
}
