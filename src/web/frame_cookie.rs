//! What the page frame carries from one request to the next outside the session row: the flash
//! message a finished form leaves for the next page, and the header's cart count. Both change
//! on most form posts. Kept in the session, each change was a durable write of its row: an add
//! to cart committed the cart, then the session (flash and count), then the session again when
//! the cart page took the flash — three commits for one add. Here they ride in one private
//! cookie (encrypted and authenticated with the server's secret, so every node opens it and no
//! browser can forge or read it), and a form post commits only its own change.
//!
//! The count is the count of one cart: the cookie names the cart it counted, and the frame shows
//! it only while that is still the request's cart. After a sign-out, or a session ended on
//! another node, the header says 0 rather than another cart's count.

use std::cell::RefCell;
use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite, time::Duration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::{Deserialize, Serialize};

use crate::cart::CartOwner;

/// A flash longer than this is cut, so the cookie stays far below browsers' 4 KB limit.
const MAX_FLASH_CHARS: usize = 1000;

/// How a flash message is shown (its CSS class is `flash-` and the kind's name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    Success,
    Info,
    Error,
}

impl std::fmt::Display for FlashKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FlashKind::Success => "success",
            FlashKind::Info => "info",
            FlashKind::Error => "error",
        })
    }
}

/// A one-time message for the next page, shown after a POST → 303 → GET.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

/// The cookie's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Carried {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    flash: Option<Flash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cart: Option<CartCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CartCount {
    /// Whose cart was counted: `u` and a user id, or `g` and a guest cart's token.
    of: String,
    count: i64,
}

fn cart_name(owner: &CartOwner) -> String {
    match owner {
        CartOwner::User(id) => format!("u{id}"),
        CartOwner::Guest(token) => format!("g{token}"),
    }
}

/// The cookie's name and key: the same on every node, from the server's secret.
pub struct FrameKeys {
    key: Key,
    secure: bool,
}

impl FrameKeys {
    pub fn new(secret: &[u8], secure: bool) -> FrameKeys {
        FrameKeys {
            key: Key::derive_from(secret),
            secure,
        }
    }

    /// `__Host-` keeps it to this host over HTTPS.
    fn name(&self) -> &'static str {
        if self.secure {
            "__Host-sw_frame"
        } else {
            "sw_frame"
        }
    }

    /// What the browser's cookie carries; nothing when it is absent, forged or unreadable.
    fn open(&self, req: &ServiceRequest) -> Carried {
        let Some(cookie) = req.cookie(self.name()) else {
            return Carried::default();
        };
        let mut jar = CookieJar::new();
        jar.add_original(cookie);
        jar.private(&self.key)
            .get(self.name())
            .and_then(|opened| serde_json::from_str(opened.value()).ok())
            .unwrap_or_default()
    }

    /// The cookie that makes the browser carry `carried` (a removal when it is empty). The count
    /// lives as long as a session does (`web::session_middleware`).
    fn seal(&self, carried: &Carried) -> Cookie<'static> {
        let mut cookie = Cookie::build(self.name(), "")
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .finish();
        if *carried == Carried::default() {
            cookie.make_removal();
            return cookie;
        }
        cookie.set_value(serde_json::to_string(carried).unwrap_or_default());
        cookie.set_max_age(Duration::days(14));
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(cookie);
        jar.get(self.name())
            .cloned()
            .unwrap_or_else(|| Cookie::new(self.name(), ""))
    }
}

#[derive(Default)]
struct Slot {
    arrived: Carried,
    now: Carried,
}

/// This request's frame cookie: what arrived with it and what the response will leave.
#[derive(Clone, Default)]
pub struct FrameCookie(Rc<RefCell<Slot>>);

impl FrameCookie {
    /// The request's handle (a detached one if `carry` did not run, which then sends nothing).
    pub fn of(req: &HttpRequest) -> FrameCookie {
        req.extensions()
            .get::<FrameCookie>()
            .cloned()
            .unwrap_or_default()
    }

    /// Takes the flash left for this page, if there is one.
    pub fn take_flash(&self) -> Option<Flash> {
        self.0.borrow_mut().now.flash.take()
    }

    /// Leaves `message` for the next page the browser shows.
    pub fn flash(&self, kind: FlashKind, message: impl Into<String>) {
        let mut message: String = message.into();
        if let Some((cut, _)) = message.char_indices().nth(MAX_FLASH_CHARS) {
            message.truncate(cut);
        }
        self.0.borrow_mut().now.flash = Some(Flash { kind, message });
    }

    /// The header's count, if the cookie counted `owner`'s cart.
    pub fn cart_count(&self, owner: Option<&CartOwner>) -> i64 {
        let slot = self.0.borrow();
        match (&slot.now.cart, owner) {
            (Some(counted), Some(owner)) if counted.of == cart_name(owner) => counted.count,
            _ => 0,
        }
    }

    /// Keeps the header's count of `owner`'s cart current after a change or a look at it.
    pub fn remember_cart_count(&self, owner: &CartOwner, count: i64) {
        self.0.borrow_mut().now.cart = Some(CartCount {
            of: cart_name(owner),
            count,
        });
    }
}

impl FromRequest for FrameCookie {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<FrameCookie, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(FrameCookie::of(req)))
    }
}

/// Middleware: opens the frame cookie for the request, and sends a new one when the request
/// changed what it carries (a flash left or taken, a count that moved); otherwise none.
pub async fn carry(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let keys = req
        .app_data::<web::Data<FrameKeys>>()
        .expect("FrameKeys is registered")
        .clone();
    let arrived = keys.open(&req);
    let frame = FrameCookie(Rc::new(RefCell::new(Slot {
        now: arrived.clone(),
        arrived,
    })));
    req.extensions_mut().insert(frame.clone());
    let mut response = next.call(req).await?;
    let slot = frame.0.borrow();
    if slot.now != slot.arrived {
        response.response_mut().add_cookie(&keys.seal(&slot.now))?;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_shown_only_for_the_cart_it_counted() {
        let frame = FrameCookie::default();
        let ann = CartOwner::User(7);
        frame.remember_cart_count(&ann, 3);
        assert_eq!(frame.cart_count(Some(&ann)), 3);
        assert_eq!(frame.cart_count(Some(&CartOwner::User(8))), 0);
        assert_eq!(frame.cart_count(Some(&CartOwner::Guest("7".into()))), 0);
        assert_eq!(frame.cart_count(None), 0);
    }

    #[test]
    fn a_flash_is_taken_once_and_cut_to_its_limit() {
        let frame = FrameCookie::default();
        frame.flash(FlashKind::Info, "é".repeat(MAX_FLASH_CHARS + 5));
        let flash = frame.take_flash().expect("a flash");
        assert_eq!(flash.message.chars().count(), MAX_FLASH_CHARS);
        assert_eq!(frame.take_flash(), None);
    }

    #[test]
    fn a_sealed_cookie_opens_with_the_same_secret_only() {
        let keys = FrameKeys::new(&[7; 64], false);
        let carried = Carried {
            flash: Some(Flash {
                kind: FlashKind::Success,
                message: "Added to your cart.".into(),
            }),
            cart: None,
        };
        let sealed = keys.seal(&carried);
        assert!(!sealed.value().contains("Added"), "the cookie is encrypted");
        let request = actix_web::test::TestRequest::default()
            .cookie(sealed.clone())
            .to_srv_request();
        assert_eq!(keys.open(&request), carried);
        let other = FrameKeys::new(&[8; 64], false);
        assert_eq!(other.open(&request), Carried::default());
    }
}
