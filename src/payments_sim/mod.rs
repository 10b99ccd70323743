//! The payment processor simulator: a service of its own that speaks the small part of Stripe's
//! HTTP API the shop uses. Every shop node reaches it over HTTP (`payments::Processor`), exactly
//! as it would reach a real processor, so all nodes of a shop see the same charges. Run it with
//! `shopwave payments-sim --bind ADDR --data-dir DIR`; `shopwave serve` with no processor
//! configured starts one inside its own process on a local port (`start`).
//!
//! | call | what it does |
//! |---|---|
//! | `POST /v1/customers` | a customer id to attach a card to (the simulator keeps no customers) |
//! | `POST /v1/checkout/sessions` | `mode=setup`, `customer`, `success_url`, `cancel_url`, `client_reference_id`: opens a card page (`hosted`) and answers its `id` and `url`, where the shop sends the shopper |
//! | `GET /v1/checkout/sessions/ID` | the session: `status` `open` or `complete`, and with `expand[]=setup_intent.payment_method` the card entered (token, brand, last four, expiry) |
//! | `GET`, `POST /pay/ID` | the card page itself, for the shopper's browser (no API key): the card typed there goes to the simulator only |
//! | `POST /v1/tokens` | `card[number]`, `card[exp_month]`, `card[exp_year]`, `card[cvc]` → a token with the card's brand, last four digits and expiry; 402 `card_error` for a card that cannot be used |
//! | `POST /v1/payment_intents` | `amount` (minor units), `currency`, `payment_method` (a token; `customer` is read and not checked), `metadata[shop_key]`: charges and captures at once; 402 `card_error` when the card is declined |
//! | `GET /v1/payment_intents/search` | `query=metadata['shop_key']:'KEY'` → the intent made under the shop's key, if any |
//! | `POST /v1/refunds` | `payment_intent` (or a seeded `charge`), `amount`: gives back up to what is left of the payment |
//! | `POST /v1/test_helpers/refusals` | `idempotency_key`, `message`: the call made later under that key is answered 402 with `message` (for tests of refusals) |
//!
//! Every call carries `Authorization: Bearer KEY`; every call that changes something carries an
//! `Idempotency-Key`, and repeating a key answers exactly what the first call answered, status and
//! body, a 500 included, as Stripe does. An answer is on disk before it is sent, and the books are
//! read back on start (`ledger`), so a restarted simulator remembers every charge.
//!
//! The shop never sees a card number: only the card page and `POST /v1/tokens` (which tests use
//! to make saved cards) take one, and the books keep the token, brand, last four and expiry.
//!
//! Test cards (any future expiry, any 3-digit code):
//!
//! | card number          | a charge                                                      |
//! |----------------------|---------------------------------------------------------------|
//! | 4000 0000 0000 0002  | is declined: "Your card was declined."                        |
//! | 4000 0000 0000 9995  | is declined: "Insufficient funds."                            |
//! | 4000 0000 0000 0119  | is captured, then answered with a 500 (a search finds it paid) |
//! | 4000 0000 0000 0259  | is answered with a 503 and never made (a search finds nothing) |
//! | 4000 0000 0000 6975  | is captured, but answered only after 3 seconds               |
//! | any other valid card | is captured                                                   |
//!
//! Tokens the demo seed stored (`tok_demo_…`) pay; charges the demo seed recorded (`ch_demo_…`)
//! can be refunded.
//!
//! Webhooks (`webhooks`): every charge, decline and refund is also an event
//! (`payment_intent.succeeded`, `payment_intent.payment_failed`, `refund.created`, with the
//! intent or refund as `data.object`) posted to the shop's endpoint, signed as
//! `payments::webhook` checks, until the shop answers 2xx.

mod api;
mod card_details;
mod cards;
mod hosted;
mod ledger;
mod webhooks;

pub use webhooks::Endpoint;

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_web::{App, HttpServer, web};

use api::Simulator;
use ledger::Ledger;

/// A simulator running in this process, on a port of its own; stopped when dropped.
pub struct Running {
    /// Where the shop reaches it, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    pub api_key: String,
    simulator: Arc<Simulator>,
    handle: actix_web::dev::ServerHandle,
    threads: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>>,
}

impl Running {
    /// The file the simulator keeps its books in (one JSON line per answer that changed them).
    pub fn books(&self) -> &Path {
        self.simulator.ledger.path()
    }

    /// Starts posting webhook events (those waiting included) to `endpoint`.
    pub fn deliver_to(&self, endpoint: Endpoint) -> std::io::Result<()> {
        let thread = spawn_deliveries(&self.simulator, endpoint)?;
        self.threads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(thread);
        Ok(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // `stop` sends the command at once; the returned future only waits for it.
        drop(self.handle.stop(false));
        self.simulator.outbox.stop();
        let threads = std::mem::take(
            self.threads
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn spawn_deliveries(
    simulator: &Arc<Simulator>,
    endpoint: Endpoint,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let (outbox, ledger) = (simulator.outbox.clone(), simulator.ledger.clone());
    std::thread::Builder::new()
        .name("payments-sim-webhooks".into())
        .spawn(move || webhooks::deliver(outbox, ledger, endpoint))
}

/// Starts a simulator keeping its books in `dir`, on a free local port, with its own thread.
pub fn start(dir: &Path, api_key: String) -> std::io::Result<Running> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let simulator = open(dir, api_key.clone())?;
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    let serving = simulator.clone();
    let thread = std::thread::Builder::new()
        .name("payments-sim".into())
        .spawn(move || {
            let system = actix_web::rt::System::new();
            let server = match server(listener, serving, Alone::No) {
                Ok(server) => server,
                Err(error) => {
                    let _ = handle_tx.send(Err(error));
                    return;
                }
            };
            let _ = handle_tx.send(Ok(server.handle()));
            if let Err(error) = system.block_on(server) {
                tracing::error!(%error, "the payment simulator stopped");
            }
        })?;
    let handle = handle_rx
        .recv()
        .map_err(|_| std::io::Error::other("the payment simulator did not start"))??;
    Ok(Running {
        url,
        api_key,
        simulator,
        handle,
        threads: std::sync::Mutex::new(vec![thread]),
    })
}

/// `shopwave payments-sim`: serves the simulator on `bind` until stopped, posting webhook
/// events to `endpoint` when there is one.
pub fn run(
    bind: &str,
    dir: &Path,
    api_key: String,
    endpoint: Option<Endpoint>,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(bind)?;
    let simulator = open(dir, api_key)?;
    if let Some(endpoint) = endpoint {
        tracing::info!(url = %endpoint.url, "webhook events go to the shop");
        spawn_deliveries(&simulator, endpoint)?;
    }
    tracing::info!(%bind, dir = %dir.display(), "payment simulator ready");
    actix_web::rt::System::new().block_on(server(listener, simulator, Alone::Yes)?)
}

fn open(dir: &Path, api_key: String) -> std::io::Result<Arc<Simulator>> {
    let ledger = Arc::new(Ledger::open(dir)?);
    let outbox = Arc::new(webhooks::Outbox::default());
    for event in ledger.undelivered() {
        outbox.push(event);
    }
    Ok(Arc::new(Simulator {
        ledger,
        api_key,
        outbox,
    }))
}

/// Whether the simulator is the process's only server (then it answers Ctrl-C itself).
#[derive(PartialEq, Eq)]
enum Alone {
    Yes,
    No,
}

fn server(
    listener: TcpListener,
    simulator: Arc<Simulator>,
    alone: Alone,
) -> std::io::Result<actix_web::dev::Server> {
    let simulator = web::Data::new(simulator);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(simulator.clone())
            .configure(api::routes)
            .configure(hosted::routes)
    })
    .workers(if alone == Alone::Yes { 2 } else { 1 })
    .worker_max_blocking_threads(8)
    .listen(listener)?;
    Ok(match alone {
        Alone::Yes => server.run(),
        Alone::No => server.disable_signals().run(),
    })
}
