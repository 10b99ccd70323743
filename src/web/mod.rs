//! The HTTP layer: actix handlers that parse, check access, call one service and render.

pub mod auth;
pub mod chrome;
pub mod csrf;
pub mod edge;
pub mod error;
pub mod metrics;
mod session_reads;
pub mod session_store;

mod account;
mod admin;
mod card_entry;
mod cart;
mod catalog;
mod checkout;
mod error_page;
mod frame_cookie;
mod health;
mod home;
mod images;
mod methods;
mod moved;
mod ops_access;
mod orders;
mod page_head;
mod payment_methods;
mod payment_webhook;
pub mod rendered;
mod respond;
mod returns;
mod reviews;
mod routing;
mod search;
mod seller;
mod seo;
mod wishlist;

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use actix_files::Files;
use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{self, DefaultHeaders};
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::catalog::cache::{CatalogCache, Shelf};
use crate::db::replica::Freshness;
use crate::db::{DbConn, Pool};
use error::{WebError, WebResult};

/// What handlers share: the pool and the settings they need.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    /// A streaming replica of the primary that reports read (`report`), when there is one.
    pub replica: Option<Pool>,
    /// Where the search index, outgoing mail and other files of this node live.
    pub data_dir: std::path::PathBuf,
    pub demo_mode: bool,
    /// The shop's public origin, for links in e-mails (never taken from a request's Host).
    pub public_url: String,
    /// This node's search index (its indexer runs beside the server).
    pub search: std::sync::Arc<crate::search::SearchIndex>,
    /// The catalog pages' data between changes.
    pub catalog: std::sync::Arc<CatalogCache>,
    /// The catalog pages rendered for every visitor, beside their data.
    pub pages: std::sync::Arc<rendered::RenderedPages>,
    /// Where uploaded product images are kept (this node's data directory, or a shared store).
    pub images: std::sync::Arc<dyn crate::images::ImageStore>,
    /// The card processor every node of the shop pays and refunds through.
    pub payments: crate::payments::Gateway,
    /// The secret the processor signs its webhook events with; `None` closes the endpoint.
    pub webhook_secret: Option<String>,
    /// The token that opens the operators' pages (`ops_access`); `None`: loopback only.
    pub ops_token: Option<String>,
    /// Seals and opens the secrets kept at rest (authenticator secrets).
    pub sealer: std::sync::Arc<crate::accounts::sealed::Sealer>,
    /// How long opening the checkout holds the cart's units (`inventory::holds`).
    pub stock_hold: crate::inventory::holds::HoldFor,
}

impl AppState {
    /// This node's mailer: its files in the node's data directory, its links to the shop's
    /// public origin.
    pub fn mailer(&self) -> crate::mail::Mailer {
        crate::mail::Mailer::from_env(&self.data_dir, &self.public_url)
    }

    /// `db` for a seller panel's reads: on PostgreSQL the database itself confines them to the
    /// seller's own rows (`db::as_seller`).
    pub async fn db_as_seller<T, F>(&self, user_id: i64, work: F) -> WebResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> crate::error::Result<T> + Send + 'static,
    {
        self.db(move |conn| crate::db::as_seller(conn, user_id, work))
            .await
    }

    /// Runs a service call on the blocking pool, so async workers never wait on the database.
    pub async fn db<T, F>(&self, work: F) -> WebResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> crate::error::Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let result = web::block(move || {
            let mut conn = crate::db::checkout(&pool).map_err(crate::error::Error::from)?;
            work(&mut conn)
        })
        .await?;
        Ok(result?)
    }

    /// `db` for a report: on the replica when there is one, so its long reads never slow the
    /// primary's checkouts, else (or when the replica cannot be reached) on the primary; with
    /// where it read, so the page can say how fresh its figures are.
    pub async fn report<T, F>(&self, work: F) -> WebResult<(T, Freshness)>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> crate::error::Result<T> + Send + 'static,
    {
        let (pool, replica) = (self.pool.clone(), self.replica.clone());
        let result = web::block(move || -> crate::error::Result<(T, Freshness)> {
            let mut freshness = Freshness::Live;
            if let Some(replica) = replica {
                match crate::db::replica::checkout(&replica) {
                    Ok((mut conn, behind_seconds)) => {
                        return Ok((work(&mut conn)?, Freshness::Replica { behind_seconds }));
                    }
                    Err(error) => {
                        tracing::warn!(%error, "the replica cannot be reached; reading the primary");
                        freshness = Freshness::ReplicaAway;
                    }
                }
            }
            let mut conn = crate::db::checkout(&pool).map_err(crate::error::Error::from)?;
            Ok((work(&mut conn)?, freshness))
        })
        .await?;
        Ok(result?)
    }

    /// `db` for a write that changes what shoppers see of the catalog: once it has committed,
    /// this node's cached catalog pages are stale.
    pub async fn db_changing_catalog<T, F>(&self, work: F) -> WebResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> crate::error::Result<T> + Send + 'static,
    {
        let result = self.db(work).await;
        self.catalog.changed();
        result
    }

    /// A catalog page's data from `shelf` if nothing has changed since it was read, else read by
    /// `load` on the blocking pool and kept.
    pub async fn cached<K, V, F>(&self, shelf: &Shelf<K, V>, key: K, load: F) -> WebResult<Arc<V>>
    where
        K: Hash + Eq,
        V: Send + 'static,
        F: FnOnce(&mut DbConn) -> crate::error::Result<V> + Send + 'static,
    {
        let version = self.catalog.version();
        if let Some(hit) = shelf.get(&key, version) {
            return Ok(hit);
        }
        let value = Arc::new(self.db(load).await?);
        shelf.put(key, version, value.clone());
        Ok(value)
    }
}

/// Settings the HTTP layer needs at start-up.
#[derive(Clone)]
pub struct WebConfig {
    pub secret: Vec<u8>,
    pub secure_cookies: bool,
    pub static_dir: std::path::PathBuf,
    pub timeouts: Timeouts,
}

/// How long a client may take to send a request: past either bound it gets 408 and the
/// connection closes, so slow clients cannot hold connections open.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// From connecting to the end of the request's head.
    pub head: Duration,
    /// From the end of the head to the end of the body.
    pub body: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            head: Duration::from_secs(10),
            body: Duration::from_secs(10),
        }
    }
}

/// The content security policy. Forms may post to the shop only; a form may also lead to the
/// card processor's page (`card_page`), where a new card is typed: a browser applies
/// `form-action` to the redirect that follows a form, too.
fn content_security_policy(card_page: &str) -> String {
    format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         connect-src 'self'; form-action 'self' {card_page}; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    )
}

/// Registers every route of the shop.
pub fn routes(cfg: &mut web::ServiceConfig, static_dir: &std::path::Path) {
    cfg.configure(home::routes)
        .configure(catalog::routes)
        .configure(search::routes)
        .configure(seo::routes)
        .configure(health::routes)
        .configure(metrics::routes)
        .configure(account::routes)
        .configure(wishlist::routes)
        .configure(cart::routes)
        .configure(checkout::routes)
        .configure(orders::routes)
        .configure(returns::routes)
        .configure(payment_methods::routes)
        .configure(reviews::routes)
        .configure(admin::routes)
        .configure(seller::routes)
        .configure(images::routes)
        .configure(payment_webhook::routes)
        .service(
            web::scope("/static")
                .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "public, max-age=604800")))
                .service(Files::new("", static_dir).prefer_utf8(true)),
        );
}

pub async fn not_found() -> WebResult<HttpResponse> {
    Err(WebError::NotFound)
}

/// Builds the app with its middleware in the order requests meet it: logging, metrics, HEAD,
/// compression, security headers, the CSRF token, session, the frame cookie, error pages, encoding, the edge
/// checks, then the routes (form routes check the CSRF token; see `routing`). Tests build the
/// very same app.
pub fn app(
    state: AppState,
    config: WebConfig,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let static_dir = config.static_dir.clone();
    App::new()
        .app_data(web::Data::new(state.clone()))
        .app_data(web::Data::new(payment_saga(&state)))
        .app_data(web::Data::new(csrf::CsrfSigner::new(
            &config.secret,
            config.secure_cookies,
        )))
        .app_data(web::Data::new(frame_cookie::FrameKeys::new(
            &config.secret,
            config.secure_cookies,
        )))
        .app_data(web::Data::new(edge::BodyDeadline(config.timeouts.body)))
        .app_data(
            web::FormConfig::default()
                .limit(edge::MAX_BODY_BYTES)
                .error_handler(form_error),
        )
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::PayloadConfig::default().limit(edge::MAX_BODY_BYTES))
        .configure(|cfg| routes(cfg, &static_dir))
        .default_service(web::to(not_found))
        .wrap(middleware::from_fn(edge::check))
        .wrap(middleware::from_fn(refuse_encoded_bodies))
        .wrap(middleware::from_fn(error_page::render))
        .wrap(middleware::from_fn(frame_cookie::carry))
        .wrap(session_middleware(&state.pool, &config))
        .wrap(middleware::from_fn(error_page::session_store_down))
        .wrap(middleware::from_fn(csrf::issue))
        .wrap(security_headers(&state.payments.card_page_origin()))
        .wrap(middleware::Compress::default())
        .wrap(middleware::from_fn(methods::answer_head))
        .wrap(middleware::from_fn(metrics::record))
        .wrap(tracing_actix_web::TracingLogger::default())
}

/// Checkout's payment collaborators for this node: the shop's card processor and the mailer.
pub fn payment_saga(state: &AppState) -> crate::checkout::PaymentSaga {
    crate::checkout::PaymentSaga::new(state.pool.clone(), state.payments.clone(), state.mailer())
}

/// Sends the e-mail a committed change queued (`notices`), on the blocking pool: it reads the
/// database and talks to the mail server. What cannot go now stays queued for the sweeper.
pub(crate) async fn deliver_mail(saga: web::Data<crate::checkout::PaymentSaga>) {
    if let Err(error) = web::block(move || saga.deliver_mail()).await {
        tracing::warn!(%error, "queued e-mail not delivered yet");
    }
}

pub fn session_middleware(
    pool: &Pool,
    config: &WebConfig,
) -> SessionMiddleware<session_store::DbSessionStore> {
    let key = Key::derive_from(&config.secret);
    SessionMiddleware::builder(session_store::DbSessionStore::new(pool.clone()), key)
        .cookie_name(session_store::cookie_name(config.secure_cookies).to_owned())
        .cookie_secure(config.secure_cookies)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".to_owned())
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(actix_web::cookie::time::Duration::days(14))
                .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
        )
        .build()
}

/// Browsers never compress request bodies; refusing encoded ones closes the door on
/// decompression bombs before any extractor reads a byte.
pub async fn refuse_encoded_bodies(
    req: ServiceRequest,
    next: middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let encoded = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|value| !value.as_bytes().eq_ignore_ascii_case(b"identity"));
    if encoded {
        return Ok(req.error_response(WebError::UnsupportedEncoding));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

pub fn security_headers(card_page: &str) -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(card_page),
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=()",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}

pub fn form_error(
    error: actix_web::error::UrlencodedError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::UrlencodedError as E;
    match error {
        E::Overflow { .. } | E::UnknownLength => WebError::PayloadTooLarge.into(),
        E::ContentType => {
            WebError::BadRequest("Please submit the form from the page.".into()).into()
        }
        other => WebError::BadRequest(format!(
            "Some fields of the form could not be read ({other})."
        ))
        .into(),
    }
}

pub fn query_error(
    error: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    WebError::BadRequest(format!(
        "The address has a parameter we could not read ({error})."
    ))
    .into()
}

pub fn path_error(_: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    WebError::NotFound.into()
}

/// Serves the shop until SIGINT/SIGTERM, then lets requests in flight finish.
pub async fn serve(
    state: AppState,
    config: WebConfig,
    bind: std::net::SocketAddr,
) -> std::io::Result<()> {
    let timeouts = config.timeouts;
    // Database work runs on each worker's blocking threads, and each needs one of the pool's
    // connections. Threads beyond the pool would only queue for a connection in the pool's lock,
    // waking each other up on every checkout: give every worker its share of the pool instead,
    // so extra work waits in the blocking queue, asleep (BENCHMARKS.md, "Cold pages").
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let connections = state.pool.max_size() as usize;
    let server = HttpServer::new(move || app(state.clone(), config.clone()))
        .workers(workers)
        .worker_max_blocking_threads(connections.div_ceil(workers))
        .shutdown_timeout(20)
        .client_request_timeout(timeouts.head)
        .client_disconnect_timeout(Duration::from_secs(1))
        .backlog(4096)
        .max_connection_rate(1024)
        .bind(bind)?;
    tracing::info!("serving on http://{bind}");
    server.run().await
}
