//! `/seller/products`: the seller's listings, the new-product form, and the edit page's
//! product-wide forms (details, a variant's price and stock, category, archive; the page itself
//! is `product_page`). A form with problems is shown again with its messages.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::product_page::{Failed, VariantForm, edit_page, unless_stale};
use crate::catalog::ProductStatus;
use crate::db::models::{Category, Product};
use crate::edits::Version;
use crate::forms::FieldErrors;
use crate::money::Money;
use crate::paging::KeysetPage;
use crate::sellers::products::{
    self, DetailsInput, NewProduct, NewProductInput, PriceInput, StockChange, StockInput,
    ValidDetails,
};
use crate::web::AppState;
use crate::web::auth::SellerUser;
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "seller/products.html")]
pub(super) struct ProductsPage {
    chrome: Chrome,
    page: KeysetPage<Product>,
}

impl ProductsPage {
    fn price_range(&self, product: &Product) -> String {
        price_range(product)
    }
}

pub(super) fn price_range(product: &Product) -> String {
    let (low, high) = (
        Money::from_minor(product.price_min),
        Money::from_minor(product.price_max),
    );
    if low == high {
        low.to_string()
    } else {
        format!("{low} – {high}")
    }
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    query: web::Query<ListQuery>,
) -> WebResult<HttpResponse> {
    let after = query.after;
    let page = state
        .db_as_seller(me.id, move |conn| products::list(conn, me.id, after))
        .await?;
    respond::page(&ProductsPage { chrome, page })
}

#[derive(Template)]
#[template(path = "seller/new_product.html")]
struct NewProductPage {
    chrome: Chrome,
    form: NewProductInput,
    errors: FieldErrors,
    categories: Vec<Category>,
}

impl NewProductPage {
    fn statuses(&self) -> [ProductStatus; 2] {
        [ProductStatus::Draft, ProductStatus::Active]
    }

    fn is_status(&self, status: &ProductStatus) -> bool {
        self.form.status == status.as_str()
    }

    fn is_category(&self, category: &Category) -> bool {
        self.form.category_id == category.id.to_string()
    }

    fn indent(&self, category: &Category) -> String {
        "\u{a0}\u{a0}".repeat(usize::try_from(category.depth).unwrap_or(0))
    }
}

async fn new_product_page(
    state: &AppState,
    chrome: Chrome,
    form: NewProductInput,
    errors: FieldErrors,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let categories = state.db(products::categories).await?;
    let page = NewProductPage {
        chrome,
        form,
        errors,
        categories,
    };
    respond::page_with(&page, status)
}

pub(super) async fn show_new(
    state: web::Data<AppState>,
    chrome: Chrome,
    _me: SellerUser,
) -> WebResult<HttpResponse> {
    let form = NewProductInput {
        status: ProductStatus::Draft.as_str().to_owned(),
        ..NewProductInput::default()
    };
    new_product_page(&state, chrome, form, FieldErrors::default(), StatusCode::OK).await
}

pub(super) async fn create(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    form: web::Form<NewProductInput>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    let new = match NewProduct::parse(&form) {
        Ok(new) => new,
        Err(errors) => {
            return new_product_page(&state, chrome, form, errors, respond::INVALID).await;
        }
    };
    match state
        .db_changing_catalog(move |conn| products::create(conn, me.id, &new))
        .await?
    {
        Ok(product_id) => {
            let edit = format!("/seller/products/{product_id}");
            Ok(respond::done(&frame, "Product created.", &edit))
        }
        Err(errors) => new_product_page(&state, chrome, form, errors, StatusCode::CONFLICT).await,
    }
}

pub(super) async fn update_details(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
    form: web::Form<DetailsInput>,
) -> WebResult<HttpResponse> {
    let (product_id, form) = (path.into_inner(), form.into_inner());
    let details = match ValidDetails::parse(&form) {
        Ok(details) => details,
        Err(errors) => {
            let failed = Some((Failed::Details(form), errors));
            return edit_page(&state, chrome, me.id, product_id, failed, respond::INVALID).await;
        }
    };
    let opened_at = Version::parse(&form.version)?;
    let saved = state
        .db_changing_catalog(move |conn| {
            products::update_details(conn, me.id, product_id, opened_at, &details)
        })
        .await
        .map(|()| {
            let edit = format!("/seller/products/{product_id}");
            respond::done(&frame, "Product details saved.", &edit)
        });
    let typed = Failed::Details(form);
    unless_stale(saved, &state, chrome, (me.id, product_id), typed).await
}

pub(super) async fn change_price(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<(i64, i64)>,
    form: web::Form<PriceInput>,
) -> WebResult<HttpResponse> {
    let ((product_id, variant_id), form) = (path.into_inner(), form.into_inner());
    let price = match products::parse_price(&form) {
        Ok(price) => price,
        Err(errors) => {
            let failed = Some((
                Failed::Variant(variant_id, VariantForm::Price(form)),
                errors,
            ));
            return edit_page(&state, chrome, me.id, product_id, failed, respond::INVALID).await;
        }
    };
    let opened_at = Version::parse(&form.version)?;
    let saved = state
        .db_changing_catalog(move |conn| {
            products::change_price(conn, me.id, product_id, variant_id, opened_at, price)
        })
        .await
        .map(|()| {
            let edit = format!("/seller/products/{product_id}");
            respond::done(&frame, format!("Price set to {price}."), &edit)
        });
    let typed = Failed::Variant(variant_id, VariantForm::Price(form));
    unless_stale(saved, &state, chrome, (me.id, product_id), typed).await
}

pub(super) async fn adjust_stock(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<(i64, i64)>,
    form: web::Form<StockInput>,
) -> WebResult<HttpResponse> {
    let ((product_id, variant_id), form) = (path.into_inner(), form.into_inner());
    let (errors, status) = match StockChange::parse(&form) {
        Err(errors) => (errors, respond::INVALID),
        Ok(change) => match state
            .db_changing_catalog(move |conn| {
                products::adjust_stock(conn, me.id, product_id, variant_id, &change)
            })
            .await?
        {
            Ok(stock) => {
                let edit = format!("/seller/products/{product_id}");
                return Ok(respond::done(
                    &frame,
                    format!("Stock is now {stock}."),
                    &edit,
                ));
            }
            Err(errors) => (errors, StatusCode::CONFLICT),
        },
    };
    let failed = Some((
        Failed::Variant(variant_id, VariantForm::Stock(form)),
        errors,
    ));
    edit_page(&state, chrome, me.id, product_id, failed, status).await
}

/// The category form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(super) struct CategoryForm {
    pub(super) category_id: String,
    /// The product's version when the form was opened (`edits`).
    pub(super) version: String,
}

pub(super) async fn change_category(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
    form: web::Form<CategoryForm>,
) -> WebResult<HttpResponse> {
    let (product_id, typed) = (path.into_inner(), form.into_inner());
    let Some(category_id) = crate::numbers::parse_whole(&typed.category_id) else {
        let errors = FieldErrors::single("category_id", "Please choose a category from the list.");
        let failed = Some((Failed::Category(typed), errors));
        return edit_page(&state, chrome, me.id, product_id, failed, respond::INVALID).await;
    };
    let opened_at = Version::parse(&typed.version)?;
    let saved = state
        .db_changing_catalog(move |conn| {
            products::change_category(conn, me.id, product_id, opened_at, category_id)
        })
        .await;
    match saved {
        Ok(Ok(())) => {
            let edit = format!("/seller/products/{product_id}");
            Ok(respond::done(&frame, "Category saved.", &edit))
        }
        Ok(Err(errors)) => {
            let failed = Some((Failed::Category(typed), errors));
            edit_page(&state, chrome, me.id, product_id, failed, respond::INVALID).await
        }
        Err(error) => {
            let typed = Failed::Category(typed);
            unless_stale(Err(error), &state, chrome, (me.id, product_id), typed).await
        }
    }
}

pub(super) async fn archive(
    frame: FrameCookie,
    state: web::Data<AppState>,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let product_id = path.into_inner();
    state
        .db_changing_catalog(move |conn| products::archive(conn, me.id, product_id))
        .await?;
    let edit = format!("/seller/products/{product_id}");
    Ok(respond::done(
        &frame,
        "Product archived: it has left the shop, and stays in past orders and reports.",
        &edit,
    ))
}
