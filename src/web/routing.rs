//! How modules declare their routes: one resource per path, with its GET page, its POST form,
//! or both. A path's other methods get 405 with an `Allow` header from the resource itself, and
//! only a resource with a form runs the CSRF check, so the check never answers for a route that
//! does not exist.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, Handler, Resource, Responder, web};

use super::csrf;

/// A page: GET (HEAD is answered from it, see `methods`).
pub fn page<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path).route(web::get().to(handler))
}

/// A form target: POST, behind the CSRF check.
pub fn form<F, Args>(
    path: &str,
    handler: F,
) -> Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
>
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::post().to(handler))
        .wrap(from_fn(csrf::verify))
}

/// A page whose form posts back to its own path.
pub fn page_and_form<G, GArgs, P, PArgs>(
    path: &str,
    show: G,
    submit: P,
) -> Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
>
where
    G: Handler<GArgs>,
    GArgs: FromRequest + 'static,
    G::Output: Responder + 'static,
    P: Handler<PArgs>,
    PArgs: FromRequest + 'static,
    P::Output: Responder + 'static,
{
    // The CSRF check `form` wraps the resource in covers the GET route too (actix gathers a
    // resource's routes when it is registered) and lets it through: it judges POSTs only.
    form(path, submit).route(web::get().to(show))
}
