//! Shared fixtures: a fresh database per test on each backend (a temporary SQLite file, or a
//! schema of its own on the PostgreSQL server named by TEST_DATABASE_URL), the real app
//! in-process, and a client that keeps cookies and fills in CSRF tokens like a browser.

#![allow(dead_code)]

pub mod admin_orders;
pub mod back_office;
pub mod browser;
pub mod builders;
pub mod card_page;
pub mod catalog_admin;
pub mod cluster;
pub mod commerce;
pub mod csv_import;
pub mod declared_pages;
pub mod edit_forms;
pub mod fulfilment;
pub mod images;
pub mod lifecycle;
mod mail;
pub mod nodes;
mod page;
pub mod payouts;
pub mod promotions;
pub mod relay;
pub mod replication;
pub mod report_charts;
pub mod reset;
pub mod returns;
pub mod sellers;
pub mod settings;

// `tests/sign_in_load.rs` includes this module too and uses only some of it.
#[allow(unused_imports)]
pub use page::{Page, form_field, place_order_fields};

use std::cell::RefCell;
use std::collections::BTreeMap;

use actix_service::{Service, ServiceExt, boxed};
use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, header};
use actix_web::test::{self, TestRequest};
use diesel::connection::SimpleConnection;

use std::sync::{Arc, OnceLock};

use shopwave::catalog::cache::CatalogCache;
use shopwave::db::{self, Backend, DbConn, Pool, PooledConn};
use shopwave::payments::{Gateway, Processor};
use shopwave::search::{Indexer, Running, SearchIndex};
use shopwave::web::{AppState, WebConfig};

/// Runs an async test body once on SQLite and once on PostgreSQL, as two named tests.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($db:ident: TestDb) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(#[$meta])*
            async fn run($db: $crate::common::TestDb) $body
            #[actix_web::test]
            async fn sqlite() {
                run($crate::common::TestDb::sqlite()).await
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(db) = $crate::common::TestDb::postgres() {
                    run(db).await
                }
            }
        }
    };
}

/// The shop's public address in tests: every mailed link must start with it.
pub const PUBLIC_URL: &str = "http://shop.test";

/// A migrated, empty database that disappears with the test.
pub struct TestDb {
    /// The database as the shop reaches it: on PostgreSQL as `APP_ROLE`, never its owner.
    pub backend: Backend,
    /// The database as its owner reaches it (the one who migrates); on SQLite, `backend`.
    owner: Backend,
    pub pool: Pool,
    /// The card processor simulator, started on first use and shared with `another_node`s;
    /// stopped before `dir`, which holds its books, is removed.
    payments: Arc<OnceLock<shopwave::payments_sim::Running>>,
    /// Where shoppers reach this shop: `PUBLIC_URL`, unless it is served on a real socket.
    public_url: OnceLock<String>,
    dir: tempfile::TempDir,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let backend = Backend::Sqlite(
            dir.path()
                .join("test.sqlite3")
                .to_string_lossy()
                .into_owned(),
        );
        TestDb::open(backend.clone(), backend, dir, None, true)
    }

    /// `None` (the test is skipped) when TEST_DATABASE_URL is unset, except in CI, where it must be set.
    pub fn postgres() -> Option<TestDb> {
        Some(TestDb::postgres_on(&TestDb::postgres_server()?))
    }

    /// An empty schema of its own on the PostgreSQL server of TEST_DATABASE_URL with no
    /// migration applied, for a test that migrates it another way (an earlier release's
    /// binary); `None` as for `postgres`.
    pub fn postgres_unmigrated() -> Option<TestDb> {
        Some(TestDb::postgres_schema(&TestDb::postgres_server()?, false))
    }

    /// TEST_DATABASE_URL; `None` when it is unset, except in CI, where it must be set.
    fn postgres_server() -> Option<String> {
        let Ok(server) = std::env::var("TEST_DATABASE_URL") else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set TEST_DATABASE_URL so tests also run on PostgreSQL"
            );
            eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL run of this test");
            return None;
        };
        Some(server)
    }

    /// A migrated, empty schema of its own on the PostgreSQL server at `server`.
    pub fn postgres_on(server: &str) -> TestDb {
        TestDb::postgres_schema(server, true)
    }

    fn postgres_schema(server: &str, migrated: bool) -> TestDb {
        let server = server.to_owned();
        let schema = format!("t_{}", shopwave::util::random_hex(8));
        let mut admin = db::establish(&Backend::from_url(&server).expect("a postgres:// URL"))
            .expect("PostgreSQL reachable");
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create test schema");
        let separator = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{separator}options=-c%20search_path%3D{schema}");
        let dir = tempfile::tempdir().expect("temporary directory");
        let owner = Backend::Postgres(url.clone());
        // As in production (docs/app_role.sql), the owner migrates and the shop, with the
        // tests' own connections, runs as a role that may only read and write rows.
        let backend = if migrated {
            let conn = &mut db::establish(&owner).expect("PostgreSQL reachable");
            migrate_private_schema(conn, &mut admin);
            conn.batch_execute(&app_role_grants(&schema))
                .expect("the shop's role");
            Backend::Postgres(as_app_role(&url))
        } else {
            owner.clone()
        };
        TestDb::open(backend, owner, dir, Some((server, schema)), false)
    }

    fn open(
        backend: Backend,
        owner: Backend,
        dir: tempfile::TempDir,
        pg_schema: Option<(String, String)>,
        migrated: bool,
    ) -> TestDb {
        let pool = db::connect(&backend, Some(12)).expect("test pool");
        if migrated {
            db::migrate(&mut pool.get().expect("connection")).expect("migrations");
        }
        TestDb {
            backend,
            owner,
            pool,
            payments: Arc::default(),
            public_url: OnceLock::new(),
            dir,
            pg_schema,
        }
    }

    /// The shop's card processor: this test's simulator, reached over HTTP as `serve` reaches it.
    pub fn gateway(&self) -> Gateway {
        let simulator = self.simulator();
        Arc::new(Processor::new(
            &simulator.url,
            &simulator.api_key,
            std::time::Duration::from_secs(5),
        ))
    }

    /// Makes the processor refuse the call it gets later under `idempotency_key` with `message`,
    /// through the simulator's test helper.
    pub fn refuse_at_processor(&self, idempotency_key: &str, message: &str) {
        let simulator = self.simulator();
        ureq::post(format!("{}/v1/test_helpers/refusals", simulator.url))
            .header("Authorization", format!("Bearer {}", simulator.api_key))
            .send_form([("idempotency_key", idempotency_key), ("message", message)])
            .expect("the simulator takes the refusal");
    }

    /// This test's card processor simulator.
    pub fn simulator(&self) -> &shopwave::payments_sim::Running {
        self.payments.get_or_init(|| {
            shopwave::payments_sim::start(
                &self.data_dir().join("payments-sim"),
                "sk_test_shopwave".into(),
            )
            .expect("the payment simulator starts")
        })
    }

    /// The state `serve` would build over this database, with this node's own search index.
    pub fn app_state(&self, demo_mode: bool) -> AppState {
        let search = Arc::new(SearchIndex::open(&self.data_dir()).expect("search index"));
        AppState {
            pool: self.pool.clone(),
            replica: None,
            data_dir: self.data_dir(),
            demo_mode,
            public_url: self.public_url().to_owned(),
            catalog: Arc::new(CatalogCache::new(search.clone(), 1_000)),
            pages: Arc::new(shopwave::web::rendered::RenderedPages::new(1_000)),
            search,
            images: Arc::new(shopwave::images::FsStore::in_data_dir(&self.data_dir())),
            payments: self.gateway(),
            webhook_secret: Some(WEBHOOK_SECRET.to_owned()),
            ops_token: None,
            sealer: Arc::new(shopwave::accounts::sealed::Sealer::new(&TEST_SECRET, &[])),
            stock_hold: shopwave::inventory::holds::HoldFor::minutes(
                shopwave::inventory::holds::HoldFor::DEFAULT_MINUTES,
            ),
        }
    }

    /// Another app node over the same database, as a second `shopwave serve` would be: its own
    /// connections and data directory (search index, mail). Drop it before `self`, which owns
    /// the database.
    pub fn another_node(&self) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let pool = db::connect(&self.backend, Some(4)).expect("second node's pool");
        TestDb {
            backend: self.backend.clone(),
            owner: self.owner.clone(),
            pool,
            payments: self.payments.clone(),
            public_url: OnceLock::new(),
            dir,
            pg_schema: None,
        }
    }

    /// Where shoppers reach this shop, for links in its mail and the card page's way back.
    pub fn public_url(&self) -> &str {
        self.public_url.get().map_or(PUBLIC_URL, String::as_str)
    }

    /// Serves this shop at `url` from now on (a real socket a browser reaches).
    pub fn serve_at(&self, url: &str) {
        self.public_url
            .set(url.to_owned())
            .expect("a shop is served at one address");
    }

    /// A private directory for this test's files (search index, mail), removed with it.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn conn(&self) -> PooledConn {
        self.pool.get().expect("a pooled connection")
    }

    /// A connection as the owner of the tables, for what the shop's role may not do (grant,
    /// migrate).
    pub fn owner_conn(&self) -> DbConn {
        db::establish(&self.owner).expect("the owner's connection")
    }

    /// The owner's URL.
    pub fn owner_url(&self) -> &str {
        self.owner.url()
    }

    pub fn is_sqlite(&self) -> bool {
        self.backend.is_sqlite()
    }
}

/// Asserts `shopwave check` finds nothing wrong.
#[track_caller]
pub fn assert_checks_clean(conn: &mut DbConn) {
    for check in shopwave::checks::run_all(conn).expect("checks run") {
        assert_eq!(check.findings, vec![], "{}", check.name);
    }
}

/// The role every PostgreSQL test's shop and fixtures run as: it may read and write the rows of
/// the schemas it is granted, and is neither a superuser nor an owner of anything. One for the
/// whole server, made by the first test that needs it.
pub const APP_ROLE: &str = "shopwave_test_app";

/// Makes `APP_ROLE` if no test has yet, and gives it the rights of docs/app_role.sql on `schema`.
fn app_role_grants(schema: &str) -> String {
    format!(
        "DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$; \
         GRANT USAGE ON SCHEMA {schema} TO {APP_ROLE}; \
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {APP_ROLE}; \
         GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE};"
    )
}

/// Migrates a test's own schema. Nothing else uses it yet, yet on a loaded server a migration
/// has now and then waited out its 2 s lock timeout (or met a deadlock) here; each migration is
/// its own transaction, so a retry resumes where it stopped. What held the lock is printed, for
/// the day it turns out to be ours.
fn migrate_private_schema(conn: &mut DbConn, admin: &mut DbConn) {
    const ATTEMPTS: usize = 3;
    for attempt in 1..=ATTEMPTS {
        match db::migrate(conn) {
            Ok(_) => return,
            Err(error) if attempt < ATTEMPTS => {
                eprintln!("migrating a test schema failed ({error}); lock holders and waiters:");
                for line in lock_report(admin) {
                    eprintln!("  {line}");
                }
            }
            Err(error) => panic!("migrations: {error}"),
        }
    }
}

#[derive(diesel::QueryableByName)]
struct LockLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// Every lock on the server that is waited for, and every lock on the same object, with the
/// session and statement behind it.
fn lock_report(admin: &mut DbConn) -> Vec<String> {
    use diesel::RunQueryDsl;
    diesel::sql_query(
        "SELECT concat_ws(' ', l.pid, l.locktype, l.mode, CASE WHEN l.granted THEN 'holds' \
         ELSE 'waits' END, l.relation::regclass::text, l.objid, a.state, left(a.query, 160)) AS line \
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE EXISTS (SELECT 1 FROM pg_locks w WHERE NOT w.granted \
           AND (w.locktype, w.database, w.relation, w.objid, w.transactionid) IS NOT DISTINCT FROM \
               (l.locktype, l.database, l.relation, l.objid, l.transactionid))",
    )
    .load::<LockLine>(admin)
    .map(|lines| lines.into_iter().map(|l| l.line).collect())
    .unwrap_or_else(|e| vec![format!("pg_locks unreadable: {e}")])
}

/// The test server's URL (user `postgres`) with `APP_ROLE` as its user.
pub fn as_app_role(url: &str) -> String {
    let as_role = url.replacen("://postgres@", &format!("://{APP_ROLE}@"), 1);
    assert_ne!(as_role, url, "TEST_DATABASE_URL names the postgres user");
    as_role
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, schema)) = &self.pg_schema
            && let Ok(backend) = Backend::from_url(server)
            && let Ok(mut conn) = db::establish(&backend)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

pub const TEST_SECRET: [u8; 64] = [7; 64];

/// The secret the test shops' card processor signs its webhook events with.
pub const WEBHOOK_SECRET: &str = "whsec_test_shopwave";

/// The one place tests build the app's shared state, whether in-process or on a real socket.
pub fn web_config() -> WebConfig {
    WebConfig {
        secret: TEST_SECRET.to_vec(),
        secure_cookies: false,
        static_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/static").into(),
        timeouts: Default::default(),
    }
}

type AppService =
    boxed::BoxService<actix_http::Request, ServiceResponse<BoxBody>, actix_web::Error>;

/// The whole shop in-process, with one visitor's cookie jar.
pub struct TestApp {
    pub db: TestDb,
    pub search: Arc<SearchIndex>,
    pub indexer: Arc<Indexer>,
    /// The background indexer, as `serve` runs it; stopped with the app.
    _indexing: Running,
    service: AppService,
    cookies: RefCell<BTreeMap<String, String>>,
    /// Every request this visitor sent: its path and query, and a form's body.
    sent: RefCell<Vec<String>>,
}

impl TestApp {
    pub async fn new(db: TestDb) -> TestApp {
        TestApp::with(db, false, |_| {}).await
    }

    /// The app as `serve --demo` runs it, or with extra routes that probe an extractor.
    pub async fn with(
        db: TestDb,
        demo_mode: bool,
        extra_routes: fn(&mut actix_web::web::ServiceConfig),
    ) -> TestApp {
        let state = db.app_state(demo_mode);
        TestApp::from_state(db, state, extra_routes).await
    }

    /// The app over `state`, built by the test (say, with another card processor).
    pub async fn from_state(
        db: TestDb,
        state: AppState,
        extra_routes: fn(&mut actix_web::web::ServiceConfig),
    ) -> TestApp {
        let search = state.search.clone();
        let indexer = Arc::new(Indexer::new(search.clone()).expect("search writer"));
        let indexing = shopwave::search::spawn(
            indexer.clone(),
            db.pool.clone(),
            std::time::Duration::from_millis(20),
        );
        let service =
            test::init_service(shopwave::web::app(state, web_config()).configure(extra_routes))
                .await;
        let service =
            boxed::service(service.map(|res: ServiceResponse<_>| res.map_into_boxed_body()));
        TestApp {
            db,
            search,
            indexer,
            _indexing: indexing,
            service,
            cookies: RefCell::new(BTreeMap::new()),
            sent: RefCell::default(),
        }
    }

    pub fn conn(&self) -> PooledConn {
        self.db.conn()
    }

    /// Applies the whole search outbox now, so a test need not wait for the background indexer.
    pub fn drain_search(&self) {
        self.indexer
            .drain(&mut self.conn())
            .expect("search outbox drains");
    }

    /// Forgets every cookie, as a new browser would.
    pub fn clear_cookies(&self) {
        self.cookies.borrow_mut().clear();
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.borrow().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .borrow_mut()
            .insert(name.to_owned(), value.to_owned());
    }

    /// Every request this visitor sent to the shop so far: paths with their queries, and the
    /// bodies of the forms it posted.
    pub fn sent(&self) -> Vec<String> {
        self.sent.borrow().clone()
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(TestRequest::get().uri(path)).await
    }

    /// Posts a form the way the page would: with this visitor's CSRF token added, and, for an
    /// edit form that carries a version and was given none, the version the form shows now (as
    /// if the page had just been opened; when this visitor may not see the page, or it has no
    /// such form, the first version is sent).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut version = None;
        let given = fields.iter().any(|(name, _)| *name == "version");
        if let Some((page, form)) = edit_forms::page_and_form_of(path).filter(|_| !given) {
            let shown = self.get(&page).await;
            let shown = shown.status.is_success().then_some(shown.body);
            let read = shown.and_then(|body| edit_forms::version_in(&body, &form));
            version = Some(read.unwrap_or_else(|| "1".to_owned()));
        }
        let token = self.csrf_token().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        if let Some(version) = &version {
            all.push(("version", version));
        }
        self.post_raw(path, &serde_urlencoded_body(&all)).await
    }

    /// Posts an urlencoded body exactly as given (no token added).
    pub async fn post_raw(&self, path: &str, body: &[u8]) -> Page {
        self.sent
            .borrow_mut()
            .push(String::from_utf8_lossy(body).into_owned());
        self.send(
            TestRequest::default()
                .method(Method::POST)
                .uri(path)
                .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload(body.to_vec()),
        )
        .await
    }

    /// Signs this visitor in as `user_id` by planting a server-side session, as the login form
    /// would; lets tests of other features skip the login page.
    pub fn sign_in_as(&self, user_id: i64) {
        let sealed = plant_session(&mut self.conn(), user_id);
        self.set_cookie("sw_session", &sealed);
    }

    /// This visitor's CSRF token for its current session, fetching the cookie that seeds it
    /// first if need be.
    pub async fn csrf_token(&self) -> String {
        if self.cookie("sw_csrf").is_none() {
            self.get("/healthz").await;
        }
        let seed = self
            .cookie("sw_csrf")
            .expect("the CSRF cookie is set on the first visit");
        shopwave::web::csrf::CsrfSigner::new(&TEST_SECRET, false)
            .token(&seed, self.cookie("sw_session").as_deref())
    }

    pub async fn send(&self, request: TestRequest) -> Page {
        let cookie_header = self
            .cookies
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut request = request.to_request();
        self.sent.borrow_mut().push(request.head().uri.to_string());
        // A request that brings its own Cookie header (another browser) keeps it.
        if !cookie_header.is_empty() && !request.head().headers.contains_key(header::COOKIE) {
            let value = header::HeaderValue::from_str(&cookie_header).expect("cookie header");
            request.headers_mut().insert(header::COOKIE, value);
        }
        // An error that leaves the app is answered by the server with the error's own response,
        // as actix's dispatcher does.
        let response = match self.service.call(request).await {
            Ok(response) => response,
            Err(error) => {
                let page = error.error_response();
                let (status, headers) = (page.status(), page.headers().clone());
                let body = actix_web::body::to_bytes(page.into_body())
                    .await
                    .unwrap_or_default();
                return Page {
                    status,
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
            }
        };
        for cookie in response.response().cookies() {
            let expired = cookie
                .max_age()
                .is_some_and(|age| age.is_zero() || age.is_negative());
            if expired || cookie.value().is_empty() {
                self.cookies.borrow_mut().remove(cookie.name());
            } else {
                self.cookies
                    .borrow_mut()
                    .insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = test::read_body(response).await;
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// A GET of `path` from this machine (a loopback peer), as an operator's probe asks: it may read
/// the operators' pages (`/metrics`, `/healthz`'s details).
pub fn from_this_machine(path: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .peer_addr("127.0.0.1:40000".parse().expect("loopback"))
}

/// Inserts a signed-in server-side session for `user_id`, as the login form would, and returns
/// the sealed `sw_session` cookie value that carries it.
pub fn plant_session(conn: &mut DbConn, user_id: i64) -> String {
    use diesel::prelude::*;
    use shopwave::db::schema::{sessions, users};
    let (first_name, role): (String, String) = users::table
        .find(user_id)
        .select((users::first_name, users::role))
        .first(conn)
        .expect("user exists");
    let user = serde_json::json!({ "id": user_id, "first_name": first_name, "role": role });
    let state =
        serde_json::json!({ "auth.uid": user_id.to_string(), "auth.user": user.to_string() });
    let key = shopwave::util::random_hex(32);
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(shopwave::util::sha256_hex(&key)),
            sessions::user_id.eq(user_id),
            sessions::state.eq(state.to_string()),
            sessions::expires_at.eq(shopwave::util::now() + chrono::Duration::days(1)),
        ))
        .execute(conn)
        .expect("insert session");
    let mut jar = actix_web::cookie::CookieJar::new();
    jar.private_mut(&actix_web::cookie::Key::derive_from(&TEST_SECRET))
        .add(actix_web::cookie::Cookie::new("sw_session", key));
    jar.get("sw_session")
        .expect("sealed cookie")
        .value()
        .to_owned()
}

fn serde_urlencoded_body(fields: &[(&str, &str)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
        .into_bytes()
}

/// Runs raw SQL, for tests that must prove the database itself refuses bad rows.
pub fn execute(conn: &mut DbConn, sql: &str) -> Result<(), diesel::result::Error> {
    conn.batch_execute(sql)
}

/// The real server (`web::serve`) for this database on a free loopback port, in a thread of its
/// own; returns once it accepts connections.
pub fn serve_on_loopback(db: &TestDb, config: WebConfig) -> std::net::SocketAddr {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let state = db.app_state(false);
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(shopwave::web::serve(state, config, addr))
    });
    for _ in 0..100 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return addr;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the server did not start");
}
