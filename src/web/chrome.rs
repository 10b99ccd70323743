//! What every page's frame shows: who is signed in, the cart count, a flash message, and the CSRF
//! token for the forms on the page. Read from the session, so it costs no query.

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};

use super::csrf::CsrfToken;

const SIGNED_IN_KEY: &str = "auth.user";
const CART_COUNT_KEY: &str = "cart_count";
const FLASH_KEY: &str = "flash";

/// The signed-in user as the frame needs them; set at sign-in, dropped at sign-out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub id: i64,
    pub first_name: String,
    pub role: String,
}

impl SignedIn {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }

    pub fn is_seller(&self) -> bool {
        self.role == "seller"
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub user: Option<SignedIn>,
    pub cart_count: i64,
    pub csrf: String,
    pub flash: Option<Flash>,
    /// The search box's text, kept on search pages.
    pub query: String,
}

impl Chrome {
    pub fn with_query(mut self, query: &str) -> Chrome {
        self.query = query.to_owned();
        self
    }
}

impl FromRequest for Chrome {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Chrome, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let csrf = req
            .extensions()
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        std::future::ready(Ok(Chrome {
            user: signed_in(&session),
            cart_count: session.get(CART_COUNT_KEY).ok().flatten().unwrap_or(0),
            flash: session.remove_as::<Flash>(FLASH_KEY).and_then(Result::ok),
            csrf,
            query: String::new(),
        }))
    }
}

pub fn signed_in(session: &Session) -> Option<SignedIn> {
    session.get::<SignedIn>(SIGNED_IN_KEY).ok().flatten()
}

/// Records the sign-in in a fresh session (a new id, so a planted one is worthless).
pub fn sign_in(session: &Session, user: &SignedIn) -> Result<(), actix_web::Error> {
    session.renew();
    session.insert(super::session_store::USER_ID_KEY, user.id)?;
    session.insert(SIGNED_IN_KEY, user)?;
    Ok(())
}

pub fn sign_out(session: &Session) {
    session.purge();
}

pub fn set_cart_count(session: &Session, count: i64) -> Result<(), actix_web::Error> {
    session.insert(CART_COUNT_KEY, count)?;
    Ok(())
}

/// A one-time message for the next page, shown after a POST → 303 → GET.
pub fn flash(session: &Session, kind: &str, message: impl Into<String>) {
    let _ = session.insert(
        FLASH_KEY,
        Flash {
            kind: kind.to_owned(),
            message: message.into(),
        },
    );
}
