//! Who is asking: extractors that every route uses to require a sign-in or a role. A missing
//! sign-in sends a browser to the login page and back; a wrong role is a 404-free 403.

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::chrome::{SignedIn, signed_in};
use super::error::WebError;

/// Anyone, signed in or not.
pub struct MaybeUser(pub Option<SignedIn>);

/// A signed-in user of any role.
pub struct CurrentUser(pub SignedIn);

/// A signed-in seller.
pub struct SellerUser(pub SignedIn);

/// A signed-in administrator.
pub struct AdminUser(pub SignedIn);

fn user_of(req: &HttpRequest) -> Option<SignedIn> {
    signed_in(&req.get_session())
}

fn ready<T>(result: Result<T, WebError>) -> std::future::Ready<Result<T, actix_web::Error>> {
    std::future::ready(result.map_err(actix_web::Error::from))
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
        ready(user_of(req).map(CurrentUser).ok_or(WebError::Unauthorized))
    }
}

impl FromRequest for SellerUser {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<SellerUser, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match user_of(req) {
            Some(user) if user.is_seller() => Ok(SellerUser(user)),
            Some(_) => Err(WebError::Forbidden),
            None => Err(WebError::Unauthorized),
        })
    }
}

impl FromRequest for AdminUser {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<AdminUser, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match user_of(req) {
            Some(user) if user.is_admin() => Ok(AdminUser(user)),
            Some(_) => Err(WebError::Forbidden),
            None => Err(WebError::Unauthorized),
        })
    }
}
