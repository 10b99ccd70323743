//! `/seller/products/{id}`: the edit page with every form of a listing (details, category,
//! archive, each variant's edit, stock and remove forms, a new variant). A refused form shows
//! the page again with what was typed and the messages beside the fields. An archived product's
//! page says it can no longer be changed and shows no forms.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::catalog::ProductStatus;
use crate::db::models::{Category, Variant};
use crate::forms::FieldErrors;
use crate::inventory::MovementReason;
use crate::money::Money;
use crate::sellers::products::variant_forms::{OPTION_FIELDS, Options};
use crate::sellers::products::{
    self, ARCHIVED, DetailsInput, Listing, PriceInput, StockInput, VariantEditInput, VariantInput,
};
use crate::web::AppState;
use crate::web::auth::SellerUser;
use crate::web::chrome::Chrome;
use crate::web::error::{WebError, WebResult};
use crate::web::respond;

/// Which of a variant's forms failed, with what was typed into it.
pub(super) enum VariantForm {
    Price(PriceInput),
    Edit(VariantEditInput),
    Stock(StockInput),
}

/// The form that failed, with what was typed and its messages.
pub(super) enum Failed {
    Details(DetailsInput),
    Category(String),
    NewVariant(VariantInput),
    Variant(i64, VariantForm),
}

#[derive(Template)]
#[template(path = "seller/edit_product.html")]
pub(super) struct EditPage {
    chrome: Chrome,
    listing: Listing,
    categories: Vec<Category>,
    failed: Option<Failed>,
    errors: FieldErrors,
}

impl EditPage {
    fn statuses(&self) -> [ProductStatus; 2] {
        [ProductStatus::Draft, ProductStatus::Active]
    }

    fn archived_message(&self) -> &'static str {
        ARCHIVED
    }

    fn price_range(&self) -> String {
        super::products::price_range(&self.listing.product)
    }

    fn price(&self, variant: &Variant) -> String {
        Money::from_minor(variant.price).to_string()
    }

    fn options(&self, variant: &Variant) -> String {
        Options::from_json(&variant.options).rows().join(" · ")
    }

    fn option_fields(&self) -> [&'static str; 3] {
        OPTION_FIELDS
    }

    fn indent(&self, category: &Category) -> String {
        "\u{a0}\u{a0}".repeat(usize::try_from(category.depth).unwrap_or(0))
    }

    /// The message for `field` of the form `which` ("details", "category", "new").
    fn error(&self, which: &str, field: &str) -> Option<String> {
        let failed = matches!(
            (&self.failed, which),
            (Some(Failed::Details(_)), "details")
                | (Some(Failed::Category(_)), "category")
                | (Some(Failed::NewVariant(_)), "new")
        );
        failed.then(|| self.errors.get(field).map(str::to_owned))?
    }

    fn has_errors(&self, which: &str) -> bool {
        [
            "name",
            "description",
            "status",
            "category_id",
            "sku",
            "price",
            "stock",
        ]
        .into_iter()
        .chain(OPTION_FIELDS)
        .any(|field| self.error(which, field).is_some())
    }

    fn details(&self) -> DetailsInput {
        match &self.failed {
            Some(Failed::Details(typed)) => typed.clone(),
            _ => DetailsInput::of(&self.listing.product),
        }
    }

    fn is_category(&self, category: &Category) -> bool {
        match &self.failed {
            Some(Failed::Category(typed)) => *typed == category.id.to_string(),
            _ => self.listing.product.primary_category_id == category.id,
        }
    }

    fn new_variant(&self) -> VariantInput {
        match &self.failed {
            Some(Failed::NewVariant(typed)) => typed.clone(),
            _ => VariantInput::default(),
        }
    }

    /// A new variant's option row `i` as typed.
    fn new_option(&self, typed: &VariantInput, i: &usize) -> String {
        [&typed.option1, &typed.option2, &typed.option3][*i].clone()
    }

    /// The edit form of a variant: what was typed if it failed, else what it holds.
    fn edit_typed(&self, variant: &Variant) -> VariantEditInput {
        match &self.failed {
            Some(Failed::Variant(id, VariantForm::Edit(typed))) if *id == variant.id => {
                typed.clone()
            }
            Some(Failed::Variant(id, VariantForm::Price(typed))) if *id == variant.id => {
                VariantEditInput {
                    price: typed.price.clone(),
                    ..VariantEditInput::of(variant)
                }
            }
            _ => VariantEditInput::of(variant),
        }
    }

    fn edit_option(&self, typed: &VariantEditInput, i: &usize) -> String {
        [&typed.option1, &typed.option2, &typed.option3][*i].clone()
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
            Some(Failed::Variant(id, VariantForm::Stock(typed))) if *id == variant.id => {
                typed.clone()
            }
            _ => StockInput {
                reason: MovementReason::Restock.as_str().to_owned(),
                ..StockInput::default()
            },
        }
    }

    /// The message for `field` of this variant's forms, if one of them failed.
    fn variant_error(&self, variant: &Variant, field: &str) -> Option<String> {
        match &self.failed {
            Some(Failed::Variant(id, _)) if *id == variant.id => {
                self.errors.get(field).map(str::to_owned)
            }
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
    edit_page(
        &state,
        chrome,
        me.id,
        path.into_inner(),
        None,
        StatusCode::OK,
    )
    .await
}

/// The edit page, with a failed form's messages when there is one; reading the listing first
/// also answers 404 for another seller's product before anything about the form is shown, and
/// 409 for a form posted to an archived product.
pub(super) async fn edit_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    product_id: i64,
    failed: Option<(Failed, FieldErrors)>,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let (listing, categories) = state
        .db(move |conn| {
            Ok((
                products::listing(conn, user_id, product_id)?,
                products::categories(conn)?,
            ))
        })
        .await?;
    if failed.is_some() && listing.is_archived() {
        return Err(WebError::Conflict(ARCHIVED.into()));
    }
    let (failed, errors) = match failed {
        Some((failed, errors)) => (Some(failed), errors),
        None => (None, FieldErrors::default()),
    };
    let page = EditPage {
        chrome,
        listing,
        categories,
        failed,
        errors,
    };
    respond::page_with(&page, status)
}
