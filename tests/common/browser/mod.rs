//! Browser tests: the real app on a real socket, driven by headless Chromium through
//! chromedriver, so cookies, redirects, forms and (later) scripts behave as they do for a shopper.
//!
//! Helpers speak the shopper's language: visit a page, fill a field by its label, press a button
//! by its text, read the heading. Journeys that several tests share (sign up, sign in) live here
//! too, so cart, checkout and search journeys can build on them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use actix_web::HttpServer;
use actix_web::dev::ServerHandle;
use fantoccini::elements::Element;
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use super::{TestDb, web_config};

mod a11y;
mod crawl;
mod images;
mod keyboard;
#[path = "../browser_reports.rs"]
mod reports;
mod screen;
mod upload;
#[allow(unused_imports)]
pub use crawl::page_of;
// Not every test binary that includes `common` runs a browser.
#[allow(unused_imports)]
pub use screen::{DESKTOP, PHONE};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long a page may take to show what a test waits for: generous for a busy CI machine, yet a
/// broken page fails the test in seconds instead of hanging the suite.
/// How long chromedriver may take to start: on a machine busy with other browser tests (two
/// Chromiums running axe-core at once on two cores) it has needed more than `PATIENCE`.
const STARTUP: Duration = Duration::from_secs(60);

pub(super) const PATIENCE: Duration = Duration::from_secs(10);

/// One shopper at one headless Chromium, looking at the shop served from a fresh database.
pub struct Browser {
    // Fields drop in this order: the browser goes before the server, the server before its
    // database (a PostgreSQL schema is dropped with the `TestDb`).
    client: Client,
    driver: ChromeDriver,
    /// Shared with the other browsers on the same shop (`another`).
    server: std::sync::Arc<LiveServer>,
    db: std::sync::Arc<TestDb>,
    javascript: JavaScript,
    /// Every path (and query) axe-core checked, for tests that must see every page.
    checked: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

/// Whether the browser runs the shop's scripts. `Off` proves a page works with plain HTML forms.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum JavaScript {
    On,
    Off,
}

impl Browser {
    /// Serves the shop on `db` and opens a browser at it; `None` (the test is skipped) when
    /// chromedriver is not installed, except in CI, where browser tests must run.
    pub async fn open(db: TestDb) -> Option<Browser> {
        Browser::open_with(db, JavaScript::On).await
    }

    pub async fn open_with(db: TestDb, javascript: JavaScript) -> Option<Browser> {
        if !Path::new(CHROMEDRIVER).exists() {
            assert!(
                std::env::var("CI").is_err(),
                "CI must install chromium and chromium-driver so the browser tests run"
            );
            eprintln!("{CHROMEDRIVER} is not installed: skipping this browser test");
            return None;
        }
        let server = std::sync::Arc::new(LiveServer::start(&db));
        Some(Browser::at(server, std::sync::Arc::new(db), javascript).await)
    }

    /// A second person at a Chromium of their own (their own cookies) on the same shop; drop it
    /// before the first.
    pub async fn another(&self) -> Browser {
        Browser::at(self.server.clone(), self.db.clone(), self.javascript).await
    }

    async fn at(
        server: std::sync::Arc<LiveServer>,
        db: std::sync::Arc<TestDb>,
        javascript: JavaScript,
    ) -> Browser {
        let driver = ChromeDriver::start();
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(&driver.profile, javascript))
            .connect(&driver.url)
            .await
            .expect("chromedriver opens a Chromium session");
        Browser {
            client,
            driver,
            server,
            db,
            javascript,
            checked: Default::default(),
        }
    }

    // ----- looking around ------------------------------------------------------------------

    pub async fn visit(&self, path: &str) {
        let url = format!("{}{path}", self.server.url);
        self.client.goto(&url).await.expect("the page loads");
        self.checked_for_accessibility().await;
    }

    /// Where the browser is now, as path and query: what the address bar shows after redirects.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The whole address the browser is at, origin included (another site's page, say).
    pub async fn client_url(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("current URL")
            .to_string()
    }

    /// The page's main heading.
    pub async fn heading(&self) -> String {
        self.find(Locator::Css("h1"))
            .await
            .text()
            .await
            .expect("heading text")
    }

    /// All the text a person can see on the page.
    pub async fn text(&self) -> String {
        self.text_of("body").await
    }

    /// The visible text of the first element matching `css`, e.g. `"header"` or `"main"`.
    pub async fn text_of(&self, css: &str) -> String {
        self.patiently(|| async { self.client.find(Locator::Css(css)).await?.text().await })
            .await
            .expect("element text")
    }

    /// Waits until `text` is visible somewhere on the page.
    pub async fn expect_text(&self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let seen = self.text().await;
            if seen.contains(text) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "expected to see {text:?} on {}; the page shows:\n{seen}",
                    self.path().await
                );
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // ----- acting --------------------------------------------------------------------------

    /// Types `value` into the field labelled `label` (the label's own text, without hints such
    /// as "(optional)"), replacing what was there.
    pub async fn fill(&self, label: &str, value: &str) {
        let field = self.labelled(label).await;
        field.clear().await.expect("clear the field");
        field.send_keys(value).await.expect("type into the field");
    }

    /// Picks the option shown as `option` in the drop-down labelled `label`.
    pub async fn choose(&self, label: &str, option: &str) {
        self.labelled(label)
            .await
            .select_by_label(option)
            .await
            .unwrap_or_else(|e| panic!("no option {option:?} under {label:?}: {e}"));
    }

    /// Presses the button showing `text` and waits for the page it leads to.
    pub async fn submit(&self, text: &str) {
        let button = self
            .find(Locator::XPath(&format!(
                "//button[normalize-space()={}]",
                xpath_literal(text)
            )))
            .await;
        self.navigating(button.click()).await;
    }

    /// Follows the first link showing `text` (in page order, so the header's links come first).
    pub async fn click_link(&self, text: &str) {
        let link = self
            .find(Locator::XPath(&format!(
                "//a[normalize-space()={}]",
                xpath_literal(text)
            )))
            .await;
        self.navigating(link.click()).await;
    }

    // ----- journeys ------------------------------------------------------------------------

    /// Opens an account through the registration form and the link it mails (read from the
    /// test's mail folder); the shop signs the new shopper in.
    pub async fn sign_up(&self, first_name: &str, email: &str, password: &str) {
        self.visit("/account/register").await;
        self.fill("E-mail", email).await;
        self.fill("First name", first_name).await;
        self.fill("Password", password).await;
        self.submit("Create account").await;
        self.expect_text("We sent a link to finish creating your account")
            .await;
        self.visit(&self.mailed_link(&email.to_lowercase())).await;
        self.submit("Finish creating my account").await;
    }

    /// The link in the latest mail the shop wrote to `to`, as path and query.
    pub fn mailed_link(&self, to: &str) -> String {
        self.db.mailed_link(to)
    }

    /// Signs in through the login form, from whatever sign-in page the browser is on or the
    /// plain one.
    pub async fn sign_in(&self, email: &str, password: &str) {
        if !self.path().await.starts_with("/account/login") {
            self.visit("/account/login").await;
        }
        self.fill("E-mail", email).await;
        self.fill("Password", password).await;
        self.submit("Sign in").await;
    }

    pub async fn sign_out(&self) {
        self.submit("Sign out").await;
    }

    // ----- plumbing ------------------------------------------------------------------------

    /// Waits (bounded) for an element; a test that looks for something missing fails with the
    /// page it was on.
    async fn find(&self, locator: Locator<'_>) -> Element {
        match self.patiently(|| self.client.find(locator)).await {
            Ok(element) => element,
            Err(e) => panic!(
                "{locator:?} not found on {} ({e}); the page shows:\n{}",
                self.path().await,
                self.body_text_now().await
            ),
        }
    }

    /// Repeats a browser command until it succeeds or `PATIENCE` runs out, returning the last
    /// error then. A page that reloads itself (an import's progress) makes any command fail for
    /// a moment, not only a search for an element that is not there yet: an element read goes
    /// stale, or Chromium has no document to look in while the next one loads.
    async fn patiently<T, F, Command>(&self, command: Command) -> Result<T, CmdError>
    where
        Command: Fn() -> F,
        F: Future<Output = Result<T, CmdError>>,
    {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match command().await {
                Err(_) if Instant::now() < deadline => {
                    actix_web::rt::time::sleep(Duration::from_millis(20)).await
                }
                outcome => return outcome,
            }
        }
    }

    /// The page's text without waiting, for failure messages.
    async fn body_text_now(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("(no page body: {e})"),
        }
    }

    async fn labelled(&self, label: &str) -> Element {
        let label = xpath_literal(label);
        self.find(Locator::XPath(&format!(
            "//*[@id=//label[normalize-space(text()[1])={label}]/@for]"
        )))
        .await
    }

    /// Every page a journey reaches is checked for accessibility (`a11y`), when the browser runs
    /// scripts (axe-core is one).
    async fn checked_for_accessibility(&self) {
        if self.javascript == JavaScript::On {
            self.expect_accessible().await;
        }
    }

    /// Runs an action that leaves the page, then waits until the old page is gone, so the next
    /// step never reads the page it came from.
    async fn navigating(&self, action: impl Future<Output = Result<(), CmdError>>) {
        let old_page = self.find(Locator::Css("html")).await;
        action.await.expect("the click goes through");
        let deadline = Instant::now() + PATIENCE;
        loop {
            match old_page.tag_name().await {
                Err(CmdError::Standard(e)) if e.error == ErrorStatus::StaleElementReference => {
                    return self.checked_for_accessibility().await;
                }
                _ if Instant::now() > deadline => {
                    panic!("the browser stayed on {}", self.path().await)
                }
                _ => actix_web::rt::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
}

/// Headless Chromium as this machine needs it: no sandbox (tests run as root), and none of the
/// background connections to Google that a closed network refuses.
fn capabilities(
    profile: &tempfile::TempDir,
    javascript: JavaScript,
) -> fantoccini::wd::Capabilities {
    let mut args = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--window-size=1280,900".to_owned(),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    if javascript == JavaScript::Off {
        args.push("--blink-settings=scriptEnabled=false".to_owned());
    }
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
    });
    match capabilities {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

/// An XPath string literal for `text`, whatever quotes it contains.
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// The shop on 127.0.0.1 at a port of its own, in a thread with its own actix system, stopped
/// when dropped.
struct LiveServer {
    url: String,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
    /// The background indexer, as `serve` runs it, so a search finds what a journey changed.
    _indexing: shopwave::search::Running,
}

impl LiveServer {
    fn start(db: &TestDb) -> LiveServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("bound address"));
        db.serve_at(&url);
        let (state, config) = (db.app_state(false), web_config());
        let indexer = shopwave::search::Indexer::new(state.search.clone()).expect("search writer");
        let indexing = shopwave::search::spawn(
            std::sync::Arc::new(indexer),
            db.pool.clone(),
            Duration::from_millis(20),
        );
        let (handle_tx, handle_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server =
                    HttpServer::new(move || shopwave::web::app(state.clone(), config.clone()))
                        .workers(2)
                        .disable_signals()
                        .listen(listener)
                        .expect("serve on the bound socket")
                        .run();
                handle_tx
                    .send(server.handle())
                    .expect("test waits for the handle");
                server.await.expect("the server runs until stopped");
            })
        });
        let handle = handle_rx.recv().expect("the server starts");
        LiveServer {
            url,
            handle,
            thread: Some(thread),
            _indexing: indexing,
        }
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        // `stop` sends its command at once; the returned future only reports completion, which
        // joining the thread waits for instead.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A chromedriver process on a port it picked, with a throw-away Chromium profile. Dropping it
/// ends chromedriver and every Chromium it started, also when the test failed.
struct ChromeDriver {
    url: String,
    process: Child,
    profile: tempfile::TempDir,
}

impl ChromeDriver {
    fn start() -> ChromeDriver {
        let mut process = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            // A process group of its own, so cleanup can reach the Chromium processes too.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let Some(port) = read_port(process.stdout.take().expect("piped stdout")) else {
            kill_group(&mut process);
            panic!("chromedriver did not report its port within {STARTUP:?}");
        };
        ChromeDriver {
            url: format!("http://127.0.0.1:{port}"),
            process,
            profile: tempfile::tempdir().expect("a profile directory"),
        }
    }
}

/// Ends chromedriver and whatever is left of its process group (a hung driver, an orphaned
/// Chromium).
#[allow(unsafe_code)]
fn kill_group(process: &mut Child) {
    if let Ok(pid) = libc::pid_t::try_from(process.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group we created for
        // chromedriver; it touches no memory.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
    let _ = process.wait();
}

/// Reads chromedriver's "started successfully on port N." line; a thread keeps draining the
/// output afterwards so chromedriver never blocks on a full pipe.
fn read_port(stdout: impl Read + Send + 'static) -> Option<u16> {
    let (port_tx, port_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                let _ = port_tx.send(rest.trim_end_matches('.').trim().parse::<u16>().ok());
            }
        }
    });
    port_rx.recv_timeout(STARTUP).ok().flatten()
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // Ask politely first: chromedriver's /shutdown quits its Chromium sessions cleanly.
        if let Some(address) = self.url.strip_prefix("http://")
            && let Ok(mut stream) = TcpStream::connect(address)
        {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = stream.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
            let _ = stream.read(&mut [0; 256]);
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline && matches!(self.process.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        // Then make sure nothing of it outlives the test.
        kill_group(&mut self.process);
    }
}
