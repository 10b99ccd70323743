//! `/orders/{number}/returns`: the lines of a shopper's order that can still go back, a form per
//! line, and the returns already asked for. Another shopper's order answers 404.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::auth::{CurrentUser, actor};
use super::chrome::Chrome;
use super::error::WebResult;
use super::respond;
use super::routing::page_and_form;
use crate::forms::FieldErrors;
use crate::returns::{self, OrderReturns, ReturnRequest, ReturnableLine};
use crate::web::frame_cookie::FrameCookie;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page_and_form("/orders/{number}/returns", show, create));
}

/// The form of one line that was refused, with what was typed.
struct Typed {
    item_id: i64,
    quantity: String,
    reason: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "returns/order.html")]
struct ReturnsPage {
    chrome: Chrome,
    view: OrderReturns,
    failed: Option<Typed>,
    error: Option<String>,
}

impl ReturnsPage {
    fn typed(&self, line: &ReturnableLine) -> Option<&Typed> {
        self.failed.as_ref().filter(|t| t.item_id == line.item.id)
    }

    fn quantity_value(&self, line: &ReturnableLine) -> String {
        self.typed(line)
            .map_or_else(|| "1".to_owned(), |t| t.quantity.clone())
    }

    fn reason_value(&self, line: &ReturnableLine) -> String {
        self.typed(line)
            .map(|t| t.reason.clone())
            .unwrap_or_default()
    }

    fn field_error(&self, line: &ReturnableLine, field: &str) -> Option<&str> {
        self.typed(line).and_then(|t| t.errors.get(field))
    }
}

async fn returns_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    number: String,
    failed: Option<Typed>,
    error: Option<String>,
) -> WebResult<ReturnsPage> {
    let view = state
        .db(move |c| returns::for_order(c, user_id, &number))
        .await?;
    Ok(ReturnsPage {
        chrome,
        view,
        failed,
        error,
    })
}

async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let page = returns_page(&state, chrome, user.id, path.into_inner(), None, None).await?;
    respond::page(&page)
}

#[derive(Deserialize)]
struct ReturnForm {
    #[serde(deserialize_with = "crate::numbers::whole")]
    order_item_id: i64,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    reason: String,
}

async fn create(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    frame: FrameCookie,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ReturnForm>,
) -> WebResult<HttpResponse> {
    let (number, form) = (path.into_inner(), form.into_inner());
    let wanted = match ReturnRequest::parse(form.order_item_id, &form.quantity, &form.reason) {
        Ok(wanted) => wanted,
        Err(errors) => {
            let typed = Typed {
                item_id: form.order_item_id,
                quantity: form.quantity,
                reason: form.reason,
                errors,
            };
            let page = returns_page(&state, chrome, user.id, number, Some(typed), None).await?;
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let (shopper, order) = (actor(&req, &user), number.clone());
    let result = state
        .db(move |c| returns::request(c, &shopper, &order, &wanted))
        .await;
    let to = format!("/orders/{number}/returns");
    respond::settle(
        result,
        |_| {
            Ok(respond::done(
                &frame,
                "Your return request is with the seller; we will e-mail you their answer.",
                &to,
            ))
        },
        |message| returns_page(&state, chrome, user.id, number.clone(), None, Some(message)),
    )
    .await
}
