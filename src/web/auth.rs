//! Who is asking: extractors that every route uses to require a sign-in or a role. A missing
//! sign-in sends a browser to the login page and back; a wrong role is a 404-free 403. An
//! administrator's sign-in must have passed two-factor sign-in before admin pages open, unless
//! the server runs with `serve --demo`.

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest};

use super::chrome::{FlashKind, SignedIn, has_second_factor, signed_in};
use super::error::WebError;
use super::frame_cookie::FrameCookie;
use crate::audit::Actor;

/// Anyone, signed in or not.
pub struct MaybeUser(pub Option<SignedIn>);

/// A signed-in user of any role.
pub struct CurrentUser(pub SignedIn);

/// A signed-in seller.
pub struct SellerUser(pub SignedIn);

/// A signed-in administrator.
pub struct AdminUser(pub SignedIn);

/// The address a request came from: the TCP peer. Behind a proxy that is the proxy, so the
/// per-address sign-in limit then applies to all traffic through it (the per-account limit
/// still holds), and the audit log names the proxy.
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string())
}

/// `user` acting through `req`, as the audit log records them.
pub fn actor(req: &HttpRequest, user: &SignedIn) -> Actor {
    Actor::at(user.id, &client_ip(req))
}

fn user_of(req: &HttpRequest) -> Option<SignedIn> {
    signed_in(&req.get_session(), &FrameCookie::of(req))
}

fn ready<T>(result: Result<T, WebError>) -> std::future::Ready<Result<T, actix_web::Error>> {
    std::future::ready(result.map_err(actix_web::Error::from))
}

/// Sends the browser to sign in; a page it was reading is where it comes back to afterwards.
fn sign_in_first(req: &HttpRequest) -> actix_web::Error {
    if req.method() != Method::GET {
        return WebError::Unauthorized.into();
    }
    let wanted = match req.uri().path_and_query() {
        Some(pq) => pq.as_str().to_owned(),
        None => req.path().to_owned(),
    };
    let location = format!(
        "/account/login?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &wanted)
            .finish()
    );
    redirect(&location)
}

fn redirect(location: &str) -> actix_web::Error {
    actix_web::error::InternalError::from_response("redirect", super::respond::see_other(location))
        .into()
}

fn demo_mode(req: &HttpRequest) -> bool {
    req.app_data::<actix_web::web::Data<super::AppState>>()
        .is_some_and(|state| state.demo_mode)
}

impl FromRequest for MaybeUser {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<MaybeUser, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(MaybeUser(user_of(req))))
    }
}

impl FromRequest for CurrentUser {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<CurrentUser, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            user_of(req)
                .map(CurrentUser)
                .ok_or_else(|| sign_in_first(req)),
        )
    }
}

impl FromRequest for SellerUser {
    type Error = actix_web::Error;
    type Future =
        futures_util::future::LocalBoxFuture<'static, Result<SellerUser, actix_web::Error>>;

    /// The role comes from the session; whether the shop is suspended from the database, so a
    /// suspension closes the panel on the seller's next request on every node.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = match user_of(req) {
            Some(user) if user.is_seller() => user,
            Some(_) => return Box::pin(ready(Err(WebError::Forbidden))),
            None => return Box::pin(std::future::ready(Err(sign_in_first(req)))),
        };
        let state = req
            .app_data::<actix_web::web::Data<super::AppState>>()
            .cloned();
        Box::pin(async move {
            let Some(state) = state else {
                return Ok(SellerUser(user));
            };
            let user_id = user.id;
            let suspended = state
                .db(move |conn| crate::sellers::is_suspended(conn, user_id))
                .await?;
            if suspended {
                return Err(WebError::Refused(
                    "Your shop is suspended, so the seller panel is closed. Please contact us \
                     to resolve this; you can still shop as usual."
                        .into(),
                )
                .into());
            }
            Ok(SellerUser(user))
        })
    }
}

impl FromRequest for AdminUser {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<AdminUser, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        std::future::ready(match user_of(req) {
            Some(user) if user.is_admin() && (has_second_factor(&session) || demo_mode(req)) => {
                Ok(AdminUser(user))
            }
            Some(user) if user.is_admin() => {
                FrameCookie::of(req).flash(
                    FlashKind::Info,
                    "Administrators must sign in with two-factor authentication before the admin \
                     panel opens. Turn it on here, or sign out and in again if it is already on.",
                );
                Err(redirect("/account/two-factor"))
            }
            Some(_) => Err(WebError::Forbidden.into()),
            None => Err(sign_in_first(req)),
        })
    }
}
