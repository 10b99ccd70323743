//! `/seller/products`: the seller's listings, the new-product form and the edit page with its
//! details, price and stock forms. A form with problems is shown again with its messages.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::catalog::ProductStatus;
use crate::db::models::{Category, Product, Variant};
use crate::forms::FieldErrors;
use crate::inventory::MovementReason;
use crate::money::Money;
use crate::paging::KeysetPage;
use crate::sellers::products::{
    self, DetailsInput, Listing, NewProduct, NewProductInput, PriceInput, StockChange, StockInput,
    ValidDetails,
};
use crate::web::AppState;
use crate::web::auth::SellerUser;
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
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

fn price_range(product: &Product) -> String {
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
        .db(move |conn| products::list(conn, me.id, after))
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
    fn statuses(&self) -> [ProductStatus; 3] {
        ProductStatus::ALL
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
    session: Session,
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
            Ok(respond::done(&session, "Product created.", &edit))
        }
        Err(errors) => new_product_page(&state, chrome, form, errors, StatusCode::CONFLICT).await,
    }
}

/// Which variant form failed, with what was typed into it.
enum VariantForm {
    Price(PriceInput),
    Stock(StockInput),
}

#[derive(Template)]
#[template(path = "seller/edit_product.html")]
struct EditPage {
    chrome: Chrome,
    listing: Listing,
    details: DetailsInput,
    details_errors: FieldErrors,
    /// The variant whose form failed, what was typed and the messages.
    failed: Option<(i64, VariantForm, FieldErrors)>,
}

impl EditPage {
    fn of(chrome: Chrome, listing: Listing) -> EditPage {
        EditPage {
            chrome,
            details: DetailsInput::of(&listing.product),
            listing,
            details_errors: FieldErrors::default(),
            failed: None,
        }
    }

    fn statuses(&self) -> [ProductStatus; 3] {
        ProductStatus::ALL
    }

    fn is_status(&self, status: &ProductStatus) -> bool {
        self.details.status == status.as_str()
    }

    fn price_range(&self) -> String {
        price_range(&self.listing.product)
    }

    fn price(&self, variant: &Variant) -> String {
        Money::from_minor(variant.price).to_string()
    }

    /// The price field's value: what was typed if its form failed, else the current price.
    fn price_value(&self, variant: &Variant) -> String {
        match &self.failed {
            Some((id, VariantForm::Price(typed), _)) if *id == variant.id => typed.price.clone(),
            _ => Money::from_minor(variant.price).plain(),
        }
    }

    /// The reasons a seller may give for a stock change: (stored word, what the form says).
    fn stock_reasons(&self) -> [(&'static str, &'static str); 2] {
        [
            (MovementReason::Restock.as_str(), "Restock (units arrived)"),
            (
                MovementReason::Adjustment.as_str(),
                "Adjustment (count, damage, loss)",
            ),
        ]
    }

    fn stock_typed(&self, variant: &Variant) -> StockInput {
        match &self.failed {
            Some((id, VariantForm::Stock(typed), _)) if *id == variant.id => typed.clone(),
            _ => StockInput {
                reason: MovementReason::Restock.as_str().to_owned(),
                ..StockInput::default()
            },
        }
    }

    /// The message for `field` of this variant's form, if that form failed.
    fn variant_error(&self, variant: &Variant, field: &str) -> Option<String> {
        match &self.failed {
            Some((id, _, errors)) if *id == variant.id => errors.get(field).map(str::to_owned),
            _ => None,
        }
    }
}

pub(super) async fn show_edit(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let product_id = path.into_inner();
    let listing = state
        .db(move |conn| products::listing(conn, me.id, product_id))
        .await?;
    respond::page(&EditPage::of(chrome, listing))
}

/// The edit page again, with a form's messages; reading the listing first also answers 404
/// for another seller's product before anything about the form is shown.
async fn edit_again(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    product_id: i64,
    fill: impl FnOnce(&mut EditPage),
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let listing = state
        .db(move |conn| products::listing(conn, user_id, product_id))
        .await?;
    let mut page = EditPage::of(chrome, listing);
    fill(&mut page);
    respond::page_with(&page, status)
}

pub(super) async fn update_details(
    session: Session,
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
            let fill = |page: &mut EditPage| {
                page.details = form;
                page.details_errors = errors;
            };
            return edit_again(&state, chrome, me.id, product_id, fill, respond::INVALID).await;
        }
    };
    state
        .db_changing_catalog(move |conn| {
            products::update_details(conn, me.id, product_id, &details)
        })
        .await?;
    let edit = format!("/seller/products/{product_id}");
    Ok(respond::done(&session, "Product details saved.", &edit))
}

pub(super) async fn change_price(
    session: Session,
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
            let fill = |page: &mut EditPage| {
                page.failed = Some((variant_id, VariantForm::Price(form), errors));
            };
            return edit_again(&state, chrome, me.id, product_id, fill, respond::INVALID).await;
        }
    };
    state
        .db_changing_catalog(move |conn| {
            products::change_price(conn, me.id, product_id, variant_id, price)
        })
        .await?;
    let edit = format!("/seller/products/{product_id}");
    Ok(respond::done(
        &session,
        format!("Price set to {price}."),
        &edit,
    ))
}

pub(super) async fn adjust_stock(
    session: Session,
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
                    &session,
                    format!("Stock is now {stock}."),
                    &edit,
                ));
            }
            Err(errors) => (errors, StatusCode::CONFLICT),
        },
    };
    let fill = |page: &mut EditPage| {
        page.failed = Some((variant_id, VariantForm::Stock(form), errors));
    };
    edit_again(&state, chrome, me.id, product_id, fill, status).await
}
