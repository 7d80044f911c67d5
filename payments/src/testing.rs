//! A test rig for suites that pay (this crate's, `plans`'): a real Pay.nl simulator on a
//! socket, a small portal (axum) on another socket routing `POST /api/paynl/exchange` to
//! [`PaymentService::handle_exchange`], a seeded consumer dossier, and helpers to drive the
//! simulator's control API and read the books. Behind the `testing` feature; it panics on
//! failure, as tests want.
#![allow(clippy::inconsistent_digit_grouping)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::{DossierId, Money, PaymentId};
use paynl::sim::{SimConfig, SimControl, Simulator};
use paynl::{PaynlClient, PaynlConfig};
use serde_json::{Value, json};
use store::{LedgerEntry, Payment, Store};
use tokio::task::JoinHandle;

use crate::{PayAmount, PayError, PayPurpose, PayRequest, PaymentConfig, PaymentService, Started};

/// The simulator's signing key id, which our keyring knows.
pub const KEY_ID: &str = "SL-1234-5678";
/// The secret both sides sign exchange calls with.
pub const SECRET: &str = "test-signing-secret";
/// The seeded dossier's number.
pub const NUMBER: &str = "ISB-2026-000777";

/// Euros as cents, for short amounts in tests.
pub fn eur(cents: i64) -> Money {
    Money::from_cents(cents)
}

/// Fast retries so tests stay short.
pub fn sim_config() -> SimConfig {
    SimConfig {
        signing_key_id: KEY_ID.into(),
        signing_secret: SECRET.into(),
        exchange_timeout: Duration::from_secs(3),
        retry_schedule: vec![Duration::from_millis(20); 2],
        ..SimConfig::default()
    }
}

/// How to start a [`Rig`].
pub struct Options {
    /// The simulator's settings.
    pub sim: SimConfig,
    /// The secret our keyring holds for [`KEY_ID`] (a wrong one makes every call fail).
    pub our_secret: String,
    /// Our Pay.nl client's timeout.
    pub client_timeout: Duration,
    /// Adjusts the service's config after the rig's settings (a €25 minimum part payment,
    /// payments left open 10 minutes count as stale).
    pub tweak: fn(&mut PaymentConfig),
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sim: sim_config(),
            our_secret: SECRET.into(),
            client_timeout: Duration::from_secs(3),
            tweak: |_| {},
        }
    }
}

/// How long each exchange call took the portal to answer (the status re-read and booking
/// included), in arrival order.
pub type Latencies = Arc<Mutex<Vec<Duration>>>;

/// A running simulator and exchange endpoint over a seeded dossier; stops its server when dropped.
pub struct Rig {
    /// How long each exchange call took to answer.
    pub latencies: Latencies,
    /// The database.
    pub store: Store,
    /// The Pay.nl simulator.
    pub sim: Simulator,
    /// The service under test.
    pub service: PaymentService,
    /// The seeded dossier's id.
    pub dossier_id: DossierId,
    /// Where the exchange endpoint listens.
    pub portal_url: String,
    server: JoinHandle<()>,
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn exchange_route(
    State((service, latencies)): State<(PaymentService, Latencies)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> (StatusCode, String) {
    let started = Instant::now();
    let answer = service
        .handle_exchange(
            &headers,
            query.as_deref(),
            &body,
            Some(peer.ip()),
            Utc::now(),
        )
        .await;
    latencies
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(started.elapsed());
    (answer.http_status, answer.body)
}

/// The portal's exchange endpoint over `service`, on `listener`.
pub fn serve_portal(
    listener: tokio::net::TcpListener,
    service: PaymentService,
    latencies: Latencies,
) -> JoinHandle<()> {
    let app = Router::new()
        .route("/api/paynl/exchange", post(exchange_route))
        .with_state((service, latencies));
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    })
}

/// A Pay.nl client config for the simulator at `base_url`: test mode, quick retries.
pub fn client_config(base_url: &str, timeout: Duration) -> PaynlConfig {
    let mut config = PaynlConfig::new("AT-0000-0001", "api-token", KEY_ID).with_base_url(base_url);
    config.test_mode = true;
    config.connect_timeout = Duration::from_secs(1);
    config.timeout = timeout;
    config.status_attempts = 2;
    config.retry_delay = Duration::from_millis(10);
    config
}

impl Rig {
    /// The rig with the default [`Options`].
    pub async fn start(store: Store) -> Rig {
        Rig::with(store, Options::default()).await
    }

    /// The rig with `options`.
    pub async fn with(store: Store, options: Options) -> Rig {
        let sim_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sim = Simulator::start(sim_listener, options.sim).await.unwrap();
        let portal_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let portal_url = format!("http://{}", portal_listener.local_addr().unwrap());
        let client = PaynlClient::new(client_config(sim.url(), options.client_timeout)).unwrap();
        let mut config = PaymentConfig::new(&portal_url);
        config.rules.minimum_part_payment = eur(25_00);
        config.stale_after = chrono::Duration::minutes(10);
        (options.tweak)(&mut config);
        let keyring = HashMap::from([(KEY_ID.to_string(), options.our_secret)]);
        let service =
            PaymentService::new(booking::Books::new(store.clone()), client, keyring, config);
        let latencies = Latencies::default();
        let server = serve_portal(portal_listener, service.clone(), latencies.clone());
        let dossier_id = seed(&store, NUMBER).await;
        Rig {
            latencies,
            store,
            sim,
            service,
            dossier_id,
            portal_url,
            server,
        }
    }

    /// What is open on the seeded dossier now.
    pub async fn open(&self) -> Money {
        open_total(&self.store, &self.dossier_id).await
    }

    /// What is open on the seeded dossier on the Dutch day of `at`.
    pub async fn open_on(&self, at: DateTime<Utc>) -> Money {
        open_total_on(&self.store, &self.dossier_id, at).await
    }

    /// The seeded dossier's ledger.
    pub async fn ledger(&self) -> Vec<LedgerEntry> {
        self.store.ledger_entries(&self.dossier_id).await.unwrap()
    }

    /// A stored payment, which must exist.
    pub async fn payment(&self, id: &PaymentId) -> Payment {
        self.store.payment(id).await.unwrap().unwrap()
    }

    /// Starts a part payment of `cents` with intent key `key`.
    pub async fn pay(&self, cents: i64, key: &str) -> Result<Started, PayError> {
        self.service
            .start(
                &self.dossier_id,
                &PayRequest {
                    amount: PayAmount::Exact(eur(cents)),
                    purpose: PayPurpose::Part,
                    intent_key: key.into(),
                },
                Utc::now(),
            )
            .await
    }

    /// Starts a payment that must succeed; returns it with its Pay.nl order id.
    pub async fn started(&self, cents: i64, key: &str) -> (Started, String) {
        let started = self.pay(cents, key).await.unwrap();
        let order = self
            .payment(&started.payment_id)
            .await
            .paynl_order_id
            .unwrap();
        (started, order)
    }

    /// The simulator's control API.
    pub fn control(&self) -> SimControl {
        SimControl::new(self.sim.url())
    }

    /// `POST /_sim/orders/{order}/{action}`; returns the call id of the exchange call sent.
    pub async fn act(&self, order: &str, action: &str, body: Option<Value>) -> u64 {
        self.control()
            .act(order, action, body.as_ref())
            .await
            .unwrap_or_else(|e| panic!("{action}: {e}"))
    }

    /// Waits until the simulator is done with call `call_id` (answered, or given up);
    /// returns its final record.
    pub async fn settled(&self, order: &str, call_id: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let records = self.exchange_records(order).await;
            if let Some(record) = records
                .into_iter()
                .find(|r| r["call_id"] == json!(call_id) && r["last"] == json!(true))
            {
                return record;
            }
            assert!(Instant::now() < deadline, "call {call_id} not settled");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Every record of the order's calls (attempts included).
    pub async fn exchange_records(&self, order: &str) -> Vec<Value> {
        self.control()
            .exchanges(Some(order))
            .await
            .expect("the exchange log")
    }

    /// The simulator's orders.
    pub async fn sim_orders(&self) -> Vec<Value> {
        self.control().orders().await.expect("the orders")
    }

    /// Pays `payment_id`'s order in the simulator and waits until our portal accepted the
    /// exchange call it sent.
    pub async fn pay_order(&self, payment_id: &PaymentId) {
        let order = self.payment(payment_id).await.paynl_order_id.unwrap();
        let call_id = self.act(&order, "pay", None).await;
        let record = self.settled(&order, call_id).await;
        assert_eq!(record["outcome"], "delivered", "{record}");
        assert!(record["answer"].as_str().unwrap().starts_with("TRUE|"));
    }

    /// Sets the simulator's faults (`POST /_sim/faults`).
    pub async fn fault(&self, faults: Value) {
        self.control()
            .set_faults(&faults)
            .await
            .expect("set the faults");
    }
}

/// What is open on the dossier now.
pub async fn open_total(store: &Store, dossier_id: &DossierId) -> Money {
    open_total_on(store, dossier_id, Utc::now()).await
}

/// What is open on the dossier on the Dutch day of `at`.
pub async fn open_total_on(store: &Store, dossier_id: &DossierId, at: DateTime<Utc>) -> Money {
    claim::load_claim(store, dossier_id, claim::dutch_date(at))
        .await
        .unwrap()
        .open_total()
}

/// A date, which must exist.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Noon (UTC) on that day.
pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

/// The consumer dossier both suites start from.
pub use store::testing::seed_consumer_dossier as seed;
