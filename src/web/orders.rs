//! `/orders`: a shopper's order history (keyset paging), an order's page, and cancelling it
//! before it ships. Another user's order number answers 404.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::auth::{CurrentUser, actor};
use super::chrome::Chrome;
use super::error::WebResult;
use super::respond;
use super::routing::{form, page};
use crate::checkout::PaymentSaga;
use crate::orders::{self, OrderDetail, OrderPage};
use crate::web::frame_cookie::FrameCookie;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/orders", list_orders))
        .service(page("/orders/{number}", show_order))
        .service(form("/orders/{number}/cancel", cancel_order));
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct OrdersPage {
    chrome: Chrome,
    page: OrderPage,
}

#[derive(Deserialize)]
pub struct PageQuery {
    after: Option<String>,
}

async fn list_orders(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    query: web::Query<PageQuery>,
) -> WebResult<HttpResponse> {
    let after = query.into_inner().after;
    let page = state
        .db(move |c| orders::list(c, user.id, after.as_deref()))
        .await?;
    respond::page(&OrdersPage { chrome, page })
}

#[derive(Template)]
#[template(path = "orders/show.html")]
struct OrderShowPage {
    chrome: Chrome,
    detail: OrderDetail,
    error: Option<String>,
}

/// An order's page, with a message when cancelling it was refused.
async fn order_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    number: String,
    error: Option<String>,
) -> WebResult<OrderShowPage> {
    let detail = state
        .db(move |c| orders::detail(c, user_id, &number))
        .await?;
    Ok(OrderShowPage {
        chrome,
        detail,
        error,
    })
}

async fn show_order(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let page = order_page(&state, chrome, user.id, path.into_inner(), None).await?;
    respond::page(&page)
}

async fn cancel_order(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    frame: FrameCookie,
    req: HttpRequest,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let number = path.into_inner();
    let (saga, order, shopper) = (saga.clone(), number.clone(), actor(&req, &user));
    let result: WebResult<()> =
        match web::block(move || saga.cancel_order(orders::Canceller::Shopper(&shopper), &order))
            .await
        {
            Ok(inner) => inner.map_err(Into::into),
            Err(blocking) => Err(blocking.into()),
        };
    respond::settle(
        result,
        |()| {
            Ok(respond::done(
                &frame,
                format!(
                    "Order {number} is cancelled; the items are back on the shelf and your payment is refunded."
                ),
                &format!("/orders/{number}"),
            ))
        },
        |message| order_page(&state, chrome, user.id, number.clone(), Some(message)),
    )
    .await
}
