//! `/seller/orders`: the seller's parcels by tab (to ship, shipped, delivered; returns live on
//! their own page), one order as far as it is theirs with its forms (pack, ship, delivered,
//! cancel a line), and its packing slip. Another seller's order or line answers 404.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::checkout::PaymentSaga;
use crate::forms::FieldErrors;
use crate::fulfilment::{
    self, Carrier, ParcelMove, ParcelRow, SellerOrder, ShipInput, ShipmentStatus, Tab, Tracking,
};
use crate::paging::KeysetPage;
use crate::web::AppState;
use crate::web::auth::{SellerUser, actor};
use crate::web::chrome::{Chrome, SignedIn};
use crate::web::error::{WebError, WebResult};
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    tab: Option<String>,
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "seller/orders.html")]
struct OrdersPage {
    chrome: Chrome,
    tab: Tab,
    page: KeysetPage<ParcelRow>,
}

impl OrdersPage {
    fn tabs(&self) -> [Tab; 3] {
        Tab::ALL
    }
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    query: web::Query<ListQuery>,
) -> WebResult<HttpResponse> {
    let query = query.into_inner();
    let (tab, after) = (Tab::parse(query.tab.as_deref()), query.after);
    let page = state
        .db_as_seller(me.id, move |conn| fulfilment::list(conn, me.id, tab, after))
        .await?;
    respond::page(&OrdersPage { chrome, tab, page })
}

#[derive(Template)]
#[template(path = "seller/order.html")]
struct OrderPage {
    chrome: Chrome,
    view: SellerOrder,
    ship: ShipInput,
    errors: FieldErrors,
    error: Option<String>,
}

impl OrderPage {
    fn carriers(&self) -> [Carrier; 5] {
        Carrier::ALL
    }

    fn can_pack(&self) -> bool {
        self.view.parcel.status == ShipmentStatus::Pending
    }

    fn can_deliver(&self) -> bool {
        self.view.parcel.status == ShipmentStatus::Shipped
    }
}

/// The order's page, with what the ship form held and why a form was refused.
async fn order_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    number: String,
    fill: impl FnOnce(&mut OrderPage),
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let view = state
        .db_as_seller(user_id, move |conn| {
            fulfilment::order(conn, user_id, &number)
        })
        .await?;
    let mut page = OrderPage {
        chrome,
        view,
        ship: ShipInput::default(),
        errors: FieldErrors::default(),
        error: None,
    };
    fill(&mut page);
    respond::page_with(&page, status)
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    order_page(
        &state,
        chrome,
        me.id,
        path.into_inner(),
        |_| (),
        StatusCode::OK,
    )
    .await
}

#[derive(Template)]
#[template(path = "seller/packing_slip.html")]
struct PackingSlip {
    view: SellerOrder,
}

pub(super) async fn packing_slip(
    state: web::Data<AppState>,
    SellerUser(me): SellerUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let number = path.into_inner();
    let view = state
        .db_as_seller(me.id, move |conn| fulfilment::order(conn, me.id, &number))
        .await?;
    respond::page(&PackingSlip { view })
}

/// Runs a parcel move, then delivers the e-mail it queued; a refusal shows the page again.
#[allow(clippy::too_many_arguments)]
async fn parcel_move(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    me: SignedIn,
    frame: FrameCookie,
    req: HttpRequest,
    number: String,
    step: ParcelMove,
    ship: ShipInput,
) -> WebResult<HttpResponse> {
    let by = actor(&req, &me);
    let (order, done_step) = (number.clone(), step.clone());
    let result = state
        .db(move |conn| fulfilment::move_parcel(conn, &by, &order, &done_step))
        .await;
    if result.is_ok() {
        crate::web::deliver_mail(saga).await;
    }
    let message = match step {
        ParcelMove::Pack => "Parcel marked packed.",
        ParcelMove::Ship(_) => {
            "Parcel shipped; the shopper can follow it with the tracking number."
        }
        ParcelMove::Deliver => "Parcel marked delivered.",
    };
    let to = format!("/seller/orders/{number}");
    match result {
        Ok(()) => Ok(respond::done(&frame, message, &to)),
        Err(error) => {
            let refusal = respond::Refusal::of(error)?;
            let fill = |page: &mut OrderPage| {
                page.ship = ship;
                page.error = Some(refusal.message);
            };
            order_page(&state, chrome, me.id, number, fill, refusal.status).await
        }
    }
}

pub(super) async fn pack(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    frame: FrameCookie,
    req: HttpRequest,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let number = path.into_inner();
    let none = ShipInput::default();
    parcel_move(
        state,
        saga,
        chrome,
        me,
        frame,
        req,
        number,
        ParcelMove::Pack,
        none,
    )
    .await
}

pub(super) async fn deliver(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    frame: FrameCookie,
    req: HttpRequest,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let number = path.into_inner();
    let none = ShipInput::default();
    parcel_move(
        state,
        saga,
        chrome,
        me,
        frame,
        req,
        number,
        ParcelMove::Deliver,
        none,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn ship(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    frame: FrameCookie,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ShipInput>,
) -> WebResult<HttpResponse> {
    let (number, form) = (path.into_inner(), form.into_inner());
    match Tracking::parse(&form) {
        Ok(tracking) => {
            let step = ParcelMove::Ship(tracking);
            parcel_move(state, saga, chrome, me, frame, req, number, step, form).await
        }
        Err(errors) => {
            let fill = |page: &mut OrderPage| {
                page.ship = form;
                page.errors = errors;
            };
            order_page(&state, chrome, me.id, number, fill, respond::INVALID).await
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn cancel_line(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    frame: FrameCookie,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
) -> WebResult<HttpResponse> {
    let (number, line_id) = path.into_inner();
    let (saga, by, order) = (saga.clone(), actor(&req, &me), number.clone());
    let result: WebResult<_> =
        match web::block(move || saga.cancel_line(&by, &order, line_id)).await {
            Ok(inner) => inner.map_err(WebError::from),
            Err(blocking) => Err(blocking.into()),
        };
    let to = format!("/seller/orders/{number}");
    match result {
        Ok(done) => {
            let mut message = format!(
                "Line cancelled; its stock is back and {} is refunded to the shopper.",
                done.refunded
            );
            if done.refund_failed {
                message = "Line cancelled and its stock is back, but the refund was refused by the payment processor; the shop will retry it.".into();
            }
            if done.order_cancelled {
                message += " Nothing is left in the order, so it is cancelled.";
            }
            Ok(respond::done(&frame, message, &to))
        }
        Err(error) => {
            let refusal = respond::Refusal::of(error)?;
            let fill = |page: &mut OrderPage| page.error = Some(refusal.message);
            order_page(&state, chrome, me.id, number, fill, refusal.status).await
        }
    }
}
