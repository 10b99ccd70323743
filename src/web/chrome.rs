//! What every page's frame shows: who is signed in, the cart count, a flash message, and the CSRF
//! token for the forms on the page. Read from the session and the frame cookie
//! (`web::frame_cookie`), so it costs no query.

use actix_session::{Session, SessionExt, SessionInsertError};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};

use super::csrf::CsrfToken;
use super::frame_cookie::FrameCookie;
pub use super::frame_cookie::{Flash, FlashKind};
use crate::accounts::Role;
use crate::accounts::sessions::{LAST_SEEN_KEY, MARKER_KEY};
use crate::cart::CartOwner;

const SIGNED_IN_KEY: &str = "auth.user";
/// When this sign-in began and was last used (Unix seconds), for the absolute and idle limits.
const SIGNED_IN_AT_KEY: &str = "auth.since";
/// Set when this sign-in passed a second factor (two-factor code or enrolment).
const SECOND_FACTOR_KEY: &str = "auth.mfa";
/// The last-seen time is written back at most this often: each write updates the session row.
const LAST_SEEN_RESOLUTION_SECS: i64 = 60;
/// A visitor's guest cart token (`web::cart`); at sign-in their cart is merged into the user's.
const CART_TOKEN_KEY: &str = "cart.token";

/// The signed-in user as the frame needs them; set at sign-in, dropped at sign-out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub id: i64,
    pub first_name: String,
    pub role: Role,
}

impl SignedIn {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn is_seller(&self) -> bool {
        self.role == Role::Seller
    }
}

#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub user: Option<SignedIn>,
    pub cart_count: i64,
    pub csrf: String,
    pub flash: Option<Flash>,
    /// The search box's text, kept on search pages.
    pub query: String,
    /// `serve --demo`: admins are not asked for two-factor sign-in, and pages say so.
    pub demo_mode: bool,
    /// Payments go to a test processor: pages say so, and checkout lists the test cards.
    pub test_payments: bool,
}

impl Chrome {
    pub fn with_query(mut self, query: &str) -> Chrome {
        self.query = query.to_owned();
        self
    }
}

impl Chrome {
    /// The frame for `req`: error pages build it here too, so a signed-in shopper who meets one
    /// still sees their name and cart.
    pub fn of(req: &HttpRequest) -> Chrome {
        let session = req.get_session();
        let state = req.app_data::<actix_web::web::Data<super::AppState>>();
        let demo_mode = state.is_some_and(|state| state.demo_mode);
        let test_payments = state.is_some_and(|state| state.payments.test_mode());
        let csrf = req
            .extensions()
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let frame = FrameCookie::of(req);
        // The flash is taken before the sign-in is checked: a sign-in that expires now leaves
        // its notice for the next page rather than this one, which may be a redirect.
        let flash = frame.take_flash();
        let user = signed_in(&session, &frame);
        let owner = cart_owner(user.as_ref().map(|u| u.id), &session);
        Chrome {
            cart_count: frame.cart_count(owner.as_ref()),
            user,
            flash,
            csrf,
            query: String::new(),
            demo_mode,
            test_payments,
        }
    }
}

impl FromRequest for Chrome {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Chrome, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Chrome::of(req)))
    }
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The signed-in user, unless the sign-in has passed its idle or absolute limit, in which case
/// it ends here (on a fresh session id) and the visitor is told why.
pub fn signed_in(session: &Session, frame: &FrameCookie) -> Option<SignedIn> {
    use crate::accounts::sessions::{ABSOLUTE_TIMEOUT_SECS, IDLE_TIMEOUT_SECS};
    let user = session.get::<SignedIn>(SIGNED_IN_KEY).ok().flatten()?;
    let now = unix_now();
    let since = session.get::<i64>(SIGNED_IN_AT_KEY).ok().flatten();
    let seen = session.get::<i64>(LAST_SEEN_KEY).ok().flatten();
    if since.is_some_and(|t| now - t > ABSOLUTE_TIMEOUT_SECS)
        || seen.is_some_and(|t| now - t > IDLE_TIMEOUT_SECS)
    {
        end_sign_in(session);
        frame.flash(
            FlashKind::Info,
            "For your security you were signed out. Please sign in again.",
        );
        return None;
    }
    if since.is_none() {
        let _ = session.insert(SIGNED_IN_AT_KEY, now);
    }
    // A sign-in from before sessions were marked gets its mark on its next request.
    if session.get::<String>(MARKER_KEY).ok().flatten().is_none() {
        let _ = session.insert(MARKER_KEY, crate::util::random_hex(16));
    }
    if seen.is_none_or(|t| now - t >= LAST_SEEN_RESOLUTION_SECS) {
        let _ = session.insert(LAST_SEEN_KEY, now);
    }
    Some(user)
}

/// Records the sign-in in a fresh session (a new id, so a planted one is worthless).
pub fn sign_in(session: &Session, user: &SignedIn) -> Result<(), SessionInsertError> {
    session.renew();
    session.remove(SECOND_FACTOR_KEY);
    session.insert(super::session_store::USER_ID_KEY, user.id)?;
    session.insert(SIGNED_IN_KEY, user)?;
    session.insert(SIGNED_IN_AT_KEY, unix_now())?;
    session.insert(LAST_SEEN_KEY, unix_now())?;
    session.insert(MARKER_KEY, crate::util::random_hex(16))?;
    Ok(())
}

/// Refreshes what the frame shows of the user (after a profile edit); not a new sign-in.
pub fn update_signed_in(session: &Session, user: &SignedIn) -> Result<(), SessionInsertError> {
    session.insert(SIGNED_IN_KEY, user)?;
    Ok(())
}

/// Marks this sign-in as having passed a second factor, on a fresh session id since its
/// privileges just rose.
pub fn mark_second_factor(session: &Session) -> Result<(), SessionInsertError> {
    session.renew();
    session.insert(SECOND_FACTOR_KEY, true)?;
    Ok(())
}

pub fn has_second_factor(session: &Session) -> bool {
    session
        .get::<bool>(SECOND_FACTOR_KEY)
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// Drops the sign-in but keeps the visitor's other state, on a new id.
fn end_sign_in(session: &Session) {
    session.renew();
    let auth_keys: Vec<String> = session
        .entries()
        .keys()
        .filter(|k| k.starts_with(super::session_store::AUTH_PREFIX))
        .cloned()
        .collect();
    for key in auth_keys {
        session.remove(&key);
    }
}

pub fn sign_out(session: &Session) {
    session.purge();
}

/// The visitor's guest cart token, if their session has one.
pub fn guest_cart_token(session: &Session) -> Option<String> {
    session.get::<String>(CART_TOKEN_KEY).ok().flatten()
}

/// Gives the visitor's session the guest cart `token`.
pub fn keep_guest_cart_token(session: &Session, token: &str) -> Result<(), SessionInsertError> {
    session.insert(CART_TOKEN_KEY, token)
}

/// Whose cart a request works on: the signed-in user's, else the visitor's guest cart, if any.
pub fn cart_owner(user_id: Option<i64>, session: &Session) -> Option<CartOwner> {
    match user_id {
        Some(id) => Some(CartOwner::User(id)),
        None => guest_cart_token(session).map(CartOwner::Guest),
    }
}
