//! `/orders`: a shopper's order history (keyset paging), an order's page, and cancelling it
//! before it ships. Another user's order number answers 404.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::auth::CurrentUser;
use super::chrome::{self, Chrome};
use super::error::WebResult;
use super::pages::{refusal, rerender, see_other};
use crate::checkout::PaymentSaga;
use crate::orders::{self, OrderDetail, OrderPage};

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

#[get("/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    query: web::Query<PageQuery>,
) -> WebResult<HttpResponse> {
    let after = query.into_inner().after;
    let page = state
        .db(move |c| orders::list(c, user.id, after.as_deref()))
        .await?;
    rerender(&OrdersPage { chrome, page }, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "orders/show.html")]
struct OrderShowPage {
    chrome: Chrome,
    detail: OrderDetail,
    error: Option<String>,
}

async fn order_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    number: String,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let detail = state
        .db(move |c| orders::detail(c, user_id, &number))
        .await?;
    rerender(
        &OrderShowPage {
            chrome,
            detail,
            error,
        },
        status,
    )
}

#[get("/orders/{number}")]
pub async fn show_order(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    order_page(
        &state,
        chrome,
        user.id,
        path.into_inner(),
        None,
        StatusCode::OK,
    )
    .await
}

#[post("/orders/{number}/cancel")]
pub async fn cancel_order(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    session: Session,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let number = path.into_inner();
    let (saga, order) = (saga.clone(), number.clone());
    let result: WebResult<()> = match web::block(move || saga.cancel_order(user.id, &order)).await {
        Ok(inner) => inner.map_err(Into::into),
        Err(blocking) => Err(blocking.into()),
    };
    match result {
        Ok(()) => {
            chrome::flash(
                &session,
                "success",
                format!(
                    "Order {number} is cancelled; the items are back on the shelf and your payment is refunded."
                ),
            );
            Ok(see_other(&format!("/orders/{number}")))
        }
        Err(error) => match refusal(&error) {
            Some((status, message)) => {
                order_page(&state, chrome, user.id, number, Some(message), status).await
            }
            None => Err(error),
        },
    }
}
