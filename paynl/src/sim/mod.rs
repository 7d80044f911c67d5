//! A Pay.nl simulator: the same HTTP APIs as [`PaynlClient`](crate::PaynlClient) talks
//! to (Order API and REST API), a hosted payment page, exchange calls as Pay.nl sends them
//! (signed JSON for order status changes; refunds and chargebacks as unsigned form calls
//! naming an `EX-…` transaction) with Pay.nl's retry behaviour, and a JSON control API
//! under `/_sim/` for tests (see [`simulator_router`]; [`SimControl`] is its client).
//!
//! Everything is kept in memory; it is a sandbox, never a production service.
//!
//! In-process use from another crate's tests:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use paynl::sim::{SimConfig, Simulator};
//! use paynl::{PaynlClient, PaynlConfig};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let sim = Simulator::start(
//!     listener,
//!     SimConfig {
//!         signing_key_id: "SL-1234-5678".into(),
//!         signing_secret: "test-secret".into(),
//!         retry_schedule: vec![Duration::from_millis(50); 3],
//!         ..SimConfig::default()
//!     },
//! )
//! .await?;
//! let client = PaynlClient::new(
//!     PaynlConfig::new("AT-0000-0001", "api-token", "SL-1234-5678").with_base_url(sim.url()),
//! )?;
//! // Drive orders with the control API, e.g. SimControl::new(sim.url()).act(&id, "pay", None),
//! // then SimControl::refund(&id, Some(amount)) or SimControl::chargeback(&id, None).
//! # let _ = client; Ok(()) }
//! ```

mod api;
mod control;
mod delivery;
mod page;
mod remote;

pub use remote::{ControlError, Method, SimControl, SimReversal};

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, patch, post};
use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::client::TransactionKind;
use crate::exchange::SignatureAlgorithm;
use crate::status::PaymentState;

/// The body format of the exchange calls the simulator sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExchangeFormat {
    /// SIGNED_JSON_POST: JSON envelope with the order object, HMAC-signed headers.
    #[default]
    SignedJson,
    /// Legacy form-encoded POST (`action=new_ppt&order_id=…`), unsigned.
    FormPost,
}

/// The key id the simulator signs with unless told otherwise: an API token code, as Pay.nl
/// signs with the API username (AT-…) and its token.
pub const DEFAULT_SIGNING_KEY_ID: &str = "AT-0000-0000";
/// The key (API token) the simulator signs with unless told otherwise.
pub const DEFAULT_SIGNING_SECRET: &str = "simulator-api-token";

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Base URL browsers and clients reach the simulator at, used in `links.redirect`.
    /// `None` lets [`Simulator::start`] use the listener's address.
    pub public_url: Option<String>,
    /// When set, the Pay.nl API demands HTTP Basic auth with this user and password.
    pub credentials: Option<(String, String)>,
    /// Key id sent in `signature-keyid`. Pay.nl's convention is the API username (`AT-…`)
    /// with the API token as key ([`SimConfig::with_api_credentials`] sets both); an
    /// `SL-…` code with the sales-location secret works too.
    pub signing_key_id: String,
    /// Secret the exchange calls are signed with.
    pub signing_secret: String,
    /// HMAC hash for signatures.
    pub signing_algorithm: SignatureAlgorithm,
    /// Body format of the exchange calls for order status changes (the sales location's
    /// setting at Pay.nl).
    pub exchange_format: ExchangeFormat,
    /// Body format of the calls for refunds and chargebacks. Pay.nl sends those in the old,
    /// unsigned form format with an `EX-…` transaction id even where orders use signed JSON,
    /// so that is the default.
    pub refund_exchange_format: ExchangeFormat,
    /// How long one exchange call may take before it counts as failed (Pay.nl: 5 s).
    pub exchange_timeout: Duration,
    /// Waits before each retry of an unanswered exchange call; its length is the number
    /// of retries. Tests use milliseconds.
    pub retry_schedule: Vec<Duration>,
}

impl SimConfig {
    /// Demands HTTP Basic auth with `username` (an AT-code) and `token` on the API, and
    /// signs exchange calls with the same pair, as Pay.nl does.
    pub fn with_api_credentials(
        mut self,
        username: impl Into<String>,
        token: impl Into<String>,
    ) -> Self {
        let (username, token) = (username.into(), token.into());
        self.signing_key_id = username.clone();
        self.signing_secret = token.clone();
        self.credentials = Some((username, token));
        self
    }

    /// A guess at Pay.nl's scheme: 6 retries within about 2 hours (PAYNL.md gives no
    /// exact intervals).
    pub fn paynl_retry_schedule() -> Vec<Duration> {
        [60, 240, 600, 900, 1800, 3600]
            .into_iter()
            .map(Duration::from_secs)
            .collect()
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            public_url: None,
            credentials: None,
            signing_key_id: DEFAULT_SIGNING_KEY_ID.into(),
            signing_secret: DEFAULT_SIGNING_SECRET.into(),
            signing_algorithm: SignatureAlgorithm::Sha256,
            exchange_format: ExchangeFormat::SignedJson,
            refund_exchange_format: ExchangeFormat::FormPost,
            exchange_timeout: Duration::from_secs(5),
            retry_schedule: SimConfig::paynl_retry_schedule(),
        }
    }
}

/// The simulator's shared state (orders, faults, exchange log). Cheap to clone.
#[derive(Clone)]
pub struct SimState {
    shared: Arc<Shared>,
}

struct Shared {
    config: SimConfig,
    public_url: String,
    http: reqwest::Client,
    data: Mutex<Data>,
}

impl SimState {
    /// New, empty state. Without `public_url` in the config, links point at
    /// `http://127.0.0.1`; prefer [`Simulator::start`], which fills it in.
    pub fn new(config: SimConfig) -> Self {
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1".into())
            .trim_end_matches('/')
            .to_string();
        SimState {
            shared: Arc::new(Shared {
                public_url,
                http: reqwest::Client::new(),
                data: Mutex::new(Data::default()),
                config,
            }),
        }
    }

    /// Base URL used in the links the simulator hands out.
    pub fn public_url(&self) -> &str {
        &self.shared.public_url
    }

    fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.shared
            .data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The simulator's routes:
///
/// * Pay.nl's Order API: `POST /v1/orders`, `GET /v1/orders/{id}/status`; its REST API:
///   `GET /v2/transactions/{id}` (refunds and chargebacks by `EX-…` id, orders by order
///   id), `PATCH /v2/transactions/{id}/refund`. HTTP Basic auth when configured.
/// * Pages: `GET /` lists orders; `GET`/`POST /pay/{id}` is the hosted payment page.
/// * Control (JSON): `GET /_sim/orders`, `GET /_sim/orders/{id}`,
///   `POST /_sim/orders/{id}/{pay|cancel|expire|refund|chargeback|resend|exchange}`,
///   `GET|DELETE /_sim/exchanges`, `POST /_sim/exchanges/{call_id}/resend`,
///   `GET|POST|DELETE /_sim/faults`, `POST /_sim/reset`.
/// * Anything else: 404 or 405 with a JSON body in Pay.nl's error shape.
pub fn simulator_router(state: SimState) -> Router {
    let api = Router::new()
        .route("/v1/orders", post(api::create_order))
        .route("/v1/orders/{id}/status", get(api::order_status))
        .route("/v2/transactions/{id}", get(api::transaction))
        .route("/v2/transactions/{id}/refund", patch(api::refund))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::faults_and_auth,
        ));
    let control = Router::new()
        .route("/orders", get(control::list_orders))
        .route("/orders/{id}", get(control::get_order))
        .route("/orders/{id}/{action}", post(control::order_action))
        .route(
            "/exchanges",
            get(control::list_exchanges).delete(control::clear_exchanges),
        )
        .route("/exchanges/{call_id}/resend", post(control::resend_call))
        .route(
            "/faults",
            get(control::get_faults)
                .post(control::set_faults)
                .delete(control::clear_faults),
        )
        .route("/reset", post(control::reset));
    Router::new()
        .route("/", get(page::index))
        .route(
            "/pay/{id}",
            get(page::payment_page).post(page::payment_choice),
        )
        .merge(api)
        .nest("/_sim", control)
        .fallback(api::no_route)
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(state)
}

/// A simulator serving on a socket, for tests and local runs.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use paynl::sim::{SimConfig, Simulator};
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let sim = Simulator::start(listener, SimConfig::default()).await?;
/// let base_url = sim.url(); // e.g. http://127.0.0.1:41234
/// # let _ = base_url; Ok(()) }
/// ```
pub struct Simulator {
    url: String,
    state: SimState,
    server: JoinHandle<()>,
}

impl Simulator {
    /// Serves the simulator on `listener` in a background task until dropped.
    pub async fn start(listener: TcpListener, mut config: SimConfig) -> std::io::Result<Self> {
        let url = format!("http://{}", listener.local_addr()?);
        config.public_url.get_or_insert_with(|| url.clone());
        let state = SimState::new(config);
        let app = simulator_router(state.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "Pay.nl simulator stopped");
            }
        });
        Ok(Simulator { url, state, server })
    }

    /// The base URL the simulator listens on (`http://127.0.0.1:PORT`): use it as the
    /// client's base URL and for the control API.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The state behind the server, e.g. to mount the same simulator elsewhere.
    pub fn state(&self) -> &SimState {
        &self.state
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

// ---------------------------------------------------------------------------
// In-memory data

/// How many sent calls the simulator keeps for resending (a long-running sandbox must not
/// grow without bound).
const SENT_KEPT: usize = 10_000;

#[derive(Default)]
struct Data {
    orders: Vec<SimOrder>,
    faults: Faults,
    exchange_log: Vec<ExchangeRecord>,
    /// The last [`SENT_KEPT`] calls prepared, by call id, so one can be sent again byte
    /// for byte.
    sent: std::collections::BTreeMap<u64, delivery::Outgoing>,
    next_call_id: u64,
    next_seq: u64,
}

impl Data {
    /// The order holding refund or chargeback transaction `id`, and the transaction.
    fn find_transaction(&self, id: &str) -> Option<(&SimOrder, &SimTransaction)> {
        self.orders
            .iter()
            .find_map(|o| o.transactions.iter().find(|t| t.id == id).map(|t| (o, t)))
    }

    /// A new `EX-dddd-dddd-dddd` id, unique in this simulator.
    fn new_transaction_id(&self) -> String {
        let mut rng = rand::thread_rng();
        loop {
            let id = format!(
                "EX-{:04}-{:04}-{:04}",
                rng.gen_range(0..10_000),
                rng.gen_range(0..10_000),
                rng.gen_range(0..10_000)
            );
            if self.find_transaction(&id).is_none() {
                return id;
            }
        }
    }

    /// Finds an order by UUID or Pay.nl order id, as the real API accepts both.
    fn find_mut(&mut self, id: &str) -> Option<&mut SimOrder> {
        self.orders
            .iter_mut()
            .find(|o| o.id == id || o.order_id == id)
    }

    fn find(&self, id: &str) -> Option<&SimOrder> {
        self.orders.iter().find(|o| o.id == id || o.order_id == id)
    }
}

#[derive(Clone)]
struct SimPayment {
    id: String,
    code: i32,
    amount: i64,
}

/// A refund or chargeback: a transaction of its own at Pay.nl's REST API.
#[derive(Clone)]
struct SimTransaction {
    /// `EX-dddd-dddd-dddd`. Uncertain: chargebacks' ids; refunds' are `EX-…` per Pay.nl.
    id: String,
    kind: TransactionKind,
    amount: i64,
    /// Its own status code: -81 for a refund, -70/-71 for a chargeback. Uncertain: what
    /// Pay.nl reports for the refund transaction itself.
    code: i32,
    description: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(Clone)]
struct SimOrder {
    id: String,
    order_id: String,
    service_id: String,
    description: String,
    reference: Option<String>,
    amount: i64,
    return_url: Option<String>,
    exchange_url: Option<String>,
    test: bool,
    extra1: Option<String>,
    payment_method: Option<u32>,
    code: i32,
    captured: i64,
    refunded: i64,
    charged_back: i64,
    bank: Option<String>,
    payments: Vec<SimPayment>,
    transactions: Vec<SimTransaction>,
    created_at: DateTime<Utc>,
    modified_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
}

impl SimOrder {
    fn state(&self) -> PaymentState {
        PaymentState::from_code(self.code)
    }

    /// Pay.nl's order object, with `code` as its status (the current one, or an old
    /// one for deliberately stale exchange calls).
    fn to_json(&self, public_url: &str, code: i32) -> Value {
        let status = status_json(code);
        let method = self.payment_method.unwrap_or(10);
        let payments: Vec<Value> = self
            .payments
            .iter()
            .map(|p| {
                json!({
                    "id": p.id,
                    "paymentMethod": { "id": method },
                    "status": status_json(p.code),
                    "amount": amount_json(p.amount),
                })
            })
            .collect();
        json!({
            "id": self.id,
            "uuid": self.id,
            "orderId": self.order_id,
            "serviceId": self.service_id,
            "description": self.description,
            "reference": self.reference,
            "manualTransferCode": format!("1000 {}", &self.order_id[..4]),
            "status": status,
            "amount": amount_json(self.amount),
            "authorizedAmount": amount_json(self.captured),
            "capturedAmount": amount_json(self.captured),
            "integration": { "test": self.test },
            "type": "sale",
            "payments": payments,
            "createdAt": time(self.created_at),
            "modifiedAt": time(self.modified_at),
            "expiresAt": time(self.expires_at),
            "completedAt": self.completed_at.map(time),
            "links": {
                "redirect": format!("{public_url}/pay/{}", self.id),
                "status": format!("{public_url}/v1/orders/{}/status", self.id),
            },
        })
    }
}

impl SimOrder {
    /// The order as Pay.nl's REST API shows it (`GET /v2/transactions/{orderId}`), in the
    /// shape of the SDKs' `DeprecatedTransaction` / `TransactionStatusResponse`.
    fn to_rest_json(&self) -> Value {
        json!({
            "id": self.order_id,
            "orderId": self.order_id,
            // Uncertain: not in the SDK types (see `TransactionKind`'s derivation).
            "type": "sale",
            "serviceCode": self.service_id,
            "description": self.description,
            "reference": self.reference,
            "ipAddress": "127.0.0.1",
            "amount": amount_json(self.amount),
            "amountConverted": amount_json(self.amount),
            "amountPaid": amount_json(self.captured),
            "amountRefunded": amount_json(self.refunded),
            "status": status_json(self.code),
            "paymentMethod": { "id": self.payment_method.unwrap_or(10) },
            "integration": { "testMode": self.test },
            "stats": self.stats_json(),
            "expiresAt": time(self.expires_at),
            "createdAt": time(self.created_at),
            "modifiedAt": time(self.modified_at),
        })
    }

    /// One of its refunds or chargebacks as the REST API shows it.
    fn transaction_json(&self, t: &SimTransaction) -> Value {
        let (kind, refunded) = match t.kind {
            TransactionKind::Chargeback => ("chargeback", 0),
            _ => ("refund", t.amount),
        };
        json!({
            "id": t.id,
            // Uncertain: that a refund's orderId names the order it refunds.
            "orderId": self.order_id,
            "type": kind,
            "serviceCode": self.service_id,
            "description": t.description.clone().unwrap_or_else(|| self.description.clone()),
            "reference": self.reference,
            "amount": amount_json(t.amount),
            "amountPaid": amount_json(0),
            "amountRefunded": amount_json(refunded),
            "status": status_json(t.code),
            "paymentMethod": { "id": self.payment_method.unwrap_or(10) },
            "integration": { "testMode": self.test },
            "stats": self.stats_json(),
            "createdAt": time(t.created_at),
            "modifiedAt": time(t.created_at),
        })
    }

    fn stats_json(&self) -> Value {
        json!({
            "extra1": self.extra1.clone().unwrap_or_default(),
            "extra2": "", "extra3": "", "info": "", "tool": "", "object": "",
        })
    }
}

fn status_json(code: i32) -> Value {
    json!({ "code": code, "action": PaymentState::from_code(code).code_and_action().1 })
}

fn amount_json(cents: i64) -> Value {
    json!({ "value": cents, "currency": "EUR" })
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

// ---------------------------------------------------------------------------
// Faults

/// One injected fault. `count` is how many more requests (or exchange calls) it hits;
/// absent means until cleared, 0 clears it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Fault {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    /// HTTP status for `api_error` (default 503).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    /// Milliseconds for `api_stall` (default 30000), `exchange_delay` (default 1000) and
    /// `exchange_duplicate` (the copy's delay, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ms: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Faults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_error: Option<Fault>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_stall: Option<Fault>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exchange_drop: Option<Fault>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exchange_delay: Option<Fault>,
    /// Each call it hits is sent twice, the copy `ms` later (default 0): a duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exchange_duplicate: Option<Fault>,
}

impl Faults {
    /// Sets the faults present in `update`; a count of 0 clears that fault.
    fn merge(&mut self, update: Faults) {
        for (slot, new) in [
            (&mut self.api_error, update.api_error),
            (&mut self.api_stall, update.api_stall),
            (&mut self.exchange_drop, update.exchange_drop),
            (&mut self.exchange_delay, update.exchange_delay),
            (&mut self.exchange_duplicate, update.exchange_duplicate),
        ] {
            if let Some(fault) = new {
                *slot = (fault.count != Some(0)).then_some(fault);
            }
        }
    }
}

/// Uses up one hit of a fault, returning it if it applied.
fn take(slot: &mut Option<Fault>) -> Option<Fault> {
    let fault = slot.clone()?;
    match fault.count {
        None => {}
        Some(n) if n <= 1 => *slot = None,
        Some(n) => {
            if let Some(f) = slot.as_mut() {
                f.count = Some(n - 1);
            }
        }
    }
    Some(fault)
}

// ---------------------------------------------------------------------------
// Exchange log

#[derive(Debug, Clone, Serialize)]
struct ExchangeRecord {
    seq: u64,
    call_id: u64,
    order_id: String,
    paynl_order_id: String,
    reference: Option<String>,
    /// The refund or chargeback transaction the call announces.
    transaction_id: Option<String>,
    /// The order's status code the call announces (for a refund, the order's new status).
    status_code: i32,
    action: String,
    /// `signed_json` or `form`.
    format: &'static str,
    /// The call this one repeats byte for byte (a duplicate or a resend of one call).
    copy_of: Option<u64>,
    url: String,
    attempt: u32,
    /// `delivered`, `failed` or `dropped`.
    outcome: &'static str,
    http_status: Option<u16>,
    answer: Option<String>,
    error: Option<String>,
    /// True when no further attempt will follow for this call.
    last: bool,
    at: String,
}

// ---------------------------------------------------------------------------
// State changes shared by the payment page, the control API and the refund API

enum Transition {
    Pay {
        bank: Option<String>,
        amount: Option<i64>,
    },
    Cancel,
    Expire,
    Refund {
        amount: Option<i64>,
        description: Option<String>,
        /// Where to announce it instead of the order's exchange URL (the refund API's
        /// `exchangeUrl`).
        exchange_url: Option<String>,
    },
    Chargeback {
        /// -70 or -71 (default -71). Uncertain: the sources do not say how they differ.
        code: Option<i32>,
    },
}

#[derive(Debug)]
enum SimError {
    NotFound,
    Conflict(String),
}

struct Applied {
    order: Value,
    order_id: String,
    /// The amount this change moved (paid, refunded or charged back).
    amount: i64,
    /// The refund or chargeback transaction it made.
    transaction_id: Option<String>,
    call_id: Option<u64>,
}

impl SimState {
    fn apply(&self, id: &str, transition: Transition) -> Result<Applied, SimError> {
        let now = Utc::now();
        let mut data = self.lock();
        let new_transaction_id = data.new_transaction_id();
        let order = data.find_mut(id).ok_or(SimError::NotFound)?;
        let state = order.state();
        let conflict = |what: &str| {
            SimError::Conflict(format!(
                "cannot {what}: order is {} ({})",
                state.code_and_action().1,
                order_code(state)
            ))
        };
        let holds_money = matches!(
            state,
            PaymentState::Paid | PaymentState::PaidAmountMismatch | PaymentState::PartiallyRefunded
        );
        let mut announce_to = None;
        let (moved, transaction) = match transition {
            Transition::Pay { bank, amount } => {
                if state.is_final() {
                    return Err(conflict("pay"));
                }
                let paid = amount.unwrap_or(order.amount);
                if paid <= 0 {
                    return Err(SimError::Conflict("paid amount must be positive".into()));
                }
                order.code = if paid == order.amount { 100 } else { -51 };
                order.captured = paid;
                order.bank = bank.or_else(|| Some(page::BANKS[0].1.to_string()));
                order.completed_at = Some(now);
                (paid, None)
            }
            Transition::Cancel | Transition::Expire => {
                if state.is_final() {
                    return Err(conflict("end"));
                }
                order.code = if matches!(transition, Transition::Cancel) {
                    -90
                } else {
                    -80
                };
                order.completed_at = Some(now);
                (0, None)
            }
            Transition::Refund {
                amount,
                description,
                exchange_url,
            } => {
                if !holds_money {
                    return Err(conflict("refund"));
                }
                let left = order.captured - order.refunded;
                let amount = amount.unwrap_or(left);
                if amount <= 0 || amount > left {
                    return Err(SimError::Conflict(format!(
                        "refund amount must be 1..={left} cents"
                    )));
                }
                order.refunded += amount;
                order.code = if order.refunded == order.captured {
                    -81
                } else {
                    -82
                };
                announce_to = exchange_url;
                let transaction = SimTransaction {
                    id: new_transaction_id,
                    kind: TransactionKind::Refund,
                    amount,
                    code: -81,
                    description,
                    created_at: now,
                };
                (amount, Some(transaction))
            }
            Transition::Chargeback { code } => {
                if !holds_money {
                    return Err(conflict("charge back"));
                }
                let code = code.unwrap_or(-71);
                if !matches!(code, -70 | -71) {
                    return Err(SimError::Conflict(
                        "a chargeback's code is -70 or -71".into(),
                    ));
                }
                let amount = order.captured - order.refunded;
                order.charged_back = amount;
                order.code = code;
                let transaction = SimTransaction {
                    id: new_transaction_id,
                    kind: TransactionKind::Chargeback,
                    amount,
                    code,
                    description: Some("Chargeback".into()),
                    created_at: now,
                };
                (amount, Some(transaction))
            }
        };
        order.modified_at = now;
        if moved != 0 {
            let n = order.payments.len() + 1;
            order.payments.push(SimPayment {
                id: match &transaction {
                    Some(t) => t.id.clone(),
                    None => format!("PAY-{}-{n}", &order.order_id),
                },
                code: transaction.as_ref().map_or(order.code, |t| t.code),
                amount: moved,
            });
        }
        let code = order.code;
        let order_id = order.order_id.clone();
        let json = order.to_json(self.public_url(), code);
        let transaction_id = transaction.as_ref().map(|t| t.id.clone());
        let announce = match &transaction {
            Some(t) => delivery::Announce::Reversal {
                transaction_id: t.id.clone(),
                kind: t.kind,
                amount: t.amount,
            },
            None => delivery::Announce::Status { amount: moved },
        };
        if let Some(t) = transaction {
            order.transactions.push(t);
        }
        let call = self.prepare_exchange(&mut data, id, code, announce, announce_to);
        drop(data);
        let call_id = call.map(|c| self.dispatch(c));
        Ok(Applied {
            order: json,
            order_id,
            amount: moved,
            transaction_id,
            call_id,
        })
    }
}

fn order_code(state: PaymentState) -> i32 {
    state.code_and_action().0
}
