//! The test rig, adapted from the payments suite: a real Pay.nl simulator on a socket, a small
//! portal (axum) on another socket routing `POST /api/paynl/exchange` to
//! `PaymentService::handle_exchange`, seeded dossiers, and a `PlanService` over them.
#![allow(dead_code, clippy::inconsistent_digit_grouping)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::Money;
use payments::{PaymentConfig, PaymentService};
use paynl::sim::{SimConfig, Simulator};
use paynl::{PaynlClient, PaynlConfig};
use plans::{PlanConfig, PlanService};
use serde_json::{Value, json};
use store::Store;
use tokio::task::JoinHandle;

pub const KEY_ID: &str = "SL-1234-5678";
pub const SECRET: &str = "test-signing-secret";
pub const NUMBER: &str = "ISB-2026-000777";

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

pub struct Rig {
    pub store: Store,
    pub sim: Simulator,
    pub service: PaymentService,
    pub plans: PlanService,
    pub dossier_id: String,
    server: JoinHandle<()>,
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn exchange_route(
    State(service): State<PaymentService>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> (StatusCode, String) {
    let answer = service
        .handle_exchange(&headers, query.as_deref(), &body, Utc::now())
        .await;
    (answer.http_status, answer.body)
}

fn serve_portal(listener: tokio::net::TcpListener, service: PaymentService) -> JoinHandle<()> {
    let app = Router::new()
        .route("/api/paynl/exchange", post(exchange_route))
        .with_state(service);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}

fn client_config(base_url: &str) -> PaynlConfig {
    let mut config = PaynlConfig::new("AT-0000-0001", "api-token", KEY_ID).with_base_url(base_url);
    config.test_mode = true;
    config.connect_timeout = Duration::from_secs(1);
    config.timeout = Duration::from_secs(3);
    config.status_attempts = 2;
    config.retry_delay = Duration::from_millis(10);
    config
}

impl Rig {
    pub async fn start(store: Store) -> Rig {
        let sim_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sim = Simulator::start(sim_listener, sim_config()).await.unwrap();
        let portal_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let portal_url = format!("http://{}", portal_listener.local_addr().unwrap());
        let client = PaynlClient::new(client_config(sim.url())).unwrap();
        let config = PaymentConfig::new(&portal_url);
        let keyring = HashMap::from([(KEY_ID.to_string(), SECRET.to_string())]);
        let service = PaymentService::new(store.clone(), client, keyring, config);
        let server = serve_portal(portal_listener, service.clone());
        let plans =
            PlanService::new(store.clone(), PlanConfig::default(), service.clone()).unwrap();
        let dossier_id = seed(&store, NUMBER).await;
        Rig {
            store,
            sim,
            service,
            plans,
            dossier_id,
            server,
        }
    }

    pub async fn open(&self) -> Money {
        open_total(&self.store, &self.dossier_id).await
    }

    /// Pays an order in the simulator and waits until its exchange call was answered.
    pub async fn pay_order(&self, payment_id: &str) {
        let order = self
            .store
            .payment(payment_id)
            .await
            .unwrap()
            .unwrap()
            .paynl_order_id
            .unwrap();
        let (code, json) = control(
            self.sim.url(),
            "POST",
            &format!("/_sim/orders/{order}/pay"),
            None,
        )
        .await;
        assert_eq!(code, 200, "{json}");
        let call_id = json["call_id"].as_u64().expect("an exchange call was sent");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (_, records) = control(
                self.sim.url(),
                "GET",
                &format!("/_sim/exchanges?order={order}"),
                None,
            )
            .await;
            if let Some(record) = records.as_array().and_then(|all| {
                all.iter()
                    .find(|r| r["call_id"] == json!(call_id) && r["last"] == json!(true))
            }) {
                assert_eq!(record["outcome"], "delivered", "{record}");
                assert!(record["answer"].as_str().unwrap().starts_with("TRUE|"));
                return;
            }
            assert!(Instant::now() < deadline, "call {call_id} not settled");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

pub async fn open_total_on(store: &Store, dossier_id: &str, at: DateTime<Utc>) -> Money {
    claim::load_claim(store, dossier_id, claim::dutch_date(at))
        .await
        .unwrap()
        .open_total()
}

pub async fn open_total(store: &Store, dossier_id: &str) -> Money {
    claim::load_claim(store, dossier_id, claim::dutch_date(Utc::now()))
        .await
        .unwrap()
        .open_total()
}

/// Calls the simulator's control API; returns the HTTP status and the JSON answer.
pub async fn control(base: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let http = reqwest::Client::new();
    let url = format!("{base}{path}");
    let mut request = match method {
        "GET" => http.get(url),
        "POST" => http.post(url),
        "DELETE" => http.delete(url),
        other => panic!("unsupported method {other}"),
    };
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

/// The consumer dossier both suites start from.
pub use store::testing::seed_consumer_dossier as seed;
