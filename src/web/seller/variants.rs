//! `/seller/products/{id}/variants…`: add a variant, edit one (name, options, price), remove
//! one, and read one's price history and stock ledger. Refused forms show the edit page again
//! (`product_page`) with the messages beside the fields.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::product_page::{Failed, VariantForm, edit_page, unless_stale};
use crate::edits::Version;
use crate::sellers::products::history::{self, Cursors, VariantHistory};
use crate::sellers::products::variants::{self, Removed};
use crate::sellers::products::{NewVariant, VariantEdit, VariantEditInput, VariantInput};
use crate::web::AppState;
use crate::web::auth::SellerUser;
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

fn edit_url(product_id: i64) -> String {
    format!("/seller/products/{product_id}")
}

pub(super) async fn add(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
    form: web::Form<VariantInput>,
) -> WebResult<HttpResponse> {
    let (product_id, form) = (path.into_inner(), form.into_inner());
    let new = match NewVariant::parse(&form) {
        Ok(new) => new,
        Err(errors) => {
            let failed = Some((Failed::NewVariant(form), errors));
            return edit_page(&state, chrome, me.id, product_id, failed, respond::INVALID).await;
        }
    };
    match state
        .db_changing_catalog(move |conn| variants::add(conn, me.id, product_id, &new))
        .await?
    {
        Ok(_) => Ok(respond::done(
            &frame,
            format!("Variant {} added.", form.sku.trim()),
            &edit_url(product_id),
        )),
        Err(errors) => {
            let failed = Some((Failed::NewVariant(form), errors));
            edit_page(&state, chrome, me.id, product_id, failed, respond::INVALID).await
        }
    }
}

pub(super) async fn update(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<(i64, i64)>,
    form: web::Form<VariantEditInput>,
) -> WebResult<HttpResponse> {
    let ((product_id, variant_id), form) = (path.into_inner(), form.into_inner());
    let refused = match VariantEdit::parse(&form) {
        Err(errors) => errors,
        Ok(edit) => {
            let opened_at = Version::parse(&form.version)?;
            let saved = state
                .db_changing_catalog(move |conn| {
                    variants::update(conn, me.id, product_id, variant_id, opened_at, &edit)
                })
                .await;
            match saved {
                Ok(Ok(())) => {
                    let done = respond::done(&frame, "Variant saved.", &edit_url(product_id));
                    return Ok(done);
                }
                Ok(Err(errors)) => errors,
                Err(error) => {
                    let typed = Failed::Variant(variant_id, VariantForm::Edit(form));
                    let who = (me.id, product_id);
                    return unless_stale(Err(error), &state, chrome, who, typed).await;
                }
            }
        }
    };
    let failed = Some((
        Failed::Variant(variant_id, VariantForm::Edit(form)),
        refused,
    ));
    edit_page(&state, chrome, me.id, product_id, failed, respond::INVALID).await
}

pub(super) async fn remove(
    frame: FrameCookie,
    state: web::Data<AppState>,
    SellerUser(me): SellerUser,
    path: web::Path<(i64, i64)>,
) -> WebResult<HttpResponse> {
    let (product_id, variant_id) = path.into_inner();
    let removed = state
        .db_changing_catalog(move |conn| variants::remove(conn, me.id, product_id, variant_id))
        .await?;
    let message = match removed {
        Removed::Deleted => "Variant removed.",
        Removed::Deactivated => {
            "Variant taken off sale. It is kept, inactive, because orders or carts refer to it."
        }
    };
    Ok(respond::done(&frame, message, &edit_url(product_id)))
}

#[derive(Deserialize)]
pub(super) struct HistoryQuery {
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    prices_after: Option<i64>,
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    moves_after: Option<i64>,
}

#[derive(Template)]
#[template(path = "seller/variant_history.html")]
struct HistoryPage {
    chrome: Chrome,
    history: VariantHistory,
    cursors: Cursors,
}

impl HistoryPage {
    fn url(&self, cursors: Cursors) -> String {
        let mut query = Vec::new();
        if let Some(after) = cursors.prices_after {
            query.push(format!("prices_after={after}"));
        }
        if let Some(after) = cursors.moves_after {
            query.push(format!("moves_after={after}"));
        }
        format!(
            "/seller/products/{}/variants/{}/history?{}",
            self.history.listing.product.id,
            self.history.variant.id,
            query.join("&")
        )
    }

    /// The next page of prices, keeping the ledger where it is.
    fn more_prices(&self, after: &i64) -> String {
        self.url(Cursors {
            prices_after: Some(*after),
            ..self.cursors
        })
    }

    fn more_moves(&self, after: &i64) -> String {
        self.url(Cursors {
            moves_after: Some(*after),
            ..self.cursors
        })
    }

    fn signed(&self, delta: &i32) -> String {
        format!("{delta:+}")
    }
}

pub(super) async fn history(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<(i64, i64)>,
    query: web::Query<HistoryQuery>,
) -> WebResult<HttpResponse> {
    let (product_id, variant_id) = path.into_inner();
    let cursors = Cursors {
        prices_after: query.prices_after,
        moves_after: query.moves_after,
    };
    let history = state
        .db_as_seller(me.id, move |conn| {
            history::variant_history(conn, me.id, product_id, variant_id, cursors)
        })
        .await?;
    respond::page_with(
        &HistoryPage {
            chrome,
            history,
            cursors,
        },
        StatusCode::OK,
    )
}
