//! `/seller/products/{id}`: the edit page with every form of a listing (details, category,
//! archive, each variant's edit, stock and remove forms, a new variant). A refused form shows
//! the page again with what was typed and the messages beside the fields. An archived product's
//! page says it can no longer be changed and shows no forms. A form refused because someone
//! saved the product or variant since it was opened shows the page with both versions side by
//! side (`edits`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::catalog::ProductStatus;
use crate::db::models::{Category, Variant};
use crate::edits::{Difference, differences};
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

use super::products::CategoryForm;

/// Which of a variant's forms failed, with what was typed into it.
pub(super) enum VariantForm {
    Price(PriceInput),
    Edit(VariantEditInput),
    Stock(StockInput),
}

/// The form that failed, with what was typed and its messages.
pub(super) enum Failed {
    Details(DetailsInput),
    Category(CategoryForm),
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
    /// The failed form was refused because someone saved first.
    stale: bool,
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
            Some(Failed::Details(typed)) => DetailsInput {
                version: self.version_to_carry(&typed.version, self.listing.product.version),
                ..typed.clone()
            },
            _ => DetailsInput::of(&self.listing.product),
        }
    }

    /// A refused form keeps the version it was opened at, unless it was refused as stale: then
    /// the page shows what is saved now, and saving again is meant to replace it.
    fn version_to_carry(&self, typed: &str, saved: i32) -> String {
        if self.stale {
            saved.to_string()
        } else {
            typed.to_owned()
        }
    }

    fn is_category(&self, category: &Category) -> bool {
        match &self.failed {
            Some(Failed::Category(typed)) => typed.category_id == category.id.to_string(),
            _ => self.listing.product.primary_category_id == category.id,
        }
    }

    /// The version the category form carries: the one it was opened at, or the current one once
    /// a stale save has shown the current category.
    fn category_version(&self) -> String {
        match &self.failed {
            Some(Failed::Category(typed)) if !self.stale => typed.version.clone(),
            _ => self.listing.product.version.to_string(),
        }
    }

    /// Whether the form `which` ("details", "category") was refused as stale.
    fn stale_here(&self, which: &str) -> bool {
        self.stale
            && matches!(
                (&self.failed, which),
                (Some(Failed::Details(_)), "details") | (Some(Failed::Category(_)), "category")
            )
    }

    fn stale_variant(&self, variant: &Variant) -> bool {
        self.stale && matches!(&self.failed, Some(Failed::Variant(id, _)) if *id == variant.id)
    }

    /// The stale form's fields whose saved value differs from the one typed.
    fn differences(&self) -> Vec<Difference> {
        let product = &self.listing.product;
        match &self.failed {
            Some(Failed::Details(typed)) => {
                let saved = DetailsInput::of(product);
                let status = |word: &str| {
                    ProductStatus::parse(word).map_or(word.to_owned(), |s| s.label().to_owned())
                };
                differences([
                    ("Name", saved.name, typed.name.clone()),
                    ("Description", saved.description, typed.description.clone()),
                    ("Status", status(&saved.status), status(&typed.status)),
                ])
            }
            Some(Failed::Category(typed)) => {
                let name = |id: &str| {
                    self.categories
                        .iter()
                        .find(|c| c.id.to_string() == id)
                        .map_or(String::new(), |c| c.name.clone())
                };
                let saved = product.primary_category_id.to_string();
                differences([("Category", name(&saved), name(&typed.category_id))])
            }
            Some(Failed::Variant(id, form)) => {
                let Some(variant) = self.listing.variants.iter().find(|v| v.id == *id) else {
                    return Vec::new();
                };
                let saved = VariantEditInput::of(variant);
                let price = |typed: &str| {
                    products::parse_price(&PriceInput {
                        price: typed.to_owned(),
                        ..PriceInput::default()
                    })
                    .map_or(typed.to_owned(), |money| money.plain())
                };
                match form {
                    VariantForm::Edit(typed) => differences([
                        ("Variant name", saved.name, typed.name.clone()),
                        ("Option 1", saved.option1, typed.option1.clone()),
                        ("Option 2", saved.option2, typed.option2.clone()),
                        ("Option 3", saved.option3, typed.option3.clone()),
                        ("Price", saved.price, price(&typed.price)),
                    ]),
                    VariantForm::Price(typed) => {
                        differences([("Price", saved.price, price(&typed.price))])
                    }
                    VariantForm::Stock(_) => Vec::new(),
                }
            }
            _ => Vec::new(),
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
                VariantEditInput {
                    version: self.version_to_carry(&typed.version, variant.version),
                    ..typed.clone()
                }
            }
            Some(Failed::Variant(id, VariantForm::Price(typed))) if *id == variant.id => {
                VariantEditInput {
                    price: typed.price.clone(),
                    version: self.version_to_carry(&typed.version, variant.version),
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
    page(state, chrome, user_id, product_id, failed, false, status).await
}

/// The answer to a save: done, or, when someone saved first, the edit page with their version
/// beside the one typed (409); any other failure as it is.
pub(super) async fn unless_stale(
    saved: WebResult<HttpResponse>,
    state: &AppState,
    chrome: Chrome,
    (user_id, product_id): (i64, i64),
    typed: Failed,
) -> WebResult<HttpResponse> {
    match saved {
        Err(WebError::Stale) => {
            let failed = Some((typed, FieldErrors::default()));
            page(
                state,
                chrome,
                user_id,
                product_id,
                failed,
                true,
                StatusCode::CONFLICT,
            )
            .await
        }
        other => other,
    }
}

async fn page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    product_id: i64,
    failed: Option<(Failed, FieldErrors)>,
    stale: bool,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let (listing, categories) = state
        .db_as_seller(user_id, move |conn| {
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
        stale,
    };
    respond::page_with(&page, status)
}
